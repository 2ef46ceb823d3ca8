{#
  month_year(expr): annex 2 "Mois et année". A DATE or TIMESTAMP becomes the text 'AAAA-MM',
  so that no day can travel in a leaving table (a DATE truncated to the 1st would still look
  like a full date). NULL stays NULL.
  Usage: {{ month_year('date_debut') }} as mois_debut_mesure
#}
{% macro month_year(expr) -%}
    {{ return(adapter.dispatch('month_year', 'pipase')(expr)) }}
{%- endmacro %}

{% macro default__month_year(expr) -%}
    to_char({{ expr }}, 'YYYY-MM')
{%- endmacro %}

{% macro duckdb__month_year(expr) -%}
    strftime({{ expr }}, '%Y-%m')
{%- endmacro %}
