"""The probabilistic pass of the crossing: Splink on the DuckDB backend.

Inside the identifying zone (article 4.1: the Department crosses its extractions before it
hashes), the rows of the four crossed sources are compared with the Iodas-ASE cohort members'
identities by a Fellegi-Sunter model (Splink 5, DuckDB backend):

- comparisons (``comparisons()``): surname (protocol surname, other surname, compound parts,
  particle-less surname, first and last name swapped, the same phonetic form or consonant
  skeleton, one letter apart), first name (second first name, compound first-name parts,
  swapped, phonetic form, one letter apart), birth date (day/month swapped, one field wrong,
  month or day unknown), sex. Term-frequency adjustments on the surname, the first name and
  the exact birth date: a shared rare value weighs more than a shared frequent one;
- m and u are estimated without labels: u by random sampling with a fixed seed, m by
  expectation maximisation on two blockings (birth date; surname + first name), the prior from
  a near-certain deterministic rule. EM is deterministic given its pairs and the sampling is
  seeded, so two runs on the same data give the same model and the same links (tested);
- blocking rules for the predictions (``PREDICTION_BLOCKING_RULES``), chosen for recall and
  bounded (``MAX_BLOCK_MEMBERS`` cohort rows and ``MAX_BLOCK_PAIRS`` pairs per key value, so
  that the pairs grow with the rows): any
  of them admits a pair, so a row is missed only when every rule fails (surname and first name
  both wrong *and* the birth date wrong).

The trained model is a Splink settings dictionary: column names, SQL conditions, m and u
probabilities, no value of any row (``assert_no_identity`` checks it, and the tests scan it).
It is built by the dbt Python model ``int_keys__modele_probabiliste`` (trained on this
extraction, or read from the file named by ``PIPASE_MODELE_PROBABILISTE``: ``pipase run
--modele``) and used by ``int_keys__liens_probabilistes``, which writes, per source row, its
best cohort member, the match weight and the evidence ``int_crossing__appariements`` needs to
decide (link, review, nothing). Identities are compared in the build's own DuckDB instance
(``_workspace``: a cursor of the session dbt hands the model, working in an in-memory database
attached for the pass and in temporary tables), read there by SQL from the ref'd tables: the
build's memory limit and temporary directory bound the pass, what spills is encrypted when the
database is, and nothing of the pass is written to the database file or anywhere else.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb

from pipase.errors import PipaseError
from pipase.i18n import _

MODEL_ENV = "PIPASE_MODELE_PROBABILISTE"
SEED = 17  # the seed of the u sampling (the EM is deterministic given its pairs)
MODEL_UID = "pipase_croisement_probabiliste"
# the pairs that estimate u (random pairs) and m (each EM session's blocked pairs): the
# training's cost grows with them (at 100,000 youths, 5e6 and 2e6 took most of the training).
# With 1e6 and 5e5 the pass's decisions at 100,000 youths did not move beyond the noise of the
# sampling itself (docs/croisement_probabiliste.md, "Time at 100,000 youths")
U_MAX_PAIRS = 1e6
EM_MAX_PAIRS = 5e5
# at most this many source rows train the model (a deterministic sample: md5 of the row id)
TRAINING_SOURCE_ROWS = 300_000
# pairs scored below this match weight are not kept (a link needs far more: the threshold of
# int_crossing__appariements, dbt var pipase_seuil_probabiliste)
FLOOR_WEIGHT = -5.0

COHORT = "pipase_cohorte"
SOURCES = "pipase_sources"

# Prediction blocking rules (documented in docs/croisement_probabiliste.md): a pair is scored
# when it satisfies at least one. Each rule names its key (the columns it joins on) in
# BLOCK_KEYS: a key value shared by more than MAX_BLOCK_MEMBERS cohort rows, or whose block would
# hold more than MAX_BLOCK_PAIRS pairs (rows to compare x cohort rows sharing it), is left out of
# that rule, so that the pairs grow with the rows (at most MAX_BLOCK_MEMBERS per row and rule),
# not with the square of a name's or a date's frequency. A row of a block left out is still
# scored by every other rule. Measured (docs: "Blocking rules"): at 100,000 youths the bounds
# leave out an estimated birth date (1,353,286 pairs) and the values shared by more than 20
# members, the pass loses 4 of its 150 right links and no wrong one is added; at 3,000,000
# youths the pairs of the five bounded rules fall from 2.9 billion (unbounded) and 182 million
# (pairs bound alone: its spill reached 34 GB) to 24 million; there every birth date is shared
# by more than 20 members, so the exact-date rule scores nothing.
MAX_BLOCK_PAIRS = 10_000
MAX_BLOCK_MEMBERS = 20
BLOCK_KEYS = {
    # surname and birth year: first name replaced, day or month wrong
    "nom_annee": ("nom", "annee"),
    # first name and birth year: surname typo, married name, compound surname cut
    "prenom_annee": ("prenom", "annee"),
    # exact date: both names changed (transliterated surname and nickname...)
    "date": ("date_naissance",),
    # both names: birth date missing, impossible or with a wrong year
    "nom_prenom": ("nom", "prenom"),
    # "d'Xxx" / "Xxx", "de la Xxx" / "Xxx"
    "sans_particule_annee": ("nom_sans_particule", "annee"),
}
PREDICTION_BLOCKING_RULES = tuple(
    " and ".join(
        [f"l.{column} = r.{column}" for column in columns] + [f"l.bloc_{name}", f"r.bloc_{name}"]
    )
    for name, columns in BLOCK_KEYS.items()
) + (
    # first and last name swapped
    "l.nom = r.prenom and l.prenom = r.nom",
)


# Starting m probabilities of the EM (share of true matches in each level): without them the EM
# starts from flat values and, on a blocking where matches are a minority, may settle on the
# wrong class (measured: m(nom identique) 0.10 on the harder synthetic data). EM re-estimates
# them; a level never seen in the training pairs keeps its starting value.
STARTING_M = {
    "nom identique": 0.88, "autre nom ou partie commune": 0.04, "nom et prénom inversés": 0.005,
    "même nom phonétique": 0.02, "nom à une lettre près": 0.02,
    "même squelette de consonnes": 0.005,
    "nom très proche": 0.01, "nom proche": 0.005, "nom différent": 0.035,
    "prénom identique": 0.85, "autre prénom commun": 0.04, "même prénom phonétique": 0.01,
    "prénom à une lettre près": 0.03, "prénom très proche": 0.01,
    "prénom abrégé": 0.01,
    "prénom proche": 0.02, "prénom différent": 0.045,
    "date identique": 0.88, "jour et mois inversés": 0.005, "jour proche": 0.01,
    "date connue à l'année ou au mois": 0.03, "mois voisin, même jour": 0.02,
    "mois différent, même jour": 0.005, "jour différent, même mois": 0.005,
    "une erreur sur l'année": 0.005, "même année": 0.01, "date différente": 0.03,
    "même sexe": 0.98, "sexe différent": 0.02,
}  # fmt: skip


def _comparisons() -> list[Any]:
    import splink.comparison_library as cl

    def level(sql: str, label: str, **extra: Any) -> dict[str, Any]:
        start = {} if extra.get("is_null_level") else {"m_probability": STARTING_M[label]}
        return {"sql_condition": sql, "label_for_charts": label, **start, **extra}

    surname = cl.CustomComparison(
        output_column_name="nom",
        comparison_description="nom de naissance, nom d'usage, parties et particules",
        comparison_levels=[
            level("nom_l is null or nom_r is null", "nom absent", is_null_level=True),
            level(
                "nom_l = nom_r", "nom identique",
                tf_adjustment_column="nom", tf_adjustment_weight=1.0,
            ),
            level("len(list_intersect(noms_l, noms_r)) > 0", "autre nom ou partie commune"),
            level(
                "nom_l = prenom_r and prenom_l = nom_r", "nom et prénom inversés",
            ),
            level("nom_phonetique_l = nom_phonetique_r", "même nom phonétique"),
            level("damerau_levenshtein(nom_l, nom_r) <= 1", "nom à une lettre près"),
            level(
                "length(nom_squelette_l) >= 3 and nom_squelette_l = nom_squelette_r",
                "même squelette de consonnes",
            ),
            level("jaro_winkler_similarity(nom_l, nom_r) >= 0.92", "nom très proche"),
            level("jaro_winkler_similarity(nom_l, nom_r) >= 0.85", "nom proche"),
            level("ELSE", "nom différent"),
        ],
    )  # fmt: skip
    first_name = cl.CustomComparison(
        output_column_name="prenom",
        comparison_description="prénom, second prénom, parties d'un prénom composé",
        comparison_levels=[
            level("prenom_l is null or prenom_r is null", "prénom absent", is_null_level=True),
            level(
                "prenom_l = prenom_r", "prénom identique",
                tf_adjustment_column="prenom", tf_adjustment_weight=1.0,
            ),
            level("len(list_intersect(prenoms_l, prenoms_r)) > 0", "autre prénom commun"),
            level("prenom_l = nom_r and nom_l = prenom_r", "nom et prénom inversés"),
            level("prenom_phonetique_l = prenom_phonetique_r", "même prénom phonétique"),
            level("damerau_levenshtein(prenom_l, prenom_r) <= 1", "prénom à une lettre près"),
            level("jaro_winkler_similarity(prenom_l, prenom_r) >= 0.92", "prénom très proche"),
            level(
                "least(length(prenom_l), length(prenom_r)) >= 3 and (starts_with(prenom_l,"
                " prenom_r) or starts_with(prenom_r, prenom_l))",
                "prénom abrégé",
            ),
            level("jaro_winkler_similarity(prenom_l, prenom_r) >= 0.80", "prénom proche"),
            level("ELSE", "prénom différent"),
        ],
    )  # fmt: skip
    birth_date = cl.CustomComparison(
        output_column_name="date_naissance",
        comparison_description="date de naissance",
        comparison_levels=[
            level("annee_l is null or annee_r is null", "date absente", is_null_level=True),
            level(
                # the same as annee, mois and jour equal (date_naissance is known to the day
                # exactly when jour is): on date_naissance for its term frequency (a date many
                # share, like an estimated 01/01, weighs less)
                "date_naissance_l = date_naissance_r", "date identique",
                tf_adjustment_column="date_naissance", tf_adjustment_weight=1.0,
            ),
            level(
                "annee_l = annee_r and mois_l = jour_r and jour_l = mois_r",
                "jour et mois inversés",
            ),
            level(
                "annee_l = annee_r and mois_l = mois_r and abs(jour_l - jour_r) <= 3",
                "jour proche",
            ),
            level(
                "annee_l = annee_r and (mois_l is null or mois_r is null"
                " or (mois_l = mois_r and (jour_l is null or jour_r is null)))",
                "date connue à l'année ou au mois",
            ),
            level(
                "annee_l = annee_r and jour_l = jour_r and abs(mois_l - mois_r) = 1",
                "mois voisin, même jour",
            ),
            level("annee_l = annee_r and jour_l = jour_r", "mois différent, même jour"),
            level("annee_l = annee_r and mois_l = mois_r", "jour différent, même mois"),
            level(
                "mois_l = mois_r and jour_l = jour_r and abs(annee_l - annee_r) <= 10",
                "une erreur sur l'année",
            ),
            level("annee_l = annee_r", "même année"),
            level("ELSE", "date différente"),
        ],
    )  # fmt: skip
    sex = cl.CustomComparison(
        output_column_name="genre",
        comparison_description="sexe",
        comparison_levels=[
            level("genre_l is null or genre_r is null", "sexe absent", is_null_level=True),
            level("genre_l = genre_r", "même sexe"),
            level("ELSE", "sexe différent"),
        ],
    )
    return [surname, first_name, birth_date, sex]


def _surname_agrees(left: str, right: str) -> str:
    """SQL: some level of the surname comparison other than "nom différent" holds between the
    rows aliased `left` and `right` (the comparison's own conditions, read from
    _comparisons(): one place)."""
    surname = next(c for c in _comparisons() if c.create_output_column_name() == "nom")
    conditions = []
    for level in surname._comparison_levels:
        sql = level.get("sql_condition", "") if isinstance(level, dict) else ""
        if not sql or sql == "ELSE" or level.get("is_null_level"):
            continue
        sql = re.sub(r"\b([a-z_]+)_l\b", left + r".\1", sql)
        conditions.append("(" + re.sub(r"\b([a-z_]+)_r\b", right + r".\1", sql) + ")")
    return " or ".join(conditions)


def settings() -> Any:
    """The untrained model: link_only between the source rows and the cohort's rows."""
    from splink import SettingsCreator

    return SettingsCreator(
        link_type="link_only",
        unique_id_column_name="unique_id",
        comparisons=_comparisons(),
        blocking_rules_to_generate_predictions=list(PREDICTION_BLOCKING_RULES),
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
        linker_uid=MODEL_UID,
    )


