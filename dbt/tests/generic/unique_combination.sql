{#-
No two rows share the values of `columns`. Two passes, so that a relation of tens of millions of rows
is tested in little memory: rows are first grouped by one 64-bit hash of their key (a hash table of
integers, not of strings), and only the rows whose hash occurs more than once are grouped again by the
values themselves. Equal keys have equal hashes, so no duplicate can hide; a hash collision only hands
the second pass a few more rows, which it clears.
-#}
{% test unique_combination(model, columns) %}

with

keyed as not materialized (

    select
        {{ columns | join(', ') }},
        hash({{ columns | join(', ') }}) as key_hash
    from {{ model }}

),

repeated_hashes as (

    select key_hash
    from keyed
    group by key_hash
    having count(*) > 1

),

final as (

    select
        {{ columns | join(', ') }},
        count(*) as n
    from keyed
    where key_hash in (select repeated_hashes.key_hash from repeated_hashes)
    group by {{ columns | join(', ') }}
    having count(*) > 1

)

select * from final

{% endtest %}
