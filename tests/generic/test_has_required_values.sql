{#
  has_required_values(model, columns): none of `columns` is NULL. One scan of the relation for
  all the columns; one row per column holding NULLs (its name, the count); the test reports the
  total. Used on the source tables (scripts/generate_sources.py) and on the models and seeds
  with several required columns: one test per table instead of one not_null per column (dbt
  spends ~50 ms of single-threaded Python per test node, whatever the data). The data dictionary
  (scripts/build_dictionary.py) marks each listed column as required.
#}
{% test has_required_values(model, columns) %}
{{ config(fail_calc='coalesce(sum(n_nulls), 0)') }}
with

counts as (
    select
        {% for column in columns -%}
        count(*) filter (where {{ adapter.quote(column) }} is null) as n_{{ loop.index }}
        {%- if not loop.last %},{% endif %}
        {% endfor %}
    from {{ model }}
),

by_column as (
    {% for column in columns -%}
    select
        '{{ column }}' as column_name,
        n_{{ loop.index }} as n_nulls
    from counts
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

select
    column_name,
    n_nulls
from by_column
where n_nulls > 0
{% endtest %}
