-- The strict identities S1–S4 (FORMAT_SPEC §8) as data, at the level of the template: one row per
-- template cell × rule × checked column, with the side of the equation the cell is on. An operand is
-- decided by the cell's table, row, group and column alone, so the identities are defined once, here:
-- int_identity_operands applies this map to every report's cells, and int_cell_trust looks a cell's
-- checks up in it (a join on a few hundred template cells, not on every report's cells).
with

template as (

    select * from {{ ref('stg_reports__template_rows') }}
    where table_name in ('table3', 'table4')

),

s1 as (

    -- Balance, per applicant column: new_received + carried_over = total_processed + carried_forward.
    select
        template_format,
        table_name,
        row_key,
        col_key,
        'S1' as rule,
        col_key as column_key,
        case when row_key in ('new_received', 'carried_over') then 'lhs' else 'rhs' end as side
    from template
    where
        table_name = 'table3'
        and row_key in ('new_received', 'carried_over', 'total_processed', 'carried_forward')

),

s2 as (

    -- Results sum, per applicant column: total_processed = the result rows (3–23, or 3–21 in the 2019
    -- layout).
    select
        template_format,
        table_name,
        row_key,
        col_key,
        'S2' as rule,
        col_key as column_key,
        case when row_key = 'total_processed' then 'lhs' else 'rhs' end as side
    from template
    where
        table_name = 'table3'
        and (row_key = 'total_processed' or group_key not in ('received', 'total', 'carried_forward'))

),

s3_s4 as (

    -- S3 (a table 三 row: the six applicant columns) and S4 (a table 四 block: the four results) share
    -- a shape: the parts of a row add up to its total column.
    select
        template_format,
        table_name,
        row_key,
        col_key,
        case when table_name = 'table3' then 'S3' else 'S4' end as rule,
        row_key as column_key,
        case when col_key = 'total' then 'rhs' else 'lhs' end as side
    from template

),

final as (

    select * from s1
    union all
    select * from s2
    union all
    select * from s3_s4

)

select * from final
