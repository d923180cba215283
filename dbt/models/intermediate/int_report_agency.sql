-- Every parsed report with its stable agency (analysis.agency_names) and whether it is the one report
-- of its agency-year that the cross-year checks and the quality mart judge: the canonical report first
-- (raw.reports picks it per spelling of the name), then a Simplified-script copy, then the smallest id.
with

reports as (

    select * from {{ ref('stg_reports__reports') }}
    where status = 'parsed'

),

agencies as (

    select * from {{ ref('stg_analysis__agency_names') }}

),

joined as (

    select
        reports.report_id,
        reports.agency,
        reports.report_year,
        reports.format,
        reports.table3_layout,
        reports.is_canonical,
        reports.script,
        reports.publish_date,
        reports.source_url,
        reports.fee_reported,
        reports.fee_charged,
        reports.fee_amount_yuan,
        agencies.agency_id,
        agencies.agency_key,
        agencies.level
    from reports
    left join agencies on reports.agency = agencies.agency

),

ranked as (

    select
        *,
        row_number() over (
            partition by agency_id, report_year
            order by is_canonical desc, coalesce(script = 'traditional', false) asc, report_id asc
        ) as rank_in_agency_year
    from joined

),

final as (

    select
        report_id,
        agency,
        report_year,
        format,
        table3_layout,
        is_canonical,
        publish_date,
        source_url,
        fee_reported,
        fee_charged,
        fee_amount_yuan,
        agency_id,
        agency_key,
        level,
        agency_id is not null
        and report_year is not null
        and rank_in_agency_year = 1 as is_agency_year_report
    from ranked

)

select * from final
