"""`pipase load`: whole-file errors, row rejects, types, encodings, line numbers, atomicity.

Inputs are built by hand from the contracts (tests/python/load_fixtures.py); expected values
are computed there or written here from the contracts' rules, never read back from the loader.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import shutil
import zipfile
from decimal import Decimal
from pathlib import Path

import duckdb
import load_fixtures as lf
import pytest

from pipase import load
from pipase.load import ContractError, LoadError, load_extraction
from pipase.load import progress as progress_module

EXPECTED_TYPES = {
    "varchar": "VARCHAR",
    "integer": "INTEGER",
    "decimal": "DECIMAL(12,2)",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
    "boolean": "BOOLEAN",
}


# ---------------------------------------------------------------------------- helpers


def rows_of(con, table: str) -> list[dict]:
    rel = con.execute(f'select * from raw."{table}" order by _ligne')
    names = [d[0] for d in rel.description]
    return [dict(zip(names, row, strict=True)) for row in rel.fetchall()]


def rejects_of(con, load_id: str) -> list[tuple]:
    return sorted(
        con.execute(
            'select source, "table", file, line, "column", rule, message, valeur '
            "from raw.load_rejects where load_id = ?",
            [load_id],
        ).fetchall(),
        key=repr,
    )


def report_of(con, load_id: str) -> dict[str, tuple]:
    rows = con.execute(
        "select file, rows_read, rows_loaded, rows_rejected, status, file_sha256 "
        "from raw.load_report where load_id = ?",
        [load_id],
    ).fetchall()
    return {r[0]: r[1:] for r in rows}


def connect(db: Path):
    return duckdb.connect(str(db))


def edit_csv(path: Path, spec, rows: list[dict], **options) -> None:
    lf.write_csv(path, spec, rows, **options)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "db" / "pipase.duckdb"


@pytest.fixture(autouse=True)
def english(monkeypatch) -> None:
    """The messages checked here are the English ids (French is tested in test_load_safety)."""
    monkeypatch.setenv("PIPASE_LANG", "en")


# ---------------------------------------------------------------------------- valid loads


def test_every_source_loads_typed_in_contract_order(tmp_path: Path, db: Path) -> None:
    extraction = tmp_path / "ex"
    written = lf.write_extraction(extraction, n=4)
    result = load_extraction(extraction, db, extraction_date=dt.date(2026, 10, 31))
    assert result.ok and result.status == "loaded" and not result.errors
    with connect(db) as con:
        for source, contract in lf.contracts().items():
            for spec in contract.files:
                table = f"{source}__{spec.table}"
                described = con.execute(f'describe raw."{table}"').fetchall()
                names = [d[0] for d in described]
                types = [d[1] for d in described]
                reasons = {c.reason_column for c in spec.columns if c.reason_column}
                assert names == [
                    n for c in spec.columns for n in (c.name, c.reason_column) if n
                ] + ["_fichier", "_ligne"]
                assert types == [
                    t
                    for c in spec.columns
                    for t in (EXPECTED_TYPES[c.type], "VARCHAR" if c.reason_column else None)
                    if t
                ] + ["VARCHAR", "INTEGER"]
                assert reasons <= {"motif_date_naissance", "motif_dtnai"}
                loaded = rows_of(con, table)
                expected = written[source][spec.table]
                assert len(loaded) == len(expected) == 4
                for index, (got, want) in enumerate(zip(loaded, expected, strict=True)):
                    assert {k: got[k] for k in want.expected} == want.expected, table
                    assert got["_fichier"] == spec.file
                    assert got["_ligne"] == index + 2  # header is line 1
        report = report_of(con, result.load_id)
        assert len(report) == sum(len(c.files) for c in lf.contracts().values())
        for file, (read, loaded_, rejected, status, sha) in report.items():
            assert (read, loaded_, rejected, status) == (4, 4, 0, "loaded"), file
            assert len(sha) == 64
        extraction_row = con.execute(
            "select extraction_date, status, started_at <= finished_at from raw.load_extractions"
        ).fetchall()
        assert extraction_row == [(dt.date(2026, 10, 31), "loaded", True)]
        dates = con.execute("select distinct extraction_date from raw.load_report").fetchall()
        assert dates == [(dt.date(2026, 10, 31),)]


def test_file_sha256_is_the_hash_of_the_file_bytes(tmp_path: Path, db: Path) -> None:
    import hashlib

    extraction = tmp_path / "ex"
    lf.write_extraction(extraction, n=2, sources=["webrsa"])
    result = load_extraction(extraction, db, sources=["webrsa"])
    with connect(db) as con:
        report = report_of(con, result.load_id)
    digest = hashlib.sha256((extraction / "webrsa" / "dsps.csv").read_bytes()).hexdigest()
    assert report["webrsa/dsps.csv"][4] == digest


def test_header_only_file_loads_an_empty_table(tmp_path: Path, db: Path) -> None:
    extraction = tmp_path / "ex"
    lf.write_extraction(extraction, n=2, sources=["iodas_ase"])
    spec = lf.spec_of("iodas_ase", "hors_placement")
    lf.write_csv(extraction / "iodas_ase" / spec.file, spec, [])
    result = load_extraction(extraction, db, sources=["iodas_ase"])
    assert result.ok
    with connect(db) as con:
        assert rows_of(con, "iodas_ase__hors_placement") == []
        assert report_of(con, result.load_id)["iodas_ase/hors_placement.csv"][:4] == (
            0,
            0,
            0,
            "loaded",
        )


def test_reload_replaces_tables_and_appends_reports(tmp_path: Path, db: Path) -> None:
    first, second = tmp_path / "ex1", tmp_path / "ex2"
    lf.write_extraction(first, n=3, sources=["nova_dpas"])
    written = lf.write_extraction(second, n=5, seed=11, sources=["nova_dpas"])
    one = load_extraction(first, db, sources=["nova_dpas"])
    two = load_extraction(second, db, sources=["nova_dpas"])
    with connect(db) as con:
        loaded = rows_of(con, "nova_dpas__personnes")
        assert [r["id_personne"] for r in loaded] == [
            r.expected["id_personne"] for r in written["nova_dpas"]["personnes"]
        ]
        ids = con.execute("select distinct load_id from raw.load_report order by 1").fetchall()
        assert ids == sorted([(one.load_id,), (two.load_id,)])


# ---------------------------------------------------------------------------- row rejects


def test_row_rejects_name_line_column_rule_and_never_an_identity(tmp_path: Path, db: Path) -> None:
    extraction = tmp_path / "ex"
    lf.write_extraction(extraction, n=2, sources=["iodas_ase"])
    spec = lf.spec_of("iodas_ase", "individus")
    good = lf.make_rows(spec, 7)
    texts = [dict(r.text) for r in good]
    texts[1]["date_naissance"] = "31/02/2003"  # line 3: impossible
    texts[2]["date_naissance"] = "2003-02-01"  # line 4: not the declared format
    texts[3]["sexe"] = "X"  # line 5: not accepted
    texts[4]["id_individu"] = "   "  # line 6: required, blank
    texts[4]["sexe"] = "Y"  # line 6: a second problem on the same row
    texts[5]["date_naissance"] = "12/13/2003"  # line 7: month 13
    texts[6]["nom_usage"] = "  Dupont-Lajoie  "  # line 8: valid, trimmed
    texts[6]["nom_naissance"] = " \u00a0 "  # line 8: blank (no-break space), not required: NULL
    texts[6]["circonscription"] = "\tASE 07 - Saint-Denis\u00a0"  # line 8: tab, no-break space
    lf.write_csv(extraction / "iodas_ase" / spec.file, spec, texts)
    result = load_extraction(extraction, db, sources=["iodas_ase"])
    assert result.ok  # row rejects do not fail a load
    with connect(db) as con:
        rejects = rejects_of(con, result.load_id)
        got = {(r[3], r[4], r[5]) for r in rejects}
        # the birth date (if_invalid: empty) rejects nothing: lines 3, 4, 7 are loaded
        assert got == {
            (5, "sexe", "accepted_values"),
            (6, "id_individu", "required"),
            (6, "sexe", "accepted_values"),
        }
        assert len(rejects) == 3
        for _source, _table, file, _line, column, _rule, message, valeur in rejects:
            assert file == "iodas_ase/individus.csv"
            if column == "date_naissance":  # identifying: direct
                assert valeur is None
            for identity in ("31/02/2003", "2003-02-01", "12/13/2003"):
                assert identity not in message
        assert {r[7] for r in rejects if r[4] == "sexe"} == {"X", "Y"}
        report = report_of(con, result.load_id)["iodas_ase/individus.csv"]
        assert report[:4] == (7, 5, 2, "loaded_with_rejects")
        loaded = rows_of(con, "iodas_ase__individus")
        assert [r["_ligne"] for r in loaded] == [2, 3, 4, 7, 8]
        assert [(r["date_naissance"] is None, r["motif_date_naissance"]) for r in loaded] == [
            (False, None),
            (True, "date_impossible"),
            (True, "date_illisible"),
            (True, "date_impossible"),
            (False, None),
        ]
        assert loaded[4]["nom_usage"] == "Dupont-Lajoie"
        assert loaded[4]["nom_naissance"] is None
        assert loaded[4]["circonscription"] == "ASE 07 - Saint-Denis"
        for row in con.execute(
            "select rows_read, rows_loaded, rows_rejected from raw.load_report"
        ).fetchall():
            assert row[0] == row[1] + row[2]


def _birth_date_cases(extraction: Path) -> None:
    """Nova-DPAS personnes with every kind of bad birth date, one bad code, and a mesures file
    whose start date (no if_invalid) is impossible on one row."""
    lf.write_extraction(extraction, n=2, sources=["nova_dpas", "iodas_ase"])
    spec = lf.spec_of("nova_dpas", "personnes")
    texts = [dict(r.text) for r in lf.make_rows(spec, 7)]
    texts[1]["date_naissance"] = ""  # line 3: missing (a required column)
    texts[2]["date_naissance"] = "31-02-2003"  # line 4: impossible
    texts[3]["date_naissance"] = "2003/02/01"  # line 5: unreadable
    texts[4]["date_naissance"] = "30-04-2003"  # line 6: valid
    texts[5]["date_naissance"] = "31-04-2003"  # line 7: impossible, and a bad code:
    texts[5]["lien_usager"] = "Voisin"  # rejected (on the code only)
    lf.write_csv(extraction / "nova_dpas" / spec.file, spec, texts)
    spec = lf.spec_of("iodas_ase", "mesures")
    texts = [dict(r.text) for r in lf.make_rows(spec, 3)]
    texts[1]["date_debut"] = "31/02/2010"  # other date columns keep rejecting
    lf.write_csv(extraction / "iodas_ase" / spec.file, spec, texts)


def test_a_bad_birth_date_loads_the_row_empty_with_its_reason(tmp_path: Path, db: Path) -> None:
    extraction = tmp_path / "ex"
    _birth_date_cases(extraction)
    result = load_extraction(extraction, db, sources=["nova_dpas", "iodas_ase"])
    assert result.ok and result.rows_with_warnings == 3
    with connect(db) as con:
        loaded = {
            r["_ligne"]: (r["date_naissance"], r["motif_date_naissance"])
            for r in rows_of(con, "nova_dpas__personnes")
        }
        rejects = {(r[2], r[3], r[4], r[5]) for r in rejects_of(con, result.load_id)}
        reports = con.execute(
            "select file, rows_read, rows_loaded, rows_rejected, rows_with_warnings "
            "from raw.load_report where load_id = ?",
            [result.load_id],
        ).fetchall()
        sources = con.execute(
            "select source, rows_read, rows_loaded, rows_rejected, rows_with_warnings "
            "from raw.load_sources where load_id = ?",
            [result.load_id],
        ).fetchall()
    assert loaded[2][1] is None and loaded[2][0] is not None
    assert loaded[3] == (None, "date_absente")
    assert loaded[4] == (None, "date_impossible")
    assert loaded[5] == (None, "date_illisible")
    assert loaded[6] == (dt.date(2003, 4, 30), None)
    assert 7 not in loaded  # rejected for its code; its date is no reject of its own
    assert rejects == {
        ("nova_dpas/personnes.csv", 7, "lien_usager", "accepted_values"),
        ("iodas_ase/mesures.csv", 3, "date_debut", "date_impossible"),
    }
    by_file = {r[0]: r[1:] for r in reports}
    assert by_file["nova_dpas/personnes.csv"] == (7, 6, 1, 3)
    assert by_file["iodas_ase/mesures.csv"] == (3, 2, 1, 0)
    for read, loaded_, rejected, warned in by_file.values():
        assert read == loaded_ + rejected and 0 <= warned <= loaded_  # every row accounted
    assert dict((s[0], s[1:]) for s in sources)["nova_dpas"] == (
        sum(v[0] for f, v in by_file.items() if f.startswith("nova_dpas/")),
        sum(v[1] for f, v in by_file.items() if f.startswith("nova_dpas/")),
        1,
        3,
    )


def test_without_the_policy_the_bad_birth_dates_reject_their_rows(tmp_path: Path, db: Path) -> None:
    """Mutation: the same files with `if_invalid: empty` removed from the contracts."""
    contracts_dir = lf.edited_contracts(tmp_path / "contracts", ", if_invalid: empty")
    extraction = tmp_path / "ex"
    _birth_date_cases(extraction)
    result = load_extraction(
        extraction, db, sources=["nova_dpas", "iodas_ase"], contracts_dir=contracts_dir
    )
    assert result.ok and result.rows_with_warnings == 0
    with connect(db) as con:
        lines = [r["_ligne"] for r in rows_of(con, "nova_dpas__personnes")]
        columns = [d[0] for d in con.execute("describe raw.nova_dpas__personnes").fetchall()]
        rules = {(r[3], r[5]) for r in rejects_of(con, result.load_id) if r[4] == "date_naissance"}
    assert lines == [2, 6, 8] and "motif_date_naissance" not in columns
    assert rules == {
        (3, "required"),
        (4, "date_impossible"),
        (5, "date_format"),
        (7, "date_impossible"),
    }


@pytest.mark.parametrize(
    "column",
    [
        "{name: date_naissance, type: date, if_invalid: empty}",  # not identifying
        "{name: nom, type: varchar, identifying: direct, if_invalid: empty}",  # not a date
        "{name: date_naissance, type: date, identifying: direct, if_invalid: keep}",
    ],
)
def test_if_invalid_empty_is_refused_outside_a_birth_date(tmp_path: Path, column: str) -> None:
    (tmp_path / "demo.yml").write_text(
        f"source: demo\nfiles:\n  - table: t\n    file: t.csv\n    columns:\n      - {column}\n",
        encoding="utf-8",
    )
    with pytest.raises(ContractError, match="if_invalid"):
        lf.contracts(tmp_path)


EXTRACTION_DAY = dt.date(2026, 6, 30)


def _out_of_range_cases(extraction: Path) -> None:
    """Birth dates and event dates with a mistyped year or later than the extraction
    (2026-06-30), and dates that may follow it (a planned end, a scheduled appointment)."""
    lf.write_extraction(extraction, n=2, sources=["nova_dpas", "iodas_ase"])
    spec = lf.spec_of("nova_dpas", "personnes")
    texts = [dict(r.text) for r in lf.make_rows(spec, 5)]
    texts[1]["date_naissance"] = "12-05-0203"  # line 3: year 0203
    texts[2]["date_naissance"] = "31-12-9999"  # line 4: year 9999
    texts[3]["date_naissance"] = "01-07-2026"  # line 5: the day after the extraction
    texts[4]["date_naissance"] = "30-06-2026"  # line 6: the extraction day itself
    lf.write_csv(extraction / "nova_dpas" / spec.file, spec, texts)
    spec = lf.spec_of("nova_dpas", "rendez_vous")
    texts = [dict(r.text) for r in lf.make_rows(spec, 2)]
    texts[1]["date_rdv"] = "15-09-2026 10:00"  # line 3: a scheduled appointment
    lf.write_csv(extraction / "nova_dpas" / spec.file, spec, texts)
    spec = lf.spec_of("iodas_ase", "mesures")
    texts = [dict(r.text) for r in lf.make_rows(spec, 5)]
    texts[1]["date_debut"] = "01/07/2026"  # line 3: starts after the extraction
    texts[2]["date_fin"] = "31/12/9999"  # line 4: an end in year 9999
    texts[3]["date_fin"] = "31/08/2030"  # line 5: a planned end, allowed
    texts[4]["date_decision"] = "03/02/1899"  # line 6: before 1900
    lf.write_csv(extraction / "iodas_ase" / spec.file, spec, texts)


def test_dates_out_of_range_or_after_the_extraction_are_refused(tmp_path: Path, db: Path) -> None:
    """A year 0203 or 9999 and a birth, decision or start after the extraction date never load
    as dates (the tester's 0203-01 and 9999-12 months left in annex 2): a birth date is emptied
    with its reason, any other row is rejected; a planned end and an appointment may follow."""
    extraction = tmp_path / "ex"
    _out_of_range_cases(extraction)
    result = load_extraction(
        extraction, db, sources=["nova_dpas", "iodas_ase"], extraction_date=EXTRACTION_DAY
    )
    assert result.ok and result.rows_with_warnings == 3
    with connect(db) as con:
        people = {
            r["_ligne"]: (r["date_naissance"], r["motif_date_naissance"])
            for r in rows_of(con, "nova_dpas__personnes")
        }
        appointments = [r["_ligne"] for r in rows_of(con, "nova_dpas__rendez_vous")]
        measures = {r["_ligne"]: r["date_fin"] for r in rows_of(con, "iodas_ase__mesures")}
        rejects = rejects_of(con, result.load_id)
    assert people[3] == (None, "date_hors_periode")
    assert people[4] == (None, "date_hors_periode")
    assert people[5] == (None, "date_posterieure_extraction")
    assert people[6] == (EXTRACTION_DAY, None)
    assert appointments == [2, 3]
    assert sorted(measures) == [2, 5] and measures[5] == dt.date(2030, 8, 31)
    assert [(r[2], r[3], r[4], r[5]) for r in rejects] == [
        ("iodas_ase/mesures.csv", 3, "date_debut", "date_after_extraction"),
        ("iodas_ase/mesures.csv", 4, "date_fin", "date_out_of_range"),
        ("iodas_ase/mesures.csv", 6, "date_decision", "date_out_of_range"),
    ]
    assert "2026-06-30" in rejects[0][6] and "1900-01-01" in rejects[1][6]


def test_without_an_extraction_date_the_load_day_bounds_the_events(
    tmp_path: Path, db: Path
) -> None:
    """`pipase load` without --extraction-date: nothing recorded can follow the load's day."""
    extraction = tmp_path / "ex"
    spec, texts = lf.extraction_texts(extraction, "nova_dpas", "personnes", 2, n=2)
    tomorrow = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=2)
    texts[1]["date_naissance"] = tomorrow.strftime("%d-%m-%Y")
    lf.write_csv(extraction / "nova_dpas" / spec.file, spec, texts)
    result = load_extraction(extraction, db, sources=["nova_dpas"])
    with connect(db) as con:
        reasons = [r["motif_date_naissance"] for r in rows_of(con, "nova_dpas__personnes")]
    assert result.ok and reasons == [None, "date_posterieure_extraction"]


