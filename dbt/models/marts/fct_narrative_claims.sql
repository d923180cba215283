-- The numbers the narrative of each canonical report states, with their character spans. Evidence to
-- compare with the tables (fct_narrative_checks); never a value of the tables. A report's rows depend on
-- its claims and its stable agency: incremental by report and context (macros/report_incremental.sql).
{{ config(**report_incremental_config('int_report_context_versions')) }}

{%- set changed = report_changed_filter(ref('int_report_context_versions')) %}

with

claims as (

    select * from {{ ref('stg_analysis__narrative_claims') }}
    where {{ changed }}

),

reports as (

    select * from {{ ref('int_report_agency') }}
    where is_canonical and {{ changed }}

),

final as (

    select
        claims.claim_id,
        claims.report_id,
        reports.agency_id,
        reports.agency,
        reports.report_year,
        claims.claim_no,
        claims.claim_key,
        claims.claimed_value,
        claims.unit,
        claims.claim_form,
        claims.qualifier,
        claims.section_no,
        claims.span_start,
        claims.span_end,
        claims.phrase,
        claims.sentence
    from claims
    inner join reports on claims.report_id = reports.report_id

)

select * from final
