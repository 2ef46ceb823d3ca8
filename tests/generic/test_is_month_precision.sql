{#
  is_month_precision(model, column_name): annexe 2 "Mois et année". Every non-null value is the
  text 'AAAA-MM' (^[0-9]{4}-(0[1-9]|1[0-2])$). A DATE or TIMESTAMP column fails on every row:
  its text form carries the day. The test reports the count of failing rows, never a value.
  Usage (column level): data_tests: [is_month_precision]
#}
{% test is_month_precision(model, column_name) %}
{{ config(store_failures=false, fail_calc='coalesce(sum(n_invalid), 0)') }}
select count(*) as n_invalid
from {{ model }}
where
    {{ column_name }} is not null
    {% if target.type == 'duckdb' -%}
    and not regexp_full_match(cast({{ column_name }} as varchar), '[0-9]{4}-(0[1-9]|1[0-2])')
    {%- elif target.type == 'postgres' -%}
    and not cast({{ column_name }} as varchar) ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'
    {%- else -%}
    {{ exceptions.raise_compiler_error("is_month_precision: no implementation for adapter " ~ target.type) }}
    {%- endif %}
{% endtest %}
