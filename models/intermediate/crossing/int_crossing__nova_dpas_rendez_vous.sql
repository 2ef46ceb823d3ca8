-- Nova-DPAS appointments concerning a cohort member, one row per (member's personnes row,
-- appointment). An appointment is booked for one person, usually the household's usager; a
-- member concerns it when it is booked for them, or, when the member is not the usager of the
-- household (enfant de, parent de, conjoint de, autre membre), when it is booked for the
-- household's usager: the annex's "Type de lien" says in which capacity the member was seen.
-- An appointment exported twice (same id_rdv) counts once: the row kept for its id by
-- rank_same_id_rows (most complete content, then content fingerprint; never the file order);
-- the others are counted in rpt_reconciliation__lignes (doublon_identique, or
-- doublon_id_contenu_different: an anomaly).
with

nova as (
    select * from {{ ref('int_crossing__nova_dpas') }}
),

personnes as (
    select * from {{ ref('int_keys__nova_dpas__personnes_attributs') }}
),

rendez_vous as (
    select
        rendez_vous.id_rdv,
        rendez_vous.id_personne,
        rendez_vous.date_rdv,
        rendez_vous.statut_rdv
    from {{ ref('int_keys__nova_dpas__rendez_vous') }} as rendez_vous
    where rendez_vous.rang_meme_id = 1
),

usagers as (
    select distinct
        personnes.id_foyer,
        personnes.id_personne
    from personnes
    where personnes.lien_usager = 'Usager'
),

booked_for_member as (
    select
        nova.cle_hachage,
        nova._fichier,
        nova._ligne,
        rendez_vous.id_rdv
    from nova
    inner join rendez_vous
        on nova.id_personne = rendez_vous.id_personne
),

booked_for_usager as (
    select
        nova.cle_hachage,
        nova._fichier,
        nova._ligne,
        rendez_vous.id_rdv
    from nova
    inner join usagers
        on nova.id_foyer = usagers.id_foyer
    inner join rendez_vous
        on usagers.id_personne = rendez_vous.id_personne
    where nova.lien_usager <> 'Usager'
),

concerned as (
    select * from booked_for_member
    union
    select * from booked_for_usager
),

final as (
    select
        ---------- keys
        concerned.cle_hachage,
        ---------- the member's row: sex and relation
        nova.genre,
        nova.lien_usager,
        ---------- appointment
        rendez_vous.id_rdv,
        rendez_vous.date_rdv,
        rendez_vous.statut_rdv,
        ---------- lineage of the member's row
        concerned._fichier,
        concerned._ligne
    from concerned
    inner join nova
        on
            concerned._fichier = nova._fichier
            and concerned._ligne = nova._ligne
    inner join rendez_vous
        on concerned.id_rdv = rendez_vous.id_rdv
)

select * from final
