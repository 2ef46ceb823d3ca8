"""Transmission (export, import), storage at rest and purge: convention article 4 and 3.3.

The leaving tables are built here in a throwaway DuckDB database, with manifest.json and
run_results.json written in dbt's format (the fields pipase reads, as dbt 1.11 writes them); one
test runs a real `dbt build` on a tiny project to check the encrypted profile and the artifacts.
Passwords and keys are synthetic and never printed.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import annex2_fixtures as fx
import duckdb
import py7zr
import pytest

import pipase
from pipase import cli, gate
from pipase.errors import EXIT_REFUSED, PipaseError
from pipase.transmission import (
    TransmissionError,
    archive,
    encryption,
    export_cmd,
    partners,
    purge_cmd,
)

PASSWORD = "synthetic-archive-pass-0001"  # noqa: S105 - synthetic, for tests only
WRONG_PASSWORDS = ["synthetic-wrong-pass-0002", "x" * 12, "synthetic-archive-pass-0002"]
DB_KEY = "synthetic-db-key-000000000001"
MARKER = "PIPASEMARKERZX"  # a value whose presence in a file's bytes betrays plaintext
SEVEN_ZIP = shutil.which("7zz") or "/usr/bin/7zz"
DBT = Path(sys.executable).with_name("dbt")
EXTRACTION = "2026-10-31"


def key(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


# --------------------------------------------------------------------------- fixtures
TABLES = {
    "annexe2_iodas_ase__individu": {
        "cle_hachage": "VARCHAR",
        "cle_hachage_secondaire": "VARCHAR",
        "mois_naissance": "VARCHAR",
        "genre": "VARCHAR",
        "statut_mna": "BOOLEAN",
    },
    "annexe2_iodas_ase__placement": {
        "cle_hachage": "VARCHAR",
        "nature_placement": "VARCHAR",
        "mois_debut_placement": "DATE",
        "duree_jours": "INTEGER",
        "montant": "DECIMAL(10,2)",
    },
}


def build_leaving_database(path: Path, rows: int = 50) -> None:
    con = duckdb.connect(str(path))
    con.execute("create schema leaving")
    con.execute("create schema crossing")
    con.execute(
        """
        create table leaving.annexe2_iodas_ase__individu as
        select
            sha256('individu-' || i) as cle_hachage,
            sha256('secondaire-' || (i // 2)) as cle_hachage_secondaire,
            strftime(date '2000-01-01' + to_months(i % 48), '%Y-%m') as mois_naissance,
            case when i % 2 = 0 then 'F' else 'M' end as genre,
            i % 7 = 0 as statut_mna
        from range(?) as r(i)
        """,
        [rows],
    )
    con.execute(
        f"""
        create table leaving.annexe2_iodas_ase__placement as
        select
            sha256('individu-' || (i % {rows})) as cle_hachage,
            case when i % 3 = 0 then '{MARKER}' else 'MECS' end as nature_placement,
            (date '2015-01-01' + to_months(i % 100))::date as mois_debut_placement,
            (i * 13 % 900)::integer as duree_jours,
            (i * 1.25)::decimal(10, 2) as montant
        from range(?) as r(i)
        """,
        [rows * 3],
    )
    con.execute("create table crossing.int_not_exported as select 1 as x")
    fx.record_fingerprints(con)
    con.close()


def write_artifacts(
    target: Path,
    *,
    statuses: dict[str, str | None] | None = None,
    generated_at: datetime | None = None,
    run_vars: dict | None = None,
    tables: dict[str, dict[str, str]] | None = None,
    project_dir: Path | None = None,
) -> None:
    """manifest.json and run_results.json as dbt 1.11 writes them (the fields pipase reads).

    Tests: a generic not_null on each leaving model (attached_node), a singular privacy test,
    and an identifying-zone test that is no business of the export. `statuses` overrides the
    result of a test by its short name; None drops it from run_results (not run).
    """
    tables = TABLES if tables is None else tables
    generated_at = generated_at or datetime.now(UTC)
    invocation = str(uuid.uuid4())
    nodes, results = {}, []
    for name, columns in tables.items():
        uid = f"model.pipase.{name}"
        nodes[uid] = {
            "resource_type": "model",
            "unique_id": uid,
            "name": name,
            "alias": name,
            "database": "pipase",
            "schema": "leaving",
            "group": "leaving",
            "tags": ["leaving", "privacy"],
            "config": {
                "enabled": True,
                "group": "leaving",
                "tags": ["leaving", "privacy"],
                "contract": {"enforced": True, "alias_types": True},
            },
            "columns": {c: {"name": c, "data_type": t.lower()} for c, t in columns.items()},
            "depends_on": {"nodes": []},
        }
        results.append({"unique_id": uid, "status": "success", "timing": [], "failures": None})
    tests = {}
    for name in tables:
        short = f"not_null_{name}_cle_hachage"
        tests[short] = {
            "unique_id": f"test.pipase.{short}.0a1b2c3d4e",
            "attached_node": f"model.pipase.{name}",
            "group": "leaving",
            "tags": [],
            "depends_on": {"nodes": [f"model.pipase.{name}"]},
        }
    tests["assert_annexe2_has_no_identity"] = {
        "unique_id": "test.pipase.assert_annexe2_has_no_identity",
        "attached_node": None,
        "group": None,
        "tags": ["privacy"],
        "depends_on": {"nodes": [f"model.pipase.{n}" for n in tables]},
    }
    tests["not_null_stg_webrsa__personnes_nom"] = {
        "unique_id": "test.pipase.not_null_stg_webrsa__personnes_nom.9f8e7d6c5b",
        "attached_node": "model.pipase.stg_webrsa__personnes",
        "group": "identifying",
        "tags": [],
        "depends_on": {"nodes": ["model.pipase.stg_webrsa__personnes"]},
    }
    statuses = {"not_null_stg_webrsa__personnes_nom": "fail", **(statuses or {})}
    for short, test in tests.items():
        nodes[test["unique_id"]] = {
            "resource_type": "test",
            "name": short,
            "config": {"enabled": True, "tags": test["tags"], "severity": "ERROR"},
            **test,
        }
        status = statuses.get(short, "pass")
        if status is not None:
            results.append(
                {"unique_id": test["unique_id"], "status": status, "timing": [], "failures": 0}
            )
    stamp = generated_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    target.mkdir(parents=True, exist_ok=True)
    (target / "manifest.json").write_text(
        json.dumps(
            {
                "metadata": {
                    "dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v12.json",
                    "dbt_version": "1.11.16",
                    "generated_at": stamp,
                    "invocation_id": invocation,
                },
                "nodes": nodes,
                "unit_tests": {},
            }
        )
    )
    (target / "run_results.json").write_text(
        json.dumps(
            {
                "metadata": {
                    "dbt_schema_version": "https://schemas.getdbt.com/dbt/run-results/v6.json",
                    "dbt_version": "1.11.16",
                    "generated_at": stamp,
                    "invocation_id": invocation,
                    "env": {},
                },
                "results": results,
                "elapsed_time": 1.0,
                "args": {
                    "which": "build",
                    "vars": run_vars or {},
                    "project_dir": str(project_dir or target.parent),
                },
            }
        )
    )


@pytest.fixture
def study(tmp_path, monkeypatch):
    """A département side: database with leaving tables, tested dbt artifacts, no secrets set."""
    for name in ("PIPASE_ARCHIVE_PASSWORD", "PIPASE_DB_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PIPASE_LANG", "fr")  # the users' language (import and purge messages)
    monkeypatch.setattr(sys, "stdin", io.StringIO())  # not a terminal
    (tmp_path / "dbt_project.yml").write_text("name: pipase\nvars:\n  pipase_keyed: false\n")
    database = tmp_path / "data" / "pipase.duckdb"
    database.parent.mkdir()
    build_leaving_database(database)
    write_artifacts(tmp_path / "target")
    return tmp_path


def run_command(module, argv: list[str]) -> int:
    """As the CLI runs a command: a PipaseError is one line on stderr and exit code 1."""
    parser = argparse.ArgumentParser()
    module.add_arguments(parser)
    try:
        return module.run(parser.parse_args(argv))
    except PipaseError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_REFUSED


def _gate_passes(artifacts, con, extraction_date, **_options):
    """The export's gate (tested in test_gate.py) as passed: these tests are about the archive,
    the manifest and the checks export_cmd makes itself, on hand-made artifacts."""
    load = gate.LoadProvenance("load-1", extraction_date, datetime.now(UTC), [])
    return gate.GateReport(load=load, warnings=[], build={})


@pytest.fixture(autouse=True)
def _gate_stubbed(monkeypatch):
    monkeypatch.setattr(gate, "check", _gate_passes)


def export(study: Path, *extra: str) -> int:
    return run_command(
        export_cmd,
        [
            "--database",
            str(study / "data" / "pipase.duckdb"),
            "--target-dir",
            str(study / "target"),
            "--out",
            str(study / "data" / "export"),
            "--extraction-date",
            EXTRACTION,
            *extra,
        ],
    )


def archive_of(study: Path) -> Path:
    return study / "data" / "export" / f"pipase_{EXTRACTION}.7z"


def do_import(study: Path, archive_path: Path | None, *extra: str) -> int:
    """Through the real CLI: a refusal is one line of stderr and exit code 1."""
    argv = [str(archive_path)] if archive_path else []
    return cli.main(
        ["import", *argv, "--database", str(study / "association" / "asso.duckdb"), *extra]
    )


@pytest.fixture
def exported(study, monkeypatch):
    monkeypatch.setenv("PIPASE_ARCHIVE_PASSWORD", PASSWORD)
    assert export(study) == 0
    return archive_of(study)


ANNEX2_TABLES = fx.annex2_types()
ANNEX2_INDIVIDU = "annexe2_iodas_ase__individu"
ANNEX2_PLACEMENT = "annexe2_iodas_ase__placement"


def build_annex2_database(path: Path, individuals: int = 50) -> dict[str, int]:
    """The ten annex 2 tables (the only ones `pipase import` accepts), MARKER in free text."""
    path.unlink(missing_ok=True)
    con = duckdb.connect(str(path))
    counts = fx.create_annex2_tables(con, "leaving", individuals, marker=MARKER)
    con.execute("create schema crossing")
    con.execute("create table crossing.int_not_exported as select 1 as x")
    fx.record_fingerprints(con)
    con.close()
    return counts


@pytest.fixture
def annex2_study(study):
    """The département side with annex 2 exactly: what a real `dbt build` leaves."""
    build_annex2_database(study / "data" / "pipase.duckdb")
    write_artifacts(study / "target", tables=ANNEX2_TABLES)
    return study


@pytest.fixture
def annex2_exported(annex2_study, monkeypatch):
    monkeypatch.setenv("PIPASE_ARCHIVE_PASSWORD", PASSWORD)
    assert export(annex2_study) == 0
    return archive_of(annex2_study)


def table_rows(database: Path, query: str, key_env: str = "PIPASE_DB_KEY") -> list[tuple]:
    con = encryption.connect(database, key_env, read_only=True)
    try:
        return con.execute(query).fetchall()
    finally:
        con.close()


# --------------------------------------------------------------------------- export
def test_round_trip_gives_the_same_tables(annex2_study, annex2_exported, capsys):
    study, exported = annex2_study, annex2_exported
    assert do_import(study, exported) == 0
    output = capsys.readouterr()
    assert PASSWORD not in output.out + output.err
    source = study / "data" / "pipase.duckdb"
    target = study / "association" / "asso.duckdb"
    con = duckdb.connect()
    con.execute(f"attach '{source}' as src (read_only)")
    con.execute(f"attach '{target}' as dst (read_only)")
    for name, columns in ANNEX2_TABLES.items():
        left, right = f"src.leaving.{name}", f"dst.annexe2.{name}"
        assert (
            con.execute(f"select count(*) from {left}").fetchone()
            == con.execute(f"select count(*) from {right}").fetchone()
        )
        for a, b in ((left, right), (right, left)):
            assert con.execute(f"select * from {a} except all select * from {b}").fetchall() == []
        types = con.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_catalog = 'dst' and table_name = ? order by ordinal_position",
            [name],
        ).fetchall()
        assert types == list(columns.items())
    exported_tables = con.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_catalog = 'dst' and table_schema = 'annexe2' order by 2"
    ).fetchall()
    assert exported_tables == [("annexe2", name) for name in sorted(ANNEX2_TABLES)]
    log = con.execute(
        "select kind, table_name, rows, extraction_date::varchar, keys from dst.main.import_log "
        "order by table_name"
    ).fetchall()
    assert log == [
        ("departement", name, 50 if name == ANNEX2_INDIVIDU else 150, EXTRACTION, "plain")
        for name in sorted(ANNEX2_TABLES)
    ]


def test_archive_of_other_tables_than_annex_2_is_refused(study, exported, capsys):
    """The two-table fixture of the export tests is not annex 2: the import refuses it."""
    assert do_import(study, exported) == 1
    err = capsys.readouterr().err
    assert (
        "[annexe2_table]" in err and "la table annexe2_iodas_ase__cjm de l'annexe 2 manque" in err
    )
    assert not (study / "association" / "asso.duckdb").exists()


def test_export_leaves_only_the_archive_and_a_manifest(study, monkeypatch, capsys):
    monkeypatch.setenv("PIPASE_ARCHIVE_PASSWORD", PASSWORD)
    assert export(study) == 0
    exported = archive_of(study)
    out = exported.parent
    assert sorted(p.name for p in out.iterdir()) == [
        f"pipase_{EXTRACTION}.7z",
        f"pipase_{EXTRACTION}.manifest.json",
    ]
    manifest = json.loads((out / f"pipase_{EXTRACTION}.manifest.json").read_text())
    assert PASSWORD not in json.dumps(manifest)
    assert manifest["protocol_version"] == pipase.PROTOCOL_VERSION
    assert manifest["pipase_version"] == pipase.__version__
    assert manifest["keys"] == "plain"
    assert manifest["extraction_date"] == EXTRACTION
    # write_artifacts: 3 gating tests pass, the identifying-zone test fails (not a leaving test)
    assert manifest["tests"] == {"pass": 3, "fail": 1, "error": 0, "warn": 0, "skip": 0, "total": 4}
    assert sorted((t["name"], t["status"]) for t in manifest["privacy_tests"]) == [
        ("assert_annexe2_has_no_identity", "pass"),
        ("not_null_annexe2_iodas_ase__individu_cle_hachage", "pass"),
        ("not_null_annexe2_iodas_ase__placement_cle_hachage", "pass"),
    ]
    assert {t["name"]: t["rows"] for t in manifest["tables"]} == {
        "annexe2_iodas_ase__individu": 50,
        "annexe2_iodas_ase__placement": 150,
    }
    assert manifest["archive"]["sha256"] == hashlib.sha256(exported.read_bytes()).hexdigest()
    assert manifest["archive"]["sha256"] in capsys.readouterr().out
    # nothing readable in the archive: neither a value nor a table name
    content = exported.read_bytes()
    for text in (MARKER, "annexe2_iodas_ase", "manifest"):
        assert text.encode() not in content
        assert text.encode("utf-16-le") not in content


def test_keyed_variant_is_recorded(study, monkeypatch):
    write_artifacts(study / "target", run_vars={"pipase_keyed": True})
    monkeypatch.setenv("PIPASE_ARCHIVE_PASSWORD", PASSWORD)
    assert export(study) == 0
    manifest = json.loads(archive_of(study).with_suffix(".manifest.json").read_text())
    assert (manifest["keys"], manifest["key_algorithm"]) == ("keyed", "HMAC-SHA-256")


@pytest.mark.parametrize(
    ("test_name", "status"),
    [
        ("assert_annexe2_has_no_identity", "fail"),
        ("assert_annexe2_has_no_identity", "error"),
        ("assert_annexe2_has_no_identity", "warn"),
        ("not_null_annexe2_iodas_ase__placement_cle_hachage", "fail"),
        ("not_null_annexe2_iodas_ase__placement_cle_hachage", "skipped"),
        ("not_null_annexe2_iodas_ase__individu_cle_hachage", None),
    ],
)
def test_export_refused_when_a_leaving_or_privacy_test_did_not_pass(
    study, monkeypatch, capsys, test_name, status
):
    write_artifacts(study / "target", statuses={test_name: status})
    monkeypatch.setenv("PIPASE_ARCHIVE_PASSWORD", PASSWORD)
    assert export(study) == 1
    err = capsys.readouterr().err
    assert "export refusé" in err
    assert f"{test_name} " in err and (status or "non exécuté") in err
    assert not (study / "data" / "export").exists()


def test_export_refused_without_run_results(study, monkeypatch, capsys):
    (study / "target" / "run_results.json").unlink()
    monkeypatch.setenv("PIPASE_ARCHIVE_PASSWORD", PASSWORD)
    assert export(study) == 1
    assert "run_results.json is missing" in capsys.readouterr().err


def test_export_refused_when_a_leaving_table_is_missing(study, monkeypatch, capsys):
    con = duckdb.connect(str(study / "data" / "pipase.duckdb"))
    con.execute("drop table leaving.annexe2_iodas_ase__placement")
    con.close()
    write_artifacts(study / "target")
    monkeypatch.setenv("PIPASE_ARCHIVE_PASSWORD", PASSWORD)
    assert export(study) == 1
    err = capsys.readouterr().err
    assert "absente(s) de la base" in err and "leaving.annexe2_iodas_ase__placement" in err
    assert not any((study / "data" / "export").glob("*.7z"))


def test_table_unknown_to_dbt_is_not_exported(study, monkeypatch, capsys):
    con = duckdb.connect(str(study / "data" / "pipase.duckdb"))
    con.execute("create table leaving.annexe2_old_model as select 1 as x")
    con.close()
    write_artifacts(study / "target")
    monkeypatch.setenv("PIPASE_ARCHIVE_PASSWORD", PASSWORD)
    assert export(study) == 0
    assert (
        "la table leaving.annexe2_old_model est dans la base mais pas dans le manifeste de dbt"
        in (capsys.readouterr().err)
    )
    manifest = json.loads(archive_of(study).with_suffix(".manifest.json").read_text())
    assert sorted(t["name"] for t in manifest["tables"]) == sorted(TABLES)


def test_export_refused_when_the_database_changed_after_the_tests(study, monkeypatch, capsys):
    tested = datetime.now(UTC) - timedelta(hours=2)
    write_artifacts(study / "target", generated_at=tested)
    monkeypatch.setenv("PIPASE_ARCHIVE_PASSWORD", PASSWORD)
    assert export(study) == 1
    assert "a été modifiée" in capsys.readouterr().err
    # the same database, tested after its last write, is accepted
    database = study / "data" / "pipase.duckdb"
    os.utime(database, (tested.timestamp() - 60, tested.timestamp() - 60))
    assert export(study) == 0


def test_export_refused_when_columns_differ_from_the_model(study, monkeypatch, capsys):
    tables = {**TABLES, "annexe2_iodas_ase__individu": {**TABLES["annexe2_iodas_ase__individu"]}}
    tables["annexe2_iodas_ase__individu"]["circonscription"] = "VARCHAR"
    write_artifacts(study / "target", tables=tables)
    monkeypatch.setenv("PIPASE_ARCHIVE_PASSWORD", PASSWORD)
    assert export(study) == 1
    assert "circonscription" in capsys.readouterr().err


def test_export_password_rules(study, monkeypatch, capsys):
    assert export(study) == 1  # no variable and no terminal: nobody to ask
    assert "PIPASE_ARCHIVE_PASSWORD" in capsys.readouterr().err
    monkeypatch.setenv("PIPASE_ARCHIVE_PASSWORD", "short-pass1")  # 11 characters
    assert export(study) == 1
    assert "shorter than 12" in capsys.readouterr().err
    assert not any((study / "data" / "export").glob("*.7z"))


def test_clear_parquet_removed_when_packing_fails(study, monkeypatch, capsys):
    def broken(destination, members, password):
        assert all(path.is_file() for path, _ in members)  # written, then packing fails
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(archive, "write_archive", broken)
    monkeypatch.setenv("PIPASE_ARCHIVE_PASSWORD", PASSWORD)
    assert export(study) == 1
    assert "disk full" in capsys.readouterr().err
    assert list((study / "data" / "export").rglob("*")) == []


def test_sigterm_during_packing_leaves_no_clear_parquet(study, monkeypatch, capsys):
    """An adversarial tester's `kill` during the export left the ten annex 2 Parquet files in
    clear in the output folder: SIGTERM now unwinds like Ctrl-C, through the cleanup."""
    import signal

    def killed(destination, members, password):
        os.kill(os.getpid(), signal.SIGTERM)  # the handler raises KeyboardInterrupt here

    monkeypatch.setattr(archive, "write_archive", killed)
    monkeypatch.setenv("PIPASE_ARCHIVE_PASSWORD", PASSWORD)
    before = signal.getsignal(signal.SIGTERM)
    code = cli.main(
        ["export", "--database", str(study / "data" / "pipase.duckdb"), "--target-dir",
         str(study / "target"), "--out", str(study / "data" / "export"), "--extraction-date",
         EXTRACTION]
    )  # fmt: skip
    assert code == 130 and "interrompu" in capsys.readouterr().err
    assert list((study / "data" / "export").rglob("*")) == []
    assert signal.getsignal(signal.SIGTERM) is before  # restored for the caller


def test_leftovers_of_a_killed_export_are_removed_by_the_next(study, monkeypatch):
    """SIGKILL or a power cut leaves the clear folder: the next export removes it."""
    out = study / "data" / "export"
    (out / ".pipase_export_abc123").mkdir(parents=True)
    (out / ".pipase_export_abc123" / "annexe2_iodas_ase__individu.parquet").write_bytes(b"PAR1")
    (out / f".pipase_{EXTRACTION}.7z.partial").write_bytes(b"7z")
    monkeypatch.setenv("PIPASE_ARCHIVE_PASSWORD", PASSWORD)
    assert export(study) == 0
    assert sorted(p.name for p in out.iterdir()) == [
        f"pipase_{EXTRACTION}.7z",
        f"pipase_{EXTRACTION}.manifest.json",
    ]


def _linked_manifest(study: Path, tmp_path: Path, monkeypatch) -> Path:
    """The manifest's place in the output folder taken by a link to someone else's file."""
    victim = tmp_path / "victim.txt"
    victim.write_text("someone else's")
    out = study / "data" / "export"
    out.mkdir(parents=True)
    (out / f"pipase_{EXTRACTION}.manifest.json").symlink_to(victim)
    monkeypatch.setenv("PIPASE_ARCHIVE_PASSWORD", PASSWORD)
    return victim


def test_export_never_writes_through_a_link(study, monkeypatch, tmp_path, capsys):
    """Links in the output folder made the export overwrite files elsewhere."""
    victim = _linked_manifest(study, tmp_path, monkeypatch)
    assert export(study) == 1
    assert "lien symbolique" in capsys.readouterr().err
    assert victim.read_text() == "someone else's"


def test_mutation_without_the_link_check_the_export_overwrites_the_target(
    study, monkeypatch, tmp_path
):
    from pipase.transmission import export_cmd as module

    monkeypatch.setattr(module, "_refuse_links", lambda *paths: None)
    victim = _linked_manifest(study, tmp_path, monkeypatch)
    assert export(study) == 0
    assert victim.read_text() != "someone else's"


# --------------------------------------------------------------------------- 7-Zip itself
def test_archive_opens_with_7zz_and_the_right_password_only(exported):
    assert Path(SEVEN_ZIP).exists(), "7zz (Debian package 7zip) is needed"
    ok = subprocess.run(
        [SEVEN_ZIP, "t", f"-p{PASSWORD}", str(exported)],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    assert ok.returncode == 0
    assert "Everything is Ok" in ok.stdout and "Files: 3" in ok.stdout
    wrong = subprocess.run(
        [SEVEN_ZIP, "t", f"-p{WRONG_PASSWORDS[0]}", str(exported)],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    assert wrong.returncode == 2
    listing = subprocess.run(
        [SEVEN_ZIP, "l", str(exported)], capture_output=True, text=True, stdin=subprocess.DEVNULL
    )
    shown = listing.stdout + listing.stderr
    assert listing.returncode != 0
    for name in ("manifest.json", "annexe2_iodas_ase__individu", ".parquet"):
        assert name not in shown


def test_archive_extracted_by_7zz_matches_the_manifest(exported, tmp_path):
    out = tmp_path / "extracted"
    done = subprocess.run(
        [SEVEN_ZIP, "x", f"-p{PASSWORD}", f"-o{out}", str(exported)],
        capture_output=True,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0
    manifest = json.loads((out / "manifest.json").read_text())
    for table in manifest["tables"]:
        data = (out / table["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == table["sha256"]
        rows = duckdb.execute(f"select count(*) from '{out / table['file']}'").fetchone()[0]
        assert rows == table["rows"]


# --------------------------------------------------------------------------- import refusals
@pytest.mark.parametrize("wrong", WRONG_PASSWORDS)
def test_wrong_password_is_named(annex2_study, annex2_exported, monkeypatch, capsys, wrong):
    study, exported = annex2_study, annex2_exported
    monkeypatch.setenv("PIPASE_ARCHIVE_PASSWORD", wrong)
    assert do_import(study, exported) == 1
    output = capsys.readouterr()
    assert "[mot_de_passe] mot de passe erroné" in output.err
    assert wrong not in output.out + output.err
    assert not (study / "association" / "asso.duckdb").exists()


def test_flipped_byte_is_refused(annex2_study, annex2_exported, monkeypatch, capsys):
    study, exported = annex2_study, annex2_exported
    data = bytearray(exported.read_bytes())
    data[len(data) // 2] ^= 0x01  # inside the encrypted Parquet data
    tampered = exported.with_name("tampered.7z")
    tampered.write_bytes(bytes(data))
    assert do_import(study, tampered) == 1
    assert "endommagée ou altérée" in capsys.readouterr().err
    assert not (study / "association" / "asso.duckdb").exists()
    # the sender's SHA-256 catches it before decryption
    expected = hashlib.sha256(exported.read_bytes()).hexdigest()
    assert do_import(study, tampered, "--expected-sha256", expected) == 1
    assert "son SHA-256 diffère de celui donné par l'expéditeur" in capsys.readouterr().err
    assert do_import(study, exported, "--expected-sha256", expected) == 0
    assert "--expected-sha256" not in capsys.readouterr().err


def test_an_import_without_the_senders_sha256_says_so(annex2_study, annex2_exported, capsys):
    """Anyone who knows the password can pack an archive: only the SHA-256 the sender printed
    ties it to the export; without it the import warns."""
    assert do_import(annex2_study, annex2_exported) == 0
    assert "--expected-sha256" in capsys.readouterr().err


def repack(exported: Path, tmp_path: Path, edit) -> Path:
    """Unpack with py7zr, let `edit(folder, manifest)` change things, pack again."""
    folder = tmp_path / "repack"
    with py7zr.SevenZipFile(exported, "r", password=PASSWORD) as z:
        z.extractall(folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    edit(folder, manifest)
    (folder / "manifest.json").write_text(json.dumps(manifest))
    result = tmp_path / "repacked.7z"
    members = [(p, p.name) for p in sorted(folder.iterdir())]
    archive.write_archive(result, members, PASSWORD)
    return result


def entry_of(manifest: dict, name: str) -> dict:
    return next(t for t in manifest["tables"] if t["name"] == name)


def _repacked_without_password(exported: Path, tmp_path: Path) -> Path:
    """The same members in an archive with no password at all: anyone can write one."""
    folder = tmp_path / "clear"
    with py7zr.SevenZipFile(exported, "r", password=PASSWORD) as z:
        z.extractall(folder)
    result = tmp_path / "clear.7z"
    with py7zr.SevenZipFile(result, "w") as z:
        for path in sorted(folder.iterdir()):
            z.write(path, path.name)
    return result


def test_an_archive_without_encryption_is_refused(annex2_study, annex2_exported, tmp_path, capsys):
    """An adversarial tester's archive without a password was imported without a word."""
    clear = _repacked_without_password(annex2_exported, tmp_path)
    assert do_import(annex2_study, clear) == 1
    assert "archive_non_chiffree" in capsys.readouterr().err


def test_mutation_without_the_encryption_check_the_clear_archive_is_imported(
    annex2_study, annex2_exported, tmp_path, monkeypatch, capsys
):
    monkeypatch.setattr(archive, "_refuse_clear_file_list", lambda path: None)
    assert do_import(annex2_study, _repacked_without_password(annex2_exported, tmp_path)) == 0


def _bomb(exported: Path, tmp_path: Path, size: int) -> Path:
    """The package plus a member of `size` zero bytes, packed with LZMA2 (pipase's own filter
    does not compress): a few KB that expand to `size`."""
    folder = tmp_path / "bomb"
    with py7zr.SevenZipFile(exported, "r", password=PASSWORD) as z:
        z.extractall(folder)
    with (folder / "zz.bin").open("wb") as handle:
        handle.truncate(size)
    result = tmp_path / "bomb.7z"
    filters = [{"id": py7zr.FILTER_LZMA2}, {"id": py7zr.FILTER_CRYPTO_AES256_SHA256}]
    with py7zr.SevenZipFile(
        result, "w", filters=filters, password=PASSWORD, header_encryption=True
    ) as z:
        for path in sorted(folder.iterdir()):
            z.write(path, path.name)
    return result


def test_a_decompression_bomb_is_refused_before_decompressing(
    annex2_study, annex2_exported, tmp_path, monkeypatch, capsys
):
    monkeypatch.setattr(archive, "MAX_SMALL_ARCHIVE_BYTES", 1 << 20)
    bomb = _bomb(annex2_exported, tmp_path, 64 << 20)
    assert bomb.stat().st_size < 1 << 20
    extracted = []
    monkeypatch.setattr(archive, "_Factory", lambda: extracted.append(1) or (_ for _ in ()))
    assert do_import(annex2_study, bomb) == 1
    assert "archive_contenu" in capsys.readouterr().err and extracted == []


def test_mutation_without_the_size_check_the_bomb_is_decompressed(
    annex2_study, annex2_exported, tmp_path, monkeypatch, capsys
):
    monkeypatch.setattr(archive, "MAX_SMALL_ARCHIVE_BYTES", 1 << 40)
    bomb = _bomb(annex2_exported, tmp_path, 64 << 20)
    assert do_import(annex2_study, bomb) == 1  # refused later: a file outside the manifest
    assert "archive_contenu" not in capsys.readouterr().err


def test_an_older_extraction_never_replaces_a_newer_one(
    annex2_study, annex2_exported, tmp_path, capsys
):
    """An adversarial tester's archive dated 2020-01-01 replaced the 2026 tables silently."""
    assert do_import(annex2_study, annex2_exported) == 0

    def edit(folder, manifest):
        manifest["extraction_date"] = "2020-01-01"

    capsys.readouterr()
    assert do_import(annex2_study, repack(annex2_exported, tmp_path, edit)) == 1
    err = capsys.readouterr().err
    assert "extraction_anterieure" in err and "2020-01-01" in err


def test_the_manifest_text_reaches_the_terminal_without_escapes(
    annex2_study, annex2_exported, tmp_path, capsys
):
    """A forged manifest's `keys` cleared the screen and printed « TOUT EST OK »."""

    def edit(folder, manifest):
        manifest["keys"] = "plain\x1b[2J\x1b[32m TOUT EST OK"

    assert do_import(annex2_study, repack(annex2_exported, tmp_path, edit)) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "plain[2J[32m TOUT EST OK" in out


def test_checksum_mismatch_names_the_table(annex2_study, annex2_exported, tmp_path, capsys):
    def edit(folder, manifest):
        entry_of(manifest, ANNEX2_PLACEMENT)["sha256"] = "0" * 64

    assert do_import(annex2_study, repack(annex2_exported, tmp_path, edit)) == 1
    err = capsys.readouterr().err
    assert f"table {ANNEX2_PLACEMENT} : le SHA-256 de son fichier diffère du manifeste" in err


def test_row_count_mismatch_names_the_table(annex2_study, annex2_exported, tmp_path, capsys):
    def edit(folder, manifest):
        entry_of(manifest, ANNEX2_INDIVIDU)["rows"] += 1

    assert do_import(annex2_study, repack(annex2_exported, tmp_path, edit)) == 1
    assert f"table {ANNEX2_INDIVIDU} : 50 lignes, le manifeste en annonce 51" in (
        capsys.readouterr().err
    )


def test_missing_table_file_is_refused(annex2_study, annex2_exported, tmp_path, capsys):
    def edit(folder, manifest):
        (folder / f"{ANNEX2_INDIVIDU}.parquet").unlink()

    assert do_import(annex2_study, repack(annex2_exported, tmp_path, edit)) == 1
    err = capsys.readouterr().err
    assert f"table {ANNEX2_INDIVIDU} : son fichier {ANNEX2_INDIVIDU}.parquet manque" in err
    assert not (annex2_study / "association" / "asso.duckdb").exists()


def test_failed_import_leaves_the_previous_one_intact(
    annex2_study, annex2_exported, tmp_path, capsys
):
    study = annex2_study
    assert do_import(study, annex2_exported) == 0
    database = study / "association" / "asso.duckdb"
    before = hashlib.sha256(database.read_bytes()).hexdigest()

    def edit(folder, manifest):
        entry_of(manifest, ANNEX2_PLACEMENT)["columns"][0]["type"] = "INTEGER"

    assert do_import(study, repack(annex2_exported, tmp_path, edit)) == 1
    assert "(manifest.json) : la colonne cle_hachage est de type INTEGER" in (
        capsys.readouterr().err
    )
    assert hashlib.sha256(database.read_bytes()).hexdigest() == before
    assert table_rows(database, "select count(*) from main.import_log") == [(10,)]
    assert table_rows(database, f"select count(*) from annexe2.{ANNEX2_PLACEMENT}") == [(150,)]


# --------------------------------------------------------------------------- partners
def write_partner(path: Path, rows: list[dict[str, str]], sep: str = ";") -> Path:
    columns = list(rows[0])
    lines = [sep.join(columns)] + [sep.join(row[c] for c in columns) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def partner_row(i: int, **extra: str) -> dict[str, str]:
    return {
        "cle_hachage": key(f"individu-{i}"),
        "cle_hachage_secondaire": key(f"secondaire-{i // 2}"),
        "motif_sans_cle": "",
        "mois_naissance": "2003-05",
        "situation": "emploi",
        **extra,
    }


def test_partner_file_is_imported_and_linked(annex2_study, annex2_exported, tmp_path):
    study, exported = annex2_study, annex2_exported
    rows = [
        partner_row(1),  # primary key of an ASE individual
        partner_row(999) | {"cle_hachage_secondaire": key("secondaire-10")},  # secondary, but
        # secondaire-10 belongs to individuals 20 and 21 in the ASE table: ambiguous, no link
        partner_row(998) | {"cle_hachage_secondaire": key("secondaire-solo")},  # unknown
        {
            **partner_row(0),
            "cle_hachage": "",
            "motif_sans_cle": "prenom_vide",
            "cle_hachage_secondaire": key("secondaire-solo-ase"),
        },
    ]
    path = write_partner(tmp_path / "France Travail.csv", rows)
    # an ASE individual alone on its secondary key: the 4th row links to it through that key
    con = duckdb.connect(str(study / "data" / "pipase.duckdb"))
    # a copy of an existing individual (every annex 2 value filled, as the import requires)
    # under two new keys
    con.execute(
        "create temp table solo as select * from leaving.annexe2_iodas_ase__individu limit 1"
    )
    con.execute(
        "update solo set cle_hachage = sha256('individu-solo'), "
        "cle_hachage_secondaire = sha256('secondaire-solo-ase')"
    )
    con.execute("insert into leaving.annexe2_iodas_ase__individu select * from solo")
    fx.record_fingerprints(con)  # as the build that made the table would
    con.close()
    write_artifacts(study / "target", tables=ANNEX2_TABLES)
    assert export(study, "--overwrite") == 0
    assert do_import(study, exported, "--partner", str(path)) == 0
    database = study / "association" / "asso.duckdb"
    links = table_rows(
        database,
        "select _ligne, cle_hachage_ase, methode_lien from partenaires.france_travail__lien "
        "order by _ligne",
    )
    assert links == [
        (2, key("individu-1"), "cle_hachage"),
        (3, None, None),
        (4, None, None),
        (5, key("individu-solo"), "cle_hachage_secondaire_unique"),
    ]
    loaded = table_rows(
        database,
        "select cle_hachage, motif_sans_cle, situation, _fichier from partenaires.france_travail "
        "order by _ligne limit 1 offset 3",
    )
    assert loaded == [(None, "prenom_vide", "emploi", "France Travail.csv")]
    assert table_rows(database, "select rows from main.import_log where kind = 'partenaire'") == [
        (4,)
    ]


@pytest.mark.parametrize(
    "column",
    [
        "nom",
        "Prénom",
        "prenom2",
        "date_naissance",
        "dateNaissance",
        "adresse",
        "nir",
        "email",
        "telephone",
        "nom_usage",
        "Date de naissance",
    ],
)
def test_partner_file_with_an_identifying_column_is_refused(study, tmp_path, capsys, column):
    path = write_partner(tmp_path / "partenaire.csv", [partner_row(1, **{column: "x"})])
    assert do_import(study, None, "--partner", str(path)) == 1
    err = capsys.readouterr().err
    assert "nom de colonne identifiant" in err and column in err
    assert not (study / "association" / "asso.duckdb").exists()


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        ("14/07/2003", "dates complètes"),
        ("2003-07-14", "dates complètes"),
        ("someone@example.org", "adresses électroniques"),
        ("06 12 34 56 78", "numéros de téléphone"),
        ("1 03 07 93 066 123 45", "numéros de sécurité sociale (NIR)"),
    ],
)
def test_partner_values_that_look_identifying_are_refused(study, tmp_path, capsys, value, rule):
    rows = [partner_row(1, evenement="2020-01"), partner_row(2, evenement=value)]
    path = write_partner(tmp_path / "partenaire.csv", rows)
    assert do_import(study, None, "--partner", str(path)) == 1
    err = capsys.readouterr().err
    assert f"colonne evenement : 1 valeur(s) ressemblent à des {rule}" in err
    assert "ligne 3" in err
    assert value not in err  # the message never repeats a value


@pytest.mark.parametrize(
    "bad_key",
    [key("x").upper(), key("x")[:63], key("x") + "0", "not-a-key", key("x")[:-1] + "g"],
)
def test_partner_file_with_bad_keys_is_refused(study, tmp_path, capsys, bad_key):
    rows = [partner_row(1), partner_row(2, cle_hachage=bad_key)]
    path = write_partner(tmp_path / "partenaire.csv", rows)
    assert do_import(study, None, "--partner", str(path)) == 1
    err = capsys.readouterr().err
    assert "colonne cle_hachage : 1 clé(s) ne sont pas 64 caractères hexadécimaux" in err
    assert "ligne 3" in err


def test_partner_file_needs_the_kit_columns_and_reasons(tmp_path):
    path = write_partner(tmp_path / "p.csv", [{"cle_hachage": key("a"), "situation": "x"}])
    with pytest.raises(
        TransmissionError, match="absente\\(s\\) : le fichier doit être produit par"
    ):
        partners.check_partner_file(path)
    rows = [partner_row(1, cle_hachage="")]
    with pytest.raises(TransmissionError, match="sans clé et sans motif_sans_cle"):
        partners.check_partner_file(write_partner(tmp_path / "q.csv", rows))


def test_partner_file_from_the_kit_is_accepted(tmp_path):
    """A real `pipase hash` output passes the checks (synthetic people)."""
    from pipase import hashkit

    source = tmp_path / "source.csv"
    source.write_text(
        "nom;prenom;date_naissance;situation\n"
        "DUPONT-TEST;Zoé;14/07/2003;emploi\n"
        "MARTIN-TEST;;01/02/2004;formation\n",
        encoding="utf-8",
    )
    hashed = tmp_path / "hashed.csv"
    args = argparse.Namespace(
        input=source,
        output=hashed,
        nom="nom",
        nom_naissance=None,
        prenom="prenom",
        date_naissance="date_naissance",
        format_date=["%d/%m/%Y"],
        sep=";",
        encoding="utf-8",
        sheet=None,
        mois_naissance=True,
        drop=[],
        keyed=False,
    )
    hashkit.hash_file(args)
    checked = partners.check_partner_file(hashed)
    assert (checked.rows, checked.keyed_rows) == (2, 1)


# --------------------------------------------------------------------------- encryption
def test_encrypted_database_has_no_plaintext_and_needs_its_key(tmp_path, monkeypatch):
    path = tmp_path / "secure.duckdb"
    monkeypatch.setenv("PIPASE_DB_KEY", DB_KEY)
    con = encryption.connect(path)
    con.execute("set force_compression = 'uncompressed'")  # else DuckDB's own compression
    # could hide the marker from the check even in a plain file (see the next test)
    con.execute("create schema annexe2")
    con.execute(f"create table annexe2.t as select '{MARKER}' || i as s from range(2000) r(i)")
    assert encryption.is_encrypted(con)
    con.close()
    content = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
    assert MARKER.encode() not in content
    assert b"annexe2" not in content
    assert DB_KEY.encode() not in content
    with pytest.raises(duckdb.Error, match="encrypted"):
        duckdb.connect(str(path))
    monkeypatch.delenv("PIPASE_DB_KEY")
    with pytest.raises(encryption.EncryptionError, match="is encrypted; set its key") as error:
        encryption.connect(path, read_only=True)
    monkeypatch.setenv("PIPASE_DB_KEY", "synthetic-wrong-db-key-0000")
    with pytest.raises(encryption.EncryptionError, match="wrong database key") as error:
        encryption.connect(path, read_only=True)
    assert "synthetic-wrong-db-key" not in str(error.value)
    monkeypatch.setenv("PIPASE_DB_KEY", DB_KEY)
    assert table_rows(path, "select count(*) from annexe2.t") == [(2000,)]


def test_plain_database_for_comparison_shows_its_plaintext(tmp_path):
    """The marker check can fail: without a key the same table is readable in the file."""
    path = tmp_path / "plain.duckdb"
    con = duckdb.connect(str(path))
    con.execute("set force_compression = 'uncompressed'")
    con.execute("create schema annexe2")
    con.execute(f"create table annexe2.t as select '{MARKER}' || i as s from range(2000) r(i)")
    con.close()
    assert MARKER.encode() in path.read_bytes()
    assert b"annexe2" in path.read_bytes()


def test_archive_without_header_encryption_for_comparison_shows_names(tmp_path):
    """The listing check can fail: without header encryption `7zz l` shows the names."""
    member = tmp_path / "annexe2_iodas_ase__individu.parquet"
    member.write_bytes(os.urandom(100))
    path = tmp_path / "names.7z"
    with py7zr.SevenZipFile(path, "w", filters=archive.FILTERS, password=PASSWORD) as z:
        z.write(member, member.name)
    listing = subprocess.run(
        [SEVEN_ZIP, "l", str(path)], capture_output=True, text=True, stdin=subprocess.DEVNULL
    )
    assert member.name in listing.stdout


def test_encrypt_copy_converts_a_plain_database(tmp_path, monkeypatch):
    plain = tmp_path / "plain.duckdb"
    con = duckdb.connect(str(plain))
    con.execute(f"create table t as select '{MARKER}' as s")
    con.close()
    monkeypatch.setenv("PIPASE_DB_KEY", DB_KEY)
    encrypted = tmp_path / "encrypted.duckdb"
    encryption.encrypt_copy(plain, encrypted)
    assert MARKER.encode() not in encrypted.read_bytes()
    assert table_rows(encrypted, "select s from t") == [(MARKER,)]


def test_import_into_an_encrypted_database(annex2_study, annex2_exported, monkeypatch, capsys):
    study, exported = annex2_study, annex2_exported
    monkeypatch.setenv("PIPASE_DB_KEY", DB_KEY)
    assert do_import(study, exported) == 0
    assert "chiffrée (AES-256)" in capsys.readouterr().out
    folder = study / "association"
    content = b"".join(p.read_bytes() for p in folder.rglob("*") if p.is_file())
    assert MARKER.encode() not in content and b"annexe2_iodas" not in content
    assert table_rows(
        folder / "asso.duckdb", "select count(*) from annexe2.annexe2_iodas_ase__placement"
    ) == [(150,)]
    monkeypatch.delenv("PIPASE_DB_KEY")
    with pytest.raises(encryption.EncryptionError):
        encryption.connect(folder / "asso.duckdb", read_only=True)


def test_short_database_key_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("PIPASE_DB_KEY", "short-key")
    with pytest.raises(encryption.EncryptionError, match="shorter than 16"):
        encryption.connect(tmp_path / "x.duckdb")


TINY_PROJECT = {
    "dbt_project.yml": """
name: tiny
version: "1.0"
config-version: 2
profile: tiny
flags: {send_anonymous_usage_stats: false}
vars: {pipase_keyed: false}
on-run-end: ["{{ record_leaving_fingerprints(results) }}"]
models:
  tiny:
    annexe2:
      +group: leaving
      +schema: leaving
      +materialized: table
      +tags: [privacy]
      +contract: {enforced: true}
""",
    "profiles.yml": """
tiny:
  target: encrypted
  outputs:
    encrypted:
      type: duckdb
      path: ":memory:"
      database: tiny
      attach:
        - path: "{{ env_var('PIPASE_DUCKDB_PATH') }}"
          alias: tiny
      config_options: {autoinstall_known_extensions: false, autoload_known_extensions: false}
      plugins:
        - module: pipase.transmission.dbt_encryption
          alias: pipase_encryption
""",
    "macros/generate_schema_name.sql": (
        "{% macro generate_schema_name(custom, node) %}{{ custom or target.schema }}{% endmacro %}"
    ),
    # pipase's own hook: the export compares its fingerprints with what it sends
    "macros/record_leaving_fingerprints.sql": (
        Path(__file__).resolve().parents[2] / "macros/transmission/record_leaving_fingerprints.sql"
    ).read_text(encoding="utf-8"),
    "models/_groups.yml": "groups: [{name: leaving, owner: {name: data office}}]\n",
    "models/annexe2/annexe2_iodas_ase__individu.sql": (
        f"select sha256('individu-' || range) as cle_hachage, '{MARKER}' as genre from range(30)\n"
    ),
    "models/annexe2/_annexe2__models.yml": """
models:
  - name: annexe2_iodas_ase__individu
    columns:
      - name: cle_hachage
        data_type: varchar
        data_tests: [not_null, unique]
      - name: genre
        data_type: varchar
""",
    "tests/assert_no_identity.sql": (
        "{{ config(tags=['privacy']) }}\n"
        "select * from {{ ref('annexe2_iodas_ase__individu') }} where cle_hachage is null\n"
    ),
}


def test_the_encrypted_build_spills_beside_its_database_and_encrypted(tmp_path, monkeypatch):
    """The encrypted target's connection is in memory (the file is attached): without the
    plugin's setting DuckDB would spill to .tmp in the working folder. What the build spills,
    the probabilistic pass included (it works in the build's instance), goes beside the
    database, encrypted."""
    from types import SimpleNamespace

    from pipase.transmission.dbt_encryption import Plugin

    database = tmp_path / "base.duckdb"
    creds = SimpleNamespace(
        database="pipase", attach=[SimpleNamespace(path=str(database), alias="pipase")]
    )
    monkeypatch.setenv("PIPASE_DB_KEY", DB_KEY)
    con = duckdb.connect(":memory:", config=dict(encryption.BASE_CONFIG))
    assert con.execute("select current_setting('temp_directory')").fetchone()[0] == ".tmp"
    Plugin("pipase_encryption", {}, creds).configure_connection(con)
    setting = "select current_setting('{}')"
    assert con.execute(setting.format("temp_directory")).fetchone()[0] == str(database) + ".tmp"
    assert con.execute(setting.format("temp_file_encryption")).fetchone()[0] is True
    assert encryption.is_encrypted(con, "pipase")
    con.close()


def test_dbt_builds_an_encrypted_database_and_export_reads_it(tmp_path, monkeypatch, capsys):
    project = tmp_path / "project"
    for name, text in TINY_PROJECT.items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(text)
    database = tmp_path / "data" / "tiny.duckdb"
    database.parent.mkdir()
    env = {
        **os.environ,
        "DO_NOT_TRACK": "1",
        "DBT_PROFILES_DIR": str(project),
        "PIPASE_DUCKDB_PATH": str(database),
        "PIPASE_DB_KEY": DB_KEY,
    }
    command = [str(DBT), "build", "--project-dir", str(project)]
    done = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-2000:]
    assert "PASS=5" in done.stdout  # model, 3 tests, the on-run-end hook
    assert MARKER.encode() not in database.read_bytes()
    # the key is nowhere in dbt's files
    for path in list(project.rglob("*")):
        if path.is_file():
            assert DB_KEY.encode() not in path.read_bytes(), path
    assert DB_KEY not in done.stdout + done.stderr
    # without the key dbt stops instead of opening or creating an unencrypted file
    env.pop("PIPASE_DB_KEY")
    refused = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True)
    assert refused.returncode != 0 and "PIPASE_DB_KEY is not set" in refused.stdout
    # the real artifacts of the build (the refused run wrote none) drive the export
    build = project / "target"
    monkeypatch.setenv("PIPASE_ARCHIVE_PASSWORD", PASSWORD)
    monkeypatch.setenv("PIPASE_DB_KEY", DB_KEY)
    monkeypatch.setattr(sys, "stdin", io.StringIO())
    argv = [
        "--database",
        str(database),
        "--target-dir",
        str(build),
        "--out",
        str(tmp_path / "export"),
        "--extraction-date",
        EXTRACTION,
        "--overwrite",
    ]
    assert run_command(export_cmd, argv) == 0
    manifest = json.loads((tmp_path / "export" / f"pipase_{EXTRACTION}.manifest.json").read_text())
    assert manifest["tests"]["pass"] == 3 and manifest["tables"][0]["rows"] == 30
    assert manifest["tables"][0]["columns"] == [
        {"name": "cle_hachage", "type": "VARCHAR"},
        {"name": "genre", "type": "VARCHAR"},
    ]
    # `dbt run` after the build rewrites run_results.json without test results: refused
    env["PIPASE_DB_KEY"] = DB_KEY
    run_only = [str(DBT), "run", "--project-dir", str(project)]
    assert subprocess.run(run_only, cwd=project, env=env, capture_output=True).returncode == 0
    capsys.readouterr()
    assert run_command(export_cmd, argv) == 1
    assert "assert_no_identity (annexe2_iodas_ase__individu, privacy) : non exécuté" in (
        capsys.readouterr().err
    )


