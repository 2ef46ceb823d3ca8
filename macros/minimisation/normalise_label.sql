{#
  normalise_label(expr): a free-text label (organisation, commune, IODAS category) reduced to
  the form under which spelling variants of one thing compare equal: ligatures expanded
  (Œ -> OE, Æ -> AE, ß -> SS), accents stripped, upper-case, every run of characters other
  than A-Z and 0-9 (spaces, hyphens, apostrophes, dashes, slashes, punctuation) collapsed to
  one space, trimmed; empty gives NULL. Same rule as scripts/reference/build_communes.py
  (column nom_normalise of ref_communes), so names compare with that seed.
  Not the hashing protocol's normalise_name, which removes spaces and digits.
  Usage: {{ normalise_label('organisme') }}
#}
{% macro normalise_label(expr) -%}
    {{ return(adapter.dispatch('normalise_label', 'pipase')(expr)) }}
{%- endmacro %}

{% macro default__normalise_label(expr) -%}
    {{ exceptions.raise_compiler_error("normalise_label: no implementation for adapter " ~ target.type) }}
{%- endmacro %}

{# DuckDB: strip_accents() keeps Œ, Æ and ß, so they are expanded first (after upper()). #}
{% macro duckdb__normalise_label(expr) -%}
    nullif(
        trim(
            regexp_replace(
                strip_accents(
                    replace(replace(replace(replace(upper({{ expr }}), 'Œ', 'OE'), 'Æ', 'AE'), 'ß', 'SS'), 'ẞ', 'SS')
                ),
                '[^A-Z0-9]+', ' ', 'g'
            )
        ),
        ''
    )
{%- endmacro %}
