{#
  has_accepted_codes(model, codes): each column of `codes` (a mapping column -> list of codes)
  holds only its codes, compared as text; NULL is allowed. One row per column with other values
  (its name and the count of rows, never the values); the test reports the total. Used on the
  source tables (scripts/generate_sources.py): one test per table instead of one per column.
#}
{% test has_accepted_codes(model, codes) %}
{{ config(fail_calc='coalesce(sum(n_unexpected), 0)') }}
with

by_column as (
    {% for column, values in codes.items() -%}
    select
        '{{ column }}' as column_name,
        count(*) as n_unexpected
    from {{ model }}
    where
        {{ adapter.quote(column) }} is not null
        and cast({{ adapter.quote(column) }} as {{ dbt.type_string() }}) not in (
            {%- for value in values %}'{{ value | string | replace("'", "''") }}'{% if not loop.last %}, {% endif %}{% endfor -%}
        )
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

select
    column_name,
    n_unexpected
from by_column
where n_unexpected > 0
{% endtest %}
