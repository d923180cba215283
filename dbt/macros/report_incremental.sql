{#-
Incremental models keyed on report_id (docs/operations.md, "Incremental builds").

A model whose rows for a report depend only on that report (its cells, its attributes, whether it is
the canonical one of its agency-year) is materialized as `incremental` with these hooks, and so is a
model whose rows also depend on the report's context, as long as its versions model
(`int_report_context_versions`) changes a report's version whenever that context changes. Each build
deletes the rows of reports that changed or left since the last build and inserts the rows of reports
that are new or changed; the rest stay as they are. What the last build saw is kept beside the model,
in `<schema>_state.<model>`: one row per report with its version (`int_report_versions`) and a checksum
of the code of the model and of every node upstream of it, so a changed model, macro-free SQL or seed
rebuilds every report. A missing state, a `--full-refresh` or a changed checksum rebuilds the model
from scratch; the result is the same table a full rebuild gives, row for row.

A version is a 128-bit md5 of the report's id and of what the model reads (int_report_versions), so it
belongs to one report: "the state holds this report in this version" is one comparison of numbers
(`built.report_version = current_version.report_version`), which DuckDB joins several times faster than
the pair of strings it replaced (those comparisons took 1.7 s of SQL in a one-report build at 100,000
reports; the 11 incremental models 3.99 s then, 2.33-2.46 s since).
-#}

{% macro report_incremental_config(versions='int_report_versions') %}
    {#- The config of a model incremental by report: `{{ config(**report_incremental_config()) }}`. The
    hooks are strings, rendered when the model runs. ``versions`` names the model that gives each
    report's version: `int_report_versions` for a model whose rows depend on the report alone,
    `int_report_context_versions` for one that also reads the report's agency-wide context (its stable
    agency, the agency's report of the year before, the claims of its narrative). The model must also
    call `report_changed_filter(ref(versions))`, so dbt knows it depends on that model. -#}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'append',
        'on_schema_change': 'sync_all_columns',
        'pre_hook': "{{ report_delete_changed(ref('" ~ versions ~ "')) }}",
        'post_hook': "{{ report_record_state(ref('" ~ versions ~ "')) }}",
    }) }}
{% endmacro %}


{% macro report_state_relation() %}
    {{ return(api.Relation.create(
        database=this.database,
        schema=this.schema ~ '_state',
        identifier=this.identifier,
        type='table'
    )) }}
{% endmacro %}


