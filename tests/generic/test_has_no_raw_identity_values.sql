{#
  has_no_raw_identity_values(model, min_length=2, min_length_without_letter=6,
                             allowed_values=[], ignore_columns=[]):
  no raw identity of the identifying zone is found in a text value of the relation (nor in an
  element of a text list column), whole or inside the value.

  The forbidden set is the model int_keys__valeurs_identifiantes (macro raw_identity_values),
  built once per run from the dbt sources: every column flagged
  `meta: {pipase: {identifier: direct}}` (names, first names, birth names, address lines,
  organisation names, file numbers...), each text value normalised (normalise_label, spaces
  removed: 'Le Goff' gives LEGOFF), each date as the digits of the sources' formats (ddmmyyyy,
  yyyymmdd, yyyyddmm). Then, here, for each distinct value of each text column:
  - the column's closed vocabulary is not compared: the codes of its seed (YAML meta
    pipase.vocabulaire, seed column pipase.colonne_code, default `code`), the special codes
    'autre' and 'non_renseigne', the labels of its accepted_values tests, and allowed_values.
    These lists are closed and reviewed; a code word may also be somebody's name ('France',
    the situation `marie`), and is then not a leak;
  - the value is normalised (normalise_label) and cut into tokens; the value without its spaces,
    every token, every pair and every triple of adjacent tokens (joined without space) are
    compared with the forbidden set. So 'Hébergée par Dupont' is caught by DUPONT, 'chez Le
    Goff' by the pair LEGOFF, a 2-3 letter first name (LEA, ALI, LI) by its token, 'Mme Léa Z.'
    by LEA, and a birth date written '17/03/1999' or '1999-03-17' inside a text by the triple
    of its number tokens (17031999, 19990317);
  - a piece shorter than min_length (2: one letter is an initial), or without a letter and
    shorter than min_length_without_letter (6: a street number, a month's digits), is not
    compared; a value that is a month 'AAAA-MM' is not cut (is_month_precision checks it).
  Set-based: the model's distinct values, their pieces, one semi-join against the forbidden set
  (hash join). One row per offending column: its name and a count of rows, never the value (a
  failing value may be a leaked identity); the test reports the total count. store_failures
  stays off. DuckDB only (string_split, list_transform, strip_accents); another adapter stops
  with an error.
  Usage (model level): data_tests: [has_no_raw_identity_values]
#}
{% test has_no_raw_identity_values(model, min_length=2, min_length_without_letter=6, allowed_values=[], ignore_columns=[]) %}
{{ config(store_failures=false, fail_calc='coalesce(sum(n_matches), 0)') }}
{%- if target.type != 'duckdb' -%}
    {{ exceptions.raise_compiler_error(
        "has_no_raw_identity_values: no implementation for adapter " ~ target.type) }}
{%- endif -%}
{#- outside `execute`: dbt records the dependency when it parses the test -#}
{%- set forbidden_relation = ref('int_keys__valeurs_identifiantes') -%}
{%- set specials = special_codes() -%}
{%- set vocabulary_selects = [] -%}
{%- set model_selects = [] -%}
{%- set labels = [] -%}
{%- set ignored = ignore_columns | map('lower') | list -%}
{%- if execute -%}
    {#- 1. each column's closed vocabulary: the codes of its seed (YAML meta) -#}
    {%- set node = graph_node_of(model) -%}
    {%- if node -%}
        {%- for column_name, column in node.columns.items() -%}
            {%- set meta = column_pipase_meta(column) -%}
            {%- if meta.get('vocabulaire') -%}
                {%- set seed = code_list_relation(meta.get('vocabulaire')) -%}
                {%- if seed is none -%}
                    {{ exceptions.raise_compiler_error(
                        "has_no_raw_identity_values: column " ~ column_name ~ " of " ~ node.name
                        ~ " names the vocabulary " ~ meta.get('vocabulaire') ~ ", which is no seed") }}
                {%- endif -%}
                {%- set code = adapter.quote(meta.get('colonne_code') or 'code') -%}
                {%- do vocabulary_selects.append(
                    "select '" ~ (column_name | lower) ~ "' as column_name, upper(trim(cast(" ~ code
                    ~ " as varchar))) as v from " ~ seed ~ " where " ~ code ~ " is not null") -%}
            {%- endif -%}
        {%- endfor -%}
        {#- 1b. the labels of the model's accepted_values tests, per column -#}
        {%- for test in graph.nodes.values()
            if test.resource_type == 'test' and test.get('attached_node') == node.unique_id
            and (test.get('test_metadata') or {}).get('name') == 'accepted_values' -%}
            {%- set kwargs = test.test_metadata.get('kwargs') or {} -%}
            {%- for value in kwargs.get('values') or (kwargs.get('arguments') or {}).get('values') or [] -%}
                {%- do labels.append(((test.column_name or '*') | lower, value | string | trim | upper)) -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endif -%}
    {%- for value in allowed_values + [specials.unknown, specials.empty] -%}
        {%- do labels.append(('*', value | string | trim | upper)) -%}
    {%- endfor -%}
    {#- 2. the model's text values and text list elements -#}
    {%- for column in adapter.get_columns_in_relation(model) if column.name | lower not in ignored -%}
        {%- set quoted = adapter.quote(column.name) -%}
        {%- set dtype = column.dtype | upper -%}
        {%- set name_literal = "'" ~ (column.name | lower | replace("'", "''")) ~ "'" -%}
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
    select
        cast(null as varchar) as column_name,
        cast(null as varchar) as v
    where false
    {% for select in vocabulary_selects -%}
    union
    {{ select }}
    {% endfor -%}
    {% for column_name, label in labels | unique -%}
    union
    select '{{ column_name }}' as column_name, '{{ label | replace("'", "''") }}' as v
    {% endfor %}
),

model_values as (
    select
        all_values.column_name,
        all_values.v,
        count(*) as n_rows
    from (
        {% for select in model_selects -%}
        {{ select }}
        {% if not loop.last %}union all{% endif %}
        {% endfor %}
    ) as all_values
    group by all_values.column_name, all_values.v
),

candidates as (
    select model_values.*
    from model_values
    where
        not regexp_full_match(model_values.v, '[0-9]{4}-[0-9]{2}')
        and not exists (
            select 1
            from vocabulary
            where
                vocabulary.v = model_values.v
                and (vocabulary.column_name = model_values.column_name or vocabulary.column_name = '*')
        )
),

tokenised as (
    select
        candidates.column_name,
        candidates.v,
        candidates.n_rows,
        coalesce(string_split({{ normalise_label('candidates.v') }}, ' '), []) as tokens
    from candidates
),

pieces as (
    select
        tokenised.column_name,
        tokenised.v,
        tokenised.n_rows,
        unnest(list_concat(
            [array_to_string(tokenised.tokens, '')],
            tokenised.tokens,
            list_transform(
                range(1, len(tokenised.tokens)),
                lambda i: tokenised.tokens[i] || tokenised.tokens[i + 1]
            ),
            list_transform(
                range(1, len(tokenised.tokens) - 1),
                lambda i: tokenised.tokens[i] || tokenised.tokens[i + 1] || tokenised.tokens[i + 2]
            )
        )) as piece
    from tokenised
),

compared as (
    select distinct
        pieces.column_name,
        pieces.v,
        pieces.n_rows,
        pieces.piece
    from pieces
    where
        (length(pieces.piece) >= {{ min_length }} and regexp_matches(pieces.piece, '[A-Z]'))
        or length(pieces.piece) >= {{ min_length_without_letter }}
),

matched as (
    select distinct
        compared.column_name,
        compared.v,
        compared.n_rows
    from compared
    where compared.piece in (select forbidden.valeur from {{ forbidden_relation }} as forbidden)
)

select
    matched.column_name,
    sum(matched.n_rows) as n_matches
from matched
group by matched.column_name
{%- endif %}
{% endtest %}
