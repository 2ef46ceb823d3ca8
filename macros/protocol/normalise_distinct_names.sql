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
  are listed once, the non-ASCII ones split into characters at once, joined once to
  ref_letter_map and put back together by value: the same result, about ten times faster on
  460,000 distinct names. ASCII test: as many bytes as characters (strlen = length), cheaper than
  a regular expression. The three paths are those of duckdb__normalise_name and must stay
  identical to it (pure ASCII: upper-case, keep A-Z; ASCII once accents and punctuation are
  stripped (_accents_stripped): the same on that; otherwise the letter map, characters outside
  it dropped; empty -> NULL); the doors' unit tests and tests/python/test_protocol.py check both
  macros against the protocol's conformance vectors and the Python implementation, on every
  Unicode code point and on 100,000 generated names.
#}
{% macro duckdb__normalise_distinct_names(relation, columns) -%}
    with

    -- the value itself when it is ASCII, else its accents and punctuation stripped
    distinct_values as (
        select
            listed.valeur_brute,
            case
                when strlen(listed.valeur_brute) = length(listed.valeur_brute) then listed.valeur_brute
                else {{ pipase._accents_stripped('listed.valeur_brute') }}
            end as texte
        from ({{ _distinct_name_values(relation, columns) }}) as listed
    ),

    -- that text when it is ASCII (the fast path); NULL: the value goes through the letter map
    ascii_values as (
        select
            distinct_values.valeur_brute,
            case
                when strlen(distinct_values.texte) = length(distinct_values.texte) then distinct_values.texte
            end as texte_ascii
        from distinct_values
    ),

    folded as (
        select
            ascii_values.valeur_brute,
            string_agg(letter_map.lettres, '' order by code_points.position) as lettres
        from ascii_values,
            unnest(string_split(ascii_values.valeur_brute, '')) with ordinality as code_points (caractere, position)
        inner join {{ ref('ref_letter_map') }} as letter_map
            on code_points.caractere = letter_map.caractere
        where ascii_values.texte_ascii is null
        group by ascii_values.valeur_brute
    )

    select
        ascii_values.valeur_brute,
        nullif(
            case
                when ascii_values.texte_ascii is not null
                    then regexp_replace(upper(ascii_values.texte_ascii), '[^A-Z]+', '', 'g')
                else folded.lettres
            end,
            ''
        ) as valeur_normalisee
    from ascii_values
    left join folded
        on ascii_values.valeur_brute = folded.valeur_brute
{%- endmacro %}