# ----------------------------------------------------------------------------------------------
# Inputs


def prepare(con: duckdb.DuckDBPyConnection, identites: str, cohorte: str) -> None:
    """Build the two input tables of the model from int_keys__identites and the cohort door.

    ``identites`` and ``cohorte`` are relations or tables visible to ``con`` (the columns of
    int_keys__identites and of int_keys__iodas_ase__cohorte). Writes COHORT (one row per
    Iodas-ASE row of a cohort member, with the member's key) and SOURCES (one row per row of
    the four sources, ``a_comparer`` when its primary key is no member's).
    """
    # phonetic forms, once per distinct name: the spellings that sound alike in French and in
    # transliterations (PH/F, TH/T, KH/K, DJ/J, OU/U, Y/I, EE/I, CK/K, QU/K, doubled letters:
    # MOHAMMED/MOHAMED, PHAM/FAM, NDOYE/NDOIE, DOUCOURE/DUCOURE), and their consonant skeleton
    # (the first letter, then the consonants: MOHAMED/MUHAMMAD, MHMD); joined in the one pass
    # that prepares the rows (a second pass over the rows to add them cost 0.3 s at 100,000
    # youths)
    con.execute(PHONETIC_MACROS)
    con.execute(f"""
        create or replace temp table pipase_formes_phonetiques as
        select
            valeur,
            pipase_phonetique(valeur) as phonetique,
            pipase_squelette(valeur) as squelette
        from (
            select nom_normalise as valeur from {identites}
            union
            select prenom_normalise as valeur from {identites}
        )
        where valeur is not null
    """)  # noqa: S608
    con.execute(f"""
        create or replace temp table pipase_identites_preparees as
        select
            identities.base_source || '|' || identities._fichier || '|'
                || cast(identities._ligne as varchar) as unique_id,
            identities.base_source,
            identities._fichier,
            identities._ligne,
            identities.id_individu,
            identities.cle_hachage,
            identities.nom_normalise as nom,
            identities.prenom_normalise as prenom,
            coalesce(identities.noms_sans_particule[1], identities.nom_normalise)
                as nom_sans_particule,
            list_sort(list_distinct(list_filter(
                flatten([
                    [identities.nom_naissance_normalise, identities.nom_usage_normalise],
                    coalesce(identities.parties_nom_normalisees, []),
                    coalesce(identities.noms_sans_particule, [])
                ]),
                n -> n is not null and length(n) >= 2
            ))) as noms,
            list_sort(list_distinct(list_filter(
                flatten([
                    [identities.prenom_normalise, identities.prenom2_normalise],
                    coalesce(identities.parties_prenom_normalisees, [])
                ]),
                n -> n is not null and length(n) >= 2
            ))) as prenoms,
            case when identities.precision_date = 'jour' then day(identities.date_naissance) end
                as jour,
            case when identities.precision_date in ('jour', 'mois')
                then month(identities.date_naissance) end as mois,
            year(identities.date_naissance) as annee,
            case when identities.precision_date = 'jour' then identities.date_naissance end
                as date_naissance,
            identities.genre,
            -- the row records a birth name (not only a usage name or a name of unknown nature)
            identities.nom_naissance_normalise is not null as nom_naissance_connu,
            surname.phonetique as nom_phonetique,
            surname.squelette as nom_squelette,
            first_name.phonetique as prenom_phonetique
        from {identites} as identities
        left join pipase_formes_phonetiques as surname
            on identities.nom_normalise = surname.valeur
        left join pipase_formes_phonetiques as first_name
            on identities.prenom_normalise = first_name.valeur
    """)  # noqa: S608
    # a member's first names: its Iodas-ASE rows' (Iodas-ASE records no second first name),
    # and those of the source rows that bear the member's own primary key (the same surname,
    # first name and birth date: the same person by the protocol), second first names included
    # (WebRSA prenom2): a row recorded under the second given name then shares a first name
    con.execute(f"""
        create or replace temp table {COHORT} as
        select
            prepared.unique_id,
            members.cle_hachage as cle_membre,
            prepared.nom, prepared.prenom, prepared.nom_sans_particule,
            prepared.noms,
            list_sort(list_distinct(list_concat(prepared.prenoms, coalesce(same_key.prenoms, []))))
                as prenoms,
            prepared.jour, prepared.mois, prepared.annee,
            prepared.date_naissance, prepared.genre,
            prepared.nom_phonetique, prepared.nom_squelette, prepared.prenom_phonetique,
            prepared.nom_naissance_connu
        from pipase_identites_preparees as prepared
        inner join (
            select distinct id_individu, cle_hachage from {cohorte} where est_dans_cohorte
        ) as members
            on prepared.id_individu = members.id_individu
        left join (
            select cle_hachage, flatten(list(prenoms)) as prenoms
            from pipase_identites_preparees
            where base_source <> 'iodas_ase' and cle_hachage is not null
            group by cle_hachage
        ) as same_key
            on members.cle_hachage = same_key.cle_hachage
        where prepared.base_source = 'iodas_ase'
    """)  # noqa: S608
    con.execute(f"""
        create or replace temp table {SOURCES} as
        select
            prepared.unique_id,
            prepared.base_source, prepared._fichier, prepared._ligne,
            prepared.nom, prepared.prenom, prepared.nom_sans_particule,
            prepared.noms, prepared.prenoms, prepared.jour, prepared.mois, prepared.annee,
            prepared.date_naissance, prepared.genre,
            prepared.nom_phonetique, prepared.nom_squelette, prepared.prenom_phonetique,
            prepared.nom_naissance_connu,
            member_keys.cle_hachage is null as a_comparer
        from pipase_identites_preparees as prepared
        left join (
            select distinct cle_hachage from {cohorte} where est_dans_cohorte
        ) as member_keys
            on prepared.cle_hachage = member_keys.cle_hachage
        where prepared.base_source <> 'iodas_ase'
    """)  # noqa: S608
    _block_flags(con)


