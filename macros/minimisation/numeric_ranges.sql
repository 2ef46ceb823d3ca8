{#
  numeric_ranges(): the documented range of every numeric value that leaves (a
  negative amount or an absurd duration never leaves). Bounds included. A value out of its
  range is rejected to NULL in the leaving table (within_range; for the resource bands,
  `non_renseigne`) and counted in rpt_minimisation__vocabulaires (is_out_of_range);
  is_in_numeric_range tests the leaving column.
    montant_aide           0.01 - 10,000 euros: one payment of an aid (Iodas-ASE CJM,
                           Iodas-DPAS). CJM allowances are a few hundred euros a month, the
                           largest FSL maintien aids a few thousand (iodas_dpas.md §6); zero
                           or negative is no payment.
    ressources_mensuelles  0 - 50,000 euros a month: a household's monthly resources
                           (Iodas-DPAS), before they become a RESMENAG band.
    duree_jours            1 - 9,131 days (25 years): a measure or a period outside placement
                           of a young person followed by child welfare (0-21 years old);
                           duration_days already gives at least 1 day.
  Usage: {{ within_range('aids.montant', 'montant_aide') }}
#}
{% macro numeric_ranges() -%}
    {{ return({
        'montant_aide': {'minimum': 0.01, 'maximum': 10000, 'unite': 'euros'},
        'ressources_mensuelles': {'minimum': 0, 'maximum': 50000, 'unite': 'euros par mois'},
        'duree_jours': {'minimum': 1, 'maximum': 9131, 'unite': 'jours'},
    }) }}
{%- endmacro %}

{# numeric_range(name): one range of numeric_ranges(); an unknown name stops the compilation. #}
{% macro numeric_range(name) -%}
    {%- set ranges = numeric_ranges() -%}
    {%- if name not in ranges -%}
        {{ exceptions.raise_compiler_error("numeric_range: no documented range named " ~ name) }}
    {%- endif -%}
    {{ return(ranges[name]) }}
{%- endmacro %}

{# within_range(expr, name): expr when it lies in the range `name`, else NULL. #}
{% macro within_range(expr, name) -%}
    {%- set range = numeric_range(name) -%}
    case when {{ expr }} between {{ range.minimum }} and {{ range.maximum }} then {{ expr }} end
{%- endmacro %}

{# is_out_of_range(expr, name): true when expr has a value outside the range `name`. #}
{% macro is_out_of_range(expr, name) -%}
    {%- set range = numeric_range(name) -%}
    ({{ expr }} is not null and not ({{ expr }} between {{ range.minimum }} and {{ range.maximum }}))
{%- endmacro %}
