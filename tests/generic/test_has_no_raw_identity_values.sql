{#
  has_no_raw_identity_values(model, min_length=4, min_length_without_letter=6,
                             allowed_values=[], ignore_columns=[]):
  no value of a text column of the relation (nor an element of a text list column) equals,
  after trim and upper-case, a raw identity of the identifying zone.

  The forbidden set is the model int_keys__valeurs_identifiantes (macro raw_identity_values),
  built once per run from the dbt sources: every column flagged
  `meta: {pipase: {identifier: direct}}` (names, first names, birth names, address lines,
  organisation names, file numbers...), each text value as itself and in normalised form
  ('Le Goff' also gives LEGOFF), each date in every format the sources use. Then, here:
  - values shorter than min_length, and values without a letter shorter than
    min_length_without_letter, are not compared: a street number ('12'), a road type ('RUE') or
    'OUI' are not identities, and a leaked name column is never made of short values only;
  - vocabulary is not compared: the labels of the model's accepted_values tests and every text
    value of the reference seeds (schema `reference`: communes, countries, ROME...), because a
    label such as 'France' or a commune such as 'Pantin' is also somebody's name; and
    allowed_values.
  The model's values are compared with one semi-join against the forbidden set (department
  scale: ~1M forbidden values, well under a second in DuckDB), one anti-join with the vocabulary.
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
{#- outside `execute`: dbt records the dependency when it parses the test -#}
{%- set forbidden_relation = ref('int_keys__valeurs_identifiantes') -%}
{%- set vocabulary_selects = [] -%}
{%- set model_selects = [] -%}
{%- set labels = [] -%}
{%- set ignored = ignore_columns | map('lower') | list -%}
{%- if execute -%}
    {#- 1. vocabulary: the text columns of the reference seeds, one catalogue query -#}
    {%- set seeds = {} -%}
    {%- for node in graph.nodes.values()
        if node.resource_type == 'seed' and node.schema | lower == 'reference' -%}
        {%- do seeds.update({(node.database | lower, node.schema | lower, (node.alias or node.name) | lower): true}) -%}
    {%- endfor -%}
    {%- if seeds | length > 0 -%}
        {%- set rows = catalogue_columns(seeds.keys() | list, text_only=true) -%}
        {%- for row in rows -%}
            {%- set relation = api.Relation.create(database=row[0], schema=row[1], identifier=row[2]) -%}
            {%- set quoted = adapter.quote(row[3]) -%}
            {%- do vocabulary_selects.append(
                "select upper(trim(" ~ quoted ~ ")) as v from " ~ relation
                ~ " where " ~ quoted ~ " is not null") -%}
        {%- endfor -%}
    {%- endif -%}
    {#- 1b. vocabulary: the labels of the model's accepted_values tests -#}
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
    {#- 2. the model's text values and text list elements -#}
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
{% if model_selects | length == 0 -%}
select
    cast(null as varchar) as column_name,
    cast(0 as bigint) as n_matches
where false
{%- else -%}
with

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

model_values as (
    {% for select in model_selects -%}
    {{ select }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

compared as (
    select model_values.column_name, model_values.v
    from model_values
    where
        (length(model_values.v) >= {{ min_length }} and lower(model_values.v) <> model_values.v)
        or length(model_values.v) >= {{ min_length_without_letter }}
)

select
    compared.column_name,
    count(*) as n_matches
from compared
where
    compared.v in (select forbidden.valeur from {{ forbidden_relation }} as forbidden)
    and not exists (select 1 from vocabulary where vocabulary.v = compared.v)
group by compared.column_name
{%- endif %}
{% endtest %}
