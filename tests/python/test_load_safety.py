"""`pipase load` is all or nothing, never crashes, never echoes a value, and lets a source be
declared absent.

Each failure is planted (a file that cannot be read, odd line ends, an exception in the middle
of a load or of its final transaction, Ctrl-C) and the database is compared with its state
before the load: every raw table, every reject, every bookkeeping row but the failed run's own
record; no run is ever left `running`. Each protection has a mutation test that removes it and
sees the check fail. Identities (a canary surname and a birth date) are planted in header
cells, sheet names and bad cells, and searched for in stdout, stderr and every text the load
writes outside raw.load_rejects.valeur.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import load_fixtures as lf
import pytest

from pipase import load
from pipase.load import LoadError, load_extraction
from pipase.load import csv_source as csv_module
from pipase.load import errors as errors_module
from pipase.load import loader as loader_module

CANARY = "ZORGLUBIENNE"
BIRTH = ("12/03/2009", "2009-03-12", "12-03-2009")
SOURCES = ["webrsa", "nova_dpas", "iodas_dpas"]  # CSV (UTF-8, UTF-8 with BOM) and XLSX


@pytest.fixture(autouse=True)
def english(monkeypatch) -> None:
    monkeypatch.setenv("PIPASE_LANG", "en")


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "db" / "pipase.duckdb"


def cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    load.add_arguments(parser)
    return load.run(parser.parse_args(argv))


def state(db: Path, *failed_loads: str) -> dict:
    """Everything in raw: every table's rows (bookkeeping included, but for the rows of the
    failed runs `failed_loads`, which record themselves), and the list of tables."""
    with duckdb.connect(str(db)) as con:
        out = lf.snapshot(con, exclude=())
        for name in ("load_report", "load_extractions"):
            columns, rows = out[name]
            out[name] = (columns, [r for r in rows if r[0] not in failed_loads])
        out["_tables"] = sorted(out)
    return out


def runs(db: Path) -> list[tuple]:
    with duckdb.connect(str(db)) as con:
        return con.execute(
            "select load_id, status, finished_at is not null from raw.load_extractions "
            "order by started_at"
        ).fetchall()


@pytest.fixture
def loaded(tmp_path: Path, db: Path) -> tuple[Path, dict]:
    """A database holding a first valid load of three sources (the state to keep), and a
    second extraction of the same sources, valid, to break in the tests."""
    lf.write_extraction(tmp_path / "ex1", n=3, sources=SOURCES)
    assert load_extraction(tmp_path / "ex1", db, sources=SOURCES).ok
    second = tmp_path / "ex2"
    lf.write_extraction(second, n=4, seed=11, sources=SOURCES)
    return second, state(db)


def assert_unchanged(db: Path, before: dict, result_or_id) -> None:
    load_id = getattr(result_or_id, "load_id", result_or_id)
    assert state(db, load_id) == before
    statuses = [status for _id, status, _done in runs(db)]
    assert "running" not in statuses
    assert (load_id, "failed", True) in runs(db)
    with duckdb.connect(str(db)) as con:
        assert not con.execute(
            "select count(*) from raw.load_sources where load_id = ?", [load_id]
        ).fetchone()[0]


def new_load_id(db: Path, before: dict) -> str:
    known = {row[0] for row in before["load_extractions"][1]}
    ids = [load_id for load_id, _status, _done in runs(db) if load_id not in known]
    assert len(ids) == 1
    return ids[0]


# ---------------------------------------------------------------------------- line ends


@pytest.mark.parametrize("newline", [b"\n", b"\r\n", b"\r"], ids=["LF", "CRLF", "CR"])
def test_lf_crlf_and_cr_only_files_load_alike(tmp_path: Path, db: Path, newline: bytes) -> None:
    """Same rows, same line numbers (a quoted value over two lines counts two), same reject,
    in UTF-8, UTF-8 with BOM and cp1252 files."""
    extraction = tmp_path / "ex"
    lf.write_extraction(extraction, n=1, sources=["webrsa", "nova_dpas", "iodas_ase"])
    spec = lf.spec_of("iodas_ase", "informations_preoccupantes")
    rows = [dict(r.text) for r in lf.make_rows(spec, 4)]
    rows[0]["motif"] = "ligne un\nligne deux"  # lines 2-3
    rows[2]["date_reception"] = "32/01/2020"  # line 5: date_impossible
    rows[3]["motif"] = "Lefèvre œuvre"  # cp1252
    lf.write_csv(extraction / "iodas_ase" / spec.file, spec, rows)
    for path in extraction.glob("*/*.csv"):
        path.write_bytes(path.read_bytes().replace(b"\n", newline))
    result = load_extraction(extraction, db, sources=["webrsa", "nova_dpas", "iodas_ase"])
    assert result.ok, result.errors
    with duckdb.connect(str(db)) as con:
        loaded = con.execute(
            "select motif, _ligne from raw.iodas_ase__informations_preoccupantes order by _ligne"
        ).fetchall()
        rejects = con.execute('select line, "column", rule from raw.load_rejects').fetchall()
        people = con.execute("select id, _ligne from raw.webrsa__personnes").fetchall()
        nova = con.execute("select id_personne, _ligne from raw.nova_dpas__personnes").fetchall()
    inner = newline.decode() if newline != b"\r" else "\n"  # CR alone is read as a line end
    assert loaded == [
        (f"ligne un{inner}ligne deux", 2),
        (rows[1]["motif"], 4),
        ("Lefèvre œuvre", 6),
    ]
    assert rejects == [(5, "date_reception", "date_impossible")]
    assert people == [(1000, 2)] and nova == [("id_personne-0", 2)]


def test_cr_only_support_is_what_makes_such_a_file_load(
    tmp_path: Path, db: Path, monkeypatch
) -> None:
    """Mutation: without the CR-only reading, the same file fails (it does not crash)."""
    extraction = tmp_path / "ex"
    lf.write_extraction(extraction, n=2, sources=["webrsa"])
    path = extraction / "webrsa" / "foyers.csv"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r"))
    assert load_extraction(extraction, db, sources=["webrsa"]).ok
    monkeypatch.setattr(csv_module, "_cr_only", lambda head: False)
    result = load_extraction(extraction, db, sources=["webrsa"])
    assert [(e.file, e.rule) for e in result.errors] == [("webrsa/foyers.csv", "line_ends")]


def test_mixed_line_ends_are_a_whole_file_error(
    loaded: tuple[Path, dict], db: Path, monkeypatch
) -> None:
    second, before = loaded
    monkeypatch.setattr(csv_module, "BLOCK_SIZE", 64)  # the LF comes in a later block
    foyers = second / "webrsa" / "foyers.csv"
    lines = foyers.read_bytes().split(b"\n")
    foyers.write_bytes(b"\r".join(lines[:3]) + b"\r" + b"\n".join(lines[3:]))
    dossiers = second / "webrsa" / "dossiers.csv"
    lines = dossiers.read_bytes().split(b"\n")
    lines[2] = lines[2].replace(b";", b"\rX;", 1)  # a lone CR in an unquoted value, line 3
    dossiers.write_bytes(b"\n".join(lines))
    result = load_extraction(second, db, sources=SOURCES)
    assert sorted((e.file, e.line, e.column, e.rule) for e in result.errors) == [
        ("webrsa/dossiers.csv", 3, "id", "line_ends"),
        ("webrsa/foyers.csv", 4, None, "line_ends"),
    ]
    assert_unchanged(db, before, result)


def _crlf_file_with_a_lone_lf(extraction: Path) -> None:
    """Iodas-ASE mesures in CRLF with one line ending in LF alone (line 4), and a line break
    inside a quoted value (line 2), which a spreadsheet writes as LF alone."""
    spec, rows = lf.extraction_texts(extraction, "iodas_ase", "mesures", 5, n=2)
    rows[0]["motif_fin"] = "avec\nsaut"
    data = lf.csv_bytes(spec, rows, newline="\r\n")
    lines = data.split(b"\r\n")
    data = b"\r\n".join(lines[:4]) + b"\n" + b"\r\n".join(lines[4:])
    (extraction / "iodas_ase" / spec.file).write_bytes(data)


def test_a_lone_lf_in_a_crlf_file_is_named_with_its_line(tmp_path: Path, db: Path) -> None:
    """The adversarial tester's one LF in a CRLF file: DuckDB refused it without a line."""
    extraction = tmp_path / "ex"
    _crlf_file_with_a_lone_lf(extraction)
    result = load_extraction(extraction, db, sources=["iodas_ase"])
    assert [(e.file, e.line, e.rule) for e in result.errors] == [
        ("iodas_ase/mesures.csv", 5, "line_ends")
    ]


