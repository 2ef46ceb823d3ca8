-- WebRSA allocataires of the ASE cohort, raw WebRSA codes, one row per cohort member: the
-- member's personnes row that is demandeur (DEM) or conjoint (CJT) of an RSA benefit, in the
-- most recent RSA demand when there are several; with the foyer's children (ENF). A young
-- person seen only as a child (ENF) of a parent's foyer is not an allocataire.
-- lignes_utilisees lists every source row (table, file, line) whose content reaches the row:
-- rpt_reconciliation__lignes counts the WebRSA rows kept from it, and every other row with the
-- reason it was left (nothing is dropped without a count).
with

webrsa as (
    select * from {{ ref('int_crossing__webrsa') }}
),

prestations as (
    select * from {{ ref('int_keys__webrsa__prestations') }}
    where natprest = 'RSA'
),

personnes as (
    select * from {{ ref('int_keys__webrsa__personnes_attributs') }}
),

keys_doors as (
    select * from {{ ref('int_keys__webrsa__personnes') }}
),

foyers as (
    select * from {{ ref('int_keys__webrsa__foyers') }}
),

dossiers as (
    select * from {{ ref('int_keys__webrsa__dossiers_attributs') }}
),

situations as (
    select * from {{ ref('int_keys__webrsa__situationsdossiersrsa') }}
),

adresses as (
    select * from {{ ref('int_keys__webrsa__adresses_attributs') }}
),

dsps as (
    select * from {{ ref('int_keys__webrsa__dsps_attributs') }}
),

orientations as (
    select * from {{ ref('int_keys__webrsa__orientsstructs') }}
),

sujets_cer as (
    select * from {{ ref('int_keys__webrsa__cers93_sujets') }}
),

etats_pe as (
    select * from {{ ref('int_keys__webrsa__historiqueetatspe') }}
),

allocataire_rows as (
    select distinct
        webrsa.cle_hachage,
        webrsa.personne_id,
        webrsa.foyer_id,
        webrsa.genre,
        webrsa._fichier,
        webrsa._ligne
    from webrsa
    inner join prestations
        on webrsa.personne_id = prestations.personne_id
    where prestations.rolepers in ('DEM', 'CJT')
),

-- one personnes row per cohort member: the most recent RSA demand
latest_allocataire_row as (
    select
        allocataire_rows.*,
        foyers.dossier_id,
        dossiers.dtdemrsa,
        { 'table_source': 'foyers', '_fichier': foyers._fichier, '_ligne': foyers._ligne } as ligne_foyer,
        { 'table_source': 'dossiers', '_fichier': dossiers._fichier, '_ligne': dossiers._ligne } as ligne_dossier
    from allocataire_rows
    left join foyers
        on allocataire_rows.foyer_id = foyers.id
    left join dossiers
        on foyers.dossier_id = dossiers.id
    qualify row_number() over (
        partition by allocataire_rows.cle_hachage
        order by dossiers.dtdemrsa desc nulls last, foyers.dossier_id desc nulls last, allocataire_rows.personne_id desc
    ) = 1
),

-- the RSA prestation rows that make the person demandeur or conjoint
allocataire_prestations as (
    select
        prestations.personne_id,
        list({ 'table_source': 'prestations', '_fichier': prestations._fichier, '_ligne': prestations._ligne })
            as lignes
    from prestations
    where prestations.rolepers in ('DEM', 'CJT')
    group by prestations.personne_id
),

personnes_attributs as (
    select
        personnes.id,
        any_value(personnes.nati) as nati,
        any_value(personnes.qual) as qual
    from personnes
    group by personnes.id
),

-- children: personnes of the foyer with the RSA role ENF, unless flagged as not dependent
foyer_children as (
    select
        personnes.foyer_id,
        count(distinct personnes.id) as nombre_enfants_a_charge,
        list(keys_doors.annee_naissance order by keys_doors.annee_naissance) filter (
            where keys_doors.annee_naissance is not null
        ) as annees_naissance_enfants,
        list({ 'table_source': 'personnes', '_fichier': personnes._fichier, '_ligne': personnes._ligne })
        || list({ 'table_source': 'prestations', '_fichier': prestations._fichier, '_ligne': prestations._ligne })
            as lignes
    from prestations
    inner join personnes
        on prestations.personne_id = personnes.id
    left join keys_doors
        on
            personnes._fichier = keys_doors._fichier
            and personnes._ligne = keys_doors._ligne
    where prestations.rolepers = 'ENF' and prestations.topchapers is distinct from false
    group by personnes.foyer_id
),

current_address as (
    select
        adresses.foyer_id,
        adresses.numcom,
        { 'table_source': 'adresses', '_fichier': adresses._fichier, '_ligne': adresses._ligne } as ligne
    from adresses
    where adresses.rgadr = '01'
    qualify row_number() over (partition by adresses.foyer_id order by adresses._ligne desc) = 1
),

latest_dsp as (
    select *
    from dsps
    qualify row_number() over (partition by personne_id order by _ligne desc) = 1
),

