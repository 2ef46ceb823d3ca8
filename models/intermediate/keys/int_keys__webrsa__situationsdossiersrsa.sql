{#
  Door of the identifying zone: WebRSA state of the right: one row per situationsdossiersrsa
  row; no identity in this table.
  Staging is private to the identifying zone; this door names the columns that may leave it,
  one by one (an allow-list: a column added to the staging model stays behind).
#}
with

source_rows as (
    select * from {{ ref('stg_webrsa__situationsdossiersrsa') }}
),

final as (
    select
        ---------- ids
        dossier_id,
        ---------- dates
        dtclorsa,
        ---------- attributes
        etatdosrsa,
        moticlorsa,
        ---------- lineage
        _fichier,
        _ligne
    from source_rows
)

select * from final
