{#
  Door of the identifying zone for WebRSA addresses: one row per adresses row, the commune
  only, never the street.
#}
with

adresses as (select * from {{ ref('stg_webrsa__adresses') }}),

final as (
    select
        ---------- ids
        adresses.foyer_id,
        ---------- attributes
        adresses.rgadr,
        adresses.codepos,
        adresses.numcom,
        adresses.nomcom,
        adresses.pays,
        ---------- lineage
        adresses._fichier,
        adresses._ligne
    from adresses
)

select * from final
