{#-
A model's column rules in one test, instead of one dbt test per column and rule: every dbt node costs a
one-report refresh about 25 ms of dbt's own work however small its query (docs/benchmarks.md). Each rule
is its own filtered count, as dbt's tests are queries of their own: a filter such as `report_id is null`
reaches the scans under a view over every cell, which one aggregate over the view would compute whole.
Each rule means what dbt's test of the same name means:

- not_null: [columns]: no NULL.
- unique: [columns]: no two rows share a non-NULL value (each column on its own).
- accepted_values: {column: [values]}: every non-NULL value is one of the values.
- value_matches_status: {status_column: value_column}: the value is NULL exactly when the status is
  blank, undetermined or absent, or when there is no status: read and inferred cells are never NULL,
  and a row with no cell (NULL status) has no value.

The test returns one row per broken rule, naming the rule, the column and how many rows break it, so
a failure says which column failed (`dbt test --store-failures` keeps those rows). Like every test of
a per-report relation, it checks the reports of the relation's latest build (get_where_subquery.sql).
-#}
{% test column_values(model, not_null=[], unique=[], accepted_values={}, value_matches_status={}) %}

{%- set rules = [] -%}
{%- for column in not_null -%}
    {%- do rules.append(('not_null', column, 'count(*)', column ~ ' is null')) -%}
{%- endfor -%}
{%- for column in unique -%}
    {%- do rules.append(('unique', column, 'count(' ~ column ~ ') - count(distinct ' ~ column ~ ')', none)) -%}
{%- endfor -%}
{%- for column, values in accepted_values.items() -%}
    {%- set quoted = [] -%}
    {%- for value in values -%}
        {%- do quoted.append(sql_string_literal(value)) -%}
    {%- endfor -%}
    {%- do rules.append((
        'accepted_values', column, 'count(*)', column ~ ' not in (' ~ quoted | join(', ') ~ ')'
    )) -%}
{%- endfor -%}
{%- for column, value_column in value_matches_status.items() -%}
    {%- do rules.append((
        'value_matches_status', column, 'count(*)',
        '(' ~ value_column ~ ' is null) != coalesce(' ~ column ~ " in ('blank', 'undetermined', 'absent'), true)"
    )) -%}
{%- endfor -%}

with

{% for rule, column, failing, predicate in rules %}
rule_{{ loop.index }} as (

    select '{{ rule }}' as rule, '{{ column }}' as column_name, {{ failing }} as failing_rows
    from {{ model }}
    {%- if predicate is not none %}
    where {{ predicate }}
    {%- endif %}

),

{% endfor %}
rule_results as (
    {% for rule in rules %}
    select * from rule_{{ loop.index }}
    {{ 'union all' if not loop.last }}
    {%- endfor %}

),

final as (

    select * from rule_results
    where failing_rows > 0

)

select * from final

{% endtest %}
