{#
  Annex 2 "Domicile du détenteur de l'autorité parentale : Minimisé en commune" (Iodas-ASE;
  article 4.1: "Domicile des détenteurs de l'autorité parentale minimisé en commune") and
  "Commune de résidence" (Iodas-DPAS, Iodas-MDPH) and WebRSA's "Domicile : minimisé en commune"
  (adresses.numcom, an INSEE code): the one commune rule. Every distinct commune value of the
  sources (a name, free text, or an INSEE code), with its postal code when the source has one,
  mapped to an INSEE commune code of seeds/reference/ref_communes. First method that gives
  exactly one commune:
    code_insee               the value is an INSEE code of the seed (not an 'ancienne' pre-1968
                             code, which a postal code could be mistaken for); a municipal
                             arrondissement (Paris, Lyon, Marseille) becomes its commune;
    nom_code_postal          normalised name = the seed's nom_normalise, postal code among the
                             commune's postal codes;
    nom_prefixe_code_postal  the same with the name as the start of the seed's name, for short
                             or former names ('Saint-Ouen' 93400 -> Saint-Ouen-sur-Seine);
    nom_unique               normalised name alone, when one commune of France bears it;
    nom_93                   normalised name alone, when one commune of Seine-Saint-Denis
                             bears it (Montreuil, Saint-Denis, Villepinte have homonyms
                             elsewhere): the sources are the Department's, about its residents;
    code_postal_unique       postal code alone (or a value that is a postal code), when one
                             commune has it;
    non_trouve               no commune: code_insee NULL, counted (warning test).
  Names are compared after normalise_label, with ST -> SAINT, STE -> SAINTE, S (as in
  S/SEINE) -> SUR. Codes are kept as the source had them at the time: Pierrefitte-sur-Seine
  (93059), merged into Saint-Denis (93066) on 2025-01-01, stays 93059, so that the commune of
  2000-2024 records keeps its history (the seed maps it to 93066 in code_commune_actuelle for
  whoever wants today's geography).
#}
with

source_values as (
    select
        commune_domicile as valeur_source,
        code_postal
    from {{ ref('int_keys__iodas_ase__detenteurs_autorite_parentale') }}
    union all
    select
        commune_residence as valeur_source,
        null as code_postal
    from {{ ref('int_keys__iodas_dpas__aides_attributs') }}
    union all
    select
        commune_residence as valeur_source,
        null as code_postal
    from {{ ref('int_keys__iodas_mdph__decisions_attributs') }}
    union all
    select
        numcom as valeur_source,
        null as code_postal
    from {{ ref('int_keys__webrsa__adresses_attributs') }}
),

distinct_values as (
    select
        valeur_source,
        code_postal,
        count(*) as nombre_lignes
    from source_values
    where valeur_source is not null or code_postal is not null
    group by valeur_source, code_postal
),

normalised as (
    select
        valeur_source,
        code_postal,
        nombre_lignes,
        regexp_replace(
            regexp_replace(
                regexp_replace({{ normalise_label('valeur_source') }}, '\bSTE\b', 'SAINTE', 'g'),
                '\bST\b', 'SAINT', 'g'
            ),
            '\bS\b', 'SUR', 'g'
        ) as nom_compare,
        trim(upper(valeur_source)) as code_compare,
        coalesce(
            trim(code_postal),
            case when regexp_full_match(trim(valeur_source), '[0-9]{5}') then trim(valeur_source) end
        ) as code_postal_compare
    from distinct_values
),

communes as (
    select
        code_insee,
        nom_normalise,
        statut,
        code_departement,
        case when statut = 'arrondissement' then code_commune_actuelle else code_insee end as code_retenu,
        string_split(coalesce(codes_postaux, ''), '|') as liste_codes_postaux
    from {{ ref('ref_communes') }}
),

-- every commune each method finds for a value (rang: the methods' order)
candidates as (
    select
        normalised.valeur_source,
        normalised.code_postal,
        1 as rang,
        'code_insee' as methode,
        communes.code_retenu
    from normalised
    inner join communes
        on normalised.code_compare = communes.code_insee
    where communes.statut <> 'ancienne'
    union all
    select
        normalised.valeur_source,
        normalised.code_postal,
        2 as rang,
        'nom_code_postal' as methode,
        communes.code_retenu
    from normalised
    inner join communes
        on
            normalised.nom_compare = communes.nom_normalise
            and list_contains(communes.liste_codes_postaux, normalised.code_postal_compare)
    union all
    select
        normalised.valeur_source,
        normalised.code_postal,
        3 as rang,
        'nom_prefixe_code_postal' as methode,
        communes.code_retenu
    from normalised
    inner join communes
        on
            starts_with(communes.nom_normalise, normalised.nom_compare || ' ')
            and list_contains(communes.liste_codes_postaux, normalised.code_postal_compare)
    union all
    select
        normalised.valeur_source,
        normalised.code_postal,
        4 as rang,
        'nom_unique' as methode,
        communes.code_retenu
    from normalised
    inner join communes
        on normalised.nom_compare = communes.nom_normalise
    union all
    select
        normalised.valeur_source,
        normalised.code_postal,
        5 as rang,
        'nom_93' as methode,
        communes.code_retenu
    from normalised
    inner join communes
        on normalised.nom_compare = communes.nom_normalise
    where communes.code_departement = '93'
    union all
    select
        normalised.valeur_source,
        normalised.code_postal,
        6 as rang,
        'code_postal_unique' as methode,
        communes.code_retenu
    from normalised
    inner join communes
        on list_contains(communes.liste_codes_postaux, normalised.code_postal_compare)
    where communes.statut in ('actuelle', 'deleguee', 'associee')
),

-- a method gives a commune when it finds exactly one (an INSEE code: the code's own commune)
resolved as (
    select
        valeur_source,
        code_postal,
        rang,
        methode,
        min(code_retenu) as code_insee
    from candidates
    group by valeur_source, code_postal, rang, methode
    having rang = 1 or count(distinct code_retenu) = 1
),

-- the first method, in rang order, that gives one
first_method as (
    select
        valeur_source,
        code_postal,
        arg_min(code_insee, rang) as code_insee,
        arg_min(methode, rang) as methode_correspondance
    from resolved
    group by valeur_source, code_postal
),

final as (
    select
        normalised.valeur_source,
        normalised.code_postal,
        cast(normalised.nombre_lignes as integer) as nombre_lignes,
        first_method.code_insee,
        coalesce(first_method.methode_correspondance, 'non_trouve') as methode_correspondance
    from normalised
    left join first_method
        on
            normalised.valeur_source is not distinct from first_method.valeur_source
            and normalised.code_postal is not distinct from first_method.code_postal
)

select * from final
