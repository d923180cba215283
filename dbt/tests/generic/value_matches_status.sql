-- A cell has a number exactly when its status says the input decided it: read and inferred cells are
-- never NULL; blank, undetermined and absent cells always are, and so is a row with no cell (NULL
-- status). Attach to the status column.
{% test value_matches_status(model, column_name, value_column) %}

select *
from {{ model }}
where
    ({{ value_column }} is null)
    != coalesce({{ column_name }} in ('blank', 'undetermined', 'absent'), true)

{% endtest %}
