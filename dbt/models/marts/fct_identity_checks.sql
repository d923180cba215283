-- Strict identities S1–S4 (FORMAT_SPEC §8) of the canonical reports. The rules and their operands are
-- defined once, in int_identity_operands and int_identity_checks.
{{ config(**report_incremental_config()) }}

with

checks as (

    select * from {{ ref('int_identity_checks') }}
    where is_canonical and {{ report_changed_filter(ref('int_report_versions')) }}

),

final as (

    select
        report_id,
        agency,
        report_year,
        rule,
        column_key,
        lhs,
        rhs,
        status
    from checks

)

select * from final
