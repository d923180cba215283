{% macro sql_string_literal(value) %}
    {#- ``value`` as a SQL string literal, its single quotes doubled. -#}
    {{ return("'" ~ (value | string | replace("'", "''")) ~ "'") }}
{% endmacro %}
