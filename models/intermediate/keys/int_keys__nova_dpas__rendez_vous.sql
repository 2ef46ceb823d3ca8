{#
  Door of the identifying zone: Nova-DPAS appointments, one row per rendez_vous row; no
  identity in this table. An appointment exported twice shares its id_rdv: rank_same_id_rows
  says which row is kept for the id (rang_meme_id = 1, by content, not by file order) and
  whether the others are exact copies of it. Allow-list of columns.
#}
with

source_rows as (
    {{ rank_same_id_rows(ref('stg_nova_dpas__rendez_vous'), 'id_rdv') }}
),

final as (
    select
        ---------- ids
        id_rdv,
        id_personne,
        ---------- dates
        date_rdv,
        ---------- attributes
        circonscription,
        type_rdv,
        statut_rdv,
        ---------- rows sharing the id (rank_same_id_rows): 1 = the row kept
        rang_meme_id,
        est_copie_identique,
        ---------- lineage
        _fichier,
        _ligne
    from source_rows
)

select * from final