def test_without_the_date_rules_the_impossible_years_load(
    tmp_path: Path, db: Path, monkeypatch
) -> None:
    """Mutation: `not_after_extraction` removed from the contracts and the 1900-2099 window
    opened; the same files then load every date of the test above."""
    from pipase.load import rules

    contracts_dir = lf.edited_contracts(tmp_path / "contracts", ", not_after_extraction: true")
    monkeypatch.setattr(rules, "DATE_MIN", dt.date(1, 1, 1))
    monkeypatch.setattr(rules, "DATE_MAX", dt.date(9999, 12, 31))
    extraction = tmp_path / "ex"
    _out_of_range_cases(extraction)
    result = load_extraction(
        extraction,
        db,
        sources=["nova_dpas", "iodas_ase"],
        extraction_date=EXTRACTION_DAY,
        contracts_dir=contracts_dir,
    )
    with connect(db) as con:
        births = [r["date_naissance"] for r in rows_of(con, "nova_dpas__personnes")]
        rejects = rejects_of(con, result.load_id)
    assert result.ok and result.rows_with_warnings == 0 and rejects == []
    assert dt.date(203, 5, 12) in births and dt.date(9999, 12, 31) in births


@pytest.mark.parametrize("value", ["yes", "1"])
def test_not_after_extraction_is_a_yes_or_no_on_a_date(tmp_path: Path, value: str) -> None:
    (tmp_path / "demo.yml").write_text(
        "source: demo\nfiles:\n  - table: t\n    file: t.csv\n    columns:\n"
        f"      - {{name: n, type: integer, not_after_extraction: {value}}}\n",
        encoding="utf-8",
    )
    with pytest.raises(ContractError, match="not_after_extraction"):
        lf.contracts(tmp_path)


