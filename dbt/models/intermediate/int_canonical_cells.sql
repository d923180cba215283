-- Cells of the reports the marts count: parsed, and canonical for their agency-year.
with

reports as (

    select * from {{ ref('stg_reports__reports') }}

),

cells as (

    select * from {{ ref('stg_reports__cells') }}

),

canonical as (

    select
        report_id,
        agency,
        report_year,
        format,
        table3_layout
    from reports
    where status = 'parsed' and is_canonical

),

final as (

    select
        cells.report_id,
        canonical.agency,
        canonical.report_year,
        canonical.format,
        canonical.table3_layout,
        cells.table_name,
        cells.row_key,
        cells.col_key,
        cells.reported_value,
        cells.value_raw
    from cells
    inner join canonical on cells.report_id = canonical.report_id

)

select * from final
