{#
  Door of the identifying zone for the financial aid paid under a contrat jeune majeur: one
  row per payment row, the payment date minimised into a month. Allow-list of columns.
#}
with

-- one row per aides_cjm row, ranked among the rows sharing its id
source_rows as (
    {{ rank_same_id_rows(ref('stg_iodas_ase__aides_cjm'), 'id_aide') }}
),

final as (
    select
        ---------- ids
        id_aide,
        id_individu,
        ---------- amount and month (annex 2: "Montant aide financière", "Mois et année")
        montant as montant_aide_financiere,
        {{ month_year('date_paiement') }} as mois_reception_aide_financiere,
        ---------- rows sharing the id (rank_same_id_rows): 1 = the row kept
        rang_meme_id,
        est_copie_identique,
        ---------- lineage
        _fichier,
        _ligne
    from source_rows
)

select * from final
