-- The strict identities S1–S4 (FORMAT_SPEC §8) as data: one row per report × rule × checked column ×
-- operand cell, with the side of the equation the cell is on. int_identity_checks sums the sides and
-- int_cell_trust flags the operands of passing and failing checks, so the operands are defined once.
with

cells as (

    select * from {{ ref('int_labelled_cells') }}
    where table_name in ('table3', 'table4')

),

s1 as (

    -- Balance, per applicant column: new_received + carried_over = total_processed + carried_forward.
    select
        report_id,
        agency,
        report_year,
        is_canonical,
        'S1' as rule,
        col_key as column_key,
        case when row_key in ('new_received', 'carried_over') then 'lhs' else 'rhs' end as side,
        table_name,
        row_key,
        col_key,
        reported_value
    from cells
    where
        table_name = 'table3'
        and row_key in ('new_received', 'carried_over', 'total_processed', 'carried_forward')

),

s2 as (

    -- Results sum, per applicant column: total_processed = the result rows (3–23, or 3–21 in the 2019
    -- layout).
    select
        report_id,
        agency,
        report_year,
        is_canonical,
        'S2' as rule,
        col_key as column_key,
        case when row_key = 'total_processed' then 'lhs' else 'rhs' end as side,
        table_name,
        row_key,
        col_key,
        reported_value
    from cells
    where
        table_name = 'table3'
        and (row_key = 'total_processed' or group_key not in ('received', 'total', 'carried_forward'))

),

s3_s4 as (

    -- S3 (a table 三 row: the six applicant columns) and S4 (a table 四 block: the four results) share
    -- a shape: the parts of a row add up to its total column.
    select
        report_id,
        agency,
        report_year,
        is_canonical,
        case when table_name = 'table3' then 'S3' else 'S4' end as rule,
        row_key as column_key,
        case when col_key = 'total' then 'rhs' else 'lhs' end as side,
        table_name,
        row_key,
        col_key,
        reported_value
    from cells

),

final as (

    select * from s1
    union all
    select * from s2
    union all
    select * from s3_s4

)

select * from final
