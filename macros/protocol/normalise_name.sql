{#
  normalise_name(expr): hashing protocol section 1 (annex 1 of the convention).
  NFKD, fold the letters that do not decompose (Œ→OE, ß→SS, Ø→O, Ł→L, Đ→D, Þ→TH, ı→I, Ħ→H),
  drop combining marks, upper-case, keep A-Z only; an empty result gives NULL.
  Each step works on one character, so a name's result is the concatenation of its
  characters' results: the seed ref_letter_map (generated from Unicode by
  scripts/generate_letter_map.py, read by the Python code too) lists them.
  Usage: {{ normalise_name('nom_naissance') }}
#}
{% macro normalise_name(expr) -%}
    {{ return(adapter.dispatch('normalise_name', 'pipase')(expr)) }}
{%- endmacro %}

{% macro default__normalise_name(expr) -%}
    {{ exceptions.raise_compiler_error(
        "normalise_name: no implementation for adapter " ~ target.type
        ~ "; add <adapter>__normalise_name giving the same results as the Python protocol"
    ) }}
{%- endmacro %}

{#
  The protocol's three paths, written once for both uses (normalise_name per value,
  normalise_distinct_names once per distinct value):
  1. pure-ASCII values (most names): upper-case, keep A-Z;
  2. values that _accents_stripped reduces to ASCII: the same on that text;
  3. the others: the letter map, character by character (characters outside it dropped).
  An empty result is NULL.

  _accents_stripped(expr): DuckDB's strip_accents(), then the punctuation, the spaces and the
  modifier apostrophe (U+02BC) removed: characters the letter map drops. When the result is
  pure ASCII (é, ç, ï... and the apostrophes of most non-ASCII names), upper-casing it and
  keeping A-Z gives exactly the protocol's result: checked against the Python protocol on every
  Unicode code point and 100,000 generated names (tests/python/test_protocol.py). What
  strip_accents() cannot reduce to ASCII (Œ Æ ß Ø Ł Đ, compatibility forms such as ﬁ or Ａ) stays
  non-ASCII and goes through the letter map.
  _is_ascii(expr): as many bytes as characters (cheaper than a regular expression).
  _ascii_text(expr): paths 1 and 2's text: the value when ASCII, else its accents stripped.
  _normalised_from(text, letter_mapped): the result from _ascii_text's `text` (paths 1 and 2)
      or, when that is not ASCII, from `letter_mapped` (path 3, computed by the caller).
  _letter_map_join(expr): the FROM clause that splits `expr` into code points (position)
      joined to ref_letter_map; string_agg(letter_map.lettres, '' order by
      code_points.position) over it is path 3.
#}
{% macro _accents_stripped(expr) -%}
regexp_replace(strip_accents({{ expr }}), '[\p{P}\p{Z}\x{02BC}]', '', 'g')
{%- endmacro %}

{% macro _is_ascii(expr) -%}
strlen({{ expr }}) = length({{ expr }})
{%- endmacro %}

{% macro _ascii_text(expr) -%}
case when {{ pipase._is_ascii(expr) }} then {{ expr }} else {{ pipase._accents_stripped(expr) }} end
{%- endmacro %}

{% macro _normalised_from(text, letter_mapped) -%}
nullif(
    case
        when {{ pipase._is_ascii(text) }} then regexp_replace(upper({{ text }}), '[^A-Z]+', '', 'g')
        else {{ letter_mapped }}
    end,
    ''
)
{%- endmacro %}

{% macro _letter_map_join(expr) -%}
unnest(string_split({{ expr }}, '')) with ordinality as code_points (caractere, position)
inner join {{ ref('ref_letter_map') }} as letter_map
    on code_points.caractere = letter_map.caractere
{%- endmacro %}

{# DuckDB, per value: path 3 as a subquery on the value's characters. #}
{% macro duckdb__normalise_name(expr) -%}
case
    when {{ expr }} is not null then {{ pipase._normalised_from(
        pipase._ascii_text(expr),
        "(select string_agg(letter_map.lettres, '' order by code_points.position) from "
        ~ pipase._letter_map_join(expr) ~ ")"
    ) }}
end
{%- endmacro %}