def test_mutation_without_the_lf_check_duckdb_refuses_the_file_without_a_line(
    tmp_path: Path, db: Path, monkeypatch
) -> None:
    monkeypatch.setattr(csv_module._Scanner, "_lone_line_feeds", lambda *a: None)
    extraction = tmp_path / "ex"
    _crlf_file_with_a_lone_lf(extraction)
    result = load_extraction(extraction, db, sources=["iodas_ase"])
    assert [(e.line, e.rule) for e in result.errors] != [(5, "line_ends")]


# ---------------------------------------------------------------------------- unreadable files


def test_a_folder_in_place_of_a_file_is_unreadable(loaded: tuple[Path, dict], db: Path) -> None:
    second, before = loaded
    path = second / "nova_dpas" / "rendez_vous.csv"
    path.unlink()
    path.mkdir()
    result = load_extraction(second, db, sources=SOURCES)
    assert [(e.file, e.rule) for e in result.errors] == [
        ("nova_dpas/rendez_vous.csv", "unreadable_file")
    ]
    assert "folder" in result.errors[0].message
    assert_unchanged(db, before, result)


@pytest.mark.parametrize("file", ["webrsa/dsps.csv", "iodas_dpas/aides_financieres.xlsx"])
def test_permission_denied_is_a_whole_file_error(
    loaded: tuple[Path, dict], db: Path, monkeypatch, file: str
) -> None:
    """open() refused (as for a file the user may not read), for a CSV and a workbook."""
    second, before = loaded
    target = (second / file).resolve()
    real_open = Path.open
    real_io_open = open

    def refusing_open(self, *args, **kwargs):
        if Path(self).resolve() == target:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    def refusing_io_open(name, *args, **kwargs):
        if isinstance(name, str | Path) and Path(name).resolve() == target:
            raise PermissionError(13, "Permission denied", str(name))
        return real_io_open(name, *args, **kwargs)

    monkeypatch.setattr(Path, "open", refusing_open)
    monkeypatch.setattr("builtins.open", refusing_io_open)
    monkeypatch.setattr("io.open", refusing_io_open)
    result = load_extraction(second, db, sources=SOURCES)
    assert [(e.file, e.rule, e.message) for e in result.errors] == [
        (file, "unreadable_file", "the file cannot be read (permission denied)")
    ]
    assert_unchanged(db, before, result)


