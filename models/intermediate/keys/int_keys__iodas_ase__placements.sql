{#
  Door of the identifying zone for the placements: one row per placement row. The name of the
  organisation becomes its code here (organisation_code) and its address stays behind; dates
  are minimised into months. Allow-list of columns. The code is computed once per distinct
  organisation name (a few hundred names for hundreds of thousands of placements).
#}
with

-- one row per placements row, ranked among the rows sharing its id
source_rows as (
    {{ rank_same_id_rows(ref('stg_iodas_ase__placements'), 'id_placement') }}
),

organisations as (
    select
        distinct_names.organisme,
        {{ organisation_code('distinct_names.organisme') }} as code_organisme_placement
    from (
        select distinct organisme from source_rows
        where organisme is not null
    ) as distinct_names
),

final as (
    select
        ---------- ids
        source_rows.id_placement,
        source_rows.id_mesure,
        source_rows.id_individu,
        ---------- organisation, minimised (annex 2: "Minimisé en code")
        organisations.code_organisme_placement,
        ---------- dates, minimised (annex 2: "Mois et année")
        {{ month_year('source_rows.date_debut') }} as mois_debut_placement,
        {{ month_year('source_rows.date_fin') }} as mois_fin_placement,
        ---------- attributes (IODAS label, département of the placement)
        source_rows.nature_placement,
        source_rows.departement_lieu,
        ---------- rows sharing the id (rank_same_id_rows): 1 = the row kept
        source_rows.rang_meme_id,
        source_rows.est_copie_identique,
        ---------- lineage
        source_rows._fichier,
        source_rows._ligne
    from source_rows
    left join organisations on source_rows.organisme = organisations.organisme
)

select * from final