# --------------------------------------------------------------------------- purge
def do_purge(argv: list[str]) -> int:
    """Through the real CLI: a refusal is one line of stderr and exit code 1."""
    return cli.main(["purge", *argv])


def make_study_to_purge(root: Path, monkeypatch) -> tuple[Path, Path]:
    study = root / "study"
    (study / "extraction_2026-10" / "webrsa").mkdir(parents=True)
    (study / "extraction_2026-10" / "webrsa" / "personnes.csv").write_text("id;x\n1;2\n")
    (study / "export").mkdir()
    (study / "export" / "pipase_2026-10-31.7z").write_bytes(os.urandom(3000))
    (study / "export" / "stray.parquet").write_bytes(b"PAR1" + os.urandom(100))
    plain = study / "pipase.duckdb"
    con = duckdb.connect(str(plain))
    con.execute("create schema leaving")
    con.execute("create table leaving.a as select range as x from range(7)")
    con.execute("create table main.b as select range as x from range(3)")
    con.close()
    monkeypatch.setenv("PIPASE_DB_KEY", DB_KEY)
    con = encryption.connect(study / "association" / "asso.duckdb")
    con.execute("create schema annexe2")
    con.execute("create table annexe2.c as select range as x from range(11)")
    con.close()
    project = root / "project"
    (project / "target" / "compiled").mkdir(parents=True)
    (project / "target" / "compiled" / "m.sql").write_text("select 1")
    (project / "logs").mkdir()
    (project / "logs" / "dbt.log").write_text("log line\n")
    (project / "models").mkdir()
    (project / "models" / "keep.sql").write_text("select 1")
    (project / "dbt_project.yml").write_text("name: p\n")  # the purge checks it is dbt's
    return study, project


