with

cells as (

    select * from {{ ref('int_canonical_cells') }}
    where table_name = 'table3'

),

template as (

    select * from {{ ref('stg_reports__template_rows') }}
    where table_name = 'table3'

),

final as (

    select
        cells.report_id,
        cells.agency,
        cells.report_year,
        cells.format,
        cells.table3_layout,
        template.group_key as outcome_group,
        template.group_order as outcome_group_order,
        template.group_label_zh as outcome_group_label_zh,
        template.group_label_en as outcome_group_label_en,
        cells.row_key as outcome_key,
        template.row_order as outcome_order,
        template.label_zh as outcome_label_zh,
        template.label_en as outcome_label_en,
        cells.col_key as applicant_type,
        template.col_order as applicant_order,
        template.col_label_zh as applicant_label_zh,
        template.col_label_en as applicant_label_en,
        cast(cells.reported_value as bigint) as reported_count,
        cells.value_raw
    from cells
    inner join template
        on
            cells.table3_layout = template.template_format
            and cells.row_key = template.row_key
            and cells.col_key = template.col_key

)

select * from final
