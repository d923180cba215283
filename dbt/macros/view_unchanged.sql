{#-
Views are created again only when they change (docs/operations.md, "Incremental builds").

dbt creates every view anew on every build: a new view under a temporary name, renames, comments on the
view and its columns, a commit, a drop. A view holds no data, so when its SQL and its descriptions are
the ones the last build created it from, that work changes nothing; in a one-report refresh of a large
warehouse it was about a second of the dbt step for the 14 staging and intermediate views.

This is dbt's own view materialization (dbt-core's global project, which dbt-duckdb uses), with one
step added in front: when the view exists, `--full-refresh` is not given, and the bookkeeping table
`dbt_view_state.views` says the view was last created from the same fingerprint (md5 of the compiled
SQL, the model's and columns' descriptions and the persist_docs config) and DuckDB still holds that
view's SQL as it was then (a view dropped or replaced by hand is created again), the build does nothing
and reports the view unchanged. Every build that creates the view records its fingerprint.
-#}

{% macro view_state_relation() %}
    {{ return(api.Relation.create(database=this.database, schema='dbt_view_state', identifier='views', type='table')) }}
{% endmacro %}


{% macro view_fingerprint(sql) %}
    {%- set columns = [] -%}
    {%- for name, column in model.columns.items() | sort -%}
        {%- do columns.append(name ~ ':' ~ (column.description or '')) -%}
    {%- endfor -%}
    {%- set parts = [
        'view-state=1', sql, model.description or '', columns | join('\n'), config.get('persist_docs') | string
    ] -%}
    {{ return(local_md5(parts | join('\x1f'))) }}
{% endmacro %}


{% macro view_is_unchanged(target_relation, fingerprint) %}
    {%- set state = view_state_relation() -%}
    {%- if adapter.get_relation(database=state.database, schema=state.schema, identifier=state.identifier) is none -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set found -%}
        select count(*)
        from {{ state }} as recorded
        inner join duckdb_views() as current_view
            on current_view.database_name = {{ sql_string_literal(target_relation.database) }}
            and current_view.schema_name = {{ sql_string_literal(target_relation.schema) }}
            and current_view.view_name = {{ sql_string_literal(target_relation.identifier) }}
            and current_view.sql = recorded.view_sql
        where recorded.schema_name = {{ sql_string_literal(target_relation.schema) }}
            and recorded.view_name = {{ sql_string_literal(target_relation.identifier) }}
            and recorded.fingerprint = {{ sql_string_literal(fingerprint) }}
    {%- endset -%}
    {{ return(run_query(found).columns[0].values()[0] == 1) }}
{% endmacro %}


{% macro view_record_state(target_relation, fingerprint) %}
    {%- set state = view_state_relation() -%}
    {%- set schema = sql_string_literal(target_relation.schema) -%}
    {%- set name = sql_string_literal(target_relation.identifier) -%}
    {% call statement('view_state') %}
        create schema if not exists {{ state.database }}.{{ state.schema }};
        create table if not exists {{ state }} (
            schema_name varchar, view_name varchar, fingerprint varchar, view_sql varchar
        );
        delete from {{ state }} where schema_name = {{ schema }} and view_name = {{ name }};
        insert into {{ state }}
        select {{ schema }}, {{ name }}, {{ sql_string_literal(fingerprint) }}, sql
        from duckdb_views()
        where database_name = {{ sql_string_literal(target_relation.database) }}
            and schema_name = {{ schema }}
            and view_name = {{ name }};
    {% endcall %}
{% endmacro %}


{%- materialization view, adapter='duckdb' -%}

  {%- set existing_relation = load_cached_relation(this) -%}
  {%- set target_relation = this.incorporate(type='view') -%}
  {%- set fingerprint = view_fingerprint(sql) -%}

  {%- if existing_relation is not none and existing_relation.is_view and not should_full_refresh()
        and view_is_unchanged(target_relation, fingerprint) -%}
    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    {{ run_hooks(pre_hooks, inside_transaction=True) }}
    {% call noop_statement('main', 'view unchanged', 'OK') -%}{%- endcall %}
    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {{ adapter.commit() }}
    {{ run_hooks(post_hooks, inside_transaction=False) }}
    {{ return({'relations': [target_relation]}) }}
  {%- endif -%}

  {#- From here on: dbt-core's view materialization (global_project/macros/materializations/models/view.sql),
  with the fingerprint recorded before the commit. -#}
  {%- set intermediate_relation =  make_intermediate_relation(target_relation) -%}
  {%- set preexisting_intermediate_relation = load_cached_relation(intermediate_relation) -%}
  {%- set backup_relation_type = 'view' if existing_relation is none else existing_relation.type -%}
  {%- set backup_relation = make_backup_relation(target_relation, backup_relation_type) -%}
  {%- set preexisting_backup_relation = load_cached_relation(backup_relation) -%}
  {% set grant_config = config.get('grants') %}

  {{ run_hooks(pre_hooks, inside_transaction=False) }}

  {{ drop_relation_if_exists(preexisting_intermediate_relation) }}
  {{ drop_relation_if_exists(preexisting_backup_relation) }}

  {{ run_hooks(pre_hooks, inside_transaction=True) }}

  {% call statement('main') -%}
    {{ get_create_view_as_sql(intermediate_relation, sql) }}
  {%- endcall %}

  {% if existing_relation is not none %}
    {% set existing_relation = load_cached_relation(existing_relation) %}
    {% if existing_relation is not none %}
        {{ adapter.rename_relation(existing_relation, backup_relation) }}
    {% endif %}
  {% endif %}
  {{ adapter.rename_relation(intermediate_relation, target_relation) }}

  {% set should_revoke = should_revoke(existing_relation, full_refresh_mode=True) %}
  {% do apply_grants(target_relation, grant_config, should_revoke=should_revoke) %}

  {% do persist_docs(target_relation, model) %}

  {{ run_hooks(post_hooks, inside_transaction=True) }}

  {% do view_record_state(target_relation, fingerprint) %}

  {{ adapter.commit() }}

  {{ drop_relation_if_exists(backup_relation) }}

  {{ run_hooks(post_hooks, inside_transaction=False) }}

  {{ return({'relations': [target_relation]}) }}

{%- endmaterialization -%}
