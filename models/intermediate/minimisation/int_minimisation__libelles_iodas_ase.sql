{#
  IODAS labels -> project codes and labels, for the annex 2 fields of Iodas-ASE that carry a
  category: "Type de mesure", "Nature placement : MECS, assistante familiale, etc.",
  "Prescripteur : Ecole, police, hôpital, etc.", "Motif : Carence éducative, violences,
  etc.", "Suite donnée", "Type de détenteur de l'autorité parentale", "Type hors placement :
  Hôtel, fugue, parents, etc.". One row per (list, distinct label found in the extraction),
  matched to the seeds ref_iodas_ase__<list> after normalise_label (case, accents, spaces).
  A label absent from its seed maps to code and label 'autre' (special_codes), est_reconnu
  false, with the number of rows that carry it: counted (warning test; the leaving tables'
  'autre' in rpt_minimisation__vocabulaires), never passed through. A label that is empty
  after normalise_label (spaces, punctuation) maps to 'non_renseigne'; a NULL label is not
  listed (the marts give it 'non_renseigne' too).
#}
{%- set specials = special_codes() %}
{% set lists = {
    'type_mesure': ('int_keys__iodas_ase__mesures', 'type_mesure'),
    'nature_placement': ('int_keys__iodas_ase__placements', 'nature_placement'),
    'prescripteur': ('int_keys__iodas_ase__informations_preoccupantes', 'prescripteur'),
    'motif_ip': ('int_keys__iodas_ase__informations_preoccupantes', 'motif'),
    'suite_donnee': ('int_keys__iodas_ase__informations_preoccupantes', 'suite_donnee'),
    'type_detenteur': ('int_keys__iodas_ase__detenteurs_autorite_parentale', 'type_detenteur'),
    'type_hors_placement': ('int_keys__iodas_ase__hors_placement', 'type_hors_placement'),
} %}

with

labels_in_data as (
    {% for list_name, (model, column) in lists.items() %}
        {% if not loop.first %}union all{% endif %}
        select
            '{{ list_name }}' as liste,
            {{ column }} as libelle_iodas,
            count(*) as nombre_lignes
        from {{ ref(model) }}
        where {{ column }} is not null
        group by {{ column }}
    {% endfor %}
),

seed_labels as (
    {% for list_name in lists %}
        {% if not loop.first %}union all{% endif %}
        select
            '{{ list_name }}' as liste,
            code,
            libelle,
            {{ normalise_label('libelle_iodas') }} as libelle_normalise
        from {{ ref('ref_iodas_ase__' ~ list_name) }}
    {% endfor %}
),

final as (
    select
        labels_in_data.liste,
        labels_in_data.libelle_iodas,
        cast(labels_in_data.nombre_lignes as integer) as nombre_lignes,
        case
            when {{ normalise_label('labels_in_data.libelle_iodas') }} is null then '{{ specials.empty }}'
            else coalesce(seed_labels.code, '{{ specials.unknown }}')
        end as code,
        case
            when {{ normalise_label('labels_in_data.libelle_iodas') }} is null then '{{ specials.empty }}'
            else coalesce(seed_labels.libelle, '{{ specials.unknown }}')
        end as libelle,
        seed_labels.code is not null or {{ normalise_label('labels_in_data.libelle_iodas') }} is null
            as est_reconnu
    from labels_in_data
    left join seed_labels
        on
            labels_in_data.liste = seed_labels.liste
            and {{ normalise_label('labels_in_data.libelle_iodas') }} = seed_labels.libelle_normalise
)

select * from final
