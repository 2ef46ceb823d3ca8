{#
  generate_schema_name: a node's schema is its layer, exactly (etude, indicateurs, reference),
  as in the Department's project, so that a table's layer shows in the database as in the folder.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
