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
  The keys (cle_hachage, cle_hachage_secondaire) and the sex are the doors' own, read from
  them (int_keys__<source>__<table>, joined on _fichier and _ligne), never computed twice: a
  row without a key (a name missing, a birth date missing or impossible, loaded empty) stays
  here with its key empty, so that the probabilistic pass can still link it on its names.
  Name parts: the name_parts macro (surname runs, first-name words).
  precision_date: 'annee' when the date is known only to the year (an Iodas-ASE MNA whose date
  is the conventional estimate 01/01, WebRSA typedtnai O), 'mois' when the day is unknown
  (WebRSA typedtnai J), else 'jour'.
#}
{#- One entry per source: its staging model and door (both named after the raw table), and
    how its columns map to the stacked identity. -#}
{%- set sources = [
    {'source': 'iodas_ase', 'table': 'iodas_ase__individus', 'id_individu': 'id_individu',
     'birth_name': 'nom_naissance', 'usage_name': 'nom_usage', 'second_first_name': none,
     'birth_date': 'date_naissance',
     'precision': "case when source_table.statut_mna = 'Oui' and month(source_table.date_naissance) = 1"
        ~ " and day(source_table.date_naissance) = 1 then 'annee' else 'jour' end"},
    {'source': 'webrsa', 'table': 'webrsa__personnes', 'id_individu': none,
     'birth_name': 'nomnai', 'usage_name': 'nom', 'second_first_name': 'prenom2',
     'birth_date': 'dtnai',
     'precision': "case source_table.typedtnai when 'O' then 'annee' when 'J' then 'mois' else 'jour' end"},
    {'source': 'nova_dpas', 'table': 'nova_dpas__personnes', 'id_individu': none,
     'birth_name': 'nom_naissance', 'usage_name': 'nom_usage', 'second_first_name': none,
     'birth_date': 'date_naissance', 'precision': "'jour'"},
    {'source': 'iodas_dpas', 'table': 'iodas_dpas__aides', 'id_individu': none,
     'birth_name': 'nom_naissance', 'usage_name': 'nom_usage', 'second_first_name': none,
     'birth_date': 'date_naissance', 'precision': "'jour'"},
    {'source': 'iodas_mdph', 'table': 'iodas_mdph__decisions', 'id_individu': none,
     'birth_name': 'nom_naissance', 'usage_name': 'nom_usage', 'second_first_name': none,
     'birth_date': 'date_naissance', 'precision': "'jour'"},
] -%}
{#- stacked column <- the entry's key naming the source column (aliased only when it differs) -#}
{%- set renamed_columns = [
    ('nom_naissance', 'birth_name'), ('nom_usage', 'usage_name'), ('date_naissance', 'birth_date')
] -%}

with

-- each source row beside what its door computed from it (keys, sex)
source_rows as (
    {%- for entry in sources %}
        select
            '{{ entry.source }}' as base_source,
            source_table._fichier,
            source_table._ligne,
            {{ 'source_table.' ~ entry.id_individu if entry.id_individu else 'cast(null as varchar)' }} as id_individu,
            {%- for alias, key in renamed_columns %}
                source_table.{{ entry[key] }}{{ '' if entry[key] == alias else ' as ' ~ alias }},
            {%- endfor %}
            source_table.prenom,
            {{ 'source_table.' ~ entry.second_first_name if entry.second_first_name else 'cast(null as varchar)' }}
                as prenom2,
            {{ entry.precision }} as precision_date,
            door.genre,
            door.cle_hachage,
            door.cle_hachage_secondaire
        from {{ ref('stg_' ~ entry.table) }} as source_table
        inner join {{ ref('int_keys__' ~ entry.table) }} as door
            on source_table._fichier = door._fichier and source_table._ligne = door._ligne
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

-- every raw surname (birth or usage) and first name, once
raw_surnames as (
    select nom_naissance as nom_brut from source_rows
    where nom_naissance is not null
    union
    select nom_usage as nom_brut from source_rows
    where nom_usage is not null
),

raw_first_names as (
    select prenom as prenom_brut from source_rows
    where prenom is not null
    union
    select prenom2 as prenom_brut from source_rows
    where prenom2 is not null
),

-- compound surnames: every contiguous run of words that is not the whole name
surname_parts as (
    {{ name_parts('raw_surnames', 'nom_brut', contiguous_runs=true) }}
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
    from raw_surnames as raw_names
),

-- compound first names (JEAN-PIERRE, Marie Claire): each word
first_name_parts as (
    {{ name_parts('raw_first_names', 'prenom_brut', contiguous_runs=false) }}
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

-- the parts of each raw name, normalised, 2 letters or more: one list per name (a raw value
-- may be both a surname and a first name: the two kinds of parts are kept apart)
normalised_parts as (
    select
        parts.sorte,
        parts.nom_brut,
        list(distinct normalised_names.valeur_normalisee order by normalised_names.valeur_normalisee) as parties
    from (
        select
            'nom' as sorte,
            nom_brut,
            partie_brute
        from surname_parts
        union all
        select
            'prenom' as sorte,
            prenom_brut as nom_brut,
            partie_brute
        from first_name_parts
    ) as parts
    inner join normalised_names on parts.partie_brute = normalised_names.valeur_brute
    where length(normalised_names.valeur_normalisee) >= 2
    group by parts.sorte, parts.nom_brut
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
        source_rows.cle_hachage,
        source_rows.cle_hachage_secondaire,
        coalesce(birth_name.valeur_normalisee, usage_name.valeur_normalisee) as nom_normalise,
        list_sort(list_distinct(
            flatten([coalesce(birth_parts.parties, []), coalesce(usage_parts.parties, [])])
        )) as parties_nom_normalisees,
        list_sort(list_distinct(list_filter(
            [birth_particle_free.nom_sans_particule, usage_particle_free.nom_sans_particule],
            n -> n is not null
        ))) as noms_sans_particule,
        list_sort(list_distinct(
            flatten([
                coalesce(first_name_parts.parties, []),
                coalesce(second_first_name_parts.parties, [])
            ])
        )) as parties_prenom_normalisees
    from source_rows
    left join normalised_names as birth_name on source_rows.nom_naissance = birth_name.valeur_brute
    left join normalised_names as usage_name on source_rows.nom_usage = usage_name.valeur_brute
    left join normalised_names as first_name on source_rows.prenom = first_name.valeur_brute
    left join normalised_names as second_first_name on source_rows.prenom2 = second_first_name.valeur_brute
    left join normalised_parts as birth_parts
        on birth_parts.sorte = 'nom' and source_rows.nom_naissance = birth_parts.nom_brut
    left join normalised_parts as usage_parts
        on usage_parts.sorte = 'nom' and source_rows.nom_usage = usage_parts.nom_brut
    left join normalised_particle_free as birth_particle_free
        on source_rows.nom_naissance = birth_particle_free.nom_brut
    left join normalised_particle_free as usage_particle_free
        on source_rows.nom_usage = usage_particle_free.nom_brut
    left join normalised_parts as first_name_parts
        on first_name_parts.sorte = 'prenom' and source_rows.prenom = first_name_parts.nom_brut
    left join normalised_parts as second_first_name_parts
        on second_first_name_parts.sorte = 'prenom' and source_rows.prenom2 = second_first_name_parts.nom_brut
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
        ---------- the protocol keys, as the doors computed them (the comparison blocks on the
        ---------- secondary key); NULL when the row has none (e.g. a birth date loaded empty)
        cle_hachage,
        cle_hachage_secondaire
    from named
)

select * from final
