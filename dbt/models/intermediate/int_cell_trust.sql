-- Every labelled cell with what the identities say about it, and is_safe: the one filter for numbers
-- safe to publish (docs/querying.md, "Cell status and trust").
-- A view: the three cell marts materialize it, each for its table and for the reports it (re)builds
-- (their filter on report_id reaches the cell scan). As a table it wrote every cell of every report
-- once more (19.9M rows, 15.8 s of a 100,000-report build) only for the marts to copy them again.
with

cells as (

    select * from {{ ref('int_labelled_cells') }}

),

operand_map as (

    select * from {{ ref('int_identity_operand_map') }}

),

checks as (

    select * from {{ ref('int_identity_checks') }}

),

check_indexes as (

    -- Each check (rule × checked column, 43 of them) numbered from 0.
    select
        rule,
        column_key,
        cast(row_number() over (order by rule, column_key) - 1 as integer) as check_index
    from operand_map
    group by rule, column_key

),

check_bits as (

    -- Each check as one bit of a 128-bit mask, so a cell's checks are compared with its report's
    -- passing and failing ones by a bitwise AND instead of list lookups.
    select
        rule,
        column_key,
        case
            when check_index < 127 then cast(1 as hugeint) << check_index
            else error('int_cell_trust: more than 127 identity checks; the check masks must be widened')
        end as check_bit
    from check_indexes

),

cell_checks as (

    -- The checks a template cell is an operand of (a few hundred rows).
    select
        operand_map.template_format,
        operand_map.table_name,
        operand_map.row_key,
        operand_map.col_key,
        bit_or(check_bits.check_bit) as check_mask
    from operand_map
    inner join check_bits
        on operand_map.rule = check_bits.rule and operand_map.column_key = check_bits.column_key
    group by operand_map.template_format, operand_map.table_name, operand_map.row_key, operand_map.col_key

),

report_checks as (

    -- The passing and failing checks of each report (one row per report).
    select
        checks.report_id,
        coalesce(bit_or(check_bits.check_bit) filter (where checks.status = 'pass'), 0) as passing_mask,
        coalesce(bit_or(check_bits.check_bit) filter (where checks.status = 'fail'), 0) as failing_mask
    from checks
    inner join check_bits
        on checks.rule = check_bits.rule and checks.column_key = check_bits.column_key
    group by checks.report_id

),

flagged as (

    -- A cell is in a passing (failing) identity when one of its checks passes (fails) in its report.
    -- Both lookups join small relations (template cells, reports), never every operand cell.
    select
        cells.*,
        coalesce(cell_checks.check_mask & report_checks.passing_mask <> 0, false) as in_passing_identity,
        coalesce(cell_checks.check_mask & report_checks.failing_mask <> 0, false) as in_failing_identity
    from cells
    left join cell_checks
        on
            cells.template_format = cell_checks.template_format
            and cells.table_name = cell_checks.table_name
            and cells.row_key = cell_checks.row_key
            and cells.col_key = cell_checks.col_key
    left join report_checks
        on cells.report_id = report_checks.report_id

),

final as (

    select
        *,
        -- Decided by the input (read, or the only reading the identities allow) and not contradicted
        -- by the report's own identities.
        value_status in ('read', 'inferred') and not in_failing_identity as is_safe
    from flagged

)

select * from final
