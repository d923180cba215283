-- Every labelled cell with what the identities say about it, and is_safe: the one filter for numbers
-- safe to publish (docs/querying.md, "Cell status and trust").
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='sync_all_columns',
        pre_hook="{{ report_delete_changed(ref('int_report_versions')) }}",
        post_hook="{{ report_record_state(ref('int_report_versions')) }}",
    )
}}

with

cells as (

    select * from {{ ref('int_labelled_cells') }}
    where {{ report_changed_filter(ref('int_report_versions')) }}

),

operand_map as (

    select * from {{ ref('int_identity_operand_map') }}

),

checks as (

    select * from {{ ref('int_identity_checks') }}
    where {{ report_changed_filter(ref('int_report_versions')) }}

),

cell_checks as (

    -- The checks a template cell is an operand of (a few hundred rows).
    select
        template_format,
        table_name,
        row_key,
        col_key,
        list(rule || ':' || column_key) as check_keys
    from operand_map
    group by template_format, table_name, row_key, col_key

),

report_checks as (

    -- The passing and failing checks of each report (one row per report).
    select
        report_id,
        list(rule || ':' || column_key) filter (where status = 'pass') as passing_checks,
        list(rule || ':' || column_key) filter (where status = 'fail') as failing_checks
    from checks
    group by report_id

),

flagged as (

    -- A cell is in a passing (failing) identity when one of its checks passes (fails) in its report.
    -- Both lookups join small relations (template cells, reports), never every operand cell.
    select
        cells.*,
        coalesce(list_has_any(cell_checks.check_keys, report_checks.passing_checks), false)
            as in_passing_identity,
        coalesce(list_has_any(cell_checks.check_keys, report_checks.failing_checks), false)
            as in_failing_identity
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
