-- One row per parsed report with its context version: a digest of everything the marts incremental by
-- report and context (fct_cross_year_checks, fct_narrative_claims, fct_narrative_checks) read for that
-- report besides its own cells: its own version (int_report_versions), its stable agency and whether it
-- is its agency-year's report, the claims its narrative states, and the same agency's report of the
-- year before with that report's version. A report whose context changes (a rename links its agency to
-- another, a better copy of last year's report arrives, its narrative is analysed again) gets a new
-- version and is rebuilt by those marts (macros/report_incremental.sql).
{{ config(materialized='table') }}

with

reports as (

    select * from {{ ref('int_report_agency') }}

),

versions as (

    select * from {{ ref('int_report_versions') }}

),

claims as (

    select
        report_id,
        count(*) as claims,
        sum(
            hash(
                claim_no, claim_key, claimed_value, unit, claim_form, qualifier, section_no, span_start,
                span_end, phrase, sentence, analysis_version
            )::hugeint
        ) as claims_hash
    from {{ ref('stg_analysis__narrative_claims') }}
    group by report_id

),

agency_year_reports as (

    select
        reports.report_id,
        reports.agency_id,
        reports.report_year,
        versions.report_version
    from reports
    inner join versions on reports.report_id = versions.report_id
    where reports.is_agency_year_report

),

final as (

    select
        reports.report_id,
        previous_year.report_id as prev_report_id,
        md5(
            to_json({
                'report_version': versions.report_version,
                'agency_id': reports.agency_id,
                'is_agency_year_report': reports.is_agency_year_report,
                'claims': claims.claims,
                'claims_hash': claims.claims_hash::varchar,
                'prev_report_id': previous_year.report_id,
                'prev_report_version': previous_year.report_version
            })::varchar
        ) as report_version
    from reports
    inner join versions on reports.report_id = versions.report_id
    left join claims on reports.report_id = claims.report_id
    left join agency_year_reports as previous_year
        on
            reports.is_agency_year_report
            and reports.agency_id = previous_year.agency_id
            and reports.report_year - 1 = previous_year.report_year

)

select * from final
