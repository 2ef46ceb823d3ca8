{#
  Door of the identifying zone: WebRSA subjects of a CER (contrat d'engagement réciproque): one
  row per cers93_sujets row; no identity in this table.
  Staging is private to the identifying zone; this door names the columns that may leave it,
  one by one (an allow-list: a column added to the staging model stays behind).
#}
with

source_rows as (
    select * from {{ ref('stg_webrsa__cers93_sujets') }}
),

final as (
    select
        ---------- ids
        contratinsertion_id,
        personne_id,
        ---------- dates
        dd_ci,
        ---------- attributes
        sujetcer93_id,
        ---------- lineage
        _fichier,
        _ligne
    from source_rows
)

select * from final
