-- Annex 2, Nova-DPAS, group "rendez-vous": number of appointments per cohort member, sex,
-- relation to the usager, year and status (honoré / non honoré). Cancelled and postponed
-- appointments are not counted (ref_nova_dpas__statuts_rdv: a status with no annex word).
-- Closed vocabularies: sex (ref_annexe2__genre), relation (ref_nova_dpas__liens) and status
-- are codes of their seeds; a value missing from its seed leaves as 'autre' (an unknown status
-- is counted under 'autre', never dropped), an empty one as 'non_renseigne'.
with

rendez_vous as (
    select * from {{ ref('int_crossing__nova_dpas_rendez_vous') }}
),

statuts as (
    select
        {{ normalise_label('statut_rdv') }} as statut_normalise,
        min(statut_rendez_vous) as statut_rendez_vous
    from {{ ref('ref_nova_dpas__statuts_rdv') }}
    group by statut_normalise
),

coded as (
    select
        rendez_vous.cle_hachage,
        {{ code_from_list('rendez_vous.genre', 'ref_annexe2__genre') }} as genre,
        {{ code_from_list('rendez_vous.lien_usager', 'ref_nova_dpas__liens', 'lien_usager', 'type_lien') }}
            as type_lien,
        cast(extract(year from rendez_vous.date_rdv) as integer) as annee_rendez_vous,
        case
            when {{ normalise_label('rendez_vous.statut_rdv') }} is null then 'non_renseigne'
            when statuts.statut_normalise is null then 'autre'
            else statuts.statut_rendez_vous
        end as statut_rendez_vous,
        rendez_vous.id_rdv
    from rendez_vous
    left join statuts
        on {{ normalise_label('rendez_vous.statut_rdv') }} = statuts.statut_normalise
    -- a known status without annex word (cancelled, postponed): the appointment did not take
    -- place as planned and is not counted
    where statuts.statut_normalise is null or statuts.statut_rendez_vous is not null
),

final as (
    select
        coded.cle_hachage,
        coded.genre,
        coded.type_lien,
        coded.annee_rendez_vous,
        coded.statut_rendez_vous,
        cast(count(distinct coded.id_rdv) as integer) as nombre_rendez_vous
    from coded
    group by
        coded.cle_hachage,
        coded.genre,
        coded.type_lien,
        coded.annee_rendez_vous,
        coded.statut_rendez_vous
)

select * from final
