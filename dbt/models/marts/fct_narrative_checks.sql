-- The narrative against the tables (FORMAT_SPEC §8 W6, W7). W6: every claim with a table counterpart is
-- compared with each reading the seed narrative_claim_cells defines (a signed sum of cells): received
-- applications are 新收 or 新收 + 上年结转, answered ones 总计, 总计 + 结转下年度 or 总计 − 其他处理, since
-- the phrasing does not say which; the claim agrees when it equals any reading. W7: table 三 requests
-- dropped for unpaid fees need a fee statement, and a report must not both deny and state a fee.
-- A report's rows depend on its claims, its cells and its stable agency: incremental by report and context
-- (macros/report_incremental.sql).
{{ config(**report_incremental_config('int_report_context_versions')) }}

{%- set changed = report_changed_filter(ref('int_report_context_versions')) %}

with

claims as (

    select * from {{ ref('fct_narrative_claims') }}
    where {{ changed }}

),

targets as (

    select * from {{ ref('narrative_claim_cells') }}

),

cell_keys as (

    -- Only the cells a check reads: materializing every canonical cell cost most of the model's time.
    select distinct
        table_name,
        row_key,
        col_key
    from targets
    union
    select
        'table3' as table_name,
        'other_overdue_fee' as row_key,
        'total' as col_key

),

cells as (

    select report_cells.*
    from {{ ref('int_report_cells') }} as report_cells
    inner join cell_keys
        on
            report_cells.table_name = cell_keys.table_name
            and report_cells.row_key = cell_keys.row_key
            and report_cells.col_key = cell_keys.col_key
    where report_cells.is_canonical and {{ changed }}

),

reports as (

    select * from {{ ref('int_report_agency') }}
    where is_canonical and {{ changed }}

),

operands as (

    select
        claims.claim_id,
        targets.reading,
        min(
            case targets.reading when 'reported' then 0 when 'with_carried_over' then 1 else 2 end
        ) as priority,
        count(*) as operand_cells,
        count(cells.reported_value) as operand_values,
        sum(targets.sign * cells.reported_value) as operand_sum
    from claims
    inner join targets
        on claims.claim_key = targets.claim_key and claims.qualifier = targets.qualifier
    left join cells
        on
            claims.report_id = cells.report_id
            and targets.table_name = cells.table_name
            and targets.row_key = cells.row_key
            and targets.col_key = cells.col_key
    group by claims.claim_id, targets.reading

),

readings as (

    -- A reading counts only when every one of its cells has a number (NULL is never 0).
    select
        operands.claim_id,
        operands.reading,
        operands.priority,
        case
            when operands.operand_values = operands.operand_cells then operands.operand_sum
        end as reading_value
    from operands

),

sides as (

    select
        readings.claim_id,
        max(readings.reading_value) filter (where readings.reading = 'reported') as table_value,
        count(readings.reading_value) as known_readings,
        arg_min(readings.reading, readings.priority) filter (
            where readings.reading_value = claims.claimed_value
        ) as matched_reading,
        string_agg(
            readings.reading
            || '='
            || coalesce(cast(cast(readings.reading_value as bigint) as varchar), 'NULL'),
            '; ' order by readings.priority, readings.reading
        ) as readings
    from readings
    inner join claims on readings.claim_id = claims.claim_id
    group by readings.claim_id

),

w6 as (

    select
        claims.claim_id as check_id,
        claims.report_id,
        claims.agency_id,
        claims.agency,
        claims.report_year,
        'W6' as rule,
        claims.claim_key as check_key,
        claims.claim_id,
        claims.claimed_value,
        claims.qualifier,
        cast(sides.table_value as decimal(20, 6)) as table_value,
        sides.readings,
        sides.matched_reading,
        case
            when sides.claim_id is null or sides.known_readings = 0 then 'not_comparable'
            when sides.matched_reading is not null then 'agree'
            else 'disagree'
        end as result,
        case
            when sides.claim_id is null and claims.qualifier = 'channel' then 'counts_one_channel_only'
            when sides.claim_id is null then 'no_table_counterpart'
            when sides.known_readings = 0 then 'table_cell_null'
        end as reason,
        claims.phrase,
        claims.sentence,
        claims.span_start,
        claims.span_end
    from claims
    left join sides on claims.claim_id = sides.claim_id

),

overdue_fee as (

    select
        report_id,
        reported_value as overdue_fee_requests
    from cells
    where table_name = 'table3' and row_key = 'other_overdue_fee' and col_key = 'total'

),

fee_claims as (

    select
        report_id,
        bool_or(claim_key in ('fee_amount_yuan', 'fee_not_charged')) as mentions_fee,
        bool_or(claim_key = 'fee_not_charged') as denies_fee,
        max(claimed_value) filter (where claim_key = 'fee_amount_yuan') as fee_amount_yuan,
        min(claim_id) filter (where claim_key = 'fee_amount_yuan') as fee_claim_id
    from claims
    group by report_id

),

w7_inputs as (

    select
        reports.report_id,
        reports.agency_id,
        reports.agency,
        reports.report_year,
        overdue_fee.overdue_fee_requests,
        coalesce(reports.fee_reported, false) or coalesce(fee_claims.mentions_fee, false) as mentions_fee,
        coalesce(fee_claims.denies_fee, false) as denies_fee,
        fee_claims.fee_amount_yuan,
        fee_claims.fee_claim_id
    from reports
    left join overdue_fee on reports.report_id = overdue_fee.report_id
    left join fee_claims on reports.report_id = fee_claims.report_id

),

w7_overdue as (

    -- Requests dropped because the fee went unpaid (table 三) imply a fee statement in section 六.
    select
        report_id || ':W7:fee_statement' as check_id,
        report_id,
        agency_id,
        agency,
        report_year,
        'W7' as rule,
        'fee_stated_when_requests_dropped_for_fees' as check_key,
        null as claim_id,
        cast(null as double) as claimed_value,
        'total' as qualifier,
        cast(overdue_fee_requests as decimal(20, 6)) as table_value,
        'reported=' || cast(overdue_fee_requests as bigint) as readings,
        case when mentions_fee then 'reported' end as matched_reading,
        case when mentions_fee then 'agree' else 'disagree' end as result,
        case when not mentions_fee then 'no_fee_statement' end as reason,
        null as phrase,
        null as sentence,
        cast(null as bigint) as span_start,
        cast(null as bigint) as span_end
    from w7_inputs
    where overdue_fee_requests > 0

),

w7_denial as (

    -- A report that both says no fee was charged and states a fee amount contradicts itself.
    select
        report_id || ':W7:fee_denied_and_stated' as check_id,
        report_id,
        agency_id,
        agency,
        report_year,
        'W7' as rule,
        'fee_denied_and_stated' as check_key,
        fee_claim_id as claim_id,
        fee_amount_yuan as claimed_value,
        'total' as qualifier,
        cast(null as decimal(20, 6)) as table_value,
        null as readings,
        null as matched_reading,
        'disagree' as result,
        'fee_denied_and_amount_stated' as reason,
        null as phrase,
        null as sentence,
        cast(null as bigint) as span_start,
        cast(null as bigint) as span_end
    from w7_inputs
    where denies_fee and fee_amount_yuan > 0

),

final as (

    select * from w6
    union all
    select * from w7_overdue
    union all
    select * from w7_denial

)

select * from final
