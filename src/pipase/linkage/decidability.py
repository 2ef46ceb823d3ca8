"""Which missed rows no linkage could decide without a guess (the evaluation's ceiling).

A row of a cohort member that the crossing did not link is *undecidable* when its recorded
identity cannot designate its true member among the cohort:

- **thin**: it agrees with its member on neither a surname nor the birth date, even loosely
  (it carries only a first name and a sex that fit: a birth date missing with the birth name
  missing and a married name in its place);
- **dominated**: another person of the cohort fits the row at least as well as its true member
  on every field compared (surname, first name, birth date, sex, commune): a namesake without a
  date to tell them apart, or a member whose only difference is the one the error planted.

Each field's agreement has levels: 2 the same value (any of the row's surnames, given names or
their parts; the surname and first name swapped count on both), 1 close (Jaro-Winkler at least
0.85, Damerau-Levenshtein at most 2 letters, a first name cut to its first letters; a date of
the same year with the same month or the same day, or known only to the year or the month), 0
else or missing; sex and commune (one shared) 1 or 0. The dominance compares the level vectors,
so a planted error leaves the row decidable whenever no other person fits it as well.

Computed in the identifying zone's database, for the missed rows only, with the member's best
record (a person with several Iodas-ASE records takes the best level of each field). Used by
`pipase evaluation` to give, beside each recall, the recall of the decidable rows: what remains
under it is the crossing's to win.
"""

from __future__ import annotations

from collections.abc import Iterable

import duckdb

# one level per field (0, 1, 2; sex and commune 0, 1) for a row `r` and a member `x` of
# identifying.int_keys__identites, each with its communes and its lists of names
_LEVELS = """
    case
        when list_has_any(r.noms, x.noms) then 2
        when r.nom_normalise = x.prenom_normalise and r.prenom_normalise = x.nom_normalise then 2
        when jaro_winkler_similarity(r.nom_normalise, x.nom_normalise) >= 0.85
            or damerau_levenshtein(r.nom_normalise, x.nom_normalise) <= 2
            or jaro_winkler_similarity(r.nom_normalise, x.nom_naissance_normalise) >= 0.85
            or damerau_levenshtein(r.nom_normalise, x.nom_naissance_normalise) <= 2 then 1
        else 0
    end as niveau_nom,
    case
        when r.prenom_normalise is null or x.prenom_normalise is null then 0
        when list_has_any(r.prenoms, x.prenoms) then 2
        when r.nom_normalise = x.prenom_normalise and r.prenom_normalise = x.nom_normalise then 2
        when jaro_winkler_similarity(r.prenom_normalise, x.prenom_normalise) >= 0.85
            or damerau_levenshtein(r.prenom_normalise, x.prenom_normalise) <= 2
            or (
                least(length(r.prenom_normalise), length(x.prenom_normalise)) >= 3
                and (
                    starts_with(r.prenom_normalise, x.prenom_normalise)
                    or starts_with(x.prenom_normalise, r.prenom_normalise)
                )
            ) then 1
        else 0
    end as niveau_prenom,
    case
        when r.date_naissance is null or x.date_naissance is null then 0
        when r.precision_date = 'jour' and x.precision_date = 'jour'
            and r.date_naissance = x.date_naissance then 2
        when year(r.date_naissance) = year(x.date_naissance)
            and (
                r.precision_date <> 'jour' or x.precision_date <> 'jour'
                or month(r.date_naissance) = month(x.date_naissance)
                or day(r.date_naissance) = day(x.date_naissance)
                or (
                    month(r.date_naissance) = day(x.date_naissance)
                    and day(r.date_naissance) = month(x.date_naissance)
                )
            ) then 1
        when r.precision_date = 'jour' and x.precision_date = 'jour'
            and month(r.date_naissance) = month(x.date_naissance)
            and day(r.date_naissance) = day(x.date_naissance) then 1
        else 0
    end as niveau_date,
    case when r.genre is not null and r.genre = x.genre then 1 else 0 end as niveau_sexe,
    case when list_has_any(r.communes, x.communes) then 1 else 0 end as niveau_commune
"""

_FIELDS = ("niveau_nom", "niveau_prenom", "niveau_date", "niveau_sexe", "niveau_commune")


def _best_levels(pairs: str, with_person: bool) -> str:
    """SQL: each field's best level per row (and per candidate person when `with_person`)
    over the pairs `pairs` joins (aliases r and x), a person's records taken together."""
    person = " x.personne," if with_person else ""
    group = " personne," if with_person else ""
    best = ", ".join(f"max({field}) as {field}" for field in _FIELDS)
    return f"""select base_source, _fichier, _ligne,{group} {best}
    from (
        select r.base_source, r._fichier, r._ligne,{person}
            {_LEVELS}
        from {pairs}
    ) as pairs
    group by all"""


# a record's surnames (birth, usage, parts, without particle) and given names, as lists
_SURNAMES = (
    "list_filter([{t}.nom_naissance_normalise, {t}.nom_usage_normalise, {t}.nom_normalise]"
    " || {t}.parties_nom_normalisees || {t}.noms_sans_particule, n -> n is not null)"
)
_FIRST_NAMES = (
    "list_filter([{t}.prenom_normalise, {t}.prenom2_normalise] || {t}.parties_prenom_normalisees,"
    " p -> p is not null)"
)