def test_an_unreadable_file_is_named_by_the_command(tmp_path: Path, db: Path) -> None:
    """A file the process may really not read (chmod 000; run as root, the process drops the
    capability that lets root read it), then a file whose reading fails with EIO (on Linux,
    /proc/self/mem, unreadable even for root): exit 1, one line per problem, no traceback,
    the database unchanged."""
    lf.write_extraction(tmp_path / "ex1", n=2, sources=SOURCES)
    assert load_extraction(tmp_path / "ex1", db, sources=SOURCES).ok
    before = state(db)
    second = tmp_path / "ex2"
    lf.write_extraction(second, n=2, seed=3, sources=SOURCES)
    locked = second / "webrsa" / "personnes.csv"
    locked.chmod(0)
    command = [sys.executable, "-m", "pipase.cli", "load", str(second), "--database", str(db)]
    command += ["--source", *SOURCES]
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        assert setpriv, "root runs this test through setpriv (util-linux) to drop DAC override"
        caps = "-dac_override,-dac_read_search"
        command = [setpriv, f"--inh-caps={caps}", f"--bounding-set={caps}", *command]
    env = {**os.environ, "PIPASE_LANG": "en"}
    try:
        done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)
    finally:
        locked.chmod(0o644)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
    assert (
        "pipase load : error : webrsa/personnes.csv: [unreadable_file] the file cannot be read "
        "(permission denied)" in done.stderr.splitlines()
    )
    first_failure = new_load_id(db, before)
    assert state(db, first_failure) == before
    if Path("/proc/self/mem").exists():
        locked.unlink()
        locked.symlink_to("/proc/self/mem")
        result = load_extraction(second, db, sources=SOURCES)
        assert [(e.file, e.rule) for e in result.errors] == [
            ("webrsa/personnes.csv", "unreadable_file")
        ]
        assert result.errors[0].message == "the file cannot be read (system error EIO)"
        assert state(db, first_failure, result.load_id) == before


def test_os_errors_are_named_as_unreadable_files_only_by_the_conversion(
    loaded: tuple[Path, dict], db: Path, monkeypatch
) -> None:
    """Mutation: without the OSError conversion, the same failure is an unexpected one."""
    second, before = loaded
    (second / "webrsa" / "dsps.csv").unlink()
    (second / "webrsa" / "dsps.csv").mkdir()
    (second / "nova_dpas" / "personnes.csv").unlink()
    (second / "nova_dpas" / "personnes.csv").symlink_to("/proc/self/mem")

    def unconverted(exc, path, display):
        raise exc

    monkeypatch.setattr(loader_module, "_file_error", unconverted)
    with pytest.raises(LoadError) as caught:
        load_extraction(second, db, sources=SOURCES)
    assert caught.value.rule == "system"
    assert_unchanged(db, before, new_load_id(db, before))


# ---------------------------------------------------------------------------- failures mid-load


def _failing_write(monkeypatch, after: int, exception: BaseException) -> None:
    real = loader_module._Loader._write
    calls = []

    def write(self, prepared):
        calls.append(prepared.report.file)
        if len(calls) > after:
            raise exception
        return real(self, prepared)

    monkeypatch.setattr(loader_module._Loader, "_write", write)


