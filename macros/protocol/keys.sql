{#
  Hashing protocol sections 1 to 4 (annex 1): the keys, from already normalised names.
  Names are normalised once per distinct value (normalise_name) and the keys built from the
  results, so these macros take normalised columns.

  format_birth_date(expr): section 2, JJMMAAAA from a DATE.
  format_birth_month(expr): MMAAAA, the secondary key's date part.
  primary_key(nom, prenom, date): SHA-256 of NOM + PRENOM + JJMMAAAA; NULL when a part is NULL.
  secondary_key(nom, date): SHA-256 of NOM + MM + AAAA; NULL when a part is NULL.
  unkeyable_reason(nom, prenom, date): why a row has no primary key, NULL when it has one.
#}
{% macro format_birth_date(expr) -%}
    {{ return(adapter.dispatch('format_birth_date', 'pipase')(expr)) }}
{%- endmacro %}

{% macro default__format_birth_date(expr) -%}
    to_char({{ expr }}, 'DDMMYYYY')
{%- endmacro %}

{% macro duckdb__format_birth_date(expr) -%}
    strftime({{ expr }}, '%d%m%Y')
{%- endmacro %}

{% macro format_birth_month(expr) -%}
    {{ return(adapter.dispatch('format_birth_month', 'pipase')(expr)) }}
{%- endmacro %}

{% macro default__format_birth_month(expr) -%}
    to_char({{ expr }}, 'MMYYYY')
{%- endmacro %}

{% macro duckdb__format_birth_month(expr) -%}
    strftime({{ expr }}, '%m%Y')
{%- endmacro %}

{% macro primary_key(nom, prenom, date_naissance) -%}
    {{ hash_message(nom ~ ' || ' ~ prenom ~ ' || ' ~ format_birth_date(date_naissance)) }}
{%- endmacro %}

{% macro secondary_key(nom, date_naissance) -%}
    {{ hash_message(nom ~ ' || ' ~ format_birth_month(date_naissance)) }}
{%- endmacro %}

{% macro unkeyable_reason(nom, prenom, date_naissance) -%}
    case
        when {{ nom }} is null then 'nom_vide'
        when {{ date_naissance }} is null then 'date_naissance_absente'
        when {{ prenom }} is null then 'prenom_vide'
    end
{%- endmacro %}
