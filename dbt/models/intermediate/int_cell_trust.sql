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

operands as (

    select * from {{ ref('int_identity_operands') }}
    where {{ report_changed_filter(ref('int_report_versions')) }}

),

checks as (

    select * from {{ ref('int_identity_checks') }}
    where {{ report_changed_filter(ref('int_report_versions')) }}

),

operand_checks as (

    select
        operands.report_id,
        operands.table_name,
        operands.row_key,
        operands.col_key,
        bool_or(checks.status = 'pass') as in_passing_identity,
        bool_or(checks.status = 'fail') as in_failing_identity
    from operands
    inner join checks
        on
            operands.report_id = checks.report_id
            and operands.rule = checks.rule
            and operands.column_key = checks.column_key
    group by operands.report_id, operands.table_name, operands.row_key, operands.col_key

),

flagged as (

    select
        cells.*,
        coalesce(operand_checks.in_passing_identity, false) as in_passing_identity,
        coalesce(operand_checks.in_failing_identity, false) as in_failing_identity
    from cells
    left join operand_checks
        on
            cells.report_id = operand_checks.report_id
            and cells.table_name = operand_checks.table_name
            and cells.row_key = operand_checks.row_key
            and cells.col_key = operand_checks.col_key

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