def test_an_exception_in_the_middle_of_a_load_changes_nothing(
    loaded: tuple[Path, dict], db: Path, monkeypatch, capsys
) -> None:
    """Twelve files staged, the thirteenth raises: the CLI says so on one line, exit 1."""
    second, before = loaded
    _failing_write(monkeypatch, 12, RuntimeError(f"{CANARY} {BIRTH[0]}"))
    code = cli([str(second), "--database", str(db), "--source", *SOURCES])
    out, err = capsys.readouterr()
    assert code == 1 and out == ""
    assert "Traceback" not in err and CANARY not in err
    assert len([line for line in err.splitlines() if "error" in line]) == 1
    assert "[internal_error] unexpected failure (RuntimeError) while loading this file" in err
    load_id = new_load_id(db, before)
    assert_unchanged(db, before, load_id)
    with duckdb.connect(str(db)) as con:
        failed = con.execute(
            "select file, status, detail from raw.load_report where load_id = ? "
            "and status = 'failed'",
            [load_id],
        ).fetchall()
        left = con.execute(
            "select count(*) from duckdb_tables() where starts_with(table_name, '_pipase')"
        ).fetchone()[0]
    assert len(failed) == 1 and "internal_error" in failed[0][2]
    assert left == 0  # the staging tables are gone


def test_an_exception_in_the_final_transaction_rolls_every_swap_back(
    loaded: tuple[Path, dict], db: Path, monkeypatch
) -> None:
    """Every table already dropped and renamed in the final transaction comes back."""
    second, before = loaded

    def failing(result, sources):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(loader_module, "_source_values", failing)
    with pytest.raises(LoadError) as caught:
        load_extraction(second, db, sources=SOURCES)
    assert caught.value.rule == "internal_error" and "writing the database" in caught.value.message
    assert isinstance(caught.value.__cause__, RuntimeError)
    monkeypatch.undo()
    assert_unchanged(db, before, new_load_id(db, before))


def test_ctrl_c_in_the_middle_of_a_load_changes_nothing(
    loaded: tuple[Path, dict], db: Path, monkeypatch, capsys
) -> None:
    second, before = loaded
    _failing_write(monkeypatch, 5, KeyboardInterrupt())
    assert cli([str(second), "--database", str(db), "--source", *SOURCES]) == 130
    assert "Traceback" not in capsys.readouterr().err
    assert_unchanged(db, before, new_load_id(db, before))


def test_without_the_final_transaction_a_failure_would_leave_a_half_swap(
    loaded: tuple[Path, dict], db: Path, monkeypatch
) -> None:
    """Mutation: with the swap's transaction statements made no-ops, the failure planted in
    the final step leaves some tables swapped: the check above would see it."""
    second, before = loaded
    real_execute = duckdb.DuckDBPyConnection.execute

    class NoTransaction:
        def __init__(self, con):
            self._con = con

        def execute(self, sql, *args):
            if sql in ("begin transaction", "commit", "rollback"):
                return self
            return real_execute(self._con, sql, *args)

        def __getattr__(self, name):
            return getattr(self._con, name)

    real_commit = loader_module._Loader.commit

    def commit_without_transaction(self, sources):
        self.con = NoTransaction(self.con)
        return real_commit(self, sources)

    def failing(result, sources):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(loader_module._Loader, "commit", commit_without_transaction)
    monkeypatch.setattr(loader_module, "_source_values", failing)
    with pytest.raises(LoadError):
        load_extraction(second, db, sources=SOURCES)
    monkeypatch.undo()
    after = state(db, new_load_id(db, before))
    changed = [t for t in before if not t.startswith(("load_", "_")) and after.get(t) != before[t]]
    assert changed  # data tables swapped for good: what assert_unchanged catches


def test_without_dropping_the_staging_tables_a_failure_would_leave_them(
    loaded: tuple[Path, dict], db: Path, monkeypatch
) -> None:
    """Mutation: `abandon` removed; the staging tables stay in raw (until the next load)."""
    second, before = loaded
    _failing_write(monkeypatch, 8, RuntimeError("boom"))
    monkeypatch.setattr(loader_module._Loader, "abandon", lambda self: None)
    with pytest.raises(LoadError):
        load_extraction(second, db, sources=SOURCES)
    load_id = new_load_id(db, before)
    assert any(t.startswith("_pipase_stage__") for t in state(db, load_id)["_tables"])
    monkeypatch.undo()
    # and the next load drops such leftovers
    assert load_extraction(second, db, sources=SOURCES).ok
    with duckdb.connect(str(db)) as con:
        assert not con.execute(
            "select count(*) from duckdb_tables() where starts_with(table_name, '_pipase')"
        ).fetchone()[0]


def test_without_the_failure_record_a_failed_load_leaves_no_trace(
    loaded: tuple[Path, dict], db: Path, monkeypatch
) -> None:
    """Mutation: no failure record; the check that the run is recorded failed sees it."""
    second, before = loaded
    (second / "webrsa" / "foyers.csv").unlink()
    monkeypatch.setattr(loader_module, "record_failure", lambda con, result: False)
    result = load_extraction(second, db, sources=SOURCES)
    assert result.status == "failed"
    assert state(db) == before  # no trace at all: assert_unchanged wants the failed record
    assert result.load_id not in [load_id for load_id, _status, _done in runs(db)]


