with

reports as (

    select * from {{ ref('stg_reports__reports') }}

),

issues as (

    select * from {{ ref('stg_reports__issues') }}

),

cell_counts as (

    select * from {{ ref('int_report_cell_counts') }}

),

checks as (

    select * from {{ ref('int_identity_checks') }}

),

agencies as (

    select * from {{ ref('int_report_agency') }}

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

check_counts as (

    select
        report_id,
        count(*) filter (where status = 'pass') as identities_passed,
        count(*) filter (where status = 'fail') as identities_failed,
        count(*) filter (where status = 'not_assessable') as identities_not_assessable
    from checks
    group by report_id

),

trust_inputs as (

    select
        reports.report_id,
        coalesce(cell_counts.cells_read, 0) as cells_read,
        coalesce(cell_counts.cells_inferred, 0) as cells_inferred,
        coalesce(cell_counts.cells_undetermined, 0) as cells_undetermined,
        coalesce(cell_counts.cells_blank, 0) as cells_blank,
        coalesce(cell_counts.cells_absent, 0) as cells_absent,
        coalesce(check_counts.identities_passed, 0) as identities_passed,
        coalesce(check_counts.identities_failed, 0) as identities_failed,
        coalesce(check_counts.identities_not_assessable, 0) as identities_not_assessable
    from reports
    left join cell_counts on reports.report_id = cell_counts.report_id
    left join check_counts on reports.report_id = check_counts.report_id

),

final as (

    select
        reports.report_id,
        agencies.agency_id,
        reports.agency,
        reports.report_year,
        reports.format,
        reports.table3_layout,
        reports.file_name,
        reports.file_paths,
        reports.file_paths_bytes,
        reports.path_decoding,
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
        trust_inputs.cells_read,
        trust_inputs.cells_inferred,
        trust_inputs.cells_undetermined,
        trust_inputs.cells_blank,
        trust_inputs.cells_absent,
        trust_inputs.identities_passed,
        trust_inputs.identities_failed,
        trust_inputs.identities_not_assessable,
        -- The first grade that applies (docs/querying.md, "Cell status and trust").
        case
            when reports.status = 'quarantined' then 'unparsed'
            when trust_inputs.identities_failed > 0 then 'flagged'
            when trust_inputs.cells_undetermined > 0 or trust_inputs.cells_absent > 0 then 'incomplete'
            when trust_inputs.identities_not_assessable = 0 and trust_inputs.identities_passed > 0
                then 'verified'
            else 'consistent'
        end as trust,
        reports.parser_version,
        reports.loaded_at
    from reports
    left join issue_counts on reports.report_id = issue_counts.report_id
    left join trust_inputs on reports.report_id = trust_inputs.report_id
    left join agencies on reports.report_id = agencies.report_id

)

select * from final