def test_an_unknown_column_key_is_a_contract_error(tmp_path: Path) -> None:
    """A misspelt rule (`not_after_extration`) would otherwise be ignored without a word."""
    (tmp_path / "demo.yml").write_text(
        "source: demo\nfiles:\n  - table: t\n    file: t.csv\n    columns:\n"
        "      - {name: d, type: date, not_after_extration: true}\n",
        encoding="utf-8",
    )
    with pytest.raises(ContractError, match="not_after_extration"):
        lf.contracts(tmp_path)


def test_decimal_integer_boolean_and_accepted_integer_rules(tmp_path: Path, db: Path) -> None:
    extraction = tmp_path / "ex"
    lf.write_extraction(extraction, n=1, sources=["iodas_ase", "webrsa"])
    cjm = lf.spec_of("iodas_ase", "aides_cjm")
    amounts = [
        ("1 234,56", Decimal("1234.56")),
        ("-5,5", Decimal("-5.50")),
        ("12\u00a0345,00", Decimal("12345.00")),  # no-break space as thousands separator
        ("650", Decimal("650.00")),
        ("12,345", "decimal"),  # three decimals would be rounded
        ("abc", "decimal"),
        ("12.50", "decimal"),  # a point where the contract says comma
        ("1234567890123,00", "decimal"),  # more than decimal(12,2) holds
        ("1 23,00", "decimal"),  # a space that is not a thousands separator
    ]
    rows = [dict(r.text) for r in lf.make_rows(cjm, len(amounts))]
    for row, (text, _) in zip(rows, amounts, strict=True):
        row["montant"] = text
    lf.write_csv(extraction / "iodas_ase" / cjm.file, cjm, rows)
    personnes = lf.spec_of("webrsa", "personnes")
    prows = [dict(r.text) for r in lf.make_rows(personnes, 3)]
    prows[1]["id"] = "12a"
    prows[2]["foyer_id"] = "99999999999"  # beyond 32 bits
    lf.write_csv(extraction / "webrsa" / personnes.file, personnes, prows)
    prestations = lf.spec_of("webrsa", "prestations")
    srows = [dict(r.text) for r in lf.make_rows(prestations, 4)]
    srows[0]["topchapers"], srows[1]["topchapers"] = "TRUE", "f"
    srows[2]["topchapers"], srows[3]["topchapers"] = "peut-être", "1"
    lf.write_csv(extraction / "webrsa" / prestations.file, prestations, srows)
    sujets = lf.spec_of("webrsa", "cers93_sujets")
    jrows = [dict(r.text) for r in lf.make_rows(sujets, 3)]
    jrows[0]["sujetcer93_id"], jrows[1]["sujetcer93_id"], jrows[2]["sujetcer93_id"] = "6", "7", "x"
    lf.write_csv(extraction / "webrsa" / sujets.file, sujets, jrows)

    result = load_extraction(extraction, db, sources=["iodas_ase", "webrsa"])
    assert result.ok
    with connect(db) as con:
        loaded = {r["_ligne"]: r["montant"] for r in rows_of(con, "iodas_ase__aides_cjm")}
        rejects = rejects_of(con, result.load_id)
        for line, (text, want) in enumerate(amounts, start=2):
            if isinstance(want, Decimal):
                assert loaded[line] == want, text
            else:
                assert line not in loaded
                assert ("aides_cjm", line, "montant", "decimal", text) in {
                    (r[1], r[3], r[4], r[5], r[7]) for r in rejects
                }
        by_table = {(r[1], r[3], r[4], r[5]) for r in rejects if r[0] == "webrsa"}
        assert by_table == {
            ("personnes", 3, "id", "integer"),
            ("personnes", 4, "foyer_id", "integer"),
            ("prestations", 4, "topchapers", "boolean"),
            ("cers93_sujets", 3, "sujetcer93_id", "accepted_values"),
            ("cers93_sujets", 4, "sujetcer93_id", "integer"),
        }
        flags = {r["_ligne"]: r["topchapers"] for r in rows_of(con, "webrsa__prestations")}
        assert flags == {2: True, 3: False, 5: True}
        assert [r["sujetcer93_id"] for r in rows_of(con, "webrsa__cers93_sujets")] == [6]


DEMO_CONTRACT = """
source: demo
description: a contract written for the tests
format: {type: csv, delimiter: ";", encoding: utf-8, quote: '"', decimal_separator: ".",
         date_formats: ["%d/%m/%Y", "%m/%d/%Y"]}
files:
  - table: t
    file: t.csv
    columns:
      - {name: id, type: varchar, required: true}
      - {name: d, type: date}
      - {name: ts, type: timestamp, formats: ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d"]}
      - {name: b, type: boolean}
      - {name: x, type: decimal}
"""


def test_two_date_formats_reject_ambiguous_values_never_guess(tmp_path: Path, db: Path) -> None:
    contracts_dir = tmp_path / "contracts"
    contracts_dir.mkdir()
    (contracts_dir / "demo.yml").write_text(DEMO_CONTRACT, encoding="utf-8")
    spec = lf.spec_of("demo", "t", contracts_dir)
    at_1430, at_0000 = dt.datetime(2020, 3, 5, 14, 30), dt.datetime(2020, 3, 5)
    fmt = "date_format"
    cases = [
        # d, ts, b, x, expected (d, ts, b, x) or a set of (column, rule)
        ("05/03/2020", "", "", "", {("d", "date_ambiguous")}),
        ("13/03/2020", "", "", "", (dt.date(2020, 3, 13), None, None, None)),
        ("03/13/2020", "", "", "", (dt.date(2020, 3, 13), None, None, None)),
        ("05/05/2020", "", "", "", (dt.date(2020, 5, 5), None, None, None)),  # same either way
        ("31/02/2020", "", "", "", {("d", "date_impossible")}),
        ("2020-03-05", "", "", "", {("d", "date_format")}),
        ("", "2020-03-05 14:30:00", "Oui", "12.5", (None, at_1430, True, Decimal("12.50"))),
        ("", "2020-03-05", "NON", "-0.25", (None, at_0000, False, Decimal("-0.25"))),
        ("", "2020-03-05T14:30", "vrai", "12,5", {("ts", fmt), ("b", "boolean"), ("x", "decimal")}),
        ("", "2020-02-30", "", "", {("ts", "date_impossible")}),
    ]  # fmt: skip
    rows = [
        {"id": f"r{i}", "d": d, "ts": ts, "b": b, "x": x}
        for i, (d, ts, b, x, _) in enumerate(cases)
    ]
    lf.write_csv(tmp_path / "ex" / "demo" / "t.csv", spec, rows)
    result = load_extraction(tmp_path / "ex", db, contracts_dir=contracts_dir)
    assert result.ok
    with connect(db) as con:
        loaded = {r["_ligne"]: (r["d"], r["ts"], r["b"], r["x"]) for r in rows_of(con, "demo__t")}
        rejects = rejects_of(con, result.load_id)
    for line, (*_, want) in enumerate(cases, start=2):
        if isinstance(want, set):
            assert {(r[4], r[5]) for r in rejects if r[3] == line} == want, line
            assert line not in loaded
        else:
            assert loaded[line] == want, line


# ---------------------------------------------------------------------------- encodings


def test_cp1252_letters_outside_latin1_round_trip_exactly(tmp_path: Path, db: Path) -> None:
    extraction = tmp_path / "ex"
    spec, rows = lf.extraction_texts(extraction, "iodas_ase", "individus", 2)
    rows[0]["nom_usage"] = "Œuvray d’Été"
    rows[0]["prenom"] = "Cœur-Noël"
    rows[1]["nationalite"] = "“Française” … €"
    rows[1]["circonscription"] = "ASE 07 - Saint-Denis; l’Île"  # quoted: holds the delimiter
    path = lf.write_csv(extraction / "iodas_ase" / spec.file, spec, rows)
    raw = path.read_bytes()
    for byte in (b"\x8c", b"\x92", b"\x9c", b"\x93", b"\x94", b"\x85", b"\x80"):  # Œ ’ œ “ ” … €
        assert byte in raw
    result = load_extraction(extraction, db, sources=["iodas_ase"])
    assert result.ok
    with connect(db) as con:
        loaded = rows_of(con, "iodas_ase__individus")
    assert loaded[0]["nom_usage"] == "Œuvray d’Été"
    assert loaded[0]["prenom"] == "Cœur-Noël"
    assert loaded[1]["nationalite"] == "“Française” … €"
    assert loaded[1]["circonscription"] == "ASE 07 - Saint-Denis; l’Île"
    assert loaded[0]["sexe"] in ("Masculin", "Féminin", "Inconnu")
    assert not list(tmp_path.glob("db/.pipase-load-*"))  # the UTF-8 copy is gone


@pytest.mark.parametrize("source,table", [("webrsa", "personnes"), ("iodas_ase", "mesures")])
def test_a_byte_order_mark_inside_a_file_is_refused_at_its_line(
    tmp_path: Path, db: Path, source: str, table: str
) -> None:
    """Two exports put end to end (`cat a.csv b.csv`): the second one's mark opened the id of
    its first row (UTF-8 file) or read as "ï»¿" (cp1252), and its rows joined nothing."""
    extraction = tmp_path / "ex"
    lf.write_extraction(extraction, n=1, sources=[source])
    spec = lf.spec_of(source, table)
    first = lf.csv_bytes(spec, [r.text for r in lf.make_rows(spec, 2)])
    second = lf.csv_bytes(spec, [r.text for r in lf.make_rows(spec, 2, seed=5)])
    body = second.split(b"\n", 1)[1]  # without its header: only the mark is left over
    (extraction / source / spec.file).write_bytes(first + b"\xef\xbb\xbf" + body)
    result = load_extraction(extraction, db, sources=[source])
    [error] = result.errors
    assert (error.line, error.column, error.rule) == (4, spec.columns[0].name, "encoding")
    assert "byte-order mark" in str(error)


