-- One row per parsed report with its context version: a digest of everything the marts incremental by
-- report and context (fct_cross_year_checks, fct_narrative_claims, fct_narrative_checks,
-- fct_report_quality) read for that report besides its own cells: its own version
-- (int_report_versions), its stable agency, level and whether it is its agency-year's report, what the
-- analysis found in its text (its claims, its sections, its similarity to the agency's previous report),
-- the agency's report of the year before and its latest earlier report, each with its version. A report
-- whose context changes (a rename links its agency to another, a better copy of last year's report
-- arrives, its narrative is analysed again) gets a new version and is rebuilt by those marts
-- (macros/report_incremental.sql).
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

sections as (

    -- A report's sections change only when its text is analysed again (a new analysis version).
    select
        report_id,
        count(*) as sections,
        max(analysis_version) as sections_version
    from {{ ref('stg_analysis__report_sections') }}
    group by report_id

),

similarity as (

    select
        report_id,
        count(*) as similarities,
        sum(
            hash(
                prev_report_id, section_no, chars, prev_chars, jaccard, containment, passage, prev_passage,
                passage_score, analysis_version
            )::hugeint
        ) as similarity_hash
    from {{ ref('stg_analysis__section_similarity') }}
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

earlier as (

    -- The agency's latest earlier report (fct_report_quality compares a report with it).
    select
        current_year.report_id,
        earlier_year.report_id as earlier_report_id,
        earlier_year.report_version as earlier_report_version
    from agency_year_reports as current_year
    inner join agency_year_reports as earlier_year
        on
            current_year.agency_id = earlier_year.agency_id
            and current_year.report_year > earlier_year.report_year
    qualify row_number() over (
        partition by current_year.report_id order by earlier_year.report_year desc
    ) = 1

),

final as (

    select
        reports.report_id,
        previous_year.report_id as prev_report_id,
        earlier.earlier_report_id,
        -- As in int_report_versions: a 128-bit number, of one report (its own version names it). The
        -- versions go in as hex: DuckDB writes a UHUGEINT as decimal text at about 45 us a value.
        md5_number(
            to_json({
                'report_version': hex(versions.report_version),
                'agency_id': reports.agency_id,
                'agency_key': reports.agency_key,
                'level': reports.level,
                'is_agency_year_report': reports.is_agency_year_report,
                'claims': claims.claims,
                'claims_hash': claims.claims_hash::varchar,
                'sections': sections.sections,
                'sections_version': sections.sections_version,
                'similarities': similarity.similarities,
                'similarity_hash': similarity.similarity_hash::varchar,
                'prev_report_id': previous_year.report_id,
                'prev_report_version': hex(previous_year.report_version),
                'earlier_report_id': earlier.earlier_report_id,
                'earlier_report_version': hex(earlier.earlier_report_version)
            })::varchar
        ) as report_version
    from reports
    inner join versions on reports.report_id = versions.report_id
    left join claims on reports.report_id = claims.report_id
    left join sections on reports.report_id = sections.report_id
    left join similarity on reports.report_id = similarity.report_id
    left join agency_year_reports as previous_year
        on
            reports.is_agency_year_report
            and reports.agency_id = previous_year.agency_id
            and reports.report_year - 1 = previous_year.report_year
    left join earlier on reports.report_id = earlier.report_id

)

select * from final
