{#
  indicateur(micro_donnees): the exact counts behind one table of the study, read from the
  model's own `meta.publication` (its YAML): the population's conditions, the row variable
  (ligne), the column variable (colonne) and, for a table repeated per partner, `pour_chaque`.
  One row per combination present in the data, with `effectif` (the number of youths, or of
  rows for a table whose unit is not the youth). These counts are exact and stay at the
  Association: `pipase publier` recomputes each table through ACRO from the same micro-data,
  checks the two agree, and applies the disclosure control before anything leaves.
  Usage (the model's whole SQL): {{ indicateur(ref('analyse__jeunes')) }}
#}
{% macro indicateur(micro_donnees) %}
    {%- set spec = (config.get('meta') or {}).get('publication') -%}
    {%- if execute and not spec -%}
        {{ exceptions.raise_compiler_error("indicateur: " ~ this ~ " has no meta.publication in its YAML") }}
    {%- endif -%}
    {%- set spec = spec or {'population': {'conditions': {}}, 'ligne': {'variable': 'x'}, 'colonne': {'variable': 'y'}} -%}
    {%- set groupes = [] -%}
    {%- if spec.get('pour_chaque') -%}{%- do groupes.append(spec['pour_chaque']) -%}{%- endif -%}
    {%- do groupes.append(spec['ligne']['variable']) -%}
    {%- do groupes.append(spec['colonne']['variable']) -%}
    {%- set conditions = spec['population']['conditions'] or {} %}
select
    {% for groupe in groupes -%}
    {{ groupe }},
    {% endfor -%}
    count(*) as effectif
from {{ micro_donnees }}
{%- if conditions %}
where
    {% for variable, valeur in conditions.items() -%}
    {{ variable }} = '{{ valeur }}'{{ ' and' if not loop.last }}
    {% endfor -%}
{%- endif %}
group by {{ groupes | join(', ') }}
{% endmacro %}
