{#
  stable_code(expr, domain): annex 2 "Minimisé en code" (family file number, placement
  organisation). A code that stays the same across successive extractions (a function of the
  value, never of a row number) and that cannot be reversed without a secret held by the
  Department: HMAC-SHA-256 keyed with PIPASE_CODE_KEY, over '<domain>:<value>', shown as
  '<domain>-' and 16 hex digits. A plain hash of a file number could be reversed by hashing
  every possible number. The key is set on the connection by pipase.dbt_plugin; without it
  the model stops with an error. NULL stays NULL.
  Usage: {{ stable_code('num_dossier_familial', 'DF') }} as code_dossier_familial
#}
{% macro stable_code(expr, domain) -%}
    {{ return(adapter.dispatch('stable_code', 'pipase')(expr, domain)) }}
{%- endmacro %}

{% macro default__stable_code(expr, domain) -%}
    {{ exceptions.raise_compiler_error("stable_code: no implementation for adapter " ~ target.type) }}
{%- endmacro %}

{% macro duckdb__stable_code(expr, domain) -%}
    case
        when {{ expr }} is null then null
        when getvariable('pipase_code_opad') is null
            then error('stable codes: PIPASE_CODE_KEY is not set in the environment of dbt')
        else '{{ domain }}-' || left(
            sha256(
                getvariable('pipase_code_opad')
                || unhex(sha256(getvariable('pipase_code_ipad') || encode('{{ domain }}:' || {{ expr }})))
            ),
            16
        )
    end
{%- endmacro %}
