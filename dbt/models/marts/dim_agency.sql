-- One row per agency: every name it has reported under, linked across years and scripts
-- (analysis.agency_names, dagster_project/analysis/agency.py), with level and region from its latest name.
with

names as (

    select * from {{ ref('stg_analysis__agency_names') }}

),

reports as (

    select * from {{ ref('int_report_agency') }}

),

name_years as (

    select
        names.*,
        list_max(names.report_years) as last_year_of_name
    from names

),

agency_reports as (

    select
        agency_id,
        min(report_year) as first_report_year,
        max(report_year) as last_report_year,
        count(distinct report_year) as report_years,
        count(*) as report_files,
        arg_max(agency, report_year) as latest_name
    from reports
    where agency_id is not null
    group by agency_id

),

agency_names as (

    select
        agency_id,
        any_value(agency_key) as agency_key,
        list(distinct agency_name order by agency_name) as all_names,
        count(distinct agency_name) as name_count,
        arg_max(level, last_year_of_name) as level,
        arg_max(province_code, last_year_of_name) as province_code,
        arg_max(province, last_year_of_name) as province,
        arg_max(prefecture_code, last_year_of_name) as prefecture_code,
        arg_max(prefecture, last_year_of_name) as prefecture,
        arg_max(county_code, last_year_of_name) as county_code,
        arg_max(county, last_year_of_name) as county,
        arg_max(region_match, last_year_of_name) as region_match,
        list_sort(list_distinct(flatten(list(lookalike_of)))) as lookalike_of,
        list_sort(list_distinct(flatten(list(link_reasons)))) as link_reasons,
        any_value(division_source) as division_source
    from name_years
    group by agency_id

),

final as (

    select
        agency_names.agency_id,
        regexp_replace(agency_reports.latest_name, '\s', '', 'g') as agency,
        agency_names.agency_key,
        agency_names.all_names,
        agency_names.name_count,
        agency_names.level,
        agency_names.province_code,
        agency_names.province,
        agency_names.prefecture_code,
        agency_names.prefecture,
        agency_names.county_code,
        agency_names.county,
        agency_names.region_match,
        agency_names.lookalike_of,
        agency_names.link_reasons,
        agency_reports.first_report_year,
        agency_reports.last_report_year,
        agency_reports.report_years,
        agency_reports.report_files,
        agency_names.division_source
    from agency_names
    inner join agency_reports on agency_names.agency_id = agency_reports.agency_id

)

select * from final
