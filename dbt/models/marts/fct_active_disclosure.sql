{{ config(**report_incremental_config()) }}

with

cells as (

    select * from {{ ref('int_cell_trust') }}
    where
        is_canonical
        and table_name = 'table2'
        and {{ report_changed_filter(ref('int_report_versions')) }}

),

final as (

    select
        report_id,
        agency,
        report_year,
        format,
        group_key as clause,
        row_key as item_key,
        row_order as item_order,
        group_label_zh as item_row_label_zh,
        col_label_zh as item_column_label_zh,
        label_en as item_label_en,
        reported_value,
        value_status,
        value_rule,
        in_passing_identity,
        in_failing_identity,
        is_safe,
        value_raw
    from cells

)

select * from final