def _block_flags(con: duckdb.DuckDBPyConnection) -> None:
    """Add to COHORT and SOURCES, per key of BLOCK_KEYS, ``bloc_<key>``: the row's key value is
    shared by at most MAX_BLOCK_MEMBERS cohort rows and makes a block of at most MAX_BLOCK_PAIRS
    pairs (the rows to compare sharing it x the cohort rows sharing it); false when a column of
    the key is empty (no block). The sizes of every key first (small tables), then each of the
    two tables rewritten once with all its flags (measured at 100,000 youths: 1.6 s with a
    rewrite per key, 0.4 s)."""
    for name, columns in BLOCK_KEYS.items():
        key = ", ".join(columns)
        con.execute(f"""
            create or replace temp table pipase_tailles_blocs_{name} as
            select {key},
                sources.lignes * cohort.lignes <= {MAX_BLOCK_PAIRS}
                and cohort.lignes <= {MAX_BLOCK_MEMBERS} as admis
            from (
                select {key}, count(*) as lignes from {SOURCES} where a_comparer group by all
            ) as sources
            inner join (select {key}, count(*) as lignes from {COHORT} group by all) as cohort
                using ({key})
        """)  # noqa: S608
    flags = ", ".join(f"coalesce(sizes_{name}.admis, false) as bloc_{name}" for name in BLOCK_KEYS)
    joins = "\n".join(
        f"left join pipase_tailles_blocs_{name} as sizes_{name} on "
        + " and ".join(f"t.{c} = sizes_{name}.{c}" for c in columns)
        for name, columns in BLOCK_KEYS.items()
    )
    for table in (COHORT, SOURCES):
        con.execute(
            f"create or replace temp table {table} as select t.*, {flags} from {table} as t {joins}"
        )  # noqa: S608, E501
    for name in BLOCK_KEYS:
        con.execute(f"drop table pipase_tailles_blocs_{name}")


