-- The communes each side of the crossing knows, as INSEE codes of the one commune rule
-- (int_minimisation__communes), for int_crossing__appariements to weigh: one row per source row
-- that has a commune (Iodas-DPAS and Iodas-MDPH commune_residence; WebRSA: every address of the
-- row's foyer, numcom) and one row per cohort member whose Iodas-ASE holders of parental
-- authority have one (commune_domicile: the first holder lives at the youth's home, the others
-- are also places the youth is known at). Nova-DPAS records no commune. A commune is no
-- identity: the comparison happens here, in the crossing zone, on the doors' coded attributes.
with

communes as (
    select
        valeur_source,
        code_postal,
        code_insee
    from {{ ref('int_minimisation__communes') }}
    where code_insee is not null
),

source_communes as (
    select
        'iodas_dpas' as base_source,
        aides._fichier,
        aides._ligne,
        communes.code_insee
    from {{ ref('int_keys__iodas_dpas__aides_attributs') }} as aides
    inner join communes
        on aides.commune_residence = communes.valeur_source and communes.code_postal is null
    union all
    select
        'iodas_mdph' as base_source,
        decisions._fichier,
        decisions._ligne,
        communes.code_insee
    from {{ ref('int_keys__iodas_mdph__decisions_attributs') }} as decisions
    inner join communes
        on decisions.commune_residence = communes.valeur_source and communes.code_postal is null
    union all
    select
        'webrsa' as base_source,
        personnes._fichier,
        personnes._ligne,
        communes.code_insee
    from {{ ref('int_keys__webrsa__personnes') }} as personnes
    inner join {{ ref('int_keys__webrsa__adresses_attributs') }} as adresses
        on personnes.foyer_id = adresses.foyer_id
    inner join communes
        on adresses.numcom = communes.valeur_source and communes.code_postal is null
),

member_communes as (
    select
        ids.cle_hachage,
        communes.code_insee
    from {{ ref('int_keys__iodas_ase__detenteurs_autorite_parentale') }} as holders
    inner join {{ ref('int_cohort__ids_iodas') }} as ids
        on holders.id_individu = ids.id_individu
    inner join communes
        on
            holders.commune_domicile = communes.valeur_source
            and holders.code_postal is not distinct from communes.code_postal
),

final as (
    select
        base_source,
        _fichier,
        _ligne,
        cast(null as varchar) as cle_hachage,
        list(distinct code_insee order by code_insee) as communes
    from source_communes
    group by base_source, _fichier, _ligne
    union all
    select
        'iodas_ase' as base_source,
        cast(null as varchar) as _fichier,
        cast(null as integer) as _ligne,
        cle_hachage,
        list(distinct code_insee order by code_insee) as communes
    from member_communes
    group by cle_hachage
)

select * from final
