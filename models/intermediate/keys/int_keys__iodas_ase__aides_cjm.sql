{#
  Door of the identifying zone for the financial aid paid under a contrat jeune majeur: one
  row per payment row, the payment date minimised into a month. Allow-list of columns.
#}
with

source_rows as (
    select * from {{ ref('stg_iodas_ase__aides_cjm') }}
),

final as (
    select
        ---------- ids
        id_aide,
        id_individu,
        ---------- amount and month (annex 2: "Montant aide financière", "Mois et année")
        montant as montant_aide_financiere,
        {{ month_year('date_paiement') }} as mois_reception_aide_financiere,
        ---------- lineage
        _fichier,
        _ligne
    from source_rows
)

select * from final
