{#
  placement_location(expr): annex 2, Iodas-ASE, Placement, "Lieu du placement : 93 / hors 93".
  From the département of the placement: '93' for Seine-Saint-Denis (93, 093, or its name),
  'hors 93' for any other département (a number such as 60, 2A, 974, or a name such as
  Sarthe), NULL when the département is not recorded. The commune of the placement is not
  kept.
  Usage: {{ placement_location('departement_lieu') }} as lieu_placement
#}
{% macro placement_location(expr) -%}
    case
        when {{ normalise_label(expr) }} is null then null
        when {{ normalise_label(expr) }} in ('93', '093', 'SEINE SAINT DENIS') then '93'
        else 'hors 93'
    end
{%- endmacro %}
