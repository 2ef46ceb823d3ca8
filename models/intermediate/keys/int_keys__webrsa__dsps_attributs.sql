{#
  Door of the identifying zone for WebRSA socio-professional data: one row per dsps row, codes
  only, never the free-text job labels.
#}
with

dsps as (select * from {{ ref('stg_webrsa__dsps') }}),

final as (
    select
        ---------- ids
        dsps.personne_id,
        ---------- attributes
        dsps.nivetu,
        dsps.natlog,
        dsps.deractromev3_code,
        dsps.actrechromev3_code,
        dsps.accoemploi,
        ---------- lineage
        dsps._fichier,
        dsps._ligne
    from dsps
)

select * from final
