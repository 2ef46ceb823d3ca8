{#
  raw_identity_values(): one row per distinct raw identity value of the identifying zone, the
  forbidden set of the privacy test has_no_raw_identity_values, built once per run (by the model
  int_keys__valeurs_identifiantes) instead of once per leaving model.

  Read from the dbt sources (graph.sources): every column flagged
  `meta: {pipase: {identifier: direct}}` (names, first names, birth names, address lines,
  organisation names, file numbers...), so a new identifying column in a contract is covered by
  the next run. Each value is written in the one form the test compares with: normalise_label
  (ligatures expanded, accents stripped, upper-case, A-Z and 0-9) with its spaces removed, so
  'Le Goff', 'LE-GOFF' and 'le goff' all give LEGOFF, and 'Léa' gives LEA. A DATE or TIMESTAMP
  gives the digits of every format the sources use: dd/mm/yyyy, dd-mm-yyyy and ddmmyyyy give
  ddmmyyyy, yyyy-mm-dd gives yyyymmdd, yyyy/dd/mm gives yyyyddmm (the test reads a date written
  inside a text as the concatenation of its adjacent number tokens).
  No length or vocabulary filter here: the test applies its own (its arguments may differ per
  model), on the model's side of the comparison.
  Column: valeur. Without any flagged source column (a project with no source loaded), no row.
  DuckDB only (strftime, strip_accents); another adapter stops with an error.
#}
{% macro raw_identity_values() -%}
{%- if target.type != 'duckdb' -%}
    {{ exceptions.raise_compiler_error(
        "raw_identity_values: no implementation for adapter " ~ target.type) }}
{%- endif -%}
{#- the digits of the sources' formats: dd/mm/yyyy, dd-mm-yyyy, ddmmyyyy; yyyy-mm-dd; yyyy/dd/mm -#}
{%- set date_formats = ['%d%m%Y', '%Y%m%d', '%Y%d%m'] -%}
{%- set text_selects = [] -%}
{%- set date_selects = [] -%}
{%- if execute -%}
    {#- the sources with a flagged column -#}
    {%- set wanted = {} -%}
    {%- for src in graph.sources.values() -%}
        {%- set flagged = [] -%}
        {%- for column_name, column in src.columns.items() -%}
            {%- set meta = column.get('meta') or (column.get('config') or {}).get('meta') or {} -%}
            {%- if (meta.get('pipase') or {}).get('identifier') == 'direct' -%}
                {%- do flagged.append(column_name | lower) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if flagged | length > 0 -%}
            {%- do wanted.update({(src.database | lower, src.schema | lower, src.identifier | lower): flagged}) -%}
        {%- endif -%}
    {%- endfor -%}
    {#- one catalogue query for the types of all their columns (not one DESCRIBE each) -#}
    {%- if wanted | length > 0 -%}
        {%- set rows = catalogue_columns(wanted.keys() | list) -%}
        {%- set found = [] -%}
        {%- for row in rows -%}
            {%- set key = (row[0] | lower, row[1] | lower, row[2] | lower) -%}
            {%- do found.append(key) -%}
            {%- if row[3] | lower in wanted.get(key, []) -%}
                {%- set relation = api.Relation.create(database=row[0], schema=row[1], identifier=row[2]) -%}
                {%- set quoted = adapter.quote(row[3]) -%}
                {%- set dtype = row[4] -%}
                {%- if dtype == 'DATE' or dtype.startswith('TIMESTAMP') -%}
                    {%- do date_selects.append(
                        "select cast(" ~ quoted ~ " as date) as jour from " ~ relation
                        ~ " where " ~ quoted ~ " is not null") -%}
                {%- else -%}
                    {%- do text_selects.append(
                        "select cast(" ~ quoted ~ " as varchar) as brut from " ~ relation
                        ~ " where " ~ quoted ~ " is not null") -%}
                {%- endif -%}
            {%- endif -%}
        {%- endfor -%}
        {%- for database, schema, identifier in wanted if (database, schema, identifier) not in found -%}
            {%- do log("raw_identity_values: " ~ schema ~ "." ~ identifier
                ~ " not found, its identities are not in the forbidden set", info=true) -%}
        {%- endfor -%}
    {%- endif -%}
{%- endif -%}
{%- if text_selects | length == 0 and date_selects | length == 0 %}
select cast(null as varchar) as valeur
where false
{%- else %}
{#- each distinct raw value once (names and dates repeat), then its forms -#}
with

raw_texts as (
    select distinct texts.brut
    from (
        select cast(null as varchar) as brut where false
        {% for select in text_selects -%}
        union all
        {{ select }}
        {% endfor %}
    ) as texts
),

raw_dates as (
    select distinct dates.jour
    from (
        select cast(null as date) as jour where false
        {% for select in date_selects -%}
        union all
        {{ select }}
        {% endfor %}
    ) as dates
),

{#- the filter is on the raw text, before normalising: a filter on the normalised value (as
    `valeur is not null`) made DuckDB 1.5 six times slower here. A text with a letter or digit
    left by strip_accents keeps it through normalise_label, so no value is NULL or empty. -#}
identity_values as (
    select replace({{ normalise_label('raw_texts.brut') }}, ' ', '') as valeur
    from raw_texts
    where regexp_matches(strip_accents(upper(raw_texts.brut)), '[A-Z0-9]')
    {% for fmt in date_formats -%}
    union all
    select strftime(raw_dates.jour, '{{ fmt }}') as valeur from raw_dates
    {% endfor %}
)

select distinct identity_values.valeur
from identity_values
{%- endif %}
{%- endmacro %}