_QUERY = f"""
with

missed as (
    select * from pipase_lignes_manquees
),

identites as (
    select * from identifying.int_keys__identites
),

communes as (
    select * from crossing.int_crossing__communes_identites
),

r as materialized (
    select
        missed.personne,
        identites.*,
        {_SURNAMES.format(t="identites")} as noms,
        {_FIRST_NAMES.format(t="identites")} as prenoms,
        coalesce(communes.communes, []) as communes
    from missed
    inner join identites
        on missed.base_source = identites.base_source
        and missed._fichier = identites._fichier
        and missed._ligne = identites._ligne
    left join communes
        on identites.base_source = communes.base_source
        and identites._fichier = communes._fichier
        and identites._ligne = communes._ligne
),

-- the cohort's records, each with the person it belongs to (the truth's token of its id)
x as materialized (
    select
        coalesce(tokens.personne, identites.id_individu) as personne,
        identites.*,
        {_SURNAMES.format(t="identites")} as noms,
        {_FIRST_NAMES.format(t="identites")} as prenoms,
        -- a member's communes are the cohort entry's (int_crossing__communes_identites keys
        -- them by cle_hachage)
        coalesce(communes.communes, []) as communes
    from identites
    inner join crossing.int_cohort__jeunes_ase as cohorte
        on identites.cle_hachage = cohorte.cle_hachage
    left join pipase_personnes_ids as tokens
        on identites.id_individu = tokens.id_individu
    left join communes
        on communes.base_source = 'iodas_ase'
        and identites.cle_hachage = communes.cle_hachage
    where identites.base_source = 'iodas_ase'
),

-- the row against its true member (best level of each field over the member's records)
truth as materialized (
    {_best_levels("r inner join x on r.personne = x.personne", with_person=False)}
),

x_surnames as (
    select distinct personne, unnest(noms) as nom from x
    union
    select distinct personne, prenom_normalise from x where prenom_normalise is not null
),

x_first_names as (
    select distinct personne, unnest(prenoms) as prenom from x
    union
    select distinct personne, nom_normalise from x where nom_normalise is not null
),

blocked as (
    select r.base_source, r._fichier, r._ligne, r.personne as vraie_personne, truth.niveau_date,
        truth.niveau_prenom, truth.niveau_nom, r.date_naissance, r.precision_date, r.noms,
        r.prenoms
    from r
    inner join truth using (base_source, _fichier, _ligne)
),

-- a person can fit a row as well as its member only if they share, exactly, the first field
-- on which the member agrees exactly (the birth date, else a given name, else a surname, the
-- swap of the two included): the candidates are looked up by that field (a hash join), then
-- compared on all their records; a row whose member agrees exactly on no field meets the
-- whole cohort
candidate_persons as (
    select distinct blocked.base_source, blocked._fichier, blocked._ligne, x.personne
    from blocked
    inner join x
        on blocked.date_naissance = x.date_naissance
        and blocked.precision_date = 'jour' and x.precision_date = 'jour'
    where blocked.niveau_date = 2
    union
    select distinct blocked.base_source, blocked._fichier, blocked._ligne, x_first_names.personne
    from (
        select *, unnest(prenoms) as prenom from blocked
        where niveau_date < 2 and niveau_prenom = 2
    ) as blocked
    inner join x_first_names on blocked.prenom = x_first_names.prenom
    union
    select distinct blocked.base_source, blocked._fichier, blocked._ligne, x_surnames.personne
    from (
        select *, unnest(noms) as nom from blocked
        where niveau_date < 2 and niveau_prenom < 2 and niveau_nom = 2
    ) as blocked
    inner join x_surnames on blocked.nom = x_surnames.nom
    union
    select distinct blocked.base_source, blocked._fichier, blocked._ligne, x.personne
    from blocked
    cross join x
    where blocked.niveau_date < 2 and blocked.niveau_prenom < 2 and blocked.niveau_nom < 2
),

candidates as materialized (
    select candidate_persons.*
    from candidate_persons
    inner join blocked using (base_source, _fichier, _ligne)
    where candidate_persons.personne <> blocked.vraie_personne
),

-- every other candidate person, on all their records
per_person as (
    {
    _best_levels(
        "candidates inner join r using (base_source, _fichier, _ligne)"
        " inner join x on candidates.personne = x.personne",
        with_person=True,
    )
}
)

select
    truth.base_source,
    truth._fichier,
    truth._ligne
from truth
where
    (truth.niveau_nom = 0 and truth.niveau_date = 0)
    or exists (
        select 1
        from per_person as other
        where
            other.base_source = truth.base_source
            and other._fichier = truth._fichier
            and other._ligne = truth._ligne
            and {" and ".join(f"other.{field} >= truth.{field}" for field in _FIELDS)}
    )
"""


def undecidable_rows(
    con: duckdb.DuckDBPyConnection,
    missed: Iterable[tuple[str, str, int, str]],
    person_of_id: dict[str, str],
) -> set[tuple[str, str, int]]:
    """The missed rows (base_source, file, line, true person token) that are undecidable.

    `person_of_id` maps an Iodas-ASE id to its person's token (ids it does not name are their
    own person). A missed row whose true member has no record in the cohort (a member the
    pipeline left out, an Iodas-ASE row without a birth date) is not returned: it counts as
    decidable, the side that does not flatter the recall."""
    import pandas as pd

    rows = list(missed)
    if not rows:
        return set()
    con.register(
        "pipase_lignes_manquees",
        pd.DataFrame(rows, columns=["base_source", "_fichier", "_ligne", "personne"]).astype(
            {"_ligne": "int32"}
        ),
    )
    con.register(
        "pipase_personnes_ids",
        pd.DataFrame(list(person_of_id.items()), columns=["id_individu", "personne"]),
    )
    try:
        return {(s, f, int(line)) for s, f, line in con.execute(_QUERY).fetchall()}
    finally:
        con.unregister("pipase_lignes_manquees")
        con.unregister("pipase_personnes_ids")
