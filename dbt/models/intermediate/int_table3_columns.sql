-- Table 三 operands of S1 and S2, one row per report × applicant column. A NULL operand stays NULL.
with

cells as (

    select * from {{ ref('int_canonical_cells') }}
    where table_name = 'table3'

),

template as (

    select * from {{ ref('stg_reports__template_rows') }}
    where table_name = 'table3'

),

labelled as (

    select
        cells.*,
        template.group_key
    from cells
    inner join template
        on
            cells.table3_layout = template.template_format
            and cells.row_key = template.row_key
            and cells.col_key = template.col_key

),

final as (

    select
        report_id,
        col_key,
        max(reported_value) filter (where row_key = 'new_received') as new_received,
        max(reported_value) filter (where row_key = 'carried_over') as carried_over,
        max(reported_value) filter (where row_key = 'total_processed') as total_processed,
        max(reported_value) filter (where row_key = 'carried_forward') as carried_forward,
        sum(reported_value) filter (
            where group_key not in ('received', 'total', 'carried_forward')
        ) as results_sum,
        count(*) filter (where group_key not in ('received', 'total', 'carried_forward')) as result_rows,
        count(reported_value) filter (
            where group_key not in ('received', 'total', 'carried_forward')
        ) as result_rows_reported
    from labelled
    group by report_id, col_key

)

select * from final
