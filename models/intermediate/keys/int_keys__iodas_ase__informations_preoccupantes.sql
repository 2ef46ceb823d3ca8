{#
  Door of the identifying zone for the informations préoccupantes: one row per IP row, dates
  minimised into months ('AAAA-MM'). Allow-list of columns.
#}
with

source_rows as (
    select * from {{ ref('stg_iodas_ase__informations_preoccupantes') }}
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
        ---------- lineage
        _fichier,
        _ligne
    from source_rows
)

select * from final