latest_situation as (
    select *
    from situations
    qualify row_number() over (partition by dossier_id order by _ligne desc) = 1
),

-- the last orientation actually made: statut 'Orienté', highest rank, then latest validation
latest_orientation as (
    select
        orientations.personne_id,
        orientations.typeorient_parent,
        { 'table_source': 'orientsstructs', '_fichier': orientations._fichier, '_ligne': orientations._ligne }
            as ligne
    from orientations
    where orientations.statut_orient = 'Orienté'
    qualify row_number() over (
        partition by orientations.personne_id
        order by orientations.rgorient desc nulls last, orientations.date_valid desc nulls last, orientations.id desc
    ) = 1
),

-- a subject listed twice for a person counts once: the row of its first line stands for it
cer_subjects as (
    select
        subjects.personne_id,
        list(subjects.sujetcer93_id order by subjects.sujetcer93_id) as sujets_cer,
        list(subjects.ligne) as lignes
    from (
        select
            sujets_cer.personne_id,
            sujets_cer.sujetcer93_id,
            arg_min(
                { 'table_source': 'cers93_sujets', '_fichier': sujets_cer._fichier, '_ligne': sujets_cer._ligne },
                [sujets_cer._fichier, cast(sujets_cer._ligne as varchar)]
            ) as ligne
        from sujets_cer
        group by sujets_cer.personne_id, sujets_cer.sujetcer93_id
    ) as subjects
    group by subjects.personne_id
),

latest_pe_state as (
    select
        etats_pe.personne_id,
        etats_pe.etat,
        { 'table_source': 'historiqueetatspe', '_fichier': etats_pe._fichier, '_ligne': etats_pe._ligne }
            as ligne
    from etats_pe
    qualify row_number() over (
        partition by etats_pe.personne_id
        order by etats_pe.date desc, etats_pe._ligne desc
    ) = 1
),

final as (
    select
        ---------- keys
        latest_allocataire_row.cle_hachage,
        ---------- source ids
        latest_allocataire_row.personne_id,
        latest_allocataire_row.foyer_id,
        latest_allocataire_row.dossier_id,
        ---------- person
        latest_allocataire_row.genre,
        personnes_attributs.qual,
        personnes_attributs.nati,
        ---------- foyer
        foyers.sitfam,
        current_address.numcom,
        ---------- RSA demand and right
        latest_allocataire_row.dtdemrsa,
        latest_situation.etatdosrsa,
        latest_situation.dtclorsa,
        ---------- DSP
        latest_dsp.nivetu,
        latest_dsp.natlog,
        latest_dsp.deractromev3_code,
        latest_dsp.actrechromev3_code,
        latest_dsp.accoemploi,
        ---------- orientation, CER, Pôle emploi
        latest_orientation.typeorient_parent,
        cer_subjects.sujets_cer,
        latest_pe_state.etat as dernier_etat_pe,
        ---------- children of the foyer
        coalesce(foyer_children.nombre_enfants_a_charge, 0) as nombre_enfants_a_charge,
        coalesce(foyer_children.annees_naissance_enfants, []) as annees_naissance_enfants,
        ---------- lineage: every source row whose content reaches this row
        list_filter(
            [
                {
                    'table_source': 'personnes',
                    '_fichier': latest_allocataire_row._fichier,
                    '_ligne': latest_allocataire_row._ligne
                },
                latest_allocataire_row.ligne_foyer,
                latest_allocataire_row.ligne_dossier,
                {
                    'table_source': 'situationsdossiersrsa',
                    '_fichier': latest_situation._fichier,
                    '_ligne': latest_situation._ligne
                },
                current_address.ligne,
                { 'table_source': 'dsps', '_fichier': latest_dsp._fichier, '_ligne': latest_dsp._ligne },
                latest_orientation.ligne,
                latest_pe_state.ligne
            ]
            || coalesce(allocataire_prestations.lignes, [])
            || coalesce(foyer_children.lignes, [])
            || coalesce(cer_subjects.lignes, []),
            utilisee -> utilisee._ligne is not null
        ) as lignes_utilisees
    from latest_allocataire_row
    left join personnes_attributs
        on latest_allocataire_row.personne_id = personnes_attributs.id
    left join allocataire_prestations
        on latest_allocataire_row.personne_id = allocataire_prestations.personne_id
    left join foyers
        on latest_allocataire_row.foyer_id = foyers.id
    left join foyer_children
        on latest_allocataire_row.foyer_id = foyer_children.foyer_id
    left join current_address
        on latest_allocataire_row.foyer_id = current_address.foyer_id
    left join latest_situation
        on latest_allocataire_row.dossier_id = latest_situation.dossier_id
    left join latest_dsp
        on latest_allocataire_row.personne_id = latest_dsp.personne_id
    left join latest_orientation
        on latest_allocataire_row.personne_id = latest_orientation.personne_id
    left join cer_subjects
        on latest_allocataire_row.personne_id = cer_subjects.personne_id
    left join latest_pe_state
        on latest_allocataire_row.personne_id = latest_pe_state.personne_id
)

select * from final