def test_mutation_without_the_mark_check_the_id_carries_it(
    tmp_path: Path, db: Path, monkeypatch
) -> None:
    from pipase.load import csv_source

    monkeypatch.setattr(csv_source, "UTF8_BOM", b"\x00never")
    extraction = tmp_path / "ex"
    lf.write_extraction(extraction, n=1, sources=["iodas_ase"])
    spec = lf.spec_of("iodas_ase", "individus")
    first = lf.csv_bytes(spec, [r.text for r in lf.make_rows(spec, 2)])
    body = lf.csv_bytes(spec, [r.text for r in lf.make_rows(spec, 1, seed=5)]).split(b"\n", 1)[1]
    (extraction / "iodas_ase" / spec.file).write_bytes(first + b"\xef\xbb\xbf" + body)
    result = load_extraction(extraction, db, sources=["iodas_ase"])
    with connect(db) as con:
        ids = [r[spec.columns[0].name] for r in rows_of(con, "iodas_ase__individus")]
    assert result.ok and ids[-1].startswith("ï»¿")  # cp1252 reads the mark as 3 letters


@pytest.fixture
def csv_default_limit():
    """The csv module's field limit as a fresh process has it (131,072), restored after."""
    import csv

    before = csv.field_size_limit(131_072)
    yield
    csv.field_size_limit(before)


def _long_value_extraction(tmp_path: Path) -> Path:
    """A comment of 200,000 characters holding a line break, in Iodas-ASE individus line 3."""
    extraction = tmp_path / "ex"
    spec, rows = lf.extraction_texts(extraction, "iodas_ase", "individus", 3)
    rows[1]["nationalite"] = "x" * 200_000 + "\nsuite"
    lf.write_csv(extraction / "iodas_ase" / spec.file, spec, rows)
    return extraction


def test_a_long_quoted_value_over_two_lines_loads(
    tmp_path: Path, db: Path, csv_default_limit
) -> None:
    """The csv module that numbers the lines stopped at its default limit and the load blamed
    mixed line ends; DuckDB reads a value of any length."""
    result = load_extraction(_long_value_extraction(tmp_path), db, sources=["iodas_ase"])
    assert result.ok, result.errors
    with connect(db) as con:
        loaded = rows_of(con, "iodas_ase__individus")
    assert [r["_ligne"] for r in loaded] == [2, 3, 5]
    assert len(loaded[1]["nationalite"]) == 200_006
    import csv

    assert csv.field_size_limit() == 131_072  # restored: the kit in the same process keeps it


def test_mutation_at_the_csv_modules_default_limit_the_load_stops(
    tmp_path: Path, db: Path, monkeypatch, csv_default_limit
) -> None:
    from pipase.load import csv_source

    monkeypatch.setattr(csv_source, "CSV_FIELD_LIMIT", 131_072)
    result = load_extraction(_long_value_extraction(tmp_path), db, sources=["iodas_ase"])
    assert [(e.line, e.rule) for e in result.errors] == [(3, "unreadable_file")]


def _duplicated_ids(extraction: Path) -> None:
    """Iodas-ASE individus: lines 3 and 4 share an id with different contents (two people or
    two versions: which one?), line 6 repeats line 5 as is."""
    spec, rows = lf.extraction_texts(extraction, "iodas_ase", "individus", 5)
    rows[2]["id_individu"] = rows[1]["id_individu"]
    rows.insert(4, dict(rows[3]))
    lf.write_csv(extraction / "iodas_ase" / spec.file, spec, rows)


def test_rows_sharing_a_person_id_are_rejected_and_a_repeated_row_loads_once(
    tmp_path: Path, db: Path
) -> None:
    """Before, the build failed on a unique test named by a hash; now the load names the lines:
    no identity is chosen between two, a row repeated as is loads once."""
    extraction = tmp_path / "ex"
    _duplicated_ids(extraction)
    result = load_extraction(extraction, db, sources=["iodas_ase"])
    assert result.ok
    with connect(db) as con:
        lines = [r["_ligne"] for r in rows_of(con, "iodas_ase__individus")]
        rejects = rejects_of(con, result.load_id)
        report = report_of(con, result.load_id)["iodas_ase/individus.csv"]
    assert lines == [2, 5, 7]
    assert [(r[3], r[4], r[5]) for r in rejects] == [
        (3, "id_individu", "duplicate_id"),
        (4, "id_individu", "duplicate_id"),
        (6, "id_individu", "duplicate_row"),
    ]
    assert report[:4] == (6, 3, 3, "loaded_with_rejects")


def test_mutation_without_unique_in_the_contract_every_row_loads(tmp_path: Path, db: Path) -> None:
    contracts_dir = lf.edited_contracts(tmp_path / "contracts", ", unique: true")
    extraction = tmp_path / "ex"
    _duplicated_ids(extraction)
    result = load_extraction(extraction, db, sources=["iodas_ase"], contracts_dir=contracts_dir)
    assert result.ok and result.rows_rejected == 0


@pytest.mark.parametrize(
    ("source", "name", "expected"),
    [
        ("iodas_dpas", "aides_financieres_02.xlsx", "aides_financieres_2.xlsx"),
        ("iodas_dpas", "aides_financieres (2).xlsx", "aides_financieres_2.xlsx"),
        ("iodas_dpas", "Aides_Financieres_2.XLSX", "aides_financieres_2.xlsx"),
        ("iodas_ase", "Individus.CSV", "individus.csv"),
    ],
)
def test_a_file_named_almost_like_a_contract_file_is_refused(
    tmp_path: Path, db: Path, source: str, name: str, expected: str
) -> None:
    """The adversarial tester's second part `aides_financieres_02.xlsx` (229 rows) was left
    out with exit 0: a name that differs from a contract file's or part's only by case,
    spaces or zeros stops the load, naming the expected name."""
    extraction = tmp_path / "ex"
    lf.write_extraction(extraction, n=2, sources=[source])
    spec = lf.contracts()[source].files[0]
    shutil.copyfile(extraction / source / spec.file, extraction / source / name)
    result = load_extraction(extraction, db, sources=[source])
    assert [(e.file, e.rule) for e in result.errors] == [(f"{source}/{name}", "misnamed_file")]
    assert expected in str(result.errors[0])
    assert result.failed_sources == [source]


def test_mutation_without_the_name_check_the_part_is_left_out(
    tmp_path: Path, db: Path, monkeypatch
) -> None:
    from pipase.load import loader as loader_module

    monkeypatch.setattr(loader_module, "misnamed_files", lambda *a: [])
    extraction = tmp_path / "ex"
    lf.write_extraction(extraction, n=2, sources=["iodas_dpas"])
    folder = extraction / "iodas_dpas"
    shutil.copyfile(folder / "aides_financieres.xlsx", folder / "aides_financieres_02.xlsx")
    result = load_extraction(extraction, db, sources=["iodas_dpas"])
    assert result.ok and [f.rows_read for f in result.files] == [2]  # the copy's rows: gone


INVISIBLE_ENDS = [
    "\u200b",
    "\u00ad",
    "\u3000",
    "\u2009",
    "\u200e",
    "\u2060",
    "\u00a0",
]  # U+FEFF: a BOM, refused


def _ids_with_invisible_ends(extraction: Path) -> list[str]:
    """Nova-DPAS rendez_vous whose person ids end (or start) with an invisible character, as a
    copy from a web page leaves them: the adversarial tester's appointments joined nobody."""
    lf.write_extraction(extraction, n=len(INVISIBLE_ENDS), sources=["nova_dpas"])
    spec = lf.spec_of("nova_dpas", "rendez_vous")
    rows = [dict(r.text) for r in lf.make_rows(spec, len(INVISIBLE_ENDS))]
    clean = [row["id_personne"] for row in rows]
    for i, (row, char) in enumerate(zip(rows, INVISIBLE_ENDS, strict=True)):
        row["id_personne"] = char + row["id_personne"] if i % 2 else row["id_personne"] + char
    lf.write_csv(extraction / "nova_dpas" / spec.file, spec, rows, encoding="utf-8")
    return clean


def test_invisible_characters_at_a_values_ends_are_trimmed(tmp_path: Path, db: Path) -> None:
    extraction = tmp_path / "ex"
    clean = _ids_with_invisible_ends(extraction)
    result = load_extraction(extraction, db, sources=["nova_dpas"])
    with connect(db) as con:
        ids = [r["id_personne"] for r in rows_of(con, "nova_dpas__rendez_vous")]
    assert result.ok and ids == clean


def test_mutation_trimming_only_spaces_leaves_them_in_the_ids(
    tmp_path: Path, db: Path, monkeypatch
) -> None:
    from pipase.load import rules

    monkeypatch.setattr(rules, "TRIM_CHARS", "' '")
    monkeypatch.setattr(rules, "_INVISIBLE_CLASS", "[\\x{0001}]")
    extraction = tmp_path / "ex"
    clean = _ids_with_invisible_ends(extraction)
    result = load_extraction(extraction, db, sources=["nova_dpas"])
    with connect(db) as con:
        ids = [r["id_personne"] for r in rows_of(con, "nova_dpas__rendez_vous")]
    assert result.ok and sum(a != b for a, b in zip(ids, clean, strict=True)) >= 5


def _mixed_encoding_file(tmp_path: Path) -> tuple[Path, Path]:
    """Iodas-ASE individus (cp1252) whose line 4 was pasted from a UTF-8 file: HÉBRARD there
    reads as HÃ‰BRARD in cp1252, a key silently wrong."""
    extraction = tmp_path / "ex"
    spec, rows = lf.extraction_texts(extraction, "iodas_ase", "individus", 4)
    rows[0]["nom_usage"] = "Lefèvre"
    rows[2]["nom_usage"] = "HÉBRARD"
    rows[3]["prenom"] = "Cœur-Noël l’Île"
    lines = lf.csv_bytes(spec, rows).split(b"\n")
    lines[3] = lf.csv_bytes(spec, [rows[2]], encoding="utf-8").split(b"\n")[1]
    path = extraction / "iodas_ase" / spec.file
    path.write_bytes(b"\n".join(lines))
    return extraction, path


