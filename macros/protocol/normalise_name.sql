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
  _accents_stripped(expr): DuckDB's strip_accents(), then the punctuation, the spaces and the
  modifier apostrophe (U+02BC) removed: characters the letter map drops. When the result is
  pure ASCII (é, ç, ï... and the apostrophes of most non-ASCII names), upper-casing it and
  keeping A-Z gives exactly the protocol's result: checked against the Python protocol on every
  Unicode code point and 100,000 generated names (tests/python/test_protocol.py). What
  strip_accents() cannot reduce to ASCII (Œ Æ ß Ø Ł Đ, compatibility forms such as ﬁ or Ａ) stays
  non-ASCII and goes through the letter map.
#}
{% macro _accents_stripped(expr) -%}
regexp_replace(strip_accents({{ expr }}), '[\p{P}\p{Z}\x{02BC}]', '', 'g')
{%- endmacro %}

{#
  DuckDB: pure-ASCII values (most names) take a fast path, then the values that strip_accents
  reduces to ASCII (_accents_stripped); the others are split into code points and joined to
  the letter map, as a set.
#}
{% macro duckdb__normalise_name(expr) -%}
nullif(
    case
        when {{ expr }} is null then null
        when regexp_full_match({{ expr }}, '[\x00-\x7F]*')
            then regexp_replace(upper({{ expr }}), '[^A-Z]+', '', 'g')
        when regexp_full_match({{ pipase._accents_stripped(expr) }}, '[\x00-\x7F]*')
            then regexp_replace(upper({{ pipase._accents_stripped(expr) }}), '[^A-Z]+', '', 'g')
        else (
            select string_agg(letter_map.lettres, '' order by code_points.position)
            from unnest(string_split({{ expr }}, '')) with ordinality as code_points (caractere, position)
            inner join {{ ref('ref_letter_map') }} as letter_map
                on code_points.caractere = letter_map.caractere
        )
    end,
    ''
)
{%- endmacro %}
