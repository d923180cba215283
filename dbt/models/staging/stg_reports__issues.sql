with

source as (

    select * from {{ source('raw', 'parse_issues') }}

),

final as (

    select
        report_id,
        issue_no,
        code as issue_code,
        severity,
        message,
        location,
        cell
    from source

)

select * from final
