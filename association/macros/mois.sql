{# mois_date(expr): an 'AAAA-MM' month of annex 2 as the date of its first day (NULL stays NULL).
   Usage: date_diff('month', {{ mois_date('mois_debut_mesure') }}, ...) #}
{% macro mois_date(expr) -%}
    cast({{ expr }} || '-01' as date)
{%- endmacro %}

{# oui_non(condition): 'oui' when the condition holds, else 'non' (NULL counts as 'non'). #}
{% macro oui_non(condition) -%}
    case when coalesce({{ condition }}, false) then 'oui' else 'non' end
{%- endmacro %}
