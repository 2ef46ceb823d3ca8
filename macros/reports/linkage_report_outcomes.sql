{#
  linkage_report_outcomes(): the rows of the seed ref_linkage__methodes that name a column of
  rpt_linkage__by_source, in the seed's order, as (nature, code, colonne_rapport): the report's
  per-code columns, read at compile time so that a new method or reason is one row of the seed.
  Empty when the seed is not built yet (sqlfluff's parse-only database). Unit tests override it.
#}
{% macro linkage_report_outcomes() -%}
    {%- set seed = ref('ref_linkage__methodes') -%}
    {%- if not execute or load_relation(seed) is none -%}
        {{ return([]) }}
    {%- endif -%}
    {{ return(run_query(
        "select nature, code, colonne_rapport from " ~ seed
        ~ " where coalesce(colonne_rapport, '') <> '' order by rowid"
    ).rows) }}
{%- endmacro %}
