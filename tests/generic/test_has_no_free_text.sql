{#
  has_no_free_text(model, max_distinct=50, max_distinct_ratio=0.02, long_length=30,
                   ignore_columns=[]):
  no text column (nor text list column) of the relation holds free text: comments, names,
  addresses. Annexe 2 ships codes, labels from closed lists, months and keys only.

  For each text column, over its non-null values (list elements unnested), a value is "wordy"
  when it has a letter and no digit (a name, a word, a label), or when it is longer than
  long_length characters and contains a space (a sentence, even with digits in it). Hashes,
  stable codes, ROME codes, months and INSEE codes contain digits and are not wordy. The column
  fails when its number of distinct wordy values is above max_distinct AND above
  max_distinct_ratio times its number of non-null values:
  - a label column (nature of placement, motive, nationality in three categories) has a few
    dozen distinct labels: under max_distinct at any scale;
  - a commune-name column at department scale has hundreds of communes over ~100,000 rows:
    under the ratio; in a small extraction, under max_distinct;
  - a name, first-name, address or comment column has thousands of distinct values, a large
    share of its rows: over both, at department scale and in a 150-youth test extraction.
  One row per offending column (name, distinct wordy values, rows), never a value.
  DuckDB only; another adapter stops with an error.
  Usage (model level): data_tests: [has_no_free_text]
#}
{% test has_no_free_text(model, max_distinct=50, max_distinct_ratio=0.02, long_length=30, ignore_columns=[]) %}
{{ config(store_failures=false) }}
{%- if target.type != 'duckdb' -%}
    {{ exceptions.raise_compiler_error("has_no_free_text: no implementation for adapter " ~ target.type) }}
{%- endif -%}
{%- set ignored = ignore_columns | map('lower') | list -%}
{%- set text_selects = [] -%}
{%- if execute -%}
    {%- for column in adapter.get_columns_in_relation(model) if column.name | lower not in ignored -%}
        {%- set dtype = column.dtype | upper -%}
        {%- set quoted = adapter.quote(column.name) -%}
        {%- set name_literal = "'" ~ (column.name | replace("'", "''")) ~ "'" -%}
        {%- if dtype.endswith('[]') and (dtype.startswith('VARCHAR') or dtype.startswith('TEXT')) -%}
            {%- do text_selects.append(
                "select " ~ name_literal ~ " as column_name, element as v from ("
                ~ "select unnest(" ~ quoted ~ ") as element from " ~ model ~ ") as elements"
                ~ " where element is not null") -%}
        {%- elif column.is_string() -%}
            {%- do text_selects.append(
                "select " ~ name_literal ~ " as column_name, " ~ quoted ~ " as v from "
                ~ model ~ " where " ~ quoted ~ " is not null") -%}
        {%- endif -%}
    {%- endfor -%}
{%- endif %}
with

text_values as (
    select
        cast(null as varchar) as column_name,
        cast(null as varchar) as v
    where false
    {% for select in text_selects -%}
    union all
    {{ select }}
    {% endfor %}
),

per_column as (
    select
        text_values.column_name,
        count(*) as n_values,
        count(distinct text_values.v) filter (
            where
                (lower(text_values.v) <> upper(text_values.v) and not regexp_matches(text_values.v, '[0-9]'))
                or (length(text_values.v) > {{ long_length }} and regexp_matches(text_values.v, '\s'))
        ) as n_distinct_wordy
    from text_values
    group by text_values.column_name
)

select
    per_column.column_name,
    per_column.n_distinct_wordy,
    per_column.n_values
from per_column
where
    per_column.n_distinct_wordy > {{ max_distinct }}
    and per_column.n_distinct_wordy > {{ max_distinct_ratio }} * per_column.n_values
{% endtest %}
