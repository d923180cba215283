-- Table 三 operands of S1 and S2, one row per report × applicant column. A NULL operand stays NULL.
with

cells as (

    select * from {{ ref('int_labelled_cells') }}
    where table_name = 'table3'

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
    from cells
    group by report_id, col_key

)

select * from final
