{#-
dbt's hook for a test's `where`, overridden so that the tests of a large per-report relation check the
reports its latest build wrote: all of them after a full build, the new and changed ones after an
incremental build (the rows of the other reports are the ones the earlier builds tested, unchanged).
Every such test (not_null, unique on keys that include report_id, accepted values, relationships) is
decided row by row or report by report, so the answer equals the full test's.

The views over every cell (int_report_cells, int_labelled_cells, int_identity_operands) have no build of
their own: `dbt build` tests them before it builds int_identity_checks from them (it reads all three),
so their tests check the reports int_identity_checks is about to build (new and changed ones; every
report when it has no state).
-#}

{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where') -%}
    {%- set scope = none -%}
    {%- if execute and relation.identifier is defined and relation.identifier -%}
        {%- set follows_trust = relation.identifier in (
            'int_report_cells', 'int_labelled_cells', 'int_identity_operands'
        ) -%}
        {%- set state = adapter.get_relation(
            database=relation.database,
            schema=relation.schema ~ '_state',
            identifier='int_identity_checks' if follows_trust else relation.identifier
        ) -%}
        {%- if state is not none and follows_trust
              and report_version_type(state) == report_version_type(relation.incorporate(
                  path={'identifier': 'int_report_versions'})) -%}
            {#- These tests run before int_identity_checks is built: the reports it is about to build.
            A state written by an older build (its versions were md5 strings) is about to be replaced
            whole: the tests then check every row. -#}
            {%- set versions = relation.incorporate(path={'identifier': 'int_report_versions'}) -%}
            {%- set scope -%}
                select report_id from {{ versions }} as current_version
                where not exists (
                    select 1 from {{ state }} as built
                    where built.report_version = current_version.report_version
                )
            {%- endset -%}
        {%- elif state is not none and not follows_trust -%}
            {%- set scope = report_built_last(state) -%}
        {%- endif -%}
    {%- endif -%}
    {%- if scope is not none -%}
        {#- A short list of reports is inlined as literals, so DuckDB filters the scans of the views
        before their joins instead of computing them over every cell. -#}
        {%- set scope = report_ids_inline(scope) -%}
        {%- if scope is none -%}
            {%- set scope = "select null::varchar where false" -%}
        {%- endif -%}
        {%- set filtered -%}
            (select * from {{ relation }}
            where report_id in ({{ scope }})
            {%- if where %} and ({{ where }}){% endif %}) dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- elif where -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}


{% macro report_version_type(relation) %}
    {#- The type of ``relation``'s report_version column (upper case), or none. -#}
    {%- for column in adapter.get_columns_in_relation(relation) -%}
        {%- if column.name == 'report_version' -%}
            {{ return(column.dtype | upper) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(none) }}
{% endmacro %}
