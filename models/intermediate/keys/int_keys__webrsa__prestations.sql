{#
  Door of the identifying zone: WebRSA prestations (role of a person in a benefit): one row per
  prestations row; no identity in this table.
  Staging is private to the identifying zone; this door names the columns that may leave it,
  one by one (an allow-list: a column added to the staging model stays behind).
#}
with

source_rows as (
    select * from {{ ref('stg_webrsa__prestations') }}
),

final as (
    select
        ---------- ids
        personne_id,
        ---------- attributes
        natprest,
        rolepers,
        topchapers,
        ---------- lineage
        _fichier,
        _ligne
    from source_rows
)

select * from final
