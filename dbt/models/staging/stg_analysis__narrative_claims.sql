with

source as (

    select * from {{ source('analysis', 'narrative_claims') }}

),

final as (

    select
        report_id,
        claim_no,
        report_id || ':' || claim_no as claim_id,
        claim_key,
        claimed_value,
        unit,
        claim_form,
        qualifier,
        section_no,
        span_start,
        span_end,
        phrase,
        sentence,
        analysis_version
    from source

)

select * from final
