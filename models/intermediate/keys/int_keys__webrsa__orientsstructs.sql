{#
  Door of the identifying zone: WebRSA orientations: one row per orientsstructs row; no identity
  in this table.
  Staging is private to the identifying zone; this door names the columns that may leave it,
  one by one (an allow-list: a column added to the staging model stays behind).
#}
with

source_rows as (
    select * from {{ ref('stg_webrsa__orientsstructs') }}
),

final as (
    select
        ---------- ids
        id,
        personne_id,
        ---------- dates
        date_valid,
        ---------- attributes
        typeorient_parent,
        statut_orient,
        rgorient,
        ---------- lineage
        _fichier,
        _ligne
    from source_rows
)

select * from final
