{#
  has_no_raw_identity_values(model, min_length=4, min_length_without_letter=6,
                             allowed_values=[], ignore_columns=[]):
  no value of a text column of the relation (nor an element of a text list column) equals,
  after trim and upper-case, a raw identity of the identifying zone.

  The forbidden set is built from the dbt sources (graph.sources): every column flagged
  `meta: {pipase: {identifier: direct}}` (names, first names, birth names, address lines,
  organisation names, file numbers...), so a new identifying column in a contract is covered
  by the next run. A text value counts as itself and in normalised form (accents stripped,
  A-Z only: 'Le Goff' also gives LEGOFF); a DATE or TIMESTAMP counts in every format the sources
  use: dd/mm/yyyy, yyyy-mm-dd, dd-mm-yyyy, yyyy/dd/mm, ddmmyyyy. Then:
  - values shorter than min_length, and values without a letter shorter than
    min_length_without_letter, are dropped: a street number ('12'), a road type ('RUE') or
    'OUI' are not identities, and a leaked name column is never made of short values only;
  - vocabulary is dropped: the labels of the model's accepted_values tests and every text value
    of the reference seeds (schema `reference`: communes, countries, ROME...), because a label
    such as 'France' or a commune such as 'Pantin' is also somebody's name; and allowed_values.
  The model's values are compared with one semi-join against that distinct set (department
  scale: ~1M forbidden values, a few seconds in DuckDB).
  One row per offending column: its name and a count, never the value (a failing value may be
  a leaked identity); the test reports the total count. store_failures stays off.
  DuckDB only (strftime, unnest, strip_accents); another adapter stops with an error.
  Usage (model level): data_tests: [has_no_raw_identity_values]
