{#
  is_in_code_list(model, column_name, code_list, code_column='code', special_values=none):
  closed vocabularies. Every non-null value of the column (every element of a text
  list column) is a code of the seed `code_list` (its column `code_column`) or one of the
  special codes (special_values; default: macro special_codes(), 'autre' and 'non_renseigne'). A value typed by the
  source (a label, a phrase, a name) fails. Reports the count of failing rows (list columns:
  of failing elements), never a value. The column's list type is read from the model's YAML
  (data_type ending in []), so the test costs no query of the catalogue. code_where (optional)
  keeps only the seed's rows where that SQL condition holds (e.g. "nature = 'methode'").
  Usage:
    data_tests:
      - is_in_code_list: {arguments: {code_list: ref('ref_iodas_dpas__type_aide')}}
#}
{% test is_in_code_list(model, column_name, code_list, code_column='code', special_values=none, code_where=none) %}
{{ config(store_failures=false, fail_calc='coalesce(sum(n_invalid), 0)') }}
{%- set specials = special_values if special_values is not none
    else [special_codes().unknown, special_codes().empty] -%}
{%- set is_list = false -%}
{%- if execute -%}
    {%- set node = graph_node_of(model) -%}
    {%- set column = (node.columns.get(column_name) if node else none) or {} -%}
    {%- set is_list = ((column.get('data_type') or '') | trim).endswith('[]') -%}
{%- endif %}
with

column_values as (
    {% if is_list -%}
    select unnest({{ adapter.quote(column_name) }}) as v from {{ model }}
    {%- else -%}
    select {{ adapter.quote(column_name) }} as v from {{ model }}
    {%- endif %}
),

codes as (
    select distinct cast({{ adapter.quote(code_column) }} as varchar) as code
    from {{ code_list }}
    where {{ adapter.quote(code_column) }} is not null
    {%- if code_where %} and ({{ code_where }}){% endif %}
    {% for code in specials -%}
    union
    select '{{ code | replace("'", "''") }}' as code
    {% endfor %}
)

select count(*) as n_invalid
from column_values
where
    column_values.v is not null
    and cast(column_values.v as varchar) not in (select codes.code from codes)
{% endtest %}
