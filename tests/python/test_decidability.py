"""pipase.linkage.decidability: which missed rows no linkage could decide, on hand-made
identities (a namesake without a date, a row with only a first name, a commune that tells two
namesakes apart, a person with two records); each rule removed from the query fails a case."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from pipase.linkage import decidability

COLUMNS = (
    "base_source", "_fichier", "_ligne", "id_individu", "nom_normalise",
    "nom_naissance_normalise", "nom_usage_normalise", "prenom_normalise", "prenom2_normalise",
    "parties_nom_normalisees", "noms_sans_particule", "parties_prenom_normalisees",
    "date_naissance", "precision_date", "genre", "cle_hachage",
)  # fmt: skip


def _identity(source, line, nom, prenom, date, genre, *, id_individu=None, usage=None,
              birth_name=True, key=None):  # fmt: skip
    usage = usage or nom
    return (
        source, "f.csv", line, id_individu, usage if not birth_name else nom,
        nom if birth_name else None, usage, prenom, None, [], [], [],
        None if date is None else dt.date.fromisoformat(date), "jour", genre, key,
    )  # fmt: skip


def _database(rows, communes=()):
    con = duckdb.connect()
    con.execute("create schema identifying; create schema crossing")
    con.execute(
        "create table identifying.int_keys__identites (base_source varchar, _fichier varchar,"
        " _ligne integer, id_individu varchar, nom_normalise varchar,"
        " nom_naissance_normalise varchar, nom_usage_normalise varchar, prenom_normalise varchar,"
        " prenom2_normalise varchar, parties_nom_normalisees varchar[],"
        " noms_sans_particule varchar[], parties_prenom_normalisees varchar[],"
        " date_naissance date, precision_date varchar, genre varchar, cle_hachage varchar)"
    )
    con.executemany(
        f"insert into identifying.int_keys__identites values ({', '.join('?' * len(COLUMNS))})",
        rows,
    )
    con.execute(
        "create table crossing.int_cohort__jeunes_ase as select distinct cle_hachage"
        " from identifying.int_keys__identites where base_source = 'iodas_ase'"
    )
    con.execute(
        "create table crossing.int_crossing__communes_identites (base_source varchar,"
        " _fichier varchar, _ligne integer, cle_hachage varchar, communes varchar[])"
    )
    if communes:
        con.executemany(
            "insert into crossing.int_crossing__communes_identites values (?, ?, ?, ?, ?)",
            communes,
        )
    return con


MEMBER = _identity("iodas_ase", 2, "DIALLO", "BOUBACAR", "1996-09-17", "M", id_individu="I1",
                   key="k1")  # fmt: skip
NAMESAKE = _identity("iodas_ase", 3, "DIALLO", "BOUBACAR", "2001-03-02", "M", id_individu="I2",
                     key="k2")  # fmt: skip
NO_DATE = _identity("webrsa", 2, "DIALLO", "BOUBACAR", None, "M")
THIN = _identity("webrsa", 3, "DERBAL", "HADIDJA", None, "F", usage="DERBAL", birth_name=False)
THIN_MEMBER = _identity("iodas_ase", 4, "MOHAMED", "HADIDJA", "1997-08-02", "F",
                        id_individu="I3", key="k3")  # fmt: skip
REPLACED = _identity("webrsa", 4, "SAIDI", "HANANE", "2004-12-31", "F")
REPLACED_MEMBER = _identity("iodas_ase", 5, "SAIDI", "MARIA", "2004-12-31", "F",
                            id_individu="I4", key="k4")  # fmt: skip
SISTER = _identity("iodas_ase", 6, "SAIDI", "HANANE", "1999-03-02", "F", id_individu="I5",
                   key="k5")  # fmt: skip
PERSONS = {"I1": "I1", "I2": "I2", "I3": "I3", "I4": "I4", "I5": "I5"}


def _undecidable(rows, missed, communes=(), persons=PERSONS):
    con = _database(rows, communes)
    try:
        return decidability.undecidable_rows(con, missed, persons)
    finally:
        con.close()


def test_a_namesake_without_a_date_to_tell_them_apart_is_undecidable():
    missed = [("webrsa", "f.csv", 2, "I1")]
    assert _undecidable([MEMBER, NAMESAKE, NO_DATE], missed) == {("webrsa", "f.csv", 2)}
    # alone in the cohort, the same row is the crossing's to find
    assert _undecidable([MEMBER, NO_DATE], missed) == set()


def test_a_row_with_only_a_first_name_and_a_sex_that_fit_is_undecidable():
    """Birth date missing, birth name missing and a married name in its place: even with no
    other HADIDJA in the cohort, nothing designates the member."""
    missed = [("webrsa", "f.csv", 3, "I3")]
    assert _undecidable([THIN_MEMBER, THIN], missed) == {("webrsa", "f.csv", 3)}


def test_a_first_name_replaced_stays_decidable_when_no_one_fits_as_well():
    """SAIDI HANANE 31/12/2004: her member SAIDI MARIA born that day fits on surname and date,
    a SAIDI HANANE born in 1999 on surname and first name: neither fits as well as the other
    on every field, so the row is decidable (a miss the crossing could win)."""
    missed = [("webrsa", "f.csv", 4, "I4")]
    assert _undecidable([REPLACED_MEMBER, SISTER, REPLACED], missed) == set()


def test_a_commune_shared_only_with_the_member_makes_the_namesakes_decidable():
    """The row's communes by its place, a member's by its cohort key (as
    int_crossing__communes_identites records them)."""
    missed = [("webrsa", "f.csv", 2, "I1")]
    communes = [
        ("webrsa", "f.csv", 2, None, ["93066"]),
        ("iodas_ase", None, None, "k1", ["93066"]),
        ("iodas_ase", None, None, "k2", ["93008"]),
    ]
    assert _undecidable([MEMBER, NAMESAKE, NO_DATE], missed, communes) == set()


def test_a_person_s_second_record_does_not_make_their_own_row_undecidable():
    second_record = _identity("iodas_ase", 7, "DIALLO", "BOUBACAR", "1996-09-17", "M",
                              id_individu="I9", key="k9")  # fmt: skip
    persons = {**PERSONS, "I1": "I1;I9", "I9": "I1;I9"}
    missed = [("webrsa", "f.csv", 2, "I1;I9")]
    assert _undecidable([MEMBER, second_record, NO_DATE], missed, persons=persons) == set()


def test_no_missed_row_is_no_query():
    assert decidability.undecidable_rows(duckdb.connect(), [], PERSONS) == set()


@pytest.mark.parametrize(
    ("removed", "replacement", "case"),
    [
        # another person: the member's own record would dominate every row
        ("where candidate_persons.personne <> blocked.vraie_personne", "", "alone"),
        # the thin rule: a row with only a first name would count as decidable
        ("(truth.niveau_nom = 0 and truth.niveau_date = 0)\n    or ", "", "thin"),
        # the commune in the dominance: namesakes told apart by it would count as undecidable
        (" and other.niveau_commune >= truth.niveau_commune", "", "commune"),
        # the date's levels: a replaced first name would be dominated by a namesake
        (
            "then 2\n        when year(r.date_naissance)",
            "then 0\n        when year(r.date_naissance)",
            "replaced",
        ),
    ],
)  # fmt: skip
def test_each_rule_removed_fails_a_case(monkeypatch, removed, replacement, case):
    assert removed in decidability._QUERY
    monkeypatch.setattr(decidability, "_QUERY", decidability._QUERY.replace(removed, replacement))
    outcomes = {
        "alone": _undecidable([MEMBER, NO_DATE], [("webrsa", "f.csv", 2, "I1")]) == set(),
        "thin": _undecidable([THIN_MEMBER, THIN], [("webrsa", "f.csv", 3, "I3")])
        == {("webrsa", "f.csv", 3)},
        "commune": _undecidable(
            [MEMBER, NAMESAKE, NO_DATE],
            [("webrsa", "f.csv", 2, "I1")],
            [
                ("webrsa", "f.csv", 2, None, ["93066"]),
                ("iodas_ase", None, None, "k1", ["93066"]),
                ("iodas_ase", None, None, "k2", ["93008"]),
            ],
        )
        == set(),
        "replaced": _undecidable(
            [REPLACED_MEMBER, SISTER, REPLACED], [("webrsa", "f.csv", 4, "I4")]
        )
        == set(),
    }
    assert not outcomes[case]
