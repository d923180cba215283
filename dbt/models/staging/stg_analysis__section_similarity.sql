with

source as (

    select * from {{ source('analysis', 'section_similarity') }}

),

final as (

    select
        report_id,
        prev_report_id,
        section_no,
        chars,
        prev_chars,
        jaccard,
        containment,
        passage,
        prev_passage,
        passage_score,
        analysis_version
    from source

)

select * from final
