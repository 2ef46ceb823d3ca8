{#
  Door of the identifying zone for the periods outside placement: one row per row. The
  duration is computed here on the exact dates before they are minimised into months.
  Allow-list of columns.
#}
with

source_rows as (
    select * from {{ ref('stg_iodas_ase__hors_placement') }}
),

extraction as (
    select date_extraction from {{ ref('int_cohort__extraction') }}
),

final as (
    select
        ---------- ids
        source_rows.id_hors_placement,
        source_rows.id_individu,
        source_rows.id_placement,
        ---------- dates, minimised (annex 2: "Mois et année", "Jours")
        {{ month_year('source_rows.date_debut') }} as mois_debut,
        {{ month_year('source_rows.date_fin') }} as mois_fin,
        {{ duration_days('source_rows.date_debut', 'source_rows.date_fin', 'extraction.date_extraction') }}
            as duree_jours,
        ---------- attributes (IODAS label)
        source_rows.type_hors_placement,
        ---------- lineage
        source_rows._fichier,
        source_rows._ligne
    from source_rows
    cross join extraction
)

select * from final