_MODEL_COLUMNS = (
    "unique_id, nom, prenom, nom_sans_particule, noms, prenoms, jour, mois, annee,"
    " date_naissance, genre, nom_phonetique, nom_squelette, prenom_phonetique, "
    + ", ".join(f"bloc_{name}" for name in BLOCK_KEYS)
)

# the phonetic form of a normalised name (upper-case ASCII letters) and its consonant skeleton
PHONETIC_MACROS = """
    create or replace temp macro pipase_phonetique_brute(x) as
        replace(replace(replace(replace(replace(replace(replace(replace(replace(
            x, 'PH', 'F'), 'TH', 'T'), 'KH', 'K'), 'DJ', 'J'), 'OU', 'U'), 'Y', 'I'), 'EE', 'I'),
            'CK', 'K'), 'QU', 'K');
    create or replace temp macro pipase_phonetique(x) as (
        select array_to_string(list_filter(l, (letter, i) -> i = 1 or letter <> l[i - 1]), '')
        from (select str_split(pipase_phonetique_brute(x), '') as l)
    );
    create or replace temp macro pipase_squelette(x) as (
        select left(f, 1) || regexp_replace(substr(f, 2), '[AEIOU]', '', 'g')
        from (select pipase_phonetique(x) as f)
    );
"""
# (a macro's argument is pasted wherever it is named: the subqueries compute the replaced
# letters and the phonetic form once per value, not once per letter and twice per skeleton;
# measured 0.81 s -> 0.33 s on 150,400 distinct names, same results)


