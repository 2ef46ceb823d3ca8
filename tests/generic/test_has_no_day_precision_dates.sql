{#
  has_no_day_precision_dates(model): nothing in the relation is dated to the day, as annexe 2
  minimises every date to the month ("Mois et année") or the year. Fails on
  - every column typed DATE, TIMESTAMP, TIMESTAMPTZ (or a list of them): their text carries a
    day even when truncated to the 1st;
  - every text value (or text list element) holding a day-precision date in a format the sources
    use: yyyy-mm-dd, yyyy/dd/mm, dd/mm/yyyy, dd-mm-yyyy (anywhere in the value, digits not
    touching), or exactly eight digits that read as a real ddmmyyyy date.
  One row per offending column (name, kind, count), never a value; the test reports the total.
  DuckDB only for the value scan; another adapter stops with an error.
  Usage (model level): data_tests: [has_no_day_precision_dates]
#}
{% test has_no_day_precision_dates(model) %}
{{ config(store_failures=false, fail_calc='coalesce(sum(n_offending), 0)') }}
{%- if target.type != 'duckdb' -%}
    {{ exceptions.raise_compiler_error(
        "has_no_day_precision_dates: no implementation for adapter " ~ target.type) }}
{%- endif -%}
{%- set typed = [] -%}
{%- set text_selects = [] -%}
{%- if execute -%}
    {%- for column in adapter.get_columns_in_relation(model) -%}
        {%- set dtype = column.dtype | upper -%}
        {%- set quoted = adapter.quote(column.name) -%}
        {%- set name_literal = "'" ~ (column.name | replace("'", "''")) ~ "'" -%}
        {%- if dtype.startswith('DATE') or dtype.startswith('TIMESTAMP') -%}
            {%- do typed.append(name_literal) -%}
        {%- elif dtype.endswith('[]') and (dtype.startswith('VARCHAR') or dtype.startswith('TEXT')) -%}
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

typed_columns as (
    select
        cast(null as varchar) as column_name,
        cast(null as varchar) as kind,
        cast(0 as bigint) as n_offending
    where false
    {% for name_literal in typed -%}
    union all
    select
        {{ name_literal }} as column_name,
        'date_type' as kind,
        cast(1 as bigint) as n_offending
    {% endfor %}
),

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

dated_values as (
    select
        text_values.column_name,
        'day_in_text' as kind,
        count(*) as n_offending
    from text_values
    where
        regexp_matches(text_values.v, '(^|[^0-9])[0-9]{4}[-/][0-9]{2}[-/][0-9]{2}([^0-9]|$)')
        or regexp_matches(text_values.v, '(^|[^0-9])[0-9]{2}[-/][0-9]{2}[-/][0-9]{4}([^0-9]|$)')
        or (
            regexp_full_match(text_values.v, '[0-9]{8}')
            and try_strptime(text_values.v, '%d%m%Y') is not null
        )
    group by text_values.column_name
)

select * from typed_columns
union all
select * from dated_values
{% endtest %}
