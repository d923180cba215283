-- Cells of every parsed report joined to the official template: table 三 by its layout, tables 二 and 四
-- by format.
with

cells as (

    select * from {{ ref('int_report_cells') }}

),

template as (

    select * from {{ ref('stg_reports__template_rows') }}

),

final as (

    select
        cells.*,
        template.template_format,
        template.row_order,
        template.col_order,
        template.group_key,
        template.group_order,
        template.label_zh,
        template.label_en,
        template.group_label_zh,
        template.group_label_en,
        template.col_label_zh,
        template.col_label_en
    from cells
    inner join template
        on
            cells.table_name = template.table_name
            and (case when cells.table_name = 'table3' then cells.table3_layout else cells.format end)
            = template.template_format
            and cells.row_key = template.row_key
            and cells.col_key = template.col_key

)

select * from final