def _linker(con: duckdb.DuckDBPyConnection, model: Any, source_filter: str) -> Any:
    from splink import DuckDBAPI, Linker

    con.execute(f"""
        create or replace temp table pipase_entree_sources as
        select {_MODEL_COLUMNS} from {SOURCES} where {source_filter}
    """)  # noqa: S608
    con.execute(
        f"create or replace temp table pipase_entree_cohorte as select {_MODEL_COLUMNS}"
        f" from {COHORT}"  # noqa: S608
    )
    db_api = DuckDBAPI(connection=con)
    inputs = [
        db_api.register("pipase_entree_sources", dataset_display_name="sources"),
        db_api.register("pipase_entree_cohorte", dataset_display_name="cohorte"),
    ]
    # Splink's warnings (a level not observed in the training pairs keeps its starting m, see
    # STARTING_M; an empty EM probe) say nothing the data office can act on: only errors show
    return Linker(inputs, model, log_level=logging.ERROR)


def train(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Estimate the model on this extraction (prepare() first); returns the settings dict."""
    from splink import block_on
    from splink.internals.exceptions import EMTrainingException

    # a deterministic sample of the source rows, every cohort row
    source_filter = (
        f"unique_id in (select unique_id from {SOURCES} order by md5(unique_id), unique_id"
        f" limit {TRAINING_SOURCE_ROWS})"
    )
    linker = _linker(con, settings(), source_filter)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("nom", "prenom", "date_naissance")], recall=RULE_RECALL
    )
    linker = _with_a_prior(linker, con, source_filter)
    linker.training.estimate_u_using_random_sampling(max_pairs=U_MAX_PAIRS, seed=SEED)
    # blocked on the columns the date comparison reads (annee, mois, jour), so that Splink
    # leaves that comparison out of this session: blocked on date_naissance, it was kept, every
    # pair agreed on it and the EM took every pair for a match (measured: lambda -> 1)
    trained = 0
    for blocking in (block_on("annee", "mois", "jour"), block_on("nom", "prenom")):
        linker, done = _em_session(linker, blocking, con, source_filter)
        trained += done
    if not trained:
        raise EMTrainingException("no EM session had pairs to train on")
    model = linker.misc.save_model_to_json()
    model["linker_uid"] = MODEL_UID
    return _rounded(model)


# The prior (probability that two random records match) comes from the pairs that agree on
# surname, first name and birth date, taken as this share of the true pairs.
RULE_RECALL = 0.8


def _with_a_prior(linker: Any, con: duckdb.DuckDBPyConnection, source_filter: str) -> Any:
    """The linker with a prior above zero. When no pair agrees on surname, first name and birth
    date (a source without first names, first names all written another way), Splink estimates
    the prior at 0 and the first EM session stopped on log2(0) ("math domain error"): the prior
    is then what one such pair would give (1 / RULE_RECALL / the pairs compared), which the EM
    sessions re-estimate anyway."""
    model = linker.misc.save_model_to_json()
    if model.get("probability_two_random_records_match", 0) > 0:
        return linker
    pairs = con.execute(
        "select (select count(*) from pipase_entree_sources)"
        " * (select count(*) from pipase_entree_cohorte)"
    ).fetchone()[0]
    model["probability_two_random_records_match"] = 1 / RULE_RECALL / max(pairs, 1)
    return _linker(con, model, source_filter)


# Splink refuses an m estimated at zero (a ValueError, "below the minimum allowed value"):
# when none of a session's likely matches shows a rare level (swapped names, when the
# session's sample holds no such true pair), the EM takes that level's m closer to zero at
# every iteration until it underflows, and the training stopped the build with a traceback
# (measured: harder data, seed 7, with 3e5 / 2e5 pairs: m("nom et prénom inversés") = 0.0).
_ZERO_ESTIMATE = "below the minimum allowed value"
# the levels a true match rarely shows (starting m at most this): the ones that can collapse
RARE_LEVEL_M = 0.005


def _rare_levels_fixed(model: dict[str, Any]) -> dict[str, Any]:
    """The model with the m of its rare levels fixed at their starting value (STARTING_M)."""
    model = json.loads(json.dumps(model))
    for comparison in model["comparisons"]:
        for level in comparison["comparison_levels"]:
            start = STARTING_M.get(level.get("label_for_charts", ""))
            if start is not None and start <= RARE_LEVEL_M and not level.get("is_null_level"):
                level["m_probability"] = start
                level["fix_m_probability"] = True
    return model


def _em_session(
    linker: Any, blocking: Any, con: duckdb.DuckDBPyConnection, source_filter: str
) -> tuple[Any, bool]:
    """One EM session; returns the linker holding the result and whether the session trained.

    When an m collapses to zero, the session runs again from the model before it with the rare
    levels' m fixed at their start; if an m still collapses, or the session has no pair to
    train on (no source row shares a birth date with a member, or a surname and first name:
    a source without birth dates or without first names), it is left out: the model before it
    is kept (m from the starting values or the other session). train() refuses a model that no
    session trained."""
    from splink.internals.exceptions import EMTrainingException

    before = linker.misc.save_model_to_json()
    for model in (None, _rare_levels_fixed(before)):
        if model is not None:
            linker = _linker(con, model, source_filter)
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(
                blocking, max_pairs=EM_MAX_PAIRS
            )
        except EMTrainingException:
            break
        except ValueError as error:
            if _ZERO_ESTIMATE not in str(error):
                raise
            continue
        return linker, True
    return _linker(con, before, source_filter), False


def _rounded(model: dict[str, Any]) -> dict[str, Any]:
    """The probabilities to 8 significant digits: DuckDB's parallel sums differ in the last
    bits from one run to the next, and the EM iterations carry that on (measured: 1e-14 on a
    sum, 1.5e-12 relative on an estimated m at 3,000 youths, so 12 digits were not enough);
    two runs must save the same model. A value falling on a rounding boundary could still
    differ in its eighth digit: the weights move by less than 1e-7 then."""

    def r(value: Any) -> Any:
        return float(f"{value:.8g}") if isinstance(value, float) else value

    model["probability_two_random_records_match"] = r(
        model.get("probability_two_random_records_match")
    )
    for comparison in model.get("comparisons", []):
        for level in comparison.get("comparison_levels", []):
            for key in ("m_probability", "u_probability"):
                if key in level:
                    level[key] = r(level[key])
    return model


def _template_tokens() -> set[str]:
    untrained = settings().get_settings("duckdb").as_dict()
    return _tokens(json.dumps(untrained, ensure_ascii=False).upper())


def _tokens(text: str) -> set[str]:
    return set(re.findall(r"[A-Z]{2,}", text))


def assert_no_identity(model: dict[str, Any], con: duckdb.DuckDBPyConnection) -> None:
    """Refuse a model whose text holds a name of the inputs.

    A trained model is the untrained settings plus numbers (m, u, prior): any word it holds
    beyond the template's own words that is a name of this extraction refuses it.
    """
    extra = sorted(_tokens(json.dumps(model, ensure_ascii=False).upper()) - _template_tokens())
    if not extra:
        return
    found = con.execute(
        f"""
        select count(*) from (
            select unnest(list_concat(noms, prenoms)) as valeur from {SOURCES}
            union all
            select unnest(list_concat(noms, prenoms)) as valeur from {COHORT}
        ) where list_contains(?, valeur)
        """,  # noqa: S608
        [extra],
    ).fetchone()[0]
    if found:
        raise PipaseError(
            _("the probabilistic model holds a value of the identities: refused"),
            rule="modele_identite",
        )


def load_model(path: Path) -> dict[str, Any]:
    """A model saved by a previous run (``pipase run --modele``)."""
    try:
        model = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise PipaseError(
            _("the probabilistic model cannot be read ({error})").format(
                error=type(error).__name__
            ),
            rule="modele_illisible",
            file=str(path),
        ) from None
    if not isinstance(model, dict) or model.get("link_type") != "link_only":
        raise PipaseError(
            _("not a probabilistic model of pipase"), rule="modele_invalide", file=str(path)
        )
    if not is_trained(model):
        raise PipaseError(
            _("the probabilistic model was never trained: refused"),
            rule="modele_non_entraine",
            file=str(path),
        )
    expected = {c.create_output_column_name() for c in _comparisons()}
    found = {c.get("output_column_name") for c in model.get("comparisons", [])}
    if found != expected:
        raise PipaseError(
            _("the probabilistic model does not compare the expected fields"),
            rule="modele_invalide",
            file=str(path),
        )
    return model


def is_trained(model: dict[str, Any]) -> bool:
    """Some comparison has estimated u probabilities (the untrained settings have none). Not
    every one: a field empty on every row (no sex in FEBRL) has only its null level, and no
    u to estimate."""
    comparisons = model.get("comparisons") or []
    return bool(comparisons) and any(
        any("u_probability" in level for level in c.get("comparison_levels", []))
        for c in comparisons
    )


def model_for_build(con: duckdb.DuckDBPyConnection) -> tuple[dict[str, Any], str]:
    """The model of this build: the file of PIPASE_MODELE_PROBABILISTE, else trained here;
    too few rows to train on (no row to compare, no cohort row, no pair for the EM): the
    untrained settings, origin 'sans_donnees', which link nothing."""
    from splink.internals.exceptions import EMTrainingException

    given = os.environ.get(MODEL_ENV)
    if given:
        return load_model(Path(given)), "fourni"
    sources, cohort = con.execute(
        f"select (select count(*) from {SOURCES}), (select count(*) from {COHORT})"  # noqa: S608
    ).fetchone()
    if sources == 0 or cohort == 0:
        return untrained(), "sans_donnees"
    try:
        return train(con), "entraine"
    except EMTrainingException:
        return untrained(), "sans_donnees"


def untrained() -> dict[str, Any]:
    model = settings().get_settings("duckdb").as_dict()
    model["linker_uid"] = MODEL_UID
    return model


def predict(con: duckdb.DuckDBPyConnection, model: dict[str, Any]) -> duckdb.DuckDBPyRelation:
    """Score the rows to compare against the cohort; one row per source row and member
    (none when there is nothing to compare, no cohort row or no trained model)."""
    sources, cohort = con.execute(
        f"select (select count(*) from {SOURCES} where a_comparer),"  # noqa: S608
        f" (select count(*) from {COHORT})"
    ).fetchone()
    if sources and cohort and is_trained(model):
        # the blocking is not learnt: this version's bounded rules, whatever a model saved by
        # an earlier run (--modele) says
        model = {
            **model,
            "blocking_rules_to_generate_predictions": untrained()[
                "blocking_rules_to_generate_predictions"
            ],
        }
        linker = _linker(con, model, "a_comparer")
        scored = linker.inference.predict(threshold_match_weight=FLOOR_WEIGHT)
        con.execute(
            f"create or replace temp table pipase_paires as select * from {scored.physical_name}"
        )  # noqa: S608
    else:
        con.execute(
            "create or replace temp table pipase_paires (unique_id_l varchar, unique_id_r"
            " varchar, source_dataset_l varchar, source_dataset_r varchar, match_weight double)"
        )
    return con.sql(f"""
        with pairs as (
            select
                case when source_dataset_l = 'sources' then unique_id_l else unique_id_r end
                    as id_source,
                case when source_dataset_l = 'sources' then unique_id_r else unique_id_l end
                    as id_cohorte,
                match_weight
            from pipase_paires
        ),
        by_member as (
            select
                pairs.id_source,
                cohort.cle_membre,
                max(pairs.match_weight) as poids,
                arg_max(pairs.id_cohorte, pairs.match_weight) as id_cohorte
            from pairs
            inner join {COHORT} as cohort on pairs.id_cohorte = cohort.unique_id
            group by all
        ),
        ranked as (
            select
                *,
                row_number() over (
                    partition by id_source order by poids desc, cle_membre
                ) as rang
            from by_member
        ),
        -- the evidence int_crossing__appariements weighs, for the best member (its twin test
        -- reads the second)
        judged as (
            select
                ranked.id_source,
                ranked.rang,
                ranked.cle_membre,
                ranked.poids,
                coalesce(sources.genre <> member_row.genre, false) as genre_discordant,
                -- both dates known to the day and equal
                coalesce(sources.date_naissance = member_row.date_naissance, false)
                    as date_identique,
                -- same year and month, the days more than 3 apart: a namesake born the same
                -- month (the synthetic lookalikes) rather than a typo, whatever the names say
                coalesce(
                    sources.annee = member_row.annee and sources.mois = member_row.mois
                    and abs(sources.jour - member_row.jour) > 3, false
                ) as jour_different,
                -- nothing in the surname says it is the same person (both known, no level of
                -- the surname comparison but "nom différent" holds) and the birth dates do not
                -- agree as far as both are known (a date missing on a side agrees with nothing)
                coalesce(sources.nom is not null and member_row.nom is not null and not coalesce(
                    {_surname_agrees("sources", "member_row")}, false
                ), false) and not coalesce(
                    sources.annee = member_row.annee
                    and (sources.mois is null or member_row.mois is null
                        or (sources.mois = member_row.mois
                            and (sources.jour is null or member_row.jour is null
                                or sources.jour = member_row.jour))), false
                ) as nom_et_date_differents,
                -- both rows record a birth name and nothing in the surname agrees (no level of
                -- the surname comparison but "nom différent"): no married name explains it (a
                -- married name is recorded where the birth name is not, as step 2's
                -- cle_prenom_date reads it); a namesake on the first name and birth date (at
                -- 100,000 youths, 176 of the pass's 200 wrong links) is as likely as a surname
                -- replaced
                coalesce(
                    sources.nom_naissance_connu and member_row.nom_naissance_connu
                    and not coalesce({_surname_agrees("sources", "member_row")}, false), false
                ) as nom_naissance_contredit,
                -- both years known and the dates differ in two fields or more (not one typo:
                -- neither the same year and month, nor the same year and day, nor the same day
                -- and month, nor day and month swapped; a date known only to the year and
                -- another year): a namesake born another day is as likely
                coalesce(
                    sources.annee is not null and member_row.annee is not null and not coalesce(
                    (sources.annee = member_row.annee
                        and (sources.mois is null or member_row.mois is null))
                    or (sources.annee = member_row.annee and sources.mois = member_row.mois)
                    or (sources.annee = member_row.annee and sources.jour = member_row.jour)
                    or (sources.annee = member_row.annee and sources.mois = member_row.jour
                        and sources.jour = member_row.mois)
                    or (sources.mois = member_row.mois and sources.jour = member_row.jour), false
                ), false) as date_eloignee,
                -- the other of the two best members is born the same day with the same
                -- surname (twins): only an exact first name tells them apart
                coalesce(
                    other_row.date_naissance = member_row.date_naissance
                    and other_row.nom = member_row.nom
                    and not coalesce(sources.prenom = member_row.prenom, false), false
                ) as jumeau_incertain
            from ranked
            inner join {SOURCES} as sources on ranked.id_source = sources.unique_id
            inner join {COHORT} as member_row on ranked.id_cohorte = member_row.unique_id
            left join ranked as other
                on ranked.id_source = other.id_source and other.rang = 3 - ranked.rang
            left join {COHORT} as other_row on other.id_cohorte = other_row.unique_id
            where ranked.rang <= 2
        ),
        best as (select * from judged where rang = 1),
        second as (select * from judged where rang = 2)
        select
            sources.base_source,
            sources._fichier,
            sources._ligne,
            best.cle_membre as cle_hachage,
            round(best.poids, 6) as poids_correspondance,
            round(second.poids, 6) as poids_second_candidat,
            best.genre_discordant,
            best.date_identique,
            best.jour_different,
            best.date_eloignee,
            best.jumeau_incertain,
            best.nom_et_date_differents,
            best.nom_naissance_contredit,
            -- the crossing weighs the commune of both (int_crossing__appariements)
            second.cle_membre as cle_second_candidat
        from best
        inner join {SOURCES} as sources on best.id_source = sources.unique_id
        left join second on best.id_source = second.id_source
        order by sources.base_source, sources._fichier, sources._ligne
    """)  # noqa: S608


@contextlib.contextmanager
def _workspace(session: Any) -> Iterator[duckdb.DuckDBPyConnection]:
    """A cursor of the build's own DuckDB instance whose default database is an in-memory
    database attached for the pass, detached (and so emptied) at the end.

    ``session`` is the connection dbt-duckdb hands the Python model (or any DuckDB connection).
    A cursor shares its database instance: the memory limit (PIPASE_DUCKDB_MEMORY_LIMIT), the
    temporary directory and the temporary-file encryption (PIPASE_DB_KEY) are the build's, so
    the pass is bounded by them and spills where, and as, the build spills. The tables Splink
    creates (unqualified ``CREATE TABLE``) and the pass's own land in the attached in-memory
    database or in the cursor's temporary tables: never in the database file.
    """
    cursor = session.cursor()
    name = f"pipase_passe_probabiliste_{os.getpid()}_{next(_WORKSPACES)}"
    try:
        cursor.execute(f"attach ':memory:' as {name}")
        cursor.execute(f"use {name}")
        yield cursor
    finally:
        cursor.close()
        session.execute(f"detach database if exists {name}")


_WORKSPACES = itertools.count(1)


def relation_sql(relation: Any) -> str:
    """The SQL of what dbt-duckdb's ``dbt.ref()`` returns (a lazy ``select * from`` the ref'd
    relation, fully qualified: nothing is read), as a subquery for prepare(): the identities
    are read by SQL in the build's instance, never copied out of it."""
    return "(" + relation.sql_query() + ")"


def model_in_build(session: Any, identites: str, cohorte: str) -> Any:
    """dbt Python model int_keys__modele_probabiliste: one row, the model as JSON.

    ``identites`` and ``cohorte`` are SQL relations readable by ``session`` (relation_sql of
    the refs). The returned one-row Arrow table holds no identity (assert_no_identity)."""
    import pyarrow as pa

    with _workspace(session) as con:
        prepare(con, identites, cohorte)
        model, origin = model_for_build(con)
        assert_no_identity(model, con)
    text = json.dumps(model, sort_keys=True, ensure_ascii=False)
    return pa.table({"origine_modele": [origin], "modele_json": [text]})


def links_in_build(session: Any, identites: str, cohorte: str, model_json: str) -> Any:
    """dbt Python model int_keys__liens_probabilistes: best member per compared source row,
    as a relation of ``session`` (a temporary table of its connection, which dbt-duckdb
    materialises: no copy out of DuckDB)."""
    result = f"pipase_liens_resultat_{os.getpid()}_{next(_WORKSPACES)}"
    with _workspace(session) as con:
        prepare(con, identites, cohorte)
        predict(con, json.loads(model_json)).create("pipase_liens")
        workspace = con.execute("select current_database()").fetchone()[0]
        session.execute(
            f"create or replace temp table {result} as select * from {workspace}.main.pipase_liens"
        )  # noqa: S608
    return session.sql(f"select * from {result}")  # noqa: S608


def _arrow_session(identities: Any, cohort: Any) -> duckdb.DuckDBPyConnection:
    """For callers holding Arrow tables (the FEBRL benchmark, the tests): an in-memory
    connection holding them as the tables ``memory.main.identites`` and ``cohorte`` (qualified:
    the pass's cursor works in its own database)."""
    con = duckdb.connect(
        ":memory:",
        config={"autoinstall_known_extensions": False, "autoload_known_extensions": False},
    )
    con.register("identites_arrow", _typed(identities))
    con.register("cohorte_arrow", _typed(cohort))
    con.execute("create table identites as select * from identites_arrow")
    con.execute("create table cohorte as select * from cohorte_arrow")
    con.unregister("identites_arrow")
    con.unregister("cohorte_arrow")
    return con


def _typed(table: Any) -> Any:
    """Columns Arrow could not type (all empty: null, list of null) as text, as in
    int_keys__identites (a table would type them INTEGER)."""
    import pyarrow as pa

    def text(kind: Any) -> Any:
        if pa.types.is_null(kind):
            return pa.string()
        if pa.types.is_list(kind):
            return pa.list_(text(kind.value_type))
        return kind

    return table.cast(pa.schema([(f.name, text(f.type)) for f in table.schema]))


def model_table(identities: Any, cohort: Any) -> Any:
    """model_in_build on Arrow tables (int_keys__identites' and int_keys__iodas_ase__cohorte's
    columns)."""
    con = _arrow_session(identities, cohort)
    try:
        return model_in_build(con, "memory.main.identites", "memory.main.cohorte")
    finally:
        con.close()


def links_table(identities: Any, cohort: Any, model_json: str) -> Any:
    """links_in_build on Arrow tables, as an Arrow table."""
    con = _arrow_session(identities, cohort)
    try:
        return (
            links_in_build(con, "memory.main.identites", "memory.main.cohorte", model_json)
            .arrow()
            .read_all()
        )
    finally:
        con.close()
