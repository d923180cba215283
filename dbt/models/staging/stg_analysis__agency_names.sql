with

source as (

    select * from {{ source('analysis', 'agency_names') }}

),

final as (

    select
        agency,
        agency_name,
        agency_id,
        agency_key,
        normalized_name,
        division_code,
        name_rest,
        level,
        province_code,
        province,
        prefecture_code,
        prefecture,
        county_code,
        county,
        region_match,
        region_candidates,
        lookalike_of,
        link_reasons,
        link_evidence,
        report_years,
        division_source
    from source

)

select * from final