def test_unexpected_errors_raise_a_load_error_only_through_the_conversion(
    loaded: tuple[Path, dict], db: Path, monkeypatch
) -> None:
    """Mutation: without the conversion, the bug escapes as itself (a traceback in the CLI)."""
    second, _before = loaded
    _failing_write(monkeypatch, 2, RuntimeError("boom"))
    monkeypatch.setattr(
        loader_module,
        "unexpected_error",
        lambda exc, where, writing=False: (_ for _ in ()).throw(exc),
    )
    with pytest.raises(RuntimeError):
        load_extraction(second, db, sources=SOURCES)


# ---------------------------------------------------------------------------- no value shown


def _plant_header_canaries(extraction: Path) -> None:
    """A note typed beside the last header cell of the Iodas-DPAS workbook; an odd header cell
    in a CSV (a surname alone, upper-case) and a date; a duplicated odd cell; a sheet named
    after a person."""
    spec = lf.spec_of("iodas_dpas", "aides")
    rows = [dict(r.text) for r in lf.make_rows(spec, 3)]
    header = [c.name for c in spec.columns] + [f"Attention {CANARY} née le {BIRTH[0]}"]
    lf.write_xlsx(extraction / "iodas_dpas" / spec.file, spec, rows, header=header)
    spec = lf.spec_of("webrsa", "foyers")
    rows = [dict(r.text) for r in lf.make_rows(spec, 3)]
    lf.write_csv(
        extraction / "webrsa" / spec.file,
        spec,
        rows,
        header=[c.name for c in spec.columns] + [CANARY, BIRTH[0]],
    )
    spec = lf.spec_of("webrsa", "dossiers")
    rows = [dict(r.text) for r in lf.make_rows(spec, 3)]
    lf.write_csv(
        extraction / "webrsa" / spec.file,
        spec,
        rows,
        header=[c.name for c in spec.columns] + [BIRTH[1], BIRTH[1]],
    )
    spec = lf.spec_of("nova_dpas", "personnes")
    rows = [dict(r.text) for r in lf.make_rows(spec, 3)]
    rows[1]["nom_usage"] = CANARY
    data = lf.csv_bytes(spec, rows).replace(CANARY.encode(), CANARY.encode() + b"\xff")
    (extraction / "nova_dpas" / spec.file).write_bytes(data)  # invalid UTF-8 in a name


def _plant_cell_canaries(extraction: Path) -> None:
    """Bad values in identifying and other columns: rejected rows, a loaded extraction."""
    spec = lf.spec_of("nova_dpas", "personnes")
    rows = [dict(r.text) for r in lf.make_rows(spec, 3)]
    rows[0]["date_naissance"] = f"{BIRTH[0]} {CANARY}"  # if_invalid: empty, loaded empty
    rows[1]["sexe"] = CANARY  # not identifying: valeur holds it, never printed
    rows[2]["lien_usager"] = BIRTH[2]
    lf.write_csv(extraction / "nova_dpas" / spec.file, spec, rows)
    spec = lf.spec_of("iodas_dpas", "aides")
    rows = [dict(r.text) for r in lf.make_rows(spec, 3)]
    rows[1][next(c.name for c in spec.columns if c.type == "date")] = f"{CANARY} {BIRTH[0]}"
    lf.write_xlsx(extraction / "iodas_dpas" / spec.file, spec, rows)


def _texts(db: Path) -> str:
    """Every text the load writes but raw.load_rejects.valeur (the identifying zone's own
    copy of a rejected value, never printed)."""
    with duckdb.connect(str(db)) as con:
        parts = []
        for table in ("load_report", "load_extractions", "load_sources", "load_rejects"):
            rel = con.execute(f"select * from raw.{table}")
            names = [d[0] for d in rel.description]
            for row in rel.fetchall():
                parts += [str(v) for n, v in zip(names, row, strict=True) if n != "valeur"]
    return "\n".join(parts)


def _leaks(text: str) -> list[str]:
    return [canary for canary in (CANARY, *BIRTH) if canary in text]