#}
{% test has_no_raw_identity_values(model, min_length=4, min_length_without_letter=6, allowed_values=[], ignore_columns=[]) %}
{{ config(store_failures=false, fail_calc='coalesce(sum(n_matches), 0)') }}
{%- if target.type != 'duckdb' -%}
    {{ exceptions.raise_compiler_error(
        "has_no_raw_identity_values: no implementation for adapter " ~ target.type) }}
{%- endif -%}
{%- set date_formats = ['%d/%m/%Y', '%Y-%m-%d', '%d-%m-%Y', '%Y/%d/%m', '%d%m%Y'] -%}
{%- set identity_selects = [] -%}
{%- set vocabulary_selects = [] -%}
{%- set model_selects = [] -%}
{%- set labels = [] -%}
{%- set ignored = ignore_columns | map('lower') | list -%}
{%- if execute -%}
    {#- the relations to read: sources with a flagged column, reference seeds -#}
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
            {%- do wanted.update({(src.database, src.schema, src.identifier): ('identity', flagged)}) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- for node in graph.nodes.values()
        if node.resource_type == 'seed' and node.schema | lower == 'reference' -%}
        {%- do wanted.update({(node.database, node.schema, node.alias or node.name): ('vocabulary', [])}) -%}
    {%- endfor -%}
    {#- one catalogue query for all their columns and types (not one DESCRIBE each) -#}
    {%- set catalogue = {} -%}
    {%- if wanted | length > 0 -%}
        {%- set conditions = [] -%}
        {%- for database, schema, identifier in wanted -%}
            {%- do conditions.append(
                "(lower(table_catalog) = lower('" ~ database ~ "') and lower(table_schema) = lower('"
                ~ schema ~ "') and lower(table_name) = lower('" ~ identifier ~ "'))") -%}
        {%- endfor -%}
        {%- set result = run_query(
            "select table_catalog, table_schema, table_name, column_name, upper(data_type) "
            ~ "from information_schema.columns where " ~ conditions | join(' or ')
            ~ " order by table_catalog, table_schema, table_name, ordinal_position") -%}
        {%- for row in result.rows -%}
            {%- set key = (row[0] | lower, row[1] | lower, row[2] | lower) -%}
            {%- if key not in catalogue -%}
                {%- do catalogue.update({key: {'relation': api.Relation.create(
                    database=row[0], schema=row[1], identifier=row[2]), 'columns': []}}) -%}
            {%- endif -%}
            {%- do catalogue[key]['columns'].append((row[3], row[4])) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- for (database, schema, identifier), (role, flagged) in wanted.items() -%}
        {%- set entry = catalogue.get((database | lower, schema | lower, identifier | lower)) -%}
        {%- if entry is none -%}
            {%- if role == 'identity' -%}
                {%- do log("has_no_raw_identity_values: " ~ schema ~ "." ~ identifier
                    ~ " not found, its identities are not checked", info=true) -%}
            {%- endif -%}
        {%- else -%}
            {%- set relation = entry['relation'] -%}
            {%- for column_name, dtype in entry['columns'] -%}
                {%- set quoted = adapter.quote(column_name) -%}
                {%- set is_text = dtype.startswith('VARCHAR') and not dtype.endswith('[]') -%}
                {%- if role == 'vocabulary' and is_text -%}
                    {#- 2. vocabulary: the reference seeds' text values -#}
                    {%- do vocabulary_selects.append(
                        "select upper(trim(" ~ quoted ~ ")) as v from " ~ relation) -%}
                {%- elif role == 'identity' and column_name | lower in flagged -%}
                    {#- 1. identities: every source column flagged identifier: direct -#}
                    {%- if dtype == 'DATE' or dtype.startswith('TIMESTAMP') -%}
                        {%- for fmt in date_formats -%}
                            {%- do identity_selects.append(
                                "select strftime(" ~ quoted ~ ", '" ~ fmt ~ "') as v from "
                                ~ relation ~ " where " ~ quoted ~ " is not null") -%}
                        {%- endfor -%}
                    {%- else -%}
                        {%- do identity_selects.append(
                            "select upper(trim(cast(" ~ quoted ~ " as varchar))) as v from "
                            ~ relation ~ " where " ~ quoted ~ " is not null") -%}
                        {%- do identity_selects.append(
                            "select regexp_replace(upper(strip_accents(cast(" ~ quoted
                            ~ " as varchar))), '[^A-Z0-9]+', '', 'g') as v from "
                            ~ relation ~ " where " ~ quoted ~ " is not null") -%}
                    {%- endif -%}
                {%- endif -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endfor -%}
    {#- 2b. vocabulary: the labels of the model's accepted_values tests -#}
    {%- set model_ids = [] -%}
    {%- for node in graph.nodes.values()
        if node.resource_type in ['model', 'snapshot', 'seed']
        and (node.alias or node.name) | lower == model.identifier | lower
        and node.schema | lower == model.schema | lower -%}
        {%- do model_ids.append(node.unique_id) -%}
    {%- endfor -%}
    {%- for node in graph.nodes.values()
        if node.resource_type == 'test' and node.get('attached_node') in model_ids
        and (node.get('test_metadata') or {}).get('name') == 'accepted_values' -%}
        {%- set kwargs = node.test_metadata.get('kwargs') or {} -%}
        {%- for value in kwargs.get('values') or (kwargs.get('arguments') or {}).get('values') or [] -%}
            {%- do labels.append(value | string | trim | upper) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- for value in allowed_values -%}{%- do labels.append(value | string | trim | upper) -%}{%- endfor -%}
    {#- 3. the model's text values and text list elements -#}
    {%- for column in adapter.get_columns_in_relation(model) if column.name | lower not in ignored -%}
        {%- set quoted = adapter.quote(column.name) -%}
        {%- set dtype = column.dtype | upper -%}
        {%- set name_literal = "'" ~ (column.name | replace("'", "''")) ~ "'" -%}
        {%- if dtype.endswith('[]') and (dtype.startswith('VARCHAR') or dtype.startswith('TEXT')) -%}
            {%- do model_selects.append(
                "select " ~ name_literal ~ " as column_name, upper(trim(element)) as v from ("
                ~ "select unnest(" ~ quoted ~ ") as element from " ~ model ~ ") as elements"
                ~ " where element is not null") -%}
        {%- elif column.is_string() -%}
            {%- do model_selects.append(
                "select " ~ name_literal ~ " as column_name, upper(trim(" ~ quoted ~ ")) as v from "
                ~ model ~ " where " ~ quoted ~ " is not null") -%}
        {%- endif -%}
    {%- endfor -%}
{%- endif %}
{% if identity_selects | length == 0 or model_selects | length == 0 -%}
select
    cast(null as varchar) as column_name,
    cast(0 as bigint) as n_matches
where false
{%- else -%}
with

identity_values as (
    {% for select in identity_selects -%}
    {{ select }}
    {% if not loop.last %}union{% endif %}
    {% endfor %}
),

vocabulary as (
    select cast(null as varchar) as v where false
    {% for select in vocabulary_selects -%}
    union
    {{ select }}
    {% endfor -%}
    {% for label in labels | unique -%}
    union
    select '{{ label | replace("'", "''") }}' as v
    {% endfor %}
),

forbidden as (
    select identity_values.v
    from identity_values
    where
        (length(identity_values.v) >= {{ min_length }} and lower(identity_values.v) <> identity_values.v)
        or length(identity_values.v) >= {{ min_length_without_letter }}
    except
    select vocabulary.v from vocabulary
),

model_values as (
    {% for select in model_selects -%}
    {{ select }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

select
    model_values.column_name,
    count(*) as n_matches
from model_values
where model_values.v in (select forbidden.v from forbidden)
group by model_values.column_name
{%- endif %}
{% endtest %}
