with

source as (

    select * from {{ source('analysis', 'report_sections') }}

),

final as (

    select
        report_id,
        text_status,
        doc_chars,
        page_url,
        section_no,
        section_key,
        found_by,
        found_by is not null as is_found,
        start_offset,
        end_offset,
        text as section_text,
        analysis_version
    from source

)

select * from final
