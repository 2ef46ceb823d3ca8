{#
  catalogue_columns(relations, text_only=false): the columns of several relations in one query
  of information_schema (not one DESCRIBE per relation), for the privacy macros and tests that
  read relations found in the graph (raw_identity_values, has_no_raw_identity_values).
  relations: (database, schema, identifier) tuples, lower-case. text_only: VARCHAR columns only
  (not lists). Returns the rows (table_catalog, table_schema, table_name, column_name,
  data_type upper-cased) in table and column order; no row when `relations` is empty.
#}
{% macro catalogue_columns(relations, text_only=false) -%}
    {%- if relations | length == 0 -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set conditions = [] -%}
    {%- for database, schema, identifier in relations -%}
        {%- do conditions.append(
            "(lower(table_catalog) = '" ~ database ~ "' and lower(table_schema) = '"
            ~ schema ~ "' and lower(table_name) = '" ~ identifier ~ "')") -%}
    {%- endfor -%}
    {%- set query = "select table_catalog, table_schema, table_name, column_name, upper(data_type) "
        ~ "from information_schema.columns where (" ~ conditions | join(' or ') ~ ")" -%}
    {%- if text_only -%}
        {%- set query = query ~ " and upper(data_type) like 'VARCHAR%' and upper(data_type) not like '%[]'" -%}
    {%- endif -%}
    {{ return(run_query(query ~ " order by table_catalog, table_schema, table_name, ordinal_position").rows) }}
{%- endmacro %}