def test_purge_deletes_everything_and_records_it(tmp_path, monkeypatch, capsys):
    study, project = make_study_to_purge(tmp_path, monkeypatch)
    listed = [p for p in sorted(study.rglob("*")) + sorted(project.rglob("*")) if p.is_file()]
    listed = [p for p in listed if "models" not in p.parts and p.name != "dbt_project.yml"]
    expected = {
        str(p): (p.stat().st_size, hashlib.sha256(p.read_bytes()).hexdigest()) for p in listed
    }
    records = tmp_path / "records"
    argv = [
        "--study-dir",
        str(study),
        "--dbt-project",
        str(project),
        "--record-dir",
        str(records),
        "--yes",
    ]
    assert do_purge(argv) == 0
    assert [p for p in study.rglob("*")] == []
    assert not (project / "target").exists() and not (project / "logs").exists()
    assert (project / "models" / "keep.sql").exists()  # the project itself stays
    (json_path,) = records.glob("*.json")
    record = json.loads(json_path.read_text())
    assert {f["chemin"]: (f["octets"], f["sha256"]) for f in record["fichiers"]} == expected
    assert all(f["supprime"] for f in record["fichiers"])
    assert record["restants"] == [] and record["statut"] == "suppression complète"
    assert record["operateur"] == os.environ.get("USER", record["operateur"])
    databases = {Path(d["chemin"]).name: d for d in record["bases_de_donnees"]}
    assert [
        (t["schema"], t["table"], t["lignes"]) for t in databases["pipase.duckdb"]["tables"]
    ] == [("leaving", "a", 7), ("main", "b", 3)]
    assert databases["asso.duckdb"]["chiffree"] is True
    assert [(t["table"], t["lignes"]) for t in databases["asso.duckdb"]["tables"]] == [("c", 11)]
    (md_path,) = records.glob("*.md")
    text = md_path.read_text()
    assert "Date de la suppression" in text and "| leaving | a | 7 |" in text
    assert expected[str(study / "pipase.duckdb")][1] in text
    assert DB_KEY not in text + json_path.read_text()


