with

source as (

    select * from {{ source('raw', 'report_cells') }}

),

final as (

    select
        report_id,
        table_name,
        row_key,
        col_key,
        value as reported_value,
        value_status,
        value_rule,
        value_raw,
        source_line,
        source_offset,
        source_page
    from source

)

select * from final
