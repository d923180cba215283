with

reports as (

    select * from {{ ref('stg_reports__reports') }}
    where status = 'parsed' and agency is not null

),

final as (

    select
        md5(regexp_replace(agency, '\s', '', 'g')) as agency_id,
        regexp_replace(agency, '\s', '', 'g') as agency,
        min(report_year) as first_report_year,
        max(report_year) as last_report_year,
        count(distinct report_year) as report_years,
        count(*) as report_files
    from reports
    group by 1, 2

)

select * from final