def test_no_planted_identity_reaches_the_console_or_the_reports(
    tmp_path: Path, db: Path, capsys
) -> None:
    extraction = tmp_path / "ex"
    lf.write_extraction(extraction, n=3, sources=SOURCES)
    _plant_header_canaries(extraction)
    assert cli([str(extraction), "--database", str(db), "--source", *SOURCES]) == 1
    out, err = capsys.readouterr()
    assert "iodas_dpas/aides_financieres.xlsx, line 1, column 22: [extra_column]" in err, err
    assert "an unexpected value in the header, column 22" in err
    assert "webrsa/foyers.csv, line 1, column 5: [extra_column] the header has 2 column(s)" in err
    assert "webrsa/dossiers.csv, line 1, column 6: [duplicate_column]" in err
    assert "nova_dpas/personnes.csv, line 3, column nom_usage: [encoding]" in err
    assert _leaks(out + err) == []
    assert _leaks(_texts(db)) == []
    # a sheet named after a person, the contract's sheet missing
    spec = lf.spec_of("iodas_dpas", "aides")
    lf.write_xlsx(extraction / "iodas_dpas" / spec.file, spec, [], sheet=f"{CANARY} {BIRTH[1]}")
    lf.write_extraction(extraction, n=3, sources=["webrsa", "nova_dpas"])
    assert cli([str(extraction), "--database", str(db), "--source", *SOURCES]) == 1
    out, err = capsys.readouterr()
    assert "[missing_sheet] no sheet named 'aides' (the workbook has 1 sheet(s) with" in err
    assert _leaks(out + err) == [] and _leaks(_texts(db)) == []
    # bad cells: rejected, loaded, counted; the values only in raw.load_rejects.valeur
    lf.write_extraction(extraction, n=3, sources=SOURCES)
    _plant_cell_canaries(extraction)
    assert cli([str(extraction), "--database", str(db), "--source", *SOURCES]) == 0
    out, err = capsys.readouterr()
    # the two birth dates (nova_dpas, iodas_dpas: if_invalid: empty) are loaded empty
    assert "2 rejected" in out and "2 loaded with a birth date left empty" in out
    assert _leaks(out + err) == [] and _leaks(_texts(db)) == []
    with duckdb.connect(str(db)) as con:
        values = con.execute(
            'select "column", valeur from raw.load_rejects order by "column"'
        ).fetchall()
        birth = con.execute(
            "select date_naissance, motif_date_naissance from raw.nova_dpas__personnes "
            "where _ligne = 2"
        ).fetchall()
    assert ("sexe", CANARY) in values and ("date_naissance", None) not in values
    assert birth == [(None, "date_illisible")]  # the value itself is kept nowhere


def test_header_cells_shaped_like_names_are_shown_only_through_the_check(
    tmp_path: Path, db: Path, monkeypatch
) -> None:
    """Mutation: if every header cell counted as a column name, the note would be echoed."""
    extraction = tmp_path / "ex"
    lf.write_extraction(extraction, n=3, sources=SOURCES)
    _plant_header_canaries(extraction)
    monkeypatch.setattr(errors_module, "shows_as_name", lambda text: True)
    result = load_extraction(extraction, db, sources=SOURCES)
    assert CANARY in " ".join(str(e) for e in result.errors)


def test_a_column_name_shaped_extra_cell_is_named(tmp_path: Path, db: Path) -> None:
    extraction = tmp_path / "ex"
    spec, rows = lf.extraction_texts(extraction, "webrsa", "foyers", 2, n=2)
    header = [c.name for c in spec.columns] + ["commentaire_agent"]
    lf.write_csv(extraction / "webrsa" / spec.file, spec, rows, header=header)
    result = load_extraction(extraction, db, sources=["webrsa"])
    error = result.errors[0]
    assert (error.column, error.rule) == ("commentaire_agent", "extra_column")
    assert "'commentaire_agent'" in error.message


# ---------------------------------------------------------------------------- folders


@pytest.mark.parametrize("content", ["empty", "unknown_folders", "missing"])
def test_an_extraction_without_sources_creates_nothing_and_says_so_in_one_french_line(
    tmp_path: Path, db: Path, monkeypatch, capsys, content: str
) -> None:
    monkeypatch.delenv("PIPASE_LANG")
    monkeypatch.setenv("LANG", "C.UTF-8")
    extraction = tmp_path / "ex"
    if content != "missing":
        extraction.mkdir()
    if content == "unknown_folders":
        (extraction / "Nouveau dossier").mkdir()
        (extraction / "notes.txt").write_text("x", encoding="utf-8")
    assert cli([str(extraction), "--database", str(db)]) == 1
    out, err = capsys.readouterr()
    assert out == "" and len(err.splitlines()) == 1
    assert err.startswith("pipase load : erreur : ")
    expected = "aucun dossier de source" if content != "missing" else "dossier introuvable"
    assert expected in err
    assert not db.exists() and not db.parent.exists()


def test_without_the_folder_check_an_empty_folder_would_create_a_database(
    tmp_path: Path, db: Path, monkeypatch
) -> None:
    """Mutation: the check before opening the database removed."""
    (tmp_path / "ex").mkdir()
    monkeypatch.setattr(loader_module, "check_folders", lambda *args: None)
    load_extraction(tmp_path / "ex", db)
    assert db.exists()


def test_a_missing_source_folder_not_declared_absent_is_named(
    loaded: tuple[Path, dict], db: Path
) -> None:
    second, before = loaded
    shutil.rmtree(second / "nova_dpas")
    with pytest.raises(LoadError) as caught:
        load_extraction(second, db, sources=SOURCES)
    assert caught.value.rule == "missing_folder"
    assert "nova_dpas/" in caught.value.message and "--without nova_dpas" in caught.value.message
    assert state(db) == before  # checked before the database is opened: not even a record


