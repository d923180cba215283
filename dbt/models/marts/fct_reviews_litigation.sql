with

cells as (

    select * from {{ ref('int_canonical_cells') }}
    where table_name = 'table4'

),

template as (

    select * from {{ ref('stg_reports__template_rows') }}
    where table_name = 'table4'

),

final as (

    select
        cells.report_id,
        cells.agency,
        cells.report_year,
        cells.format,
        cells.row_key as proceeding,
        template.row_order as proceeding_order,
        template.label_zh as proceeding_label_zh,
        template.label_en as proceeding_label_en,
        cells.col_key as result,
        template.col_order as result_order,
        template.col_label_zh as result_label_zh,
        template.col_label_en as result_label_en,
        cast(cells.reported_value as bigint) as reported_count,
        cells.value_raw
    from cells
    inner join template
        on
            cells.format = template.template_format
            and cells.row_key = template.row_key
            and cells.col_key = template.col_key

)

select * from final
