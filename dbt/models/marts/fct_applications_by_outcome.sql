{{ config(**report_incremental_config()) }}

with

cells as (

    select * from {{ ref('int_cell_trust') }}
    where
        is_canonical
        and table_name = 'table3'
        and {{ report_changed_filter(ref('int_report_versions')) }}

),

final as (

    select
        report_id,
        agency,
        report_year,
        format,
        table3_layout,
        group_key as outcome_group,
        group_order as outcome_group_order,
        group_label_zh as outcome_group_label_zh,
        group_label_en as outcome_group_label_en,
        row_key as outcome_key,
        row_order as outcome_order,
        label_zh as outcome_label_zh,
        label_en as outcome_label_en,
        col_key as applicant_type,
        col_order as applicant_order,
        col_label_zh as applicant_label_zh,
        col_label_en as applicant_label_en,
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
