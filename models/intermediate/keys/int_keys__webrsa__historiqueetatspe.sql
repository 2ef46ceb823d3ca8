{#
  Door of the identifying zone: WebRSA Pôle emploi / France Travail states: one row per
  historiqueetatspe row; no identity in this table.
  Staging is private to the identifying zone; this door names the columns that may leave it,
  one by one (an allow-list: a column added to the staging model stays behind).
#}
with

source_rows as (
    select * from {{ ref('stg_webrsa__historiqueetatspe') }}
),

final as (
    select
        ---------- ids
        personne_id,
        ---------- dates
        date,  -- noqa: RF04
        ---------- attributes
        etat,
        code,
        ---------- lineage
        _fichier,
        _ligne
    from source_rows
)

select * from final
