-- Door of the identifying zone for the agents' review decisions (pipase revue --decisions).
-- One row per row of int_keys__liens_probabilistes: its best cohort member, the fingerprint of
-- the source row's identity, and the agent's decision on that pair when there is one.
-- empreinte_ligne (the one place it is computed; pipase revue reads it from here): SHA-256 of a
-- version label, the source and the row's normalised identity (birth and usage names, first
-- and second first names, birth date, sex). It does not depend on the file or the line, so a
-- decision survives a new extraction; a decision on another member than the row's best
-- candidate of this build does not apply.
with

liens as (
    select * from {{ ref('int_keys__liens_probabilistes') }}
),

identites as (
    select * from {{ ref('int_keys__identites') }}
),

decisions as (
    select * from {{ ref('stg_pipase_revue__decisions') }}
),

fingerprinted as (
    select
        liens.base_source,
        liens._fichier,
        liens._ligne,
        liens.cle_hachage,
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
    from liens
    inner join identites
        on
            liens.base_source = identites.base_source
            and liens._fichier = identites._fichier
            and liens._ligne = identites._ligne
),

final as (
    select
        fingerprinted.base_source,
        fingerprinted._fichier,
        fingerprinted._ligne,
        fingerprinted.cle_hachage,
        fingerprinted.empreinte_ligne,
        decisions.decision
    from fingerprinted
    left join decisions
        on
            fingerprinted.empreinte_ligne = decisions.empreinte_ligne
            and fingerprinted.cle_hachage = decisions.cle_hachage
)

select * from final
