with

source as (

    select * from {{ source('raw', 'reports') }}

),

final as (

    select
        report_id,
        file_name,
        file_paths,
        file_paths_bytes,
        coalesce(path_decoding, 'utf-8') as path_decoding,
        size_bytes,
        source_kind,
        encoding,
        script,
        status,
        quarantine_reason,
        quarantine_message,
        format,
        table3_layout,
        agency,
        report_year,
        publish_date,
        source_url,
        fee_reported,
        fee_charged,
        fee_amount_yuan,
        fee_text_raw,
        agency_year_key,
        duplicate_of,
        coalesce(is_canonical, false) as is_canonical,
        parser_version,
        loaded_at
    from source

)

select * from final
