{#
  normalise_distinct_names(relation, columns): hashing protocol section 1, applied ONCE PER
  DISTINCT VALUE. A SELECT giving one row per distinct non-null value found in any of
  `columns` of `relation` (a model, a source or a CTE name), with its normalised form:
      valeur_brute       the raw value
      valeur_normalisee  the same result as normalise_name(valeur_brute) (NULL when nothing
                         is left)
  Names repeat a lot (a surname is shared by a family, a first name by thousands): the work
  runs on the distinct values, not on every row. Join the result back once per name column.
  Usage, in a door model:
      normalised_names as (
          {{ normalise_distinct_names('source_rows', ['nom_naissance', 'nom_usage', 'prenom']) }}
      ),
      ... left join normalised_names as birth_name
              on source_rows.nom_naissance = birth_name.valeur_brute
#}
{% macro normalise_distinct_names(relation, columns) -%}
    {{ return(adapter.dispatch('normalise_distinct_names', 'pipase')(relation, columns)) }}
{%- endmacro %}

{% macro _distinct_name_values(relation, columns) -%}
    {%- for column in columns %}
    select {{ column }} as valeur_brute from {{ relation }} where {{ column }} is not null
    {%- if not loop.last %}
    union
    {%- endif %}
    {%- endfor %}
{%- endmacro %}

{# Any adapter with a normalise_name variant: that macro, once per distinct value. #}
{% macro default__normalise_distinct_names(relation, columns) -%}
    select
        distinct_values.valeur_brute,
        {{ normalise_name('distinct_values.valeur_brute') }} as valeur_normalisee
    from ({{ _distinct_name_values(relation, columns) }}) as distinct_values
{%- endmacro %}

{#
  DuckDB: normalise_name's per-value subquery (one join of the value's characters to the
  letter map) becomes, after decorrelation, a join over every value; here the distinct values
  are listed once, the ones that need the letter map split into characters at once, joined
  once to ref_letter_map and put back together by value: the same result, about ten times
  faster on 460,000 distinct names. The three paths are normalise_name's own macros
  (_ascii_text, _normalised_from, _letter_map_join in normalise_name.sql); the doors' unit
  tests and tests/python/test_protocol.py check both macros against the protocol's conformance
  vectors and the Python implementation, on every Unicode code point and on 100,000 generated
  names.
#}
{% macro duckdb__normalise_distinct_names(relation, columns) -%}
    with

    -- paths 1 and 2's text of each distinct value
    distinct_values as (
        select
            listed.valeur_brute,
            {{ pipase._ascii_text('listed.valeur_brute') }} as texte
        from ({{ _distinct_name_values(relation, columns) }}) as listed
    ),

    -- path 3, for the values whose text is not ASCII
    folded as (
        select
            distinct_values.valeur_brute,
            string_agg(letter_map.lettres, '' order by code_points.position) as lettres
        from distinct_values,
            {{ pipase._letter_map_join('distinct_values.valeur_brute') }}
        where not {{ pipase._is_ascii('distinct_values.texte') }}
        group by distinct_values.valeur_brute
    )

    select
        distinct_values.valeur_brute,
        {{ pipase._normalised_from('distinct_values.texte', 'folded.lettres') }} as valeur_normalisee
    from distinct_values
    left join folded
        on distinct_values.valeur_brute = folded.valeur_brute
{%- endmacro %}
