{#
  name_rows(relation, birth_name, usage_name, first_name): the rows of `relation` (a model, a
  source or a CTE name) with two more columns, for the key doors:
      prenom_normalise  the first name normalised (protocol section 1)
      nom_normalise     the surname: the birth name where it normalises to something, else the
                        usage name (section 1, rule 1)
  Names are normalised once per distinct value (normalise_distinct_names) and joined back.
  Usage, in a door model:
      named as (
          {{ name_rows('source_rows', 'nom_naissance', 'nom_usage', 'prenom') }}
      ),
#}
{% macro name_rows(relation, birth_name, usage_name, first_name) -%}
    with

    normalised_names as (
        {{ normalise_distinct_names(relation, [birth_name, usage_name, first_name]) }}
    )

    select
        {{ relation }}.*,
        first_name.valeur_normalisee as prenom_normalise,
        coalesce(birth_name.valeur_normalisee, usage_name.valeur_normalisee) as nom_normalise
    from {{ relation }}
    left join normalised_names as birth_name on {{ relation }}.{{ birth_name }} = birth_name.valeur_brute
    left join normalised_names as usage_name on {{ relation }}.{{ usage_name }} = usage_name.valeur_brute
    left join normalised_names as first_name on {{ relation }}.{{ first_name }} = first_name.valeur_brute
{%- endmacro %}
