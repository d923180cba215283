-- Strict identities S1–S4 (FORMAT_SPEC §8), recomputed from the reported numbers.
-- A rule with a NULL operand is not_assessable; NULL is never read as 0. One exception makes S2
-- fail rather than not_assessable: a reported total > 0 whose result rows are ALL blank (the
-- breakdown the form requires is missing, e.g. seed 004).
with

table3_columns as (

    select * from {{ ref('int_table3_columns') }}

),

cells as (

    select * from {{ ref('int_canonical_cells') }}

),

s1 as (

    select
        report_id,
        'S1' as rule,
        col_key as column_key,
        new_received + carried_over as lhs,
        total_processed + carried_forward as rhs,
        case
            when
                new_received is null or carried_over is null
                or total_processed is null or carried_forward is null
                then 'not_assessable'
            when new_received + carried_over = total_processed + carried_forward then 'pass'
            else 'fail'
        end as status
    from table3_columns

),

s2 as (

    select
        report_id,
        'S2' as rule,
        col_key as column_key,
        total_processed as lhs,
        case when result_rows_reported = result_rows then results_sum end as rhs,
        case
            when total_processed is null then 'not_assessable'
            when result_rows_reported = 0 and total_processed > 0 then 'fail'
            when result_rows_reported < result_rows then 'not_assessable'
            when total_processed = results_sum then 'pass'
            else 'fail'
        end as status
    from table3_columns

),

row_sums as (

    -- S3 (table 三 rows: six applicant columns) and S4 (table 四 blocks: four results) share a shape:
    -- the parts of a row add up to its total column.
    select
        report_id,
        table_name,
        row_key,
        sum(reported_value) filter (where col_key != 'total') as parts_sum,
        count(reported_value) filter (where col_key != 'total') as parts_reported,
        count(*) filter (where col_key != 'total') as parts,
        max(reported_value) filter (where col_key = 'total') as total
    from cells
    where table_name in ('table3', 'table4')
    group by report_id, table_name, row_key

),

s3_s4 as (

    select
        report_id,
        case when table_name = 'table3' then 'S3' else 'S4' end as rule,
        row_key as column_key,
        case when parts_reported = parts then parts_sum end as lhs,
        total as rhs,
        case
            when parts_reported < parts or total is null then 'not_assessable'
            when parts_sum = total then 'pass'
            else 'fail'
        end as status
    from row_sums

),

unioned as (

    select * from s1
    union all
    select * from s2
    union all
    select * from s3_s4

),

final as (

    select
        report_id,
        rule,
        column_key,
        cast(lhs as decimal(20, 6)) as lhs,
        cast(rhs as decimal(20, 6)) as rhs,
        status
    from unioned

)

select * from final