def test_purge_records_an_unreadable_database(tmp_path, monkeypatch):
    study, project = make_study_to_purge(tmp_path, monkeypatch)
    monkeypatch.delenv("PIPASE_DB_KEY")
    records = tmp_path / "records"
    argv = ["--study-dir", str(study), "--no-dbt", "--record-dir", str(records), "--yes"]
    assert do_purge(argv) == 0
    record = json.loads(next(records.glob("*.json")).read_text())
    asso = next(d for d in record["bases_de_donnees"] if d["chemin"].endswith("asso.duckdb"))
    assert asso["lisible"] is False and "encrypted" in asso["note"]
    assert list(study.rglob("*")) == []
    assert (project / "target").exists()  # --no-dbt


def test_purge_refuses_without_yes_off_a_terminal(tmp_path, monkeypatch, capsys):
    study, project = make_study_to_purge(tmp_path, monkeypatch)
    monkeypatch.setattr(sys, "stdin", io.StringIO())
    argv = [
        "--study-dir",
        str(study),
        "--dbt-project",
        str(project),
        "--record-dir",
        str(tmp_path / "records"),
    ]
    assert do_purge(argv) == 1
    assert "sans --yes" in capsys.readouterr().err
    assert (study / "pipase.duckdb").exists() and not (tmp_path / "records").exists()


