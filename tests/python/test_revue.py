"""`pipase revue`: the pairs sent to review, identities side by
side, in a local HTML page readable by its owner only, values escaped; nothing else listed."""

from __future__ import annotations

import datetime as dt
import stat

import duckdb
import pytest

from pipase import cli
from pipase.errors import PipaseError
from pipase.linkage import revue

KEY = "ab" * 32


def _database(path):
    con = duckdb.connect(str(path))
    con.execute("create schema crossing; create schema identifying")
    con.execute(
        "create table crossing.int_crossing__appariements as select * from (values"
        " ('webrsa', 'p.csv', 2, 'revue_jour_different'), ('webrsa', 'p.csv', 3, null))"
        " as t (base_source, _fichier, _ligne, motif_non_appariement)"
    )
    con.execute(
        "create table identifying.int_keys__liens_probabilistes as select * from (values"
        f" ('webrsa', 'p.csv', 2, '{KEY}', 12.5, null), ('webrsa', 'p.csv', 3, '{KEY}', 20.0, 1.0))"
        " as t (base_source, _fichier, _ligne, cle_hachage, poids_correspondance,"
        " poids_second_candidat)"
    )
    con.execute(
        "create table identifying.int_keys__identites (base_source varchar, _fichier varchar,"
        " _ligne integer, id_individu varchar, nom_normalise varchar, prenom_normalise varchar,"
        " date_naissance date, genre varchar)"
    )
    con.executemany(
        "insert into identifying.int_keys__identites values (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            ("webrsa", "p.csv", 2, None, "DUPONT<SCRIPT>", "JEAN", dt.date(2001, 3, 4), "M"),
            ("webrsa", "p.csv", 3, None, "LIENEXACT", "PAUL", dt.date(2001, 3, 4), "M"),
            ("iodas_ase", "i.csv", 2, "IND1", "DUPONT", "JEAN", dt.date(2001, 3, 25), "M"),
        ],
    )
    con.execute(
        "create table identifying.int_keys__iodas_ase__cohorte as select 'IND1' as id_individu,"
        f" '{KEY}' as cle_hachage, true as est_dans_cohorte"
    )
    con.close()


def test_review_page_lists_only_the_review_pairs_escaped_and_private(tmp_path, capsys):
    database, page = tmp_path / "p.duckdb", tmp_path / "revue" / "revue.html"
    _database(database)
    assert cli.main(["revue", "--database", str(database), "--out", str(page)]) == 0
    text = page.read_text(encoding="utf-8")
    assert "DUPONT&lt;SCRIPT&gt; JEAN, 2001-03-04, M" in text
    assert "DUPONT JEAN, 2001-03-25, M" in text  # the member's Iodas-ASE identity beside it
    assert "même mois et année, jours éloignés" in text
    assert KEY in text
    assert "LIENEXACT" not in text  # a linked row is no review
    assert "<script" not in text.lower().replace("&lt;script&gt;", "")
    assert stat.S_IMODE(page.stat().st_mode) == 0o600
    out = capsys.readouterr().out
    assert "1 paire(s)" in out and "DUPONT" not in out


def test_review_needs_a_built_database(tmp_path):
    database = tmp_path / "vide.duckdb"
    duckdb.connect(str(database)).close()
    with pytest.raises(PipaseError) as refused:
        revue.write_review(database, tmp_path / "revue.html")
    assert refused.value.rule == "revue_sans_build"
