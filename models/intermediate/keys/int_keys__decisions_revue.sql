-- Door of the identifying zone for the agents' review decisions (pipase revue --decisions).
-- One row per row of the four crossed sources that no cohort member's primary key matches (the
-- rows that can be under review) and per member an agent decided on for the row's identity: the
-- fingerprint of the row's identity, the member's key and the decision (a row without any
-- decision: one row, member and decision NULL). int_crossing__appariements applies a decision to
-- the pair it sends to review now (the row and its member under review); a decision on another
-- member does not apply.
-- empreinte_ligne (the one place it is computed; pipase revue reads it from here): SHA-256 of a
-- version label, the source and the row's normalised identity (birth and usage names, first
-- and second first names, birth date, sex). It does not depend on the file or the line, so a
-- decision survives a new extraction.
with

identites as (
    select * from {{ ref('int_keys__identites') }}
    where base_source <> 'iodas_ase'
),

member_keys as (
    select distinct cle_hachage from {{ ref('int_keys__iodas_ase__cohorte') }}
    where est_dans_cohorte
),

decisions as (
    select * from {{ ref('stg_pipase_revue__decisions') }}
),

fingerprinted as (
    select
        identites.base_source,
        identites._fichier,
        identites._ligne,
        sha256(concat_ws(
            '|',
            'pipase-revue-v1',
            identites.base_source,
            coalesce(identites.nom_naissance_normalise, ''),
            coalesce(identites.nom_usage_normalise, ''),
            coalesce(identites.prenom_normalise, ''),
            coalesce(identites.prenom2_normalise, ''),
            coalesce(strftime(identites.date_naissance, '%Y-%m-%d'), ''),
            coalesce(identites.genre, '')
        )) as empreinte_ligne
    from identites
    left join member_keys
        on identites.cle_hachage = member_keys.cle_hachage
    where member_keys.cle_hachage is null
),

final as (
    select
        fingerprinted.base_source,
        fingerprinted._fichier,
        fingerprinted._ligne,
        fingerprinted.empreinte_ligne,
        decisions.cle_hachage,
        decisions.decision
    from fingerprinted
    left join decisions
        on fingerprinted.empreinte_ligne = decisions.empreinte_ligne
)

select * from final