def test_a_cp1252_file_with_a_utf8_line_is_refused_at_that_line(tmp_path: Path, db: Path) -> None:
    extraction, path = _mixed_encoding_file(tmp_path)
    assert "HÉBRARD".encode() in path.read_bytes() and b"Lef\xe8vre" in path.read_bytes()
    result = load_extraction(extraction, db, sources=["iodas_ase"])
    [error] = result.errors
    assert (error.file, error.line, error.rule) == (
        "iodas_ase/individus.csv",
        4,
        "mixed_encoding",
    )
    assert "HÃ" not in str(error) and "BRARD" not in str(error)


def test_mutation_without_the_utf8_check_the_name_loads_garbled(
    tmp_path: Path, db: Path, monkeypatch
) -> None:
    from pipase.load import csv_source

    monkeypatch.setattr(csv_source, "_utf8_accent", lambda piece: None)
    extraction, _path = _mixed_encoding_file(tmp_path)
    result = load_extraction(extraction, db, sources=["iodas_ase"])
    with connect(db) as con:
        names = [r["nom_usage"] for r in rows_of(con, "iodas_ase__individus")]
    assert result.ok and "HÃ‰BRARD" in names


@pytest.mark.parametrize("source,table", [("nova_dpas", "personnes"), ("webrsa", "personnes")])
def test_utf8_bom_is_stripped(tmp_path: Path, db: Path, source: str, table: str) -> None:
    extraction = tmp_path / "ex"
    lf.write_extraction(extraction, n=1, sources=[source])
    spec = lf.spec_of(source, table)
    rows = lf.make_rows(spec, 3)
    body = lf.csv_bytes(spec, [r.text for r in rows], encoding="utf-8", newline="\r\n")
    (extraction / source / spec.file).write_bytes(b"\xef\xbb\xbf" + body)
    result = load_extraction(extraction, db, sources=[source])
    assert result.ok, result.errors
    with connect(db) as con:
        loaded = rows_of(con, f"{source}__{table}")
    first = spec.columns[0].name
    assert [r[first] for r in loaded] == [r.expected[first] for r in rows]
    assert [r["_ligne"] for r in loaded] == [2, 3, 4]


# ---------------------------------------------------------------------------- XLSX


def test_xlsx_reads_excel_dates_text_dates_numbers_and_row_numbers(
    tmp_path: Path, db: Path
) -> None:
    extraction = tmp_path / "ex"
    spec = lf.spec_of("iodas_dpas", "aides")
    rows = [dict(r.text) for r in lf.make_rows(spec, 4)]
    rows[0]["date_naissance"] = dt.datetime(1999, 11, 5)  # an Excel date cell
    rows[0]["date_decision"] = "14/03/2019"  # a text date
    rows[0]["montant_accorde"] = 650.5  # a number cell
    rows[0]["ressources_mensuelles"] = "1 234,56"  # text with the contract's separator
    rows[0]["commune_residence"] = 93010  # an integer cell in a varchar column
    rows[1]["date_paiement"] = dt.datetime(2019, 3, 28)
    rows[2]["date_decision"] = "2019-03-14"  # wrong text format: rejected
    rows[3]["montant_accorde"] = 12  # whole number
    path = extraction / "iodas_dpas" / spec.file
    lf.write_xlsx(path, spec, rows, blank_rows_before={2: 2})  # rows 4-5 empty
    result = load_extraction(extraction, db, sources=["iodas_dpas"])
    assert result.ok
    with connect(db) as con:
        loaded = {r["_ligne"]: r for r in rows_of(con, "iodas_dpas__aides")}
        rejects = rejects_of(con, result.load_id)
        report = report_of(con, result.load_id)["iodas_dpas/aides_financieres.xlsx"]
    assert sorted(loaded) == [2, 3, 7]
    assert loaded[2]["date_naissance"] == dt.date(1999, 11, 5)
    assert loaded[2]["date_decision"] == dt.date(2019, 3, 14)
    assert loaded[2]["montant_accorde"] == Decimal("650.50")
    assert loaded[2]["ressources_mensuelles"] == Decimal("1234.56")
    assert loaded[2]["commune_residence"] == "93010"
    assert loaded[3]["date_paiement"] == dt.date(2019, 3, 28)
    assert loaded[7]["montant_accorde"] == Decimal("12.00")
    assert [(r[3], r[4], r[5], r[7]) for r in rejects] == [
        (6, "date_decision", "date_format", "2019-03-14")
    ]
    assert report[:4] == (4, 3, 1, "loaded_with_rejects")


# ---------------------------------------------------------------------------- line numbers


def test_line_numbers_with_multiline_quoted_fields_blank_lines_and_crlf(
    tmp_path: Path, db: Path
) -> None:
    extraction = tmp_path / "ex"
    spec, rows = lf.extraction_texts(extraction, "iodas_ase", "informations_preoccupantes", 4)
    rows[0]["motif"] = "ligne un\r\nligne deux\r\nligne trois"  # lines 2-4
    rows[2]["date_reception"] = "32/01/2020"  # the record on line 7 (after a blank line 6)
    body = lf.csv_bytes(spec, rows[:2], newline="\r\n")
    body += b"\r\n" + lf.csv_bytes(spec, rows[2:], newline="\r\n").split(b"\r\n", 1)[1]
    (extraction / "iodas_ase" / spec.file).write_bytes(body)
    # line 1 header, 2-4 first record, 5 second, 6 blank, 7 third, 8 fourth
    result = load_extraction(extraction, db, sources=["iodas_ase"])
    assert result.ok, result.errors
    with connect(db) as con:
        loaded = rows_of(con, "iodas_ase__informations_preoccupantes")
        rejects = rejects_of(con, result.load_id)
    assert [r["_ligne"] for r in loaded] == [2, 5, 8]
    assert loaded[0]["motif"] == "ligne un\r\nligne deux\r\nligne trois"
    assert [(r[3], r[4], r[5]) for r in rejects] == [(7, "date_reception", "date_impossible")]


@pytest.mark.parametrize("multiline", [False, True], ids=["one-line-records", "line-map"])
def test_line_numbers_follow_file_order_on_a_large_file(
    tmp_path: Path, db: Path, multiline: bool
) -> None:
    """200,000 rows read in parallel: each row carries its own line number in `id`."""
    n = 200_000
    extraction = tmp_path / "ex"
    lf.write_extraction(extraction, n=1, sources=["webrsa"])
    header = "id;foyer_id;qual;nom;nomnai;prenom;prenom2;dtnai;typedtnai;sexe;nati;nir\n"
    first = '2;1;MR;"Nom\nsur deux lignes";;;;1990-01-01;N;1;F;\n' if multiline else ""
    start = 4 if multiline else 2
    body = "".join(
        f"{line};{line // 3};MME;N{line};;P;;1980-05-17;N;2;F;\n" for line in range(start, n + 2)
    )
    (extraction / "webrsa" / "personnes.csv").write_text(header + first + body, encoding="utf-8")
    result = load_extraction(extraction, db, sources=["webrsa"])
    assert result.ok, result.errors
    with connect(db) as con:
        count, wrong = con.execute(
            "select count(*), count(*) filter (where id <> _ligne) from raw.webrsa__personnes"
        ).fetchone()
    assert count == n - (1 if multiline else 0)
    assert wrong == 0


# ---------------------------------------------------------------------------- whole-file errors


def _replace_file(extraction: Path, source: str, table: str, data: bytes) -> None:
    spec = lf.spec_of(source, table)
    (extraction / source / spec.file).write_bytes(data)


def _rows(source: str, table: str, n: int = 4, seed: int = 7) -> tuple:
    spec = lf.spec_of(source, table)
    return spec, [dict(r.text) for r in lf.make_rows(spec, n, seed)]


def case_missing_file(ex: Path):
    (ex / "iodas_ase" / "placements.csv").unlink()
    return ("iodas_ase/placements.csv", None, None, "missing_file")


def case_missing_column(ex: Path):
    spec, rows = _rows("iodas_ase", "mesures")
    header = [c.name for c in spec.columns if c.name != "cadre"]
    lf.write_csv(ex / "iodas_ase" / spec.file, spec, rows, header=header)
    return ("iodas_ase/mesures.csv", 1, "cadre", "missing_column")


def case_extra_column(ex: Path):
    spec, rows = _rows("webrsa", "foyers")
    header = [c.name for c in spec.columns] + ["commentaire"]
    lf.write_csv(ex / "webrsa" / spec.file, spec, rows, header=header)
    return ("webrsa/foyers.csv", 1, "commentaire", "extra_column")


def case_duplicate_column(ex: Path):
    spec, rows = _rows("webrsa", "personnes")
    header = [c.name for c in spec.columns] + ["prenom"]
    lf.write_csv(ex / "webrsa" / spec.file, spec, rows, header=header)
    return ("webrsa/personnes.csv", 1, "prenom", "duplicate_column")


def case_wrong_delimiter(ex: Path):
    spec, rows = _rows("iodas_ase", "aides_cjm")
    lf.write_csv(ex / "iodas_ase" / spec.file, spec, rows, delimiter=",")
    return ("iodas_ase/aides_cjm.csv", 1, None, "delimiter")


def case_byte_undefined_in_cp1252(ex: Path):
    spec, rows = _rows("iodas_ase", "individus")
    rows[2]["nom_usage"] = "Dupont@"  # line 4
    data = lf.csv_bytes(spec, rows).replace(b"Dupont@", b"Dup\x81ont")
    _replace_file(ex, "iodas_ase", "individus", data)
    return ("iodas_ase/individus.csv", 4, "nom_usage", "encoding")


def case_invalid_utf8(ex: Path):
    spec, rows = _rows("webrsa", "dossiers")
    rows[1]["numdemrsa"] = "Lefèvre"  # line 3, written in cp1252 inside a UTF-8 file
    data = lf.csv_bytes(spec, rows, encoding="cp1252")
    _replace_file(ex, "webrsa", "dossiers", data)
    return ("webrsa/dossiers.csv", 3, "numdemrsa", "encoding")


