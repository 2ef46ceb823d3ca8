{#
  generate_schema_name: the schema of a node is its zone, exactly (identifying, crossing,
  leaving, reference, ...), so that a table's zone shows in the database as in the folder.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {# no zone configured: the target's schema (dbt's default behaviour) #}
        {{ target.schema }}
    {%- else -%}
        {# a zone: its own schema, not prefixed by the target's, on every target #}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
