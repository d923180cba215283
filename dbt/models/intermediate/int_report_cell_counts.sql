-- How many of each report's labelled cells have each status (read, inferred, undetermined, blank,
-- absent). A report's counts depend on its cells alone, so the model is incremental by report and
-- dim_report reads one row per report instead of every cell.
{{ config(**report_incremental_config()) }}

with

cells as (

    select * from {{ ref('int_labelled_cells') }}
    where {{ report_changed_filter(ref('int_report_versions')) }}

),

final as (

    select
        report_id,
        count(*) filter (where value_status = 'read') as cells_read,
        count(*) filter (where value_status = 'inferred') as cells_inferred,
        count(*) filter (where value_status = 'undetermined') as cells_undetermined,
        count(*) filter (where value_status = 'blank') as cells_blank,
        count(*) filter (where value_status = 'absent') as cells_absent
    from cells
    group by report_id

)

select * from final
