with

source as (

    select * from {{ source('raw', 'template_rows') }}

),

final as (

    select
        table_name,
        format as template_format,
        row_key,
        col_key,
        row_order,
        col_order,
        group_key,
        group_order,
        label_zh,
        label_en,
        group_label_zh,
        group_label_en,
        col_label_zh,
        col_label_en
    from source

)

select * from final
