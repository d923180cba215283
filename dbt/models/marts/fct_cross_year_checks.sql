-- Cross-year identities (FORMAT_SPEC §8, soft): W1 carry-over, W2 stock-flow of 现行有效 (2021 form),
-- W4 item counts of the 2019 form. One report per agency-year (int_report_agency), compared with the same
-- agency's report of the year before. A missing year or a NULL operand is not_assessable; a break is a
-- warning about the sources, never a repair. A report's rows depend on its cells, its agency and the
-- agency's report of the year before: incremental by report and context (macros/report_incremental.sql),
-- reading the cells of the reports it rebuilds and of their previous years only.
{{ config(**report_incremental_config('int_report_context_versions')) }}

{%- set versions = ref('int_report_context_versions') %}
{%- set changed = report_changed_filter(versions) %}
{%- set with_previous = report_related_filter(changed, versions, 'prev_report_id') %}

with

reports as (

    select * from {{ ref('int_report_agency') }}
    where is_agency_year_report

),

changed_reports as (

    select * from reports
    where {{ changed }}

),

cells as (

    select * from {{ ref('int_report_cells') }}
    where {{ with_previous }}

),

template as (

    select * from {{ ref('stg_reports__template_rows') }}

),

thresholds as (

    select * from {{ ref('quality_thresholds') }}

),

tolerance as (

    select value as stock_flow_tolerance
    from thresholds
    where threshold = 'stock_flow_tolerance'

),

pairs as (

    select
        current_year.report_id,
        current_year.agency_id,
        current_year.agency,
        current_year.report_year,
        current_year.format,
        previous_year.report_id as prev_report_id,
        previous_year.format as prev_format
    from changed_reports as current_year
    left join reports as previous_year
        on
            current_year.agency_id = previous_year.agency_id
            and current_year.report_year - 1 = previous_year.report_year

),

applicant_columns as (

    select distinct col_key as column_key
    from template
    where table_name = 'table3' and template_format = '2021'

),

w1 as (

    -- This year's 上年结转 against last year's 结转下年度, per applicant column (both forms share table 三).
    select
        pairs.*,
        'W1' as rule,
        applicant_columns.column_key,
        carried_over.reported_value as lhs,
        carried_forward.reported_value as rhs,
        1 as operands_lhs,
        1 as operands_rhs,
        cast(carried_over.reported_value is not null as integer) as reported_lhs,
        cast(carried_forward.reported_value is not null as integer) as reported_rhs,
        true as applies
    from pairs
    cross join applicant_columns
    left join cells as carried_over
        on
            pairs.report_id = carried_over.report_id
            and carried_over.table_name = 'table3'
            and carried_over.row_key = 'carried_over'
            and applicant_columns.column_key = carried_over.col_key
    left join cells as carried_forward
        on
            pairs.prev_report_id = carried_forward.report_id
            and carried_forward.table_name = 'table3'
            and carried_forward.row_key = 'carried_forward'
            and applicant_columns.column_key = carried_forward.col_key

),

table2 as (

    select
        report_id,
        row_key,
        reported_value
    from cells
    where table_name = 'table2'

),

stock_kinds as (

    select unnest(['regulations', 'normative']) as column_key

),

w2 as (

    -- 2021 form: in_force[N] = in_force[N-1] + issued[N] - repealed[N].
    select
        pairs.*,
        'W2' as rule,
        stock_kinds.column_key,
        in_force.reported_value as lhs,
        prev_in_force.reported_value + issued.reported_value - repealed.reported_value as rhs,
        1 as operands_lhs,
        3 as operands_rhs,
        cast(in_force.reported_value is not null as integer) as reported_lhs,
        cast(prev_in_force.reported_value is not null as integer)
        + cast(issued.reported_value is not null as integer)
        + cast(repealed.reported_value is not null as integer) as reported_rhs,
        coalesce(pairs.prev_format = '2021', true) as applies
    from pairs
    cross join stock_kinds
    left join table2 as in_force
        on pairs.report_id = in_force.report_id and in_force.row_key = stock_kinds.column_key || '_in_force'
    left join table2 as issued
        on pairs.report_id = issued.report_id and issued.row_key = stock_kinds.column_key || '_issued'
    left join table2 as repealed
        on pairs.report_id = repealed.report_id and repealed.row_key = stock_kinds.column_key || '_repealed'
    left join table2 as prev_in_force
        on
            pairs.prev_report_id = prev_in_force.report_id
            and prev_in_force.row_key = stock_kinds.column_key || '_in_force'
    where pairs.format = '2021'

),

item_kinds as (

    select unnest(['licensing', 'other_services', 'punishment', 'coercion', 'admin_fee']) as column_key

),

w4 as (

    -- 2019 form: prev_items[N] = prev_items[N-1] + items_change[N-1].
    select
        pairs.*,
        'W4' as rule,
        item_kinds.column_key,
        prev_items.reported_value as lhs,
        last_prev_items.reported_value + last_change.reported_value as rhs,
        1 as operands_lhs,
        2 as operands_rhs,
        cast(prev_items.reported_value is not null as integer) as reported_lhs,
        cast(last_prev_items.reported_value is not null as integer)
        + cast(last_change.reported_value is not null as integer) as reported_rhs,
        coalesce(pairs.prev_format = '2019', true) as applies
    from pairs
    cross join item_kinds
    left join table2 as prev_items
        on
            pairs.report_id = prev_items.report_id
            and prev_items.row_key = item_kinds.column_key || '_prev_items'
    left join table2 as last_prev_items
        on
            pairs.prev_report_id = last_prev_items.report_id
            and last_prev_items.row_key = item_kinds.column_key || '_prev_items'
    left join table2 as last_change
        on
            pairs.prev_report_id = last_change.report_id
            and last_change.row_key = item_kinds.column_key || '_items_change'
    where pairs.format = '2019'

),

checks as (

    select * from w1
    union all
    select * from w2
    union all
    select * from w4

),

final as (

    select
        checks.report_id,
        checks.agency_id,
        checks.agency,
        checks.report_year,
        checks.format,
        checks.prev_report_id,
        checks.prev_format,
        checks.rule,
        checks.column_key,
        cast(
            case when checks.reported_lhs = checks.operands_lhs then checks.lhs end as decimal(20, 6)
        ) as lhs,
        cast(
            case when checks.reported_rhs = checks.operands_rhs then checks.rhs end as decimal(20, 6)
        ) as rhs,
        cast(
            case
                when checks.reported_lhs = checks.operands_lhs and checks.reported_rhs = checks.operands_rhs
                    then checks.lhs - checks.rhs
            end as decimal(20, 6)
        ) as difference,
        case
            when checks.prev_report_id is null then 'not_assessable'
            when not checks.applies then 'not_assessable'
            when checks.reported_lhs < checks.operands_lhs or checks.reported_rhs < checks.operands_rhs
                then 'not_assessable'
            when checks.rule = 'W2' and abs(checks.lhs - checks.rhs) <= tolerance.stock_flow_tolerance
                then 'pass'
            when checks.lhs = checks.rhs then 'pass'
            else 'warn'
        end as status,
        case
            when checks.prev_report_id is null then 'no_report_for_previous_year'
            when not checks.applies then 'previous_year_in_other_format'
            when checks.reported_lhs < checks.operands_lhs or checks.reported_rhs < checks.operands_rhs
                then 'operand_null'
        end as reason
    from checks
    cross join tolerance

)

select * from final
