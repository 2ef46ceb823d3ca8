{#
  Door of the identifying zone for WebRSA RSA demands: one row per dossiers row, named columns
  only (no RSA demand or CAF file number).
#}
with

dossiers as (select * from {{ ref('stg_webrsa__dossiers') }}),

final as (
    select
        ---------- ids
        dossiers.id,
        ---------- attributes
        dossiers.dtdemrsa,
        ---------- lineage
        dossiers._fichier,
        dossiers._ligne
    from dossiers
)

select * from final
