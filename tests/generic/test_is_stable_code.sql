{#
  is_stable_code(model, column_name, domain): annex 2 "Minimisé en code" (family file number,
  placement organisation). Every non-null value is a code written by the macro stable_code
  for its domain: '<domain>-' and 16 lower-case hexadecimal digits ('DF-3f0a...'). A file number
  or an organisation's name left uncoded fails. Reports the count of failing rows, never a
  value. DuckDB and PostgreSQL.
  Usage: data_tests: [{is_stable_code: {arguments: {domain: DF}}}]
#}
{% test is_stable_code(model, column_name, domain) %}
{{ config(store_failures=false, fail_calc='coalesce(sum(n_invalid), 0)') }}
select count(*) as n_invalid
from {{ model }}
where
    {{ column_name }} is not null
    {% if target.type == 'duckdb' -%}
    and not regexp_full_match(cast({{ column_name }} as varchar), '{{ domain }}-[0-9a-f]{16}')
    {%- elif target.type == 'postgres' -%}
    and not cast({{ column_name }} as varchar) ~ '^{{ domain }}-[0-9a-f]{16}$'
    {%- else -%}
    {{ exceptions.raise_compiler_error("is_stable_code: no implementation for adapter " ~ target.type) }}
    {%- endif %}
{% endtest %}
