-- The numbers the narrative of each canonical report states, with their character spans. Evidence to
-- compare with the tables (fct_narrative_checks); never a value of the tables.
with

claims as (

    select * from {{ ref('stg_analysis__narrative_claims') }}

),

reports as (

    select * from {{ ref('int_report_agency') }}
    where is_canonical

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
