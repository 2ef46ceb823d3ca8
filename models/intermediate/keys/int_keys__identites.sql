{#
  Normalised identities of the five keys doors' rows, for the Department's own crossing
  (article 4.1, "Croisement de l'extraction Iodas-ASE avec les autres extractions"), inside the
  identifying zone. One row per row of Iodas-ASE individus and of the four crossed tables.
  This model holds NAMES: it is private to the identifying group (no crossing or leaving model
  can ref it) and is read only by the two identifying-zone models that turn it into keys and
  booleans (int_keys__cles_appariement_internes, int_keys__comparaisons_candidats).
  Names are normalised by the protocol (normalise_distinct_names, once per distinct value); the
  protocol surname is the birth name when it normalises to something, else the usage name
  (hashing protocol section 1, rule 1), exactly as in the doors.
  Compound surnames: every contiguous run of words of the birth or usage name that is not the
  whole name (LE GALL-MORVAN: LE, GALL, MORVAN, LE GALL, GALL MORVAN), normalised.
  Comparison forms for the probabilistic pass (int_keys__liens_probabilistes):
  noms_sans_particule, the birth and usage names without their leading particles ("d'Xxx" ->
  Xxx, "de la Xxx" -> Xxx, "Le Xxx" -> Xxx, apostrophe, space or hyphen after the particle),
  normalised; parties_prenom_normalisees, each word of a compound first name (JEAN-PIERRE:
  JEAN, PIERRE), normalised. They feed the comparison only, never a key.
  precision_date: 'annee' when the date is known only to the year (an Iodas-ASE MNA whose date
  is the conventional estimate 01/01, WebRSA typedtnai O), 'mois' when the day is unknown
  (WebRSA typedtnai J), else 'jour'.
#}
with

ase as (
    select
        'iodas_ase' as base_source,
        _fichier,
        _ligne,
        id_individu,
        nom_naissance,
        nom_usage,
        prenom,
        cast(null as varchar) as prenom2,
        date_naissance,
        case
            when statut_mna = 'Oui' and month(date_naissance) = 1 and day(date_naissance) = 1 then 'annee'
            else 'jour'
        end as precision_date,
        {{ genre_code('sexe') }} as genre
    from {{ ref('stg_iodas_ase__individus') }}
),

webrsa as (
    select
        'webrsa' as base_source,
        _fichier,
        _ligne,
        cast(null as varchar) as id_individu,
        nomnai as nom_naissance,
        nom as nom_usage,
        prenom,
        prenom2,
        dtnai as date_naissance,
        case typedtnai when 'O' then 'annee' when 'J' then 'mois' else 'jour' end as precision_date,
        {{ genre_code('sexe', 'qual') }} as genre
    from {{ ref('stg_webrsa__personnes') }}
),

nova_dpas as (
    select
        'nova_dpas' as base_source,
        _fichier,
        _ligne,
        cast(null as varchar) as id_individu,
        nom_naissance,
        nom_usage,
        prenom,
        cast(null as varchar) as prenom2,
        date_naissance,
        'jour' as precision_date,
        {{ genre_code('sexe') }} as genre
    from {{ ref('stg_nova_dpas__personnes') }}
),

iodas_dpas as (
    select
        'iodas_dpas' as base_source,
        _fichier,
        _ligne,
        cast(null as varchar) as id_individu,
        nom_naissance,
        nom_usage,
        prenom,
        cast(null as varchar) as prenom2,
        date_naissance,
        'jour' as precision_date,
        {{ genre_code('sexe') }} as genre
    from {{ ref('stg_iodas_dpas__aides') }}
),

iodas_mdph as (
    select
        'iodas_mdph' as base_source,
        _fichier,
        _ligne,
        cast(null as varchar) as id_individu,
        nom_naissance,
        nom_usage,
        prenom,
        cast(null as varchar) as prenom2,
        date_naissance,
        'jour' as precision_date,
        {{ genre_code('sexe') }} as genre
    from {{ ref('stg_iodas_mdph__decisions') }}
),

source_rows as (
    select * from ase
    union all
    select * from webrsa
    union all
    select * from nova_dpas
    union all
    select * from iodas_dpas
    union all
    select * from iodas_mdph
),

-- the words of each raw surname (separated by spaces or hyphens), once per distinct surname
surname_words as (
    select
        raw_names.nom_brut,
        regexp_split_to_array(trim(raw_names.nom_brut), '[\s\-]+') as mots
    from (
        select nom_naissance as nom_brut from source_rows
        where nom_naissance is not null
        union
        select nom_usage as nom_brut from source_rows
        where nom_usage is not null
    ) as raw_names
),

-- every contiguous run of words that is not the whole name
surname_parts as (
    select distinct
        surname_words.nom_brut,
        array_to_string(surname_words.mots[first_words.first_word:last_words.last_word], ' ') as partie_brute
    from surname_words,
        range(1, len(surname_words.mots) + 1) as first_words (first_word),
        range(first_words.first_word, len(surname_words.mots) + 1) as last_words (last_word)
    where
        len(surname_words.mots) > 1
        and not (first_words.first_word = 1 and last_words.last_word = len(surname_words.mots))
),

-- the surname without its leading particles (d', l', de, de la, du, des, le, la, les, van, von,
-- di, da, dos, del, della, el, al, ben, ...), when it has some and something is left
particle_free as (
    select
        raw_names.nom_brut,
        nullif(
            regexp_replace(
                trim(raw_names.nom_brut),
                '^(((d|l)\s*[''’`´]\s*)|((de|du|des|la|le|les|van|von|der|den|di|da|dos|das|del|della|el|al|ben|mac|mc)'
                || '([\s\-]+|\s*[''’`´]\s*)))+',
                '',
                'i'
            ),
            trim(raw_names.nom_brut)
        ) as nom_sans_particule_brut
    from (
        select nom_naissance as nom_brut from source_rows
        where nom_naissance is not null
        union
        select nom_usage as nom_brut from source_rows
        where nom_usage is not null
    ) as raw_names
),

-- each word of a compound first name (JEAN-PIERRE, Marie Claire)
first_name_parts as (
    select distinct
        raw_names.prenom_brut,
        unnest(regexp_split_to_array(trim(raw_names.prenom_brut), '[\s\-]+')) as partie_brute
    from (
        select prenom as prenom_brut from source_rows
        where prenom is not null
        union
        select prenom2 as prenom_brut from source_rows
        where prenom2 is not null
    ) as raw_names
    where regexp_matches(trim(raw_names.prenom_brut), '[\s\-]')
),

name_values as (
    select nom_naissance as valeur from source_rows
    union
    select nom_usage as valeur from source_rows
    union
    select prenom as valeur from source_rows
    union
    select prenom2 as valeur from source_rows
    union
    select partie_brute as valeur from surname_parts
    union
    select nom_sans_particule_brut as valeur from particle_free
    union
    select partie_brute as valeur from first_name_parts
),

normalised_names as (
    {{ normalise_distinct_names('name_values', ['valeur']) }}
),

normalised_parts as (
    select
        surname_parts.nom_brut,
        list(distinct normalised_names.valeur_normalisee order by normalised_names.valeur_normalisee)
            as parties_normalisees
    from surname_parts
    inner join normalised_names on surname_parts.partie_brute = normalised_names.valeur_brute
    where length(normalised_names.valeur_normalisee) >= 2
    group by surname_parts.nom_brut
),

normalised_first_name_parts as (
    select
        first_name_parts.prenom_brut,
        list(distinct normalised_names.valeur_normalisee order by normalised_names.valeur_normalisee)
            as parties_prenom
    from first_name_parts
    inner join normalised_names on first_name_parts.partie_brute = normalised_names.valeur_brute
    where length(normalised_names.valeur_normalisee) >= 2
    group by first_name_parts.prenom_brut
),

normalised_particle_free as (
    select
        particle_free.nom_brut,
        normalised_names.valeur_normalisee as nom_sans_particule
    from particle_free
    inner join normalised_names on particle_free.nom_sans_particule_brut = normalised_names.valeur_brute
    where length(normalised_names.valeur_normalisee) >= 2
),

named as (
    select
        source_rows.base_source,
        source_rows._fichier,
        source_rows._ligne,
        source_rows.id_individu,
        birth_name.valeur_normalisee as nom_naissance_normalise,
        usage_name.valeur_normalisee as nom_usage_normalise,
        first_name.valeur_normalisee as prenom_normalise,
        second_first_name.valeur_normalisee as prenom2_normalise,
        source_rows.date_naissance,
        source_rows.precision_date,
        source_rows.genre,
        coalesce(birth_name.valeur_normalisee, usage_name.valeur_normalisee) as nom_normalise,
        list_sort(list_distinct(
            flatten([coalesce(birth_parts.parties_normalisees, []), coalesce(usage_parts.parties_normalisees, [])])
        )) as parties_nom_normalisees,
        list_sort(list_distinct(list_filter(
            [birth_particle_free.nom_sans_particule, usage_particle_free.nom_sans_particule],
            n -> n is not null
        ))) as noms_sans_particule,
        list_sort(list_distinct(
            flatten([
                coalesce(first_name_parts.parties_prenom, []),
                coalesce(second_first_name_parts.parties_prenom, [])
            ])
        )) as parties_prenom_normalisees
    from source_rows
    left join normalised_names as birth_name on source_rows.nom_naissance = birth_name.valeur_brute
    left join normalised_names as usage_name on source_rows.nom_usage = usage_name.valeur_brute
    left join normalised_names as first_name on source_rows.prenom = first_name.valeur_brute
    left join normalised_names as second_first_name on source_rows.prenom2 = second_first_name.valeur_brute
    left join normalised_parts as birth_parts on source_rows.nom_naissance = birth_parts.nom_brut
    left join normalised_parts as usage_parts on source_rows.nom_usage = usage_parts.nom_brut
    left join normalised_particle_free as birth_particle_free
        on source_rows.nom_naissance = birth_particle_free.nom_brut
    left join normalised_particle_free as usage_particle_free
        on source_rows.nom_usage = usage_particle_free.nom_brut
    left join normalised_first_name_parts as first_name_parts
        on source_rows.prenom = first_name_parts.prenom_brut
    left join normalised_first_name_parts as second_first_name_parts
        on source_rows.prenom2 = second_first_name_parts.prenom_brut
),

final as (
    select
        ---------- row
        base_source,
        _fichier,
        _ligne,
        id_individu,
        ---------- normalised identity (identifying zone only)
        nom_normalise,
        nom_naissance_normalise,
        nom_usage_normalise,
        prenom_normalise,
        prenom2_normalise,
        parties_nom_normalisees,
        noms_sans_particule,
        parties_prenom_normalisees,
        date_naissance,
        precision_date,
        genre,
        ---------- the protocol keys, by the doors' macros (the comparison blocks on the secondary key)
        {{ primary_key('nom_normalise', 'prenom_normalise', 'date_naissance') }} as cle_hachage,
        {{ secondary_key('nom_normalise', 'date_naissance') }} as cle_hachage_secondaire
    from named
)

select * from final