{% macro report_build_checksum() %}
    {#- md5 over the checksums of this model and of every node it depends on, directly or not. -#}
    {% if not execute %}
        {{ return('') }}
    {% endif %}
    {% set todo = [model.unique_id] %}
    {% set seen = [] %}
    {% for _ in range(10000) %}
        {% if not todo %}
            {% break %}
        {% endif %}
        {% set uid = todo.pop() %}
        {% if uid not in seen %}
            {% do seen.append(uid) %}
            {% set node = graph.nodes.get(uid) %}
            {% if node %}
                {% for dep in node.depends_on.nodes %}
                    {% do todo.append(dep) %}
                {% endfor %}
            {% endif %}
        {% endif %}
    {% endfor %}
    {% set parts = ['state-format=4'] %}
    {% for uid in seen | sort %}
        {% set node = graph.nodes.get(uid) %}
        {% do parts.append(uid ~ '=' ~ (node.checksum.checksum if node else 'source')) %}
    {% endfor %}
    {{ return(local_md5(parts | join(';'))) }}
{% endmacro %}


{% macro report_rebuild_all() %}
    {#- True when this build must rebuild every report: first build, --full-refresh, no state, new code. -#}
    {% if not execute or not is_incremental() %}
        {{ return(true) }}
    {% endif %}
    {% set state = adapter.get_relation(
        database=this.database, schema=this.schema ~ '_state', identifier=this.identifier
    ) %}
    {% if state is none %}
        {{ return(true) }}
    {% endif %}
    {% set stale = run_query(
        "select count(*) from " ~ state ~ " where build_checksum <> '" ~ report_build_checksum() ~ "'"
    ).columns[0].values()[0] %}
    {{ return(stale > 0) }}
{% endmacro %}


{% macro report_ids_inline(ids_sql) %}
    {#- What goes inside `report_id in (...)` for the report ids ``ids_sql`` selects: up to 5,000 as
    literals (so DuckDB filters table scans before any join), more as the query itself; none when it
    selects nothing. -#}
    {% set ids = run_query(ids_sql ~ ' order by 1 limit 5001').columns[0].values() %}
    {% if ids | length == 0 %}
        {{ return(none) }}
    {% elif ids | length <= 5000 %}
        {% set quoted = [] %}
        {% for id in ids %}
            {% do quoted.append(sql_string_literal(id)) %}
        {% endfor %}
        {{ return(quoted | join(', ')) }}
    {% endif %}
    {{ return(ids_sql) }}
{% endmacro %}


{% macro report_changed_filter(versions) %}
    {#- The predicate on report_id that selects the reports to (re)build: every report when rebuilding
    all, else those whose (report_id, version) the state does not hold. A short list is inlined as
    literals, so DuckDB filters the table scans before any join. -#}
    {% if report_rebuild_all() %}
        {{ return('true') }}
    {% endif %}
    {% set changed_sql %}
        select report_id from {{ versions }} as current_version
        where not exists (
            select 1 from {{ report_state_relation() }} as built
            where built.report_version = current_version.report_version
        )
    {% endset %}
    {% set ids = report_ids_inline(changed_sql) %}
    {{ return('false' if ids is none else 'report_id in (' ~ ids ~ ')') }}
{% endmacro %}


{% macro report_related_filter(changed, versions, related_column) %}
    {#- ``changed`` (what `report_changed_filter(versions)` returned) widened to the reports that the
    column ``related_column`` of ``versions`` names for the changed ones: the agency's previous or latest
    earlier report, whose cells a model rebuilding a report also reads. -#}
    {% if changed in ('true', 'false') %}
        {{ return(changed) }}
    {% endif %}
    {% set related_sql %}
        select {{ related_column }} from {{ versions }}
        where {{ related_column }} is not null and {{ changed }}
    {% endset %}
    {% set related = report_ids_inline(related_sql) %}
    {{ return(changed if related is none else '(' ~ changed ~ ' or report_id in (' ~ related ~ '))') }}
{% endmacro %}


{% macro report_delete_changed(versions) %}
    {#- pre_hook: drop the rows of reports that changed or left (all rows when rebuilding all). -#}
    {% if not is_incremental() %}
        select 1
    {% elif report_rebuild_all() %}
        delete from {{ this }}
    {% else %}
        delete from {{ this }}
        where report_id in (
            select built.report_id from {{ report_state_relation() }} as built
            where not exists (
                select 1 from {{ versions }} as current_version
                where current_version.report_version = built.report_version
            )
        )
    {% endif %}
{% endmacro %}


{% macro report_record_state(versions) %}
    {#- post_hook: remember which report versions this build holds, the code it was built with, and when
    each report was built (tests of a large model check the reports of its latest build: see
    report_built_last). An incremental build updates the state in place, like the model: the rows of
    the reports it rebuilt or dropped go, those it built come in, the others stay (with the time of the
    build that wrote them); a build of every report writes it anew. When the latest build ran is kept
    beside it, in `<model>__build`. -#}
    {% set state = report_state_relation() %}
    {% set next_state = state.incorporate(path={'identifier': this.identifier ~ '__next'}) %}
    {% set checksum = report_build_checksum() %}
    {#- One time for the rows and the build, whatever transactions the statements run in. -#}
    {% set built_at = "'" ~ modules.datetime.datetime.utcnow().isoformat() ~ "'::timestamp" %}
    create schema if not exists {{ this.schema }}_state;
    {% if report_rebuild_all() %}
        create or replace table {{ next_state }} as
        select
            current_version.report_id,
            current_version.report_version,
            '{{ checksum }}' as build_checksum,
            {{ built_at }} as built_at
        from {{ versions }} as current_version;
        drop table if exists {{ state }};
        alter table {{ next_state }} rename to {{ adapter.quote(this.identifier) }};
    {% else %}
        delete from {{ state }}
        where not exists (
            select 1 from {{ versions }} as current_version
            where current_version.report_version = {{ state }}.report_version
        );
        insert into {{ state }} (report_id, report_version, build_checksum, built_at)
        select
            current_version.report_id,
            current_version.report_version,
            '{{ checksum }}',
            {{ built_at }}
        from {{ versions }} as current_version
        where not exists (
            select 1 from {{ state }} as built
            where built.report_version = current_version.report_version
        );
    {% endif %}
    create or replace table {{ report_build_relation(state) }} as select {{ built_at }} as state_built_at
{% endmacro %}


{% macro report_build_relation(state) %}
    {#- Where the latest build of the model whose state is ``state`` recorded when it ran. -#}
    {{ return(state.incorporate(path={'identifier': state.identifier ~ '__build'})) }}
{% endmacro %}


{% macro report_built_last(state) %}
    {#- The reports the latest build recorded in ``state`` wrote: every report after a full build, the
    new and changed ones after an incremental build, none after a build that found nothing to do. -#}
    {%- set build = report_build_relation(state) %}
    {%- if adapter.get_relation(database=build.database, schema=build.schema, identifier=build.identifier) %}
        select report_id from {{ state }}
        where built_at = (select state_built_at from {{ build }})
    {%- else %}
        {#- A state written before builds were recorded beside it: every report. #}
        select report_id from {{ state }}
    {%- endif %}
{% endmacro %}
