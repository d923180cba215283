-- A report's fee row depends on its raw.reports row and its cells alone (its version covers both), so
-- the model is incremental by report (macros/report_incremental.sql).
{{ config(**report_incremental_config()) }}

with

reports as (

    select * from {{ ref('stg_reports__reports') }}
    where
        status = 'parsed'
        and is_canonical
        and {{ report_changed_filter(ref('int_report_versions')) }}

),

cells as (

    select * from {{ ref('int_report_cells') }}
    where is_canonical and {{ report_changed_filter(ref('int_report_versions')) }}

),

admin_fees as (

    select
        report_id,
        reported_value as admin_fees_10k_yuan,
        value_status as admin_fees_value_status,
        value_raw as admin_fees_raw
    from cells
    where table_name = 'table2' and row_key = 'admin_fees_10k_yuan'

),

overdue_fee as (

    select
        report_id,
        reported_value as overdue_fee_requests,
        value_status as overdue_fee_requests_value_status
    from cells
    where table_name = 'table3' and row_key = 'other_overdue_fee' and col_key = 'total'

),

final as (

    select
        reports.report_id,
        reports.agency,
        reports.report_year,
        reports.format,
        admin_fees.admin_fees_10k_yuan,
        admin_fees.admin_fees_10k_yuan * 10000 as admin_fees_yuan,
        admin_fees.admin_fees_value_status,
        admin_fees.admin_fees_raw,
        reports.fee_reported,
        reports.fee_charged,
        reports.fee_amount_yuan,
        reports.fee_text_raw,
        cast(overdue_fee.overdue_fee_requests as bigint) as overdue_fee_requests,
        overdue_fee.overdue_fee_requests_value_status
    from reports
    left join admin_fees on reports.report_id = admin_fees.report_id
    left join overdue_fee on reports.report_id = overdue_fee.report_id

)

select * from final