# ---------------------------------------------------------------------------- absent sources


def test_a_source_declared_absent_has_empty_tables_and_absent_reports(
    loaded: tuple[Path, dict], db: Path, capsys
) -> None:
    second, before = loaded
    shutil.rmtree(second / "nova_dpas")
    code = cli([str(second), "--database", str(db), "--source", *SOURCES, "--without", "nova_dpas"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "declared absent: nova_dpas" in out
    contract = lf.contracts()["nova_dpas"]
    with duckdb.connect(str(db)) as con:
        load_id, status = con.execute(
            "select load_id, status from raw.load_extractions order by started_at desc limit 1"
        ).fetchone()
        assert status == "loaded"
        for spec in contract.files:
            described = con.execute(f"describe raw.nova_dpas__{spec.table}").fetchall()
            assert [(d[0], d[1]) for d in described] == spec.raw_columns + [
                ("_fichier", "VARCHAR"),
                ("_ligne", "INTEGER"),
            ]
            assert con.execute(f"select count(*) from raw.nova_dpas__{spec.table}").fetchone() == (
                0,
            )
        reports = con.execute(
            "select file, rows_read, rows_loaded, rows_rejected, status from raw.load_report "
            "where load_id = ? and source = 'nova_dpas' order by file",
            [load_id],
        ).fetchall()
        sources = con.execute(
            "select source, status, files, rows_read, rows_loaded, rows_rejected "
            "from raw.load_sources where load_id = ? order by source",
            [load_id],
        ).fetchall()
        webrsa_rows = con.execute("select count(*) from raw.webrsa__personnes").fetchone()[0]
    assert reports == sorted((s.display_name, 0, 0, 0, "absent") for s in contract.files)
    webrsa_files = len(lf.contracts()["webrsa"].files)
    assert sources == [
        ("iodas_dpas", "loaded", 1, 4, 4, 0),
        ("nova_dpas", "absent", 0, 0, 0, 0),
        ("webrsa", "loaded", webrsa_files, 4 * webrsa_files, 4 * webrsa_files, 0),
    ]
    assert webrsa_rows == 4
    assert before  # the earlier nova_dpas rows are gone: the source is absent now


def test_a_source_declared_absent_but_present_is_refused(
    loaded: tuple[Path, dict], db: Path
) -> None:
    second, before = loaded
    with pytest.raises(LoadError) as caught:
        load_extraction(second, db, sources=SOURCES, absent=["nova_dpas"])
    assert caught.value.rule == "absent_source_present"
    assert state(db) == before


def test_an_older_database_gains_the_load_sources_table(tmp_path: Path, db: Path) -> None:
    """A database written before raw.load_sources existed loads as it is."""
    db.parent.mkdir(parents=True)
    with duckdb.connect(str(db)) as con:
        con.execute("create schema raw")
        for name in ("load_extractions", "load_report", "load_rejects"):
            con.execute(f"create table raw.{name} ({loader_module.DDL[name]})")
        con.execute(
            "insert into raw.load_extractions values ('old', null, now()::timestamp, "
            "now()::timestamp, 'partial')"
        )
    lf.write_extraction(tmp_path / "ex", n=2, sources=["webrsa"])
    result = load_extraction(tmp_path / "ex", db, sources=["webrsa"])
    assert result.ok
    with duckdb.connect(str(db)) as con:
        assert con.execute("select source, status from raw.load_sources").fetchall() == [
            ("webrsa", "loaded")
        ]


# ---------------------------------------------------------------------------- French


def test_messages_are_french_by_default(tmp_path: Path, db: Path, monkeypatch, capsys) -> None:
    monkeypatch.delenv("PIPASE_LANG")
    monkeypatch.setenv("LANG", "C.UTF-8")
    extraction = tmp_path / "ex"
    lf.write_extraction(extraction, n=2, sources=["webrsa"])
    (extraction / "webrsa" / "foyers.csv").unlink()
    assert cli([str(extraction), "--database", str(db), "--source", "webrsa"]) == 1
    err = capsys.readouterr().err
    assert "webrsa/foyers.csv : [missing_file] fichier introuvable" in err
    assert "la base est telle qu'avant ce chargement" in err
    lf.write_extraction(extraction, n=2, sources=["webrsa"])
    assert cli([str(extraction), "--database", str(db), "--source", "webrsa"]) == 0
    out, err = capsys.readouterr()
    assert "lignes lues" in out and "lignes/s" in err


def test_the_dbt_project_builds_with_a_source_absent(tmp_path: Path) -> None:
    """A synthetic extraction without Nova-DPAS, loaded with --without nova_dpas: the data
    office's whole run (dbt build --selector main_job: every model, snapshot, data test and the
    leaving models' unit tests) passes; the annex 2 table built from Nova has 0 rows, the others
    do not; the load reports say absent."""
    from conftest import REPO, run_dbt

    from pipase.synth import generate

    extraction = tmp_path / "extraction"
    generate(extraction, youths=150, seed=7, extraction_date=dt.date(2026, 6, 30))
    shutil.rmtree(extraction / "nova_dpas")
    database = tmp_path / "pipase.duckdb"
    result = load_extraction(
        extraction, database, extraction_date=dt.date(2026, 6, 30), absent=["nova_dpas"]
    )
    assert result.ok
    measure = subprocess.run(
        [
            sys.executable,
            str(REPO / "scripts" / "measure_hash_rate.py"),
            "--database",
            str(database),
            "--messages",
            "20000",
        ],
        capture_output=True,
        text=True,
    )
    assert measure.returncode == 0, measure.stderr[-2000:]
    env = {"PIPASE_CODE_KEY": "test-absent-source-key"}
    build = run_dbt(["build", "--selector", "main_job", "--threads", "2"], tmp_path, env=env)
    assert build.returncode == 0, build.stdout[-4000:]
    with duckdb.connect(str(database), read_only=True) as con:
        leaving = {
            name: con.execute(f'select count(*) from leaving."{name}"').fetchone()[0]
            for (name,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'leaving'"
            ).fetchall()
        }
        sources = dict(
            con.execute("select base_source, status from reports.rpt_load__sources").fetchall()
        )
        reconciled = con.execute(
            "select bool_and(report_reconciles and rows_reconcile) from reports.rpt_load__sources"
        ).fetchone()[0]
        absent_files = con.execute(
            "select count(*) from reports.rpt_load__reconciliation where status = 'absent' "
            "and rows_reconcile and rejects_reconcile"
        ).fetchone()[0]
    assert leaving.pop("annexe2_nova_dpas__rendez_vous") == 0
    assert leaving and all(count > 0 for count in leaving.values()), leaving
    assert sources["nova_dpas"] == "absent" and sources["webrsa"] == "loaded"
    assert reconciled and absent_files == len(lf.contracts()["nova_dpas"].files)


KILL_SCRIPT = """
import os, signal, sys
from pathlib import Path
from pipase.load import loader

point, after = sys.argv[3], int(sys.argv[4])
calls = []
real_write, real_values = loader._Loader._write, loader._source_values

def write(self, prepared):
    calls.append(1)
    if point == "staging" and len(calls) > after:
        os.kill(os.getpid(), signal.SIGKILL)
    return real_write(self, prepared)

def values(result, sources):
    if point == "swap":  # inside the final transaction, every table already swapped
        os.kill(os.getpid(), signal.SIGKILL)
    return real_values(result, sources)

loader._Loader._write, loader._source_values = write, values
loader.load_extraction(Path(sys.argv[1]), Path(sys.argv[2]), sources=sys.argv[5:])
"""


@pytest.mark.parametrize("point", ["staging", "swap"])
def test_a_load_killed_outright_changes_nothing_and_leaves_no_running_row(
    loaded: tuple[Path, dict], db: Path, point: str
) -> None:
    """SIGKILL (no Python cleanup at all) while files are staged, or inside the final
    transaction after every swap: the database reopens as before, without any row for that run;
    the next load drops the staging tables left behind."""
    second, before = loaded
    killed = subprocess.run(
        [sys.executable, "-c", KILL_SCRIPT, str(second), str(db), point, "6", *SOURCES],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert killed.returncode == -9, killed.stderr[-2000:]
    after = state(db)
    leftovers = [t for t in after["_tables"] if t.startswith("_pipase_stage__")]
    assert leftovers  # what the killed run had staged
    for name in leftovers:
        del after[name]
    after["_tables"] = [t for t in after["_tables"] if t not in leftovers]
    assert after == before  # not even a `running` row: a run is written once it is over
    assert load_extraction(second, db, sources=SOURCES).ok
    assert not [t for t in state(db)["_tables"] if t.startswith("_pipase_stage__")]


def test_the_load_command_warns_of_files_no_contract_names(
    tmp_path: Path, db: Path, capsys
) -> None:
    """As `pipase run` does: a file no contract names is never read, and says so; a file named
    after a person is named by its folder alone."""
    extraction = tmp_path / "ex"
    lf.write_extraction(extraction, n=2, sources=["nova_dpas"])
    (extraction / "nova_dpas" / "personnes_suite.csv").write_text("x", encoding="utf-8")
    (extraction / "nova_dpas" / "DUPONT Marie.csv").write_text("x", encoding="utf-8")
    assert cli([str(extraction), "--database", str(db), "--source", "nova_dpas"]) == 0
    err = capsys.readouterr().err
    assert "nova_dpas/personnes_suite.csv: a file no contract names" in err
    assert "DUPONT" not in err and err.count("a file no contract names") == 2