def case_utf8_file_for_cp1252_contract(ex: Path):
    spec, rows = _rows("iodas_mdph", "decisions")
    rows[1]["nom_usage"] = "Lefèvre"  # line 3
    data = lf.csv_bytes(spec, rows, encoding="utf-8")
    _replace_file(ex, "iodas_mdph", "decisions", data)
    return ("iodas_mdph/decisions_cdaph.csv", 3, None, "encoding")


def case_utf16_file(ex: Path):
    spec, rows = _rows("webrsa", "foyers")
    data = lf.csv_bytes(spec, rows, encoding="utf-16")
    _replace_file(ex, "webrsa", "foyers", data)
    return ("webrsa/foyers.csv", 1, None, "encoding")


def case_nul_byte(ex: Path):
    spec, rows = _rows("webrsa", "dsps")
    rows[0]["libderact"] = "AAA"  # line 2
    data = lf.csv_bytes(spec, rows).replace(b"AAA", b"A\x00A")
    _replace_file(ex, "webrsa", "dsps", data)
    return ("webrsa/dsps.csv", 2, "libderact", "encoding")


def case_truncated_last_line(ex: Path):
    spec, rows = _rows("iodas_ase", "hors_placement")
    data = lf.csv_bytes(spec, rows)
    lines = data.split(b"\n")  # last element is "" after the final newline
    lines[-2] = b";".join(lines[-2].split(b";")[:3])  # 3 fields of 6, no final newline
    _replace_file(ex, "iodas_ase", "hors_placement", b"\n".join(lines[:-1]))
    return ("iodas_ase/hors_placement.csv", 5, spec.columns[3].name, "truncated")


def case_cut_inside_the_last_value(ex: Path):
    """A copy interrupted inside the last value: every field is there, the last one short."""
    spec, rows = _rows("iodas_ase", "hors_placement")
    data = lf.csv_bytes(spec, rows)
    _replace_file(ex, "iodas_ase", "hors_placement", data[:-3])  # the line end and 2 bytes
    return ("iodas_ase/hors_placement.csv", 5, None, "truncated")


def case_header_repeated(ex: Path):
    """Two exports put end to end, the second with its header: that line loaded as a row (an
    id "id_individu") in a table without a coded column."""
    spec, rows = _rows("iodas_ase", "detenteurs_autorite_parentale")
    data = lf.csv_bytes(spec, rows[:2]) + lf.csv_bytes(spec, rows[2:])
    _replace_file(ex, "iodas_ase", "detenteurs_autorite_parentale", data)
    return ("iodas_ase/detenteurs_autorite_parentale.csv", 4, None, "header_repeated")


def case_stray_quote_mid_file(ex: Path):
    """A quote typed at the start of a name on line 3 of 6, never closed: reported as a stray
    quote, not as a file cut short."""
    spec, rows = _rows("iodas_ase", "informations_preoccupantes", n=5)
    rows[1]["motif"] = "@@"
    data = lf.csv_bytes(spec, rows).replace(b"@@", b'"Violences')
    _replace_file(ex, "iodas_ase", "informations_preoccupantes", data)
    return ("iodas_ase/informations_preoccupantes.csv", 3, "motif", "quote")


def case_unterminated_quote(ex: Path):
    spec, rows = _rows("iodas_ase", "informations_preoccupantes")
    data = lf.csv_bytes(spec, rows)
    data += b'ip-x;ind-x;01/01/2020;;Police;"Violences sur'  # line 6, cut inside a quote
    _replace_file(ex, "iodas_ase", "informations_preoccupantes", data)
    return ("iodas_ase/informations_preoccupantes.csv", 6, "motif", "truncated")


def case_extra_field_mid_file(ex: Path):
    spec, rows = _rows("webrsa", "adresses")
    data = lf.csv_bytes(spec, rows).split(b"\n")
    data[2] += b";en trop"  # line 3
    _replace_file(ex, "webrsa", "adresses", b"\n".join(data))
    return ("webrsa/adresses.csv", 3, None, "field_count")


def case_missing_field_mid_file(ex: Path):
    spec, rows = _rows("webrsa", "adresses")
    data = lf.csv_bytes(spec, rows).split(b"\n")
    data[3] = b";".join(data[3].split(b";")[:-2])  # line 4 lacks its last 2 fields
    _replace_file(ex, "webrsa", "adresses", b"\n".join(data))
    return ("webrsa/adresses.csv", 4, "nomcom", "field_count")


def case_bad_quote_mid_file(ex: Path):
    spec, rows = _rows("webrsa", "historiqueetatspe")
    rows[1]["code"] = "@@"
    data = lf.csv_bytes(spec, rows).replace(b"@@", b'"ab"cd')  # line 3
    _replace_file(ex, "webrsa", "historiqueetatspe", data)
    return ("webrsa/historiqueetatspe.csv", 3, "code", "quote")


def case_empty_file(ex: Path):
    _replace_file(ex, "nova_dpas", "rendez_vous", b"")
    return ("nova_dpas/rendez_vous.csv", None, None, "empty_file")


def case_bom_and_blank_lines_only(ex: Path):
    _replace_file(ex, "nova_dpas", "personnes", b"\xef\xbb\xbf\r\n  \r\n")
    return ("nova_dpas/personnes.csv", None, None, "empty_file")


def case_header_not_on_line_1(ex: Path):
    spec, rows = _rows("nova_dpas", "personnes")
    _replace_file(ex, "nova_dpas", "personnes", b"\n" + lf.csv_bytes(spec, rows))
    return ("nova_dpas/personnes.csv", 2, None, "header")  # found on line 2


def case_title_above_the_header(ex: Path):
    """A title line typed above the header: named as such, not as a wrong delimiter."""
    spec, rows = _rows("webrsa", "personnes")
    data = b"Export WebRSA du 30/06/2026\n" + lf.csv_bytes(spec, rows)
    _replace_file(ex, "webrsa", "personnes", data)
    return ("webrsa/personnes.csv", 2, None, "header")


def case_blank_line_one_and_no_header(ex: Path):
    spec, rows = _rows("nova_dpas", "personnes")
    data = lf.csv_bytes(spec, rows).split(b"\n", 1)[1]  # the header dropped
    _replace_file(ex, "nova_dpas", "personnes", b"\n" + data)
    return ("nova_dpas/personnes.csv", 1, None, "header")


def case_xlsx_missing_sheet(ex: Path):
    spec, rows = _rows("iodas_dpas", "aides")
    lf.write_xlsx(ex / "iodas_dpas" / spec.file, spec, rows, sheet="Feuil1")
    return ("iodas_dpas/aides_financieres.xlsx", None, None, "missing_sheet")


def case_xlsx_missing_column(ex: Path):
    spec, rows = _rows("iodas_dpas", "aides")
    header = [c.name for c in spec.columns if c.name != "decision"]
    lf.write_xlsx(ex / "iodas_dpas" / spec.file, spec, rows, header=header)
    return ("iodas_dpas/aides_financieres.xlsx", 1, "decision", "missing_column")


def case_xlsx_not_a_workbook(ex: Path):
    _replace_file(ex, "iodas_dpas", "aides", b"id_demande;dispositif\n1;FSL\n")
    return ("iodas_dpas/aides_financieres.xlsx", None, None, "unreadable_file")


