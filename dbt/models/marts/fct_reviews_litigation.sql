{{ config(**report_incremental_config()) }}

with

cells as (

    select * from {{ ref('int_cell_trust') }}
    where
        is_canonical
        and table_name = 'table4'
        and {{ report_changed_filter(ref('int_report_versions')) }}

),

final as (

    select
        report_id,
        agency,
        report_year,
        format,
        row_key as proceeding,
        row_order as proceeding_order,
        label_zh as proceeding_label_zh,
        label_en as proceeding_label_en,
        col_key as result,
        col_order as result_order,
        col_label_zh as result_label_zh,
        col_label_en as result_label_en,
        cast(reported_value as bigint) as reported_count,
        value_status,
        value_rule,
        in_passing_identity,
        in_failing_identity,
        is_safe,
        value_raw
    from cells

)

select * from final
