{#
  Door of the identifying zone for the ASE measures: one row per measure row. The duration
  and the cohort condition are computed here, on the exact dates, before the dates are
  minimised into months (they never leave this zone). Allow-list of columns.
#}
with

-- one row per mesures row, ranked among the rows sharing its id
source_rows as (
    {{ rank_same_id_rows(ref('stg_iodas_ase__mesures'), 'id_mesure') }}
),

extraction as (
    select date_extraction from {{ ref('int_keys__iodas_ase__extraction') }}
),

final as (
    select
        ---------- ids
        source_rows.id_mesure,
        source_rows.id_individu,
        ---------- dates, minimised (annex 2: "Mois et année", "Jours")
        {{ month_year('source_rows.date_debut') }} as mois_debut_mesure,
        {{ month_year('source_rows.date_fin') }} as mois_cloture_mesure,
        {{ duration_days('source_rows.date_debut', 'source_rows.date_fin', 'extraction.date_extraction') }}
            as duree_mesure_jours,
        source_rows.date_fin is null as est_ouverte,
        ---------- cohort condition: a measure running on or after 2000-01-01
        coalesce(source_rows.date_fin >= date '2000-01-01', true) as est_active_depuis_2000,
        ---------- attributes (IODAS labels)
        source_rows.cadre,
        source_rows.type_mesure,
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
