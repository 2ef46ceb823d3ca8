{#
  has_only_documented_columns(model): the relation's columns are exactly the columns documented
  for the model in its YAML (the graph's node.columns), names compared case-insensitively. One
  row per undocumented column (a column beyond the list) and per documented column missing from
  the relation; the test reports their count. Only column names are read, never a value.
  Usage (model level): data_tests: [has_only_documented_columns]
#}
{% test has_only_documented_columns(model) %}
{{ config(store_failures=false) }}
{%- set documented = [] -%}
{%- set actual = [] -%}
{%- if execute -%}
    {%- for node in graph.nodes.values()
        if node.resource_type in ['model', 'snapshot', 'seed']
        and (node.alias or node.name) | lower == model.identifier | lower
        and node.schema | lower == model.schema | lower -%}
        {%- for column_name in node.columns -%}
            {%- do documented.append(column_name | lower) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- for column in adapter.get_columns_in_relation(model) -%}
        {%- do actual.append(column.name | lower) -%}
    {%- endfor -%}
{%- endif -%}
{%- set undocumented = actual | reject('in', documented) | list -%}
{%- set missing = documented | reject('in', actual) | list -%}
{%- set problems = [] -%}
{%- for name in undocumented -%}{%- do problems.append((name, 'undocumented')) -%}{%- endfor -%}
{%- for name in missing -%}{%- do problems.append((name, 'documented_but_absent')) -%}{%- endfor -%}
{%- if execute and actual | length == 0 -%}
    {%- do problems.append(('(relation)', 'no_column_found')) -%}
{%- endif %}
{% if problems | length == 0 -%}
select
    cast(null as varchar) as column_name,
    cast(null as varchar) as problem
where false
{%- else -%}
{%- for name, problem in problems %}
select
    '{{ name | replace("'", "''") }}' as column_name,
    '{{ problem }}' as problem
{% if not loop.last %}union all{% endif %}
{%- endfor %}
{%- endif %}
{% endtest %}
