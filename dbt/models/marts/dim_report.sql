with

reports as (

    select * from {{ ref('stg_reports__reports') }}

),

issues as (

    select * from {{ ref('stg_reports__issues') }}

),

issue_counts as (

    select
        report_id,
        count(*) filter (where severity = 'error') as error_issues,
        count(*) filter (where severity = 'warning') as warning_issues,
        count(*) filter (where severity = 'info') as info_issues
    from issues
    group by report_id

),

final as (

    select
        reports.report_id,
        case
            when reports.agency is not null then md5(regexp_replace(reports.agency, '\s', '', 'g'))
        end as agency_id,
        reports.agency,
        reports.report_year,
        reports.format,
        reports.table3_layout,
        reports.file_name,
        reports.file_paths,
        reports.source_kind,
        reports.encoding,
        reports.script,
        reports.size_bytes,
        reports.status,
        reports.quarantine_reason,
        reports.quarantine_message,
        reports.publish_date,
        reports.source_url,
        reports.is_canonical,
        reports.duplicate_of,
        coalesce(issue_counts.error_issues, 0) as error_issues,
        coalesce(issue_counts.warning_issues, 0) as warning_issues,
        coalesce(issue_counts.info_issues, 0) as info_issues,
        reports.parser_version,
        reports.loaded_at
    from reports
    left join issue_counts on reports.report_id = issue_counts.report_id

)

select * from final
