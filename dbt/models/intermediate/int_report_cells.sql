-- Cells of every parsed report with the report's attributes. The fct marts keep the canonical ones;
-- dim_report grades every parsed report, duplicates included.
with

reports as (

    select * from {{ ref('stg_reports__reports') }}

),

cells as (

    select * from {{ ref('stg_reports__cells') }}

),

parsed as (

    select
        report_id,
        agency,
        report_year,
        format,
        table3_layout,
        is_canonical
    from reports
    where status = 'parsed'

),

final as (

    select
        cells.report_id,
        parsed.agency,
        parsed.report_year,
        parsed.format,
        parsed.table3_layout,
        parsed.is_canonical,
        cells.table_name,
        cells.row_key,
        cells.col_key,
        cells.reported_value,
        cells.value_status,
        cells.value_rule,
        cells.value_raw
    from cells
    inner join parsed on cells.report_id = parsed.report_id

)

select * from final