def case_xlsx_damaged_part(ex: Path):
    """One byte of the styles changed in a stored (uncompressed) workbook: still well-formed
    XML, but the part fails its CRC check. calamine does not check the CRC of every part it
    reads (damaged number formats would turn dates into numbers): the archive is checked."""
    spec, rows = _rows("iodas_dpas", "aides")
    path = lf.write_xlsx(ex / "iodas_dpas" / spec.file, spec, rows)
    with zipfile.ZipFile(path) as archive:
        parts = [(info.filename, archive.read(info)) for info in archive.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        for name, data in parts:
            archive.writestr(name, data)
    data = bytearray(path.read_bytes())
    data[data.index(b"Calibri", data.index(b"xl/styles.xml"))] = ord("K")  # a font's name
    path.write_bytes(bytes(data))
    return ("iodas_dpas/aides_financieres.xlsx", None, None, "unreadable_file")


def case_no_header_line(ex: Path):
    spec, rows = _rows("iodas_ase", "individus")
    data = lf.csv_bytes(spec, rows).split(b"\n", 1)[1]  # the first line is a data row
    _replace_file(ex, "iodas_ase", "individus", data)
    return ("iodas_ase/individus.csv", 1, "id_individu", "missing_column")


WHOLE_FILE_CASES = [
    case_missing_file,
    case_no_header_line,
    case_missing_column,
    case_extra_column,
    case_duplicate_column,
    case_wrong_delimiter,
    case_byte_undefined_in_cp1252,
    case_invalid_utf8,
    case_utf8_file_for_cp1252_contract,
    case_utf16_file,
    case_nul_byte,
    case_truncated_last_line,
    case_cut_inside_the_last_value,
    case_header_repeated,
    case_stray_quote_mid_file,
    case_unterminated_quote,
    case_extra_field_mid_file,
    case_missing_field_mid_file,
    case_bad_quote_mid_file,
    case_empty_file,
    case_bom_and_blank_lines_only,
    case_header_not_on_line_1,
    case_title_above_the_header,
    case_blank_line_one_and_no_header,
    case_xlsx_missing_sheet,
    case_xlsx_missing_column,
    case_xlsx_not_a_workbook,
    case_xlsx_damaged_part,
]


def test_a_contract_may_say_its_exporter_never_ends_the_last_line(tmp_path: Path, db: Path) -> None:
    """`final_line_end: optional` in the format: the same file loads, its last line whole."""
    contracts_dir = lf.edited_contracts(
        tmp_path / "contracts",
        'date_formats: ["%d/%m/%Y"]}',
        'date_formats: ["%d/%m/%Y"], final_line_end: optional}',
        only="iodas_ase.yml",
    )
    extraction = tmp_path / "ex"
    lf.write_extraction(extraction, n=3, sources=["iodas_ase"])
    spec, rows = _rows("iodas_ase", "hors_placement")
    _replace_file(extraction, "iodas_ase", "hors_placement", lf.csv_bytes(spec, rows)[:-1])
    refused = load_extraction(extraction, db, sources=["iodas_ase"])
    assert [e.rule for e in refused.errors] == ["truncated"]
    result = load_extraction(extraction, db, sources=["iodas_ase"], contracts_dir=contracts_dir)
    assert result.ok
    with connect(db) as con:
        loaded = rows_of(con, "iodas_ase__hors_placement")
    assert [r["_ligne"] for r in loaded] == [2, 3, 4, 5]


def test_mutation_without_the_repeat_check_the_header_loads_as_a_row(
    tmp_path: Path, db: Path, monkeypatch
) -> None:
    from pipase.load import csv_source

    monkeypatch.setattr(csv_source._Scanner, "_repeated_header", lambda self, piece: None)
    extraction = tmp_path / "ex"
    lf.write_extraction(extraction, n=2, sources=["iodas_ase"])
    case_header_repeated(extraction)
    result = load_extraction(extraction, db, sources=["iodas_ase"])
    with connect(db) as con:
        ids = [r["id_individu"] for r in rows_of(con, "iodas_ase__detenteurs_autorite_parentale")]
    assert result.ok and "id_individu" in ids


def test_a_value_equal_to_the_header_inside_a_row_is_no_repeat(tmp_path: Path, db: Path) -> None:
    """Only a whole line equal to the header is one: a header line that is a prefix of a row,
    or a row holding a column name as a value, loads."""
    extraction = tmp_path / "ex"
    spec, rows = lf.extraction_texts(extraction, "nova_dpas", "rendez_vous", 3, n=2)
    rows[1][spec.columns[-1].name] = spec.columns[-1].name
    lf.write_csv(extraction / "nova_dpas" / spec.file, spec, rows)
    assert load_extraction(extraction, db, sources=["nova_dpas"]).ok


def test_mutation_without_the_header_search_a_title_line_reads_as_a_wrong_delimiter(
    tmp_path: Path, db: Path, monkeypatch
) -> None:
    from pipase.load import csv_source

    monkeypatch.setattr(csv_source._Scanner, "_header_below", lambda self, piece, enc: None)
    extraction = tmp_path / "ex"
    lf.write_extraction(extraction, n=2, sources=["webrsa"])
    case_title_above_the_header(extraction)
    result = load_extraction(extraction, db, sources=["webrsa"])
    assert [(e.line, e.rule) for e in result.errors] == [(1, "delimiter")]


@pytest.mark.parametrize("make_case", WHOLE_FILE_CASES, ids=lambda f: f.__name__[5:])
def test_whole_file_error_names_the_problem_and_changes_nothing(
    tmp_path: Path, db: Path, make_case
) -> None:
    second = tmp_path / "ex2"
    lf.write_extraction(second, n=4, seed=7)
    file, line, column, rule = make_case(second)
    source = file.split("/")[0]
    other = "webrsa" if source == "nova_dpas" else "nova_dpas"
    # A first, valid extraction of the source and of another one, loaded: the state to keep.
    lf.write_extraction(tmp_path / "ex1", n=3, sources=[source, other])
    first = load_extraction(tmp_path / "ex1", db, sources=[source, other])
    assert first.ok
    with connect(db) as con:
        before = lf.snapshot(con)
        assert any(name.startswith(f"{other}__") for name in before)
        reports_before = con.execute("select count(*) from raw.load_report").fetchone()[0]
    result = load_extraction(second, db, sources=[source])
    assert len(result.errors) == 1
    error = result.errors[0]
    assert isinstance(error, LoadError)
    assert (error.file, error.line, error.column, error.rule) == (file, line, column, rule)
    assert error.file in str(error) and rule in str(error)
    for identity in ("Lefèvre", "Dup", "Violences", "nom_usage-"):
        assert identity not in error.message
    assert result.status == "failed" and result.failed_sources == [source]
    with connect(db) as con:
        assert lf.snapshot(con) == before  # every raw table and every reject, unchanged
        new_reports = con.execute(
            "select file, status, rows_read, detail from raw.load_report where load_id = ?",
            [result.load_id],
        ).fetchall()
        status = con.execute(
            "select status from raw.load_extractions where load_id = ?", [result.load_id]
        ).fetchone()[0]
        assert con.execute("select count(*) from raw.load_report").fetchone()[0] == (
            reports_before + len(new_reports)
        )
    assert status == "failed"
    contract = lf.contracts()[source]
    assert len(new_reports) == len(contract.files)
    for report_file, report_status, rows_read, detail in new_reports:
        assert rows_read is None
        if report_file == file:
            assert report_status == "failed" and rule in detail
        else:
            assert report_status == "not_loaded"


def test_one_bad_file_loads_nothing_of_any_source_and_the_command_exits_1(
    tmp_path: Path, db: Path, capsys
) -> None:
    """All or nothing per extraction: the valid sources are not loaded either."""
    extraction = tmp_path / "ex"
    lf.write_extraction(extraction, n=2)
    spec, rows = _rows("iodas_ase", "mesures")
    header = [c.name for c in spec.columns if c.name != "id_individu"]
    lf.write_csv(extraction / "iodas_ase" / spec.file, spec, rows, header=header)
    parser = argparse.ArgumentParser()
    load.add_arguments(parser)
    args = parser.parse_args(
        [str(extraction), "--database", str(db), "--extraction-date", "2026-11-02"]
    )
    assert load.run(args) == 1
    out, err = capsys.readouterr()
    assert out == ""  # no report table for a load that changed nothing
    assert "iodas_ase/mesures.csv, line 1, column id_individu: [missing_column]" in err
    assert "nothing was loaded" in err
    assert "nom_usage-" not in out + err  # counts and names of files only
    with connect(db) as con:
        assert con.execute(
            "select table_name from information_schema.tables where table_schema = 'raw' order by 1"
        ).fetchall() == [
            ("load_extractions",),
            ("load_rejects",),
            ("load_report",),
            ("load_sources",),
        ]
        assert con.execute(
            "select status, extraction_date, finished_at is not null from raw.load_extractions"
        ).fetchall() == [("failed", dt.date(2026, 11, 2), True)]
        statuses = dict(
            con.execute(
                "select file, status from raw.load_report where file in "
                "('iodas_ase/mesures.csv', 'webrsa/personnes.csv')"
            ).fetchall()
        )
        assert statuses == {"iodas_ase/mesures.csv": "failed", "webrsa/personnes.csv": "not_loaded"}
        assert con.execute("select count(*) from raw.load_sources").fetchone() == (0,)


def test_every_file_of_a_failing_source_is_checked(tmp_path: Path, db: Path) -> None:
    extraction = tmp_path / "ex"
    lf.write_extraction(extraction, n=2, sources=["webrsa"])
    (extraction / "webrsa" / "foyers.csv").unlink()
    (extraction / "webrsa" / "dsps.csv").write_bytes(b"")
    result = load_extraction(extraction, db, sources=["webrsa"])
    assert [(e.file, e.rule) for e in result.errors] == [
        ("webrsa/foyers.csv", "missing_file"),
        ("webrsa/dsps.csv", "empty_file"),
    ]


# ---------------------------------------------------------------------------- API and CLI


def test_cli_loads_selected_sources_and_prints_the_report(tmp_path: Path, db: Path, capsys) -> None:
    extraction = tmp_path / "ex"
    lf.write_extraction(extraction, n=2)
    parser = argparse.ArgumentParser()
    load.add_arguments(parser)
    args = parser.parse_args(
        [str(extraction), "--database", str(db), "--source", "webrsa", "--source", "nova_dpas"]
    )
    assert load.run(args) == 0
    out, err = capsys.readouterr()
    assert out.splitlines()[0].split() == [
        "source",
        "table",
        "file",
        "rows_read",
        "rows_loaded",
        "rows_rejected",
        "rows_with_warnings",
        "status",
    ]
    assert "nova_dpas/rendez_vous.csv" in out and "iodas_ase" not in out
    assert "rows/s" in err
    with connect(db) as con:
        sources = con.execute("select distinct source from raw.load_report order by 1").fetchall()
    assert sources == [("nova_dpas",), ("webrsa",)]


def test_database_defaults_to_the_project_path(tmp_path: Path, monkeypatch) -> None:
    extraction = tmp_path / "ex"
    lf.write_extraction(extraction, n=1, sources=["nova_dpas"])
    target = tmp_path / "elsewhere" / "p.duckdb"
    monkeypatch.setenv("PIPASE_DUCKDB_PATH", str(target))
    parser = argparse.ArgumentParser()
    load.add_arguments(parser)
    assert load.run(parser.parse_args([str(extraction), "--source", "nova_dpas"])) == 0
    with connect(target) as con:
        assert len(rows_of(con, "nova_dpas__personnes")) == 1


def test_an_open_connection_with_an_attached_database_is_used(tmp_path: Path) -> None:
    extraction = tmp_path / "ex"
    lf.write_extraction(extraction, n=2, sources=["nova_dpas"])
    con = duckdb.connect()  # in memory; the loader must write to the attached database
    con.execute(f"attach '{tmp_path / 'attached.duckdb'}' as zone")
    con.execute("use zone")
    result = load_extraction(extraction, connection=con, sources=["nova_dpas"])
    assert result.ok
    assert con.execute("select count(*) from zone.raw.nova_dpas__rendez_vous").fetchone() == (2,)
    con.execute("use memory")
    assert not con.execute(
        "select count(*) from information_schema.tables where table_catalog = 'memory' "
        "and table_schema = 'raw'"
    ).fetchone()[0]
    con.close()


def test_a_connection_inside_a_transaction_is_refused(tmp_path: Path) -> None:
    lf.write_extraction(tmp_path / "ex", n=1, sources=["nova_dpas"])
    con = duckdb.connect()
    con.execute("begin transaction")
    with pytest.raises(ValueError, match="transaction"):
        load_extraction(tmp_path / "ex", connection=con, sources=["nova_dpas"])
    con.close()


def test_unknown_source_and_bad_contract_are_refused(tmp_path: Path, db: Path, capsys) -> None:
    lf.write_extraction(tmp_path / "ex", n=1, sources=["nova_dpas"])
    with pytest.raises(LoadError, match="unknown source") as unknown:
        load_extraction(tmp_path / "ex", db, sources=["nova"])
    assert unknown.value.rule == "unknown_source" and not db.exists()
    bad = tmp_path / "contracts"
    bad.mkdir()
    (bad / "x.yml").write_text(
        "source: x\nfiles:\n  - {table: t, file: t.csv, columns: [{name: a, type: money}]}\n",
        encoding="utf-8",
    )
    with pytest.raises(ContractError) as info:
        load_extraction(tmp_path / "ex", db, contracts_dir=bad)
    assert (info.value.rule, info.value.column) == ("contract", "a")
    parser = argparse.ArgumentParser()
    load.add_arguments(parser)
    args = parser.parse_args([str(tmp_path / "ex"), "--database", str(db), "--contracts", str(bad)])
    assert load.run(args) == 1
    assert "[contract]" in capsys.readouterr().err
    assert not db.exists()


def test_progress_shows_a_bar_for_big_files(tmp_path: Path, db: Path, monkeypatch) -> None:
    monkeypatch.setattr(progress_module, "BAR_BYTES", 1)  # every file counts as big
    lf.write_extraction(tmp_path / "ex", n=3, sources=["webrsa"])
    stream = io.StringIO()  # not a terminal: one line per quarter
    load_extraction(tmp_path / "ex", db, sources=["webrsa"], progress=stream)
    text = stream.getvalue()
    assert "webrsa/personnes.csv: 100% checking" in text
    assert "webrsa/personnes.csv: 3 rows in" in text and "rows/s" in text


def _as_loaded(value) -> tuple:
    """What the loader makes of a cell: the native timestamp of a date column, and its text
    (in a decimal column, with a comma)."""
    from pipase.load.contract import Column
    from pipase.load.xlsx_source import cell_text, cell_timestamp

    decimal = Column("d", "decimal")
    return cell_timestamp(value), cell_text(value, None, ","), cell_text(value, decimal, ",")


def test_xlsx_cells_load_as_they_do_from_openpyxl(tmp_path: Path) -> None:
    """calamine's reading against openpyxl's read-only reader, cell by cell, after the loader's
    conversion (calamine reads numbers as floats, a date without time as a date)."""
    import openpyxl
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    from pipase.load.xlsx_source import read_rows

    for epoch in (None, CALENDAR_MAC_1904):
        path = tmp_path / f"wb{epoch is not None}.xlsx"
        workbook = openpyxl.Workbook()
        if epoch is not None:
            workbook.epoch = epoch
        first = workbook.active
        first.title = "autre"
        first.append(["x"])
        sheet = workbook.create_sheet("données")
        sheet.append(["texte", "entier", "réel", "booléen", "date", "heure", "vide", "custom"])
        sheet.append(["Œuvre & <cie>", 93010, 650.5, True, dt.datetime(1999, 11, 5), None, None])
        sheet.append([" espaces ", -3, 1e-3, False, dt.datetime(2019, 3, 28, 14, 30), "=1+1"])
        sheet.append([])
        sheet.append(["", 0, 12.0, None, dt.date(2024, 2, 29), dt.time(14, 30), None, 45000])
        early = dt.datetime(1900, 1, 5) if epoch is None else dt.datetime(1904, 1, 5)
        sheet.append(["a", 10**15 + 1, 2.0**53, 1e16, early, None, None, 0.25])
        sheet.cell(row=5, column=8).number_format = "dd/mm/yyyy"
        sheet.cell(row=6, column=8).number_format = "dd/mm/yyyy hh:mm"
        sheet.cell(row=8, column=3, value="après un vide")
        workbook.save(path)

        reference = openpyxl.load_workbook(path, read_only=True, data_only=True)
        expected = []
        for number, row in enumerate(reference["données"].iter_rows(values_only=True), 1):
            values = [_as_loaded(v) for v in row]
            while values and values[-1] == _as_loaded(None):
                values.pop()
            if values:
                expected.append((number, values))
        reference.close()
        got = []
        for number, row in read_rows(path, "données", "données"):
            values = [_as_loaded(v) for v in row]
            while values and values[-1] == _as_loaded(None):
                values.pop()
            if values:
                got.append((number, values))
        assert got == expected
        assert got[-1] == (8, [_as_loaded(None)] * 2 + [_as_loaded("après un vide")])
        assert isinstance(got[3][1][7][0], dt.datetime)  # custom date format, epoch applied
        with pytest.raises(LoadError) as missing:
            next(read_rows(path, "aides", "wb.xlsx"))
        assert missing.value.rule == "missing_sheet"
        assert "'autre', 'données'" in missing.value.message


def test_date_formats_with_a_time_part_feed_a_date_column(tmp_path: Path, db: Path) -> None:
    contracts_dir = tmp_path / "contracts"
    contracts_dir.mkdir()
    (contracts_dir / "t.yml").write_text(
        "source: horo\nformat: {type: csv, delimiter: ';', encoding: utf-8}\nfiles:\n"
        "  - table: t\n    file: t.csv\n    columns:\n"
        "      - {name: d, type: date, formats: ['%d/%m/%Y %H:%M:%S', '%d/%m/%Y']}\n",
        encoding="utf-8",
    )
    folder = tmp_path / "ex" / "horo"
    folder.mkdir(parents=True)
    (folder / "t.csv").write_text("d\n05/03/2020 10:00:00\n06/03/2020\n", encoding="utf-8")
    result = load_extraction(tmp_path / "ex", db, contracts_dir=contracts_dir)
    assert result.ok
    with connect(db) as con:
        assert [r["d"] for r in rows_of(con, "horo__t")] == [
            dt.date(2020, 3, 5),
            dt.date(2020, 3, 6),
        ]


def test_progress_bar_redraws_in_place_on_a_terminal() -> None:
    stream = io.StringIO()
    bar = progress_module.Progress(stream, bar=True)
    bar.start_file("webrsa/personnes.csv", 200 * 1024 * 1024)
    bar.update(100 * 1024 * 1024)
    bar.end_file(1_000_000, "0 rejected")
    text = stream.getvalue()
    assert "\r  webrsa/personnes.csv [" + "#" * 15 + "-" * 15 + "]  50%" in text
    assert text.rstrip().endswith("rows/s), 0 rejected")
    small = io.StringIO()
    quiet = progress_module.Progress(small, bar=True)
    quiet.start_file("f.csv", 1000)
    quiet.update(500, lines=5)  # 10 rows per 1,000 bytes: far from a million rows
    assert small.getvalue() == ""
    quiet.update(500, lines=2_000_000 // 2)  # a million rows per 500 bytes: show the bar
    assert "[" in small.getvalue()


def test_a_synthetic_extraction_loads_with_exactly_the_planted_rejects(
    tmp_path: Path, db: Path, capsys
) -> None:
    """`pipase synth` writes rows it knows to be wrong (ground_truth/planted_rejects.csv):
    the loader must reject those and only those, with the same line, column and rule."""
    import csv
    import json

    from pipase.synth import generate
    from pipase.synth.generator import MIN_YOUTHS

    extraction = tmp_path / "synth"
    generate(extraction, youths=MIN_YOUTHS, seed=93, extraction_date=dt.date(2026, 6, 30))
    with (extraction / "ground_truth" / "planted_rejects.csv").open(encoding="utf-8") as f:
        planted = list(csv.DictReader(f))
    with (extraction / "ground_truth" / "canaries.csv").open(encoding="utf-8") as f:
        canaries = [row["nom"] for row in csv.DictReader(f)]
    manifest = json.loads((extraction / "manifest.json").read_text(encoding="utf-8"))
    assert planted and canaries
    parser = argparse.ArgumentParser()
    load.add_arguments(parser)
    assert load.run(parser.parse_args([str(extraction), "--database", str(db)])) == 0
    out, err = capsys.readouterr()
    for name in canaries:
        assert name not in out + err
    identifying = {
        (source, spec.table, c.name)
        for source, contract in lf.contracts().items()
        for spec in contract.files
        for c in spec.columns
        if c.identifying
    }
    with connect(db) as con:
        rejects = con.execute(
            'select source, "table", file, line, "column", rule, valeur from raw.load_rejects'
        ).fetchall()
        reports = con.execute(
            "select file, rows_read, rows_loaded, rows_rejected from raw.load_report"
        ).fetchall()
        everything = " ".join(
            str(v)
            for table in ("load_rejects", "load_report", "load_extractions")
            for row in con.execute(f"select * from raw.{table}").fetchall()
            for v in row
        )
    assert sorted(r[:6] for r in rejects) == sorted(
        (p["source"], p["table"], p["file"], int(p["line"]), p["column"], p["rule"])
        for p in planted
    )
    by_key = {(p["source"], p["table"], int(p["line"])): p for p in planted}
    for source, table, _file, line, column, _rule, valeur in rejects:
        bad = by_key[(source, table, line)]["bad_value"]
        if (source, table, column) in identifying:
            assert valeur is None
        else:
            assert valeur == (bad or None)
    for file, read, loaded_, rejected in reports:
        assert read == manifest["files"][file]["rows"] == loaded_ + rejected
    for name in canaries:
        assert name not in everything
    # the synthetic workbook (shared strings, another writer) loads as openpyxl reads it
    import openpyxl

    from pipase.load.xlsx_source import read_rows

    workbook_path = extraction / "iodas_dpas" / "aides_financieres.xlsx"
    reference = openpyxl.load_workbook(workbook_path, read_only=True, data_only=True)
    expected = [
        [_as_loaded(v) for v in row] for row in reference["aides"].iter_rows(values_only=True)
    ]
    reference.close()
    got = [[_as_loaded(v) for v in row] for _, row in read_rows(workbook_path, "aides", "aides")]
    width = len(expected[0])
    assert [row + [_as_loaded(None)] * (width - len(row)) for row in got] == expected


def test_a_duckdb_failure_while_reading_never_shows_its_message(
    tmp_path: Path, db: Path, monkeypatch
) -> None:
    """DuckDB's errors quote the offending line; the loader names the file and withholds it."""
    from pipase.load import loader as loader_module

    lf.write_extraction(tmp_path / "ex", n=1, sources=["nova_dpas"])
    monkeypatch.setattr(
        loader_module, "typed_select", lambda *a: "select cast('Dupont Marie' as integer) as x"
    )
    result = load_extraction(tmp_path / "ex", db, sources=["nova_dpas"])
    assert [(e.file, e.rule) for e in result.errors] == [
        ("nova_dpas/personnes.csv", "unreadable_file"),
        ("nova_dpas/rendez_vous.csv", "unreadable_file"),
    ]
    assert all("Dupont" not in str(e) for e in result.errors)
