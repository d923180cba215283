with

cells as (

    select * from {{ ref('int_canonical_cells') }}
    where table_name = 'table2'

),

template as (

    select * from {{ ref('stg_reports__template_rows') }}
    where table_name = 'table2'

),

final as (

    select
        cells.report_id,
        cells.agency,
        cells.report_year,
        cells.format,
        template.group_key as clause,
        cells.row_key as item_key,
        template.row_order as item_order,
        template.group_label_zh as item_row_label_zh,
        template.col_label_zh as item_column_label_zh,
        template.label_en as item_label_en,
        cells.reported_value,
        cells.value_raw
    from cells
    inner join template
        on
            cells.format = template.template_format
            and cells.row_key = template.row_key

)

select * from final
