{#
  Door of the identifying zone for the Department's internal matching keys ("clés
  d'appariement internes"): SHA-256 of variants of the protocol message, for the crossing done
  inside the Department (article 4.1). They are NOT annex 2 output: they never leave the
  crossing zone and no leaving model reads them. Same normalisation (protocol section 1) and
  same digest (hash_message) as the annex 1 keys. One row per source row and variant:
      autre_nom               NOM + PRENOM + JJMMAAAA with the other surname (usage name when
                              the protocol uses the birth name, and conversely), when it differs
      partie_nom              one per part of a compound surname (LE GALL-MORVAN: GALL, MORVAN,
                              LE GALL...), + PRENOM + JJMMAAAA
      jour_mois_inverses      NOM + PRENOM + MMJJAAAA (day <= 12 and day <> month)
      prenom2                 NOM + PRENOM2 + JJMMAAAA (second first name, WebRSA)
      annee                   NOM + PRENOM + AAAA, every row
      annee_incertaine        the same message, on rows whose date is known only to the year
                              (precision_date 'annee')
      prenom_date             PRENOM + JJMMAAAA, every row
      prenom_date_nom_usage_seul  the same message, on rows whose birth-name column is empty
                              while a usage name is given (the surname may be a married name)
  int_crossing__appariements says which pairs of variants match, and why. Rows of the other
  sources already matched by their primary key get no variant (at 1,000,000 youths 1.56 M of
  their 3.40 M rows).
  Each variant gives its message (NULL when a part is NULL); the digest is taken once, at the
  end (hash_message, the same as primary_key's).
#}
with

-- the cohort members' keys, from the cohort rule's door (this zone: the data flows one way)
member_keys as (
    select distinct cle_hachage from {{ ref('int_keys__iodas_ase__cohorte') }}
    where est_dans_cohorte
),

-- every Iodas-ASE row (the cohort's side), and the rows of the other sources that their
-- primary key does not already match to a cohort member (int_crossing__appariements, step 1,
-- decides those first: their variants could not change the decision)
identites as (
    select all_rows.*
    from {{ ref('int_keys__identites') }} as all_rows
    left join member_keys
        on all_rows.cle_hachage = member_keys.cle_hachage
    where all_rows.base_source = 'iodas_ase' or member_keys.cle_hachage is null
),

variants as (
    select
        base_source,
        _fichier,
        _ligne,
        'autre_nom' as type_cle,
        autre_nom || prenom_normalise || {{ format_birth_date('date_naissance') }} as message
    from (
        select
            *,
            case
                when nom_normalise = nom_naissance_normalise then nom_usage_normalise
                else nom_naissance_normalise
            end as autre_nom
        from identites
    ) as other_names
    where
        nom_naissance_normalise is not null
        and nom_usage_normalise is not null
        and nom_naissance_normalise <> nom_usage_normalise

    union all

    select
        identites.base_source,
        identites._fichier,
        identites._ligne,
        'partie_nom' as type_cle,
        parts.partie || identites.prenom_normalise || {{ format_birth_date('identites.date_naissance') }}
            as message
    from identites,
        unnest(identites.parties_nom_normalisees) as parts (partie)
    where parts.partie <> identites.nom_normalise

    union all

    select
        base_source,
        _fichier,
        _ligne,
        'jour_mois_inverses' as type_cle,
        nom_normalise || prenom_normalise || strftime(date_naissance, '%m%d%Y') as message
    from identites
    where day(date_naissance) <= 12 and day(date_naissance) <> month(date_naissance)

    union all

    select
        base_source,
        _fichier,
        _ligne,
        'prenom2' as type_cle,
        nom_normalise || prenom2_normalise || {{ format_birth_date('date_naissance') }} as message
    from identites
    where prenom2_normalise is not null and prenom2_normalise <> prenom_normalise

    union all

    select
        identites.base_source,
        identites._fichier,
        identites._ligne,
        year_types.type_cle,
        identites.nom_normalise || identites.prenom_normalise || strftime(identites.date_naissance, '%Y')
            as message
    from identites
    inner join (values ('annee', false), ('annee_incertaine', true))
        as year_types (type_cle, seulement_incertaine)
        on not year_types.seulement_incertaine or identites.precision_date = 'annee'

    union all

    select
        identites.base_source,
        identites._fichier,
        identites._ligne,
        name_types.type_cle,
        identites.prenom_normalise || {{ format_birth_date('identites.date_naissance') }} as message
    from identites
    inner join (values ('prenom_date', false), ('prenom_date_nom_usage_seul', true))
        as name_types (type_cle, seulement_nom_usage)
        on
            not name_types.seulement_nom_usage
            or (identites.nom_naissance_normalise is null and identites.nom_usage_normalise is not null)
),

final as (
    select
        ---------- row
        base_source,
        _fichier,
        _ligne,
        ---------- internal key (never leaves the crossing zone)
        type_cle,
        {{ hash_message('message') }} as cle_appariement
    from variants
    -- on the message, not the key: a filter on the key would be pushed below the projection
    -- and every SHA-256 computed twice
    where message is not null
)

select * from final
