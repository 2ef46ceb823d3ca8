{#
  is_sha256_hex(model, column_name): every non-null value is a SHA-256 digest written as in the
  hashing protocol (section 3): 64 lower-case hexadecimal characters. A name or a message left
  unhashed, an upper-case or truncated digest fails. Reports the count, never the values: a
  failing value may be a leaked identity.
  Usage (column level): data_tests: [is_sha256_hex]
#}
{% test is_sha256_hex(model, column_name) %}
{{ config(store_failures=false, fail_calc='coalesce(sum(n_invalid), 0)') }}
select count(*) as n_invalid
from {{ model }}
where
    {{ column_name }} is not null
    {% if target.type == 'duckdb' -%}
    and not regexp_full_match(cast({{ column_name }} as varchar), '[0-9a-f]{64}')
    {%- elif target.type == 'postgres' -%}
    and not cast({{ column_name }} as varchar) ~ '^[0-9a-f]{64}$'
    {%- else -%}
    {{ exceptions.raise_compiler_error("is_sha256_hex: no implementation for adapter " ~ target.type) }}
    {%- endif %}
{% endtest %}
