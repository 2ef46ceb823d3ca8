{#
  Door of the identifying zone for the placements: one row per placement row. The name of the
  organisation becomes its code here (organisation_code) and its address stays behind; dates
  are minimised into months. Allow-list of columns.
#}
with

source_rows as (
    select * from {{ ref('stg_iodas_ase__placements') }}
),

final as (
    select
        ---------- ids
        id_placement,
        id_mesure,
        id_individu,
        ---------- organisation, minimised (annex 2: "Minimisé en code")
        {{ organisation_code('organisme') }} as code_organisme_placement,
        ---------- dates, minimised (annex 2: "Mois et année")
        {{ month_year('date_debut') }} as mois_debut_placement,
        {{ month_year('date_fin') }} as mois_fin_placement,
        ---------- attributes (IODAS label, département of the placement)
        nature_placement,
        departement_lieu,
        ---------- lineage
        _fichier,
        _ligne
    from source_rows
)

select * from final
