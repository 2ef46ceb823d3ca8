{#
  Door of the identifying zone for the confirmation of secondary-key candidates (article 4.1,
  the Department's own crossing). For every pair (source row whose primary key is no
  member's, cohort member) sharing the secondary key (NOM + MM + AAAA, annex 1), the identities are compared HERE, on the
  normalised names and the exact dates, and only booleans and scores come out: no name, no
  date. int_crossing__appariements weighs them.
  Blocking on the secondary key keeps the comparison set-based and small (a key is shared by a
  family's twins, namesakes and the member's own rows); rows already matched by their primary
  key are not compared.
  A member with several IODAS ids (duplicate files) is compared through each id; the best
  agreement is kept.
#}
with

identites as (
    select * from {{ ref('int_keys__identites') }}
),

-- every IODAS id of a cohort member, from the cohort rule's door (this zone: the data flows
-- one way)
cohort_ids as (
    select
        id_individu,
        cle_hachage
    from {{ ref('int_keys__iodas_ase__cohorte') }}
    where est_dans_cohorte
),

members as (
    select
        cohort_ids.cle_hachage,
        identites.cle_hachage_secondaire,
        identites.prenom_normalise,
        identites.date_naissance,
        identites.precision_date
    from cohort_ids
    inner join identites
        on
            identites.base_source = 'iodas_ase'
            and cohort_ids.id_individu = identites.id_individu
    where identites.cle_hachage_secondaire is not null
),

-- a row whose primary key is a member's is matched by that key (int_crossing__appariements, step
-- 1) and needs no comparison: leaving it out keeps the pairs to the rows the key missed (at
-- 1,000,000 youths 2.9 M pairs instead of 18.1 M: blocks grow with the population)
member_keys as (
    select distinct cle_hachage from cohort_ids
),

source_rows as (
    select identites.*
    from identites
    left join member_keys
        on identites.cle_hachage = member_keys.cle_hachage
    where
        identites.base_source <> 'iodas_ase'
        and identites.cle_hachage_secondaire is not null
        and member_keys.cle_hachage is null
),

pairs as (
    select
        source_rows.base_source,
        source_rows._fichier,
        source_rows._ligne,
        members.cle_hachage,
        cast(damerau_levenshtein(source_rows.prenom_normalise, members.prenom_normalise) as integer)
            as distance_prenom,
        cast(abs(day(source_rows.date_naissance) - day(members.date_naissance)) as integer) as ecart_jours,
        source_rows.prenom_normalise is null as prenom_absent,
        source_rows.prenom_normalise = members.prenom_normalise as prenom_identique,
        source_rows.prenom2_normalise = members.prenom_normalise as prenom2_identique,
        source_rows.date_naissance = members.date_naissance as jour_identique,
        source_rows.precision_date <> 'jour' or members.precision_date <> 'jour' as jour_incertain
    from source_rows
    inner join members
        on source_rows.cle_hachage_secondaire = members.cle_hachage_secondaire
),

final as (
    select
        ---------- source row and cohort member (keys only)
        base_source,
        _fichier,
        _ligne,
        cle_hachage,
        ---------- evidence (booleans and scores, best over the member's IODAS ids)
        bool_or(prenom_absent) as prenom_absent,
        coalesce(bool_or(prenom_identique), false) as prenom_identique,
        min(distance_prenom) as distance_prenom,
        coalesce(bool_or(prenom2_identique), false) as prenom2_identique,
        coalesce(bool_or(jour_identique), false) as jour_identique,
        min(ecart_jours) as ecart_jours,
        coalesce(bool_or(jour_incertain), false) as jour_incertain
    from pairs
    group by base_source, _fichier, _ligne, cle_hachage
)

select * from final