def test_purge_refuses_a_record_inside_the_purged_folder(tmp_path, monkeypatch, capsys):
    study, project = make_study_to_purge(tmp_path, monkeypatch)
    argv = ["--study-dir", str(study), "--no-dbt", "--record-dir", str(study / "records"), "--yes"]
    assert do_purge(argv) == 1
    assert "choisir --record-dir ailleurs" in capsys.readouterr().err
    assert (study / "pipase.duckdb").exists()


def test_purge_reports_what_could_not_be_deleted(tmp_path, monkeypatch, capsys):
    study, _ = make_study_to_purge(tmp_path, monkeypatch)
    stubborn = study / "export" / "pipase_2026-10-31.7z"
    real_unlink = os.unlink

    def unlink(path, *args, **kwargs):
        if Path(path) == stubborn:
            return None  # simulates a file that survives (another process, a mount...)
        return real_unlink(path, *args, **kwargs)

    monkeypatch.setattr(purge_cmd.os, "unlink", unlink)
    records = tmp_path / "records"
    argv = ["--study-dir", str(study), "--no-dbt", "--record-dir", str(records), "--yes"]
    assert do_purge(argv) == 1
    record = json.loads(next(records.glob("*.json")).read_text())
    assert record["restants"] == [str(stubborn.parent), str(stubborn)]  # and its folder
    assert record["statut"] == "suppression incomplète"
    assert str(stubborn) in capsys.readouterr().err
