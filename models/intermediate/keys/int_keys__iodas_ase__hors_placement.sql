{#
  Door of the identifying zone for the periods outside placement: one row per row. The
  duration is computed here on the exact dates before they are minimised into months.
  Allow-list of columns.
#}
with

-- one row per hors_placement row, ranked among the rows sharing its id
source_rows as (
    {{ rank_same_id_rows(ref('stg_iodas_ase__hors_placement'), 'id_hors_placement') }}
),

extraction as (
    select date_extraction from {{ ref('int_keys__iodas_ase__extraction') }}
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
        ---------- rows sharing the id (rank_same_id_rows): 1 = the row kept
        source_rows.rang_meme_id,
        source_rows.est_copie_identique,
        ---------- lineage
        source_rows._fichier,
        source_rows._ligne
    from source_rows
    cross join extraction
)

select * from final
