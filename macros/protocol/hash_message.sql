{#
  hash_message(expr): SHA-256 of an ASCII message as 64 lower-case hex digits (protocol
  section 3), or HMAC-SHA-256 when the var pipase_keyed is true (section 4).
  The HMAC secret never appears in SQL: the dbt-duckdb plugin pipase.dbt_plugin reads
  PIPASE_HASH_KEY and sets the padded keys as connection variables; without them the keyed
  variant stops with an error instead of hashing without the key.
  Usage: {{ hash_message("nom || prenom || date_jjmmaaaa") }}
#}
{% macro hash_message(expr) -%}
    {{ return(adapter.dispatch('hash_message', 'pipase')(expr)) }}
{%- endmacro %}

{% macro default__hash_message(expr) -%}
    {{ exceptions.raise_compiler_error("hash_message: no implementation for adapter " ~ target.type) }}
{%- endmacro %}

{% macro duckdb__hash_message(expr) -%}
    {%- if var('pipase_keyed', false) -%}
    {# HMAC (RFC 2104) = H((K xor opad) || H((K xor ipad) || m)), the pads set by the plugin #}
    case
        when getvariable('pipase_hmac_opad') is null or getvariable('pipase_hmac_ipad') is null
            then error('keyed variant: PIPASE_HASH_KEY is not set in the environment of dbt')
        else sha256(
            getvariable('pipase_hmac_opad')
            || unhex(sha256(getvariable('pipase_hmac_ipad') || encode({{ expr }})))
        )
    end
    {%- else -%}
    sha256({{ expr }})
    {%- endif -%}
{%- endmacro %}
