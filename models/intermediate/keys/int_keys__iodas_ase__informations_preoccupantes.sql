{#
  Door of the identifying zone for the informations préoccupantes: one row per IP row, dates
  minimised into months ('AAAA-MM'). Allow-list of columns.
#}
with

-- one row per informations_preoccupantes row, ranked among the rows sharing its id
source_rows as (
    {{ rank_same_id_rows(ref('stg_iodas_ase__informations_preoccupantes'), 'id_ip') }}
),

final as (
    select
        ---------- ids
        id_ip,
        id_individu,
        ---------- dates, minimised (annex 2: "Mois et année")
        {{ month_year('date_reception') }} as mois_ouverture_ip,
        {{ month_year('date_cloture') }} as mois_cloture_ip,
        ---------- attributes (IODAS labels)
        prescripteur,
        motif,
        suite_donnee,
        ---------- rows sharing the id (rank_same_id_rows): 1 = the row kept
        rang_meme_id,
        est_copie_identique,
        ---------- lineage
        _fichier,
        _ligne
    from source_rows
)

select * from final
