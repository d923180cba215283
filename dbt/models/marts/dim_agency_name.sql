-- Every name an agency has reported under, with why it belongs to its agency.
with

names as (

    select * from {{ ref('stg_analysis__agency_names') }}

),

final as (

    select
        agency_name,
        any_value(agency_id) as agency_id,
        any_value(agency_key) as agency_key,
        any_value(normalized_name) as normalized_name,
        any_value(division_code) as division_code,
        any_value(name_rest) as name_rest,
        any_value(level) as level,
        any_value(region_match) as region_match,
        any_value(region_candidates) as region_candidates,
        any_value(lookalike_of) as lookalike_of,
        any_value(link_reasons) as link_reasons,
        any_value(link_evidence) as link_evidence,
        any_value(report_years) as report_years
    from names
    group by agency_name

)

select * from final
