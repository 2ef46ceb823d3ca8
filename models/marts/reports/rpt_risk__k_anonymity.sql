{#
  k-anonymity of the leaving tables on their quasi-identifiers: for each set of columns (var
  pipase_risk_quasi_identifiers, a list of {model, columns, person}), people are grouped into
  equivalence classes of equal values (NULL counts as a value); k of a class = its number of
  distinct people. One row per set, counts only (no key, no value). A person with rows in
  several classes counts in the smallest (the attacker picks the most telling row).
  Default sets: the five quasi-identifiers of the individu table; birth month and sex alone
  (what an acquaintance knows); the same without the birth month (what it adds); then, for
  every other leaving table, what an acquaintance or a neighbour could know of a person's
  record there (the kind of measure, aid or right, the place, the starting month).
#}
{%- set quasi_identifier_sets = var('pipase_risk_quasi_identifiers', [
    {
        'model': 'annexe2_iodas_ase__individu',
        'columns': [
            'mois_naissance',
            'genre',
            'commune_detenteur_autorite_parentale',
            'circonscription',
            'statut_mna',
        ],
    },
    {
        'model': 'annexe2_iodas_ase__individu',
        'columns': ['mois_naissance', 'genre'],
    },
    {
        'model': 'annexe2_iodas_ase__individu',
        'columns': ['genre', 'commune_detenteur_autorite_parentale', 'circonscription', 'statut_mna'],
    },
    {
        'model': 'annexe2_iodas_ase__mesure',
        'columns': ['type_mesure', 'mois_debut_mesure', 'mois_cloture_mesure'],
    },
    {
        'model': 'annexe2_iodas_ase__placement',
        'columns': ['nature_placement', 'lieu_placement', 'mois_debut_placement'],
    },
    {
        'model': 'annexe2_iodas_ase__hors_placement',
        'columns': ['type_hors_placement', 'mois_debut', 'mois_fin'],
    },
    {
        'model': 'annexe2_iodas_ase__ip',
        'columns': ['mois_ouverture_ip', 'prescripteur', 'motif'],
    },
    {
        'model': 'annexe2_iodas_ase__cjm',
        'columns': ['mois_reception_aide_financiere'],
    },
    {
        'model': 'annexe2_webrsa__allocataire',
        'columns': ['genre', 'nationalite', 'situation_conjugale', 'nombre_enfants_a_charge', 'commune_domicile'],
    },
    {
        'model': 'annexe2_nova_dpas__rendez_vous',
        'columns': ['genre', 'type_lien', 'annee_rendez_vous'],
    },
    {
        'model': 'annexe2_iodas_dpas__aide',
        'columns': ['commune_residence', 'type_aide', 'situation_familiale', 'mois_perception_aide'],
    },
    {
        'model': 'annexe2_iodas_mdph__droit',
        'columns': ['commune_residence', 'droit_accorde', 'mois_debut_droit'],
    },
]) -%}

with

{% for qi in quasi_identifier_sets -%}
    {%- set i = loop.index -%}
    {%- set columns = qi['columns'] | join(', ') -%}
    {%- set person = qi.get('person', 'cle_hachage') -%}
    people_rows_{{ i }} as (
        select distinct
            {{ person }} as personne,
            {{ columns }}
        from {{ ref(qi['model']) }}
        where {{ person }} is not null
    ),

    classes_{{ i }} as (
        select
            {{ columns }},
            count(distinct personne) as k
        from people_rows_{{ i }}
        group by {{ columns }}
    ),

    people_{{ i }} as (
        select
            people_rows_{{ i }}.personne,
            min(classes_{{ i }}.k) as k
        from people_rows_{{ i }}
        inner join classes_{{ i }}
            on
                {% for column in qi['columns'] -%}
                    people_rows_{{ i }}.{{ column }} is not distinct from classes_{{ i }}.{{ column }}
                    {%- if not loop.last %} and {% endif %}
                {% endfor %}
        group by people_rows_{{ i }}.personne
    ),

    class_counts_{{ i }} as (
        select
            count(*) as n_classes,
            min(classes_{{ i }}.k) as k_minimum,
            median(classes_{{ i }}.k) as k_median,
            count(*) filter (where classes_{{ i }}.k = 1) as n_classes_k1,
            count(*) filter (where classes_{{ i }}.k < 5) as n_classes_k_moins_5,
            count(*) filter (where classes_{{ i }}.k < 11) as n_classes_k_moins_11
        from classes_{{ i }}
    ),

    people_counts_{{ i }} as (
        select
            count(*) as n_personnes,
            count(*) filter (where people_{{ i }}.k = 1) as n_personnes_k1,
            count(*) filter (where people_{{ i }}.k < 5) as n_personnes_k_moins_5,
            count(*) filter (where people_{{ i }}.k < 11) as n_personnes_k_moins_11
        from people_{{ i }}
    ),

    summary_{{ i }} as (
        select
            '{{ qi["model"] }}' as modele,
            '{{ qi["columns"] | join(", ") }}' as quasi_identifiants,
            people_counts_{{ i }}.n_personnes,
            class_counts_{{ i }}.n_classes,
            class_counts_{{ i }}.k_minimum,
            class_counts_{{ i }}.k_median,
            class_counts_{{ i }}.n_classes_k1,
            people_counts_{{ i }}.n_personnes_k1,
            class_counts_{{ i }}.n_classes_k_moins_5,
            people_counts_{{ i }}.n_personnes_k_moins_5,
            class_counts_{{ i }}.n_classes_k_moins_11,
            people_counts_{{ i }}.n_personnes_k_moins_11
        from class_counts_{{ i }}
        cross join people_counts_{{ i }}
    ),

{% endfor -%}

final as (
    {% for qi in quasi_identifier_sets -%}
        select
            modele,
            quasi_identifiants,
            n_personnes,
            n_classes,
            k_minimum,
            k_median,
            n_classes_k1,
            n_personnes_k1,
            n_classes_k_moins_5,
            n_personnes_k_moins_5,
            n_classes_k_moins_11,
            n_personnes_k_moins_11,
            round(n_personnes_k1 / nullif(n_personnes, 0), 4) as part_personnes_k1,
            round(n_personnes_k_moins_5 / nullif(n_personnes, 0), 4) as part_personnes_k_moins_5,
            round(n_personnes_k_moins_11 / nullif(n_personnes, 0), 4) as part_personnes_k_moins_11
        from summary_{{ loop.index }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

select * from final
