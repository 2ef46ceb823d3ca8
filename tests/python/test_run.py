"""`pipase run`: the main job in one command, its exit codes, progress and run record.

Two real runs on a fresh synthetic extraction of 150 youths (the generator plants about one
rejected row per file, above the default 1 % at this size):

* with the default reject threshold the gate refuses: exit 1, the reason on stderr, no package,
  and a run record that says "refuse" with the reason;
* with ``--reject-threshold 5 --keyed`` the run ends with the package and the record, French
  progress on stderr (plain lines: stderr is not a terminal) and a French summary on stdout.

Both runs keep the identifying zone encrypted at rest (PIPASE_DB_KEY: the load, the dbt target
`duckdb_encrypted`, the export and the record all open it with the key); `pipase bench`'s test
runs the plain database.

Known secret values are planted in the environment and searched for in everything the run
wrote or printed; the planted canary identities of the extraction are searched for in the
record with scripts/scan_canaries.py. Usage errors exit 2 without doing anything.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest
from conftest import REPO

from pipase.errors import PipaseError
from pipase.load import loader
from pipase.run import RunSettings, append_to_record, dbt_build, job, progress, record
from pipase.transmission import encryption

sys.path.insert(0, str(REPO / "scripts"))
import scan_canaries  # noqa: E402

BIN = REPO / ".venv" / "bin"
PIPASE = BIN / "pipase" if (BIN / "pipase").exists() else Path(sys.executable).with_name("pipase")
EXTRACTION_DATE = date(2026, 6, 30)
YOUTHS = 150
# Known values planted in the environment: none may appear in anything the run writes or prints.
SECRETS = {
    "PIPASE_HASH_KEY": "hash-key-canary-7Qm2Zr9Xw4Lp",
    "PIPASE_CODE_KEY": "code-key-canary-3Vt8Ks1Nb6Hd",
    "PIPASE_ARCHIVE_PASSWORD": "archive-password-canary-5Jc0Yf",
    # the identifying zone encrypted at rest (AES-256): load, build, export and record with it
    "PIPASE_DB_KEY": "db-key-canary-8Rw3Tg6Pz1Mc",
}


def _env(**extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PIPASE_", "DBT_")) and key not in ("LANG", "LC_ALL", "LANGUAGE")
    }
    env.update(
        {
            "DO_NOT_TRACK": "1",
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "DBT_PROFILES_DIR": str(REPO),
            "PIPASE_PROJECT_DIR": str(REPO),
            "PIPASE_LANG": "fr",
            **SECRETS,
        }
    )
    env.update(extra)
    return env


def _pipase(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(PIPASE), *args],
        cwd=REPO,
        env=env or _env(),
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )


def _run_args(work: Path, extraction: Path, *extra: str) -> list[str]:
    return [
        "run", str(extraction), "--extraction-date", EXTRACTION_DATE.isoformat(),
        "--database", str(work / "pipase.duckdb"), "--out", str(work / "export"),
        "--target-dir", str(work / "target"), "--log-dir", str(work / "logs"),
        "--threads", "2", *extra,
    ]  # fmt: skip


@pytest.fixture(scope="module")
def extraction(tmp_path_factory) -> Path:
    """A fresh synthetic extraction (never modified: copy it to change it)."""
    folder = tmp_path_factory.mktemp("extraction") / "extraction"
    synth = _pipase(
        "synth", "--out", str(folder), "--youths", str(YOUTHS), "--seed", "17",
        "--extraction-date", EXTRACTION_DATE.isoformat(),
    )  # fmt: skip
    assert synth.returncode == 0, synth.stderr[-2000:]
    return folder


@pytest.fixture(scope="module")
def runs(tmp_path_factory, extraction):
    """The refused run, then the accepted keyed run, on the same fresh extraction."""
    work = tmp_path_factory.mktemp("run")
    refused = _pipase(*_run_args(work, extraction))
    refused_record = json.loads(
        (work / "export" / f"pipase_{EXTRACTION_DATE}.run.json").read_text(encoding="utf-8")
    )
    done = _pipase(*_run_args(work, extraction, "--reject-threshold", "5", "--keyed"))
    return {
        "work": work,
        "extraction": extraction,
        "refused": refused,
        "refused_record": refused_record,
        "done": done,
    }


def _record(runs) -> dict:
    path = runs["work"] / "export" / f"pipase_{EXTRACTION_DATE}.run.json"
    return json.loads(path.read_text(encoding="utf-8"))


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --------------------------------------------------------------------------- exit code 1
def test_a_refusal_exits_1_with_the_reason_and_a_record_but_no_package(runs):
    refused = runs["refused"]
    assert refused.returncode == 1, refused.stdout + refused.stderr[-3000:]
    assert "Traceback" not in refused.stderr
    assert "pipase run : erreur :" in refused.stderr and "export refusé" in refused.stderr
    assert "--accept-rejects" in refused.stderr  # the way out is named
    assert "Run refusé après" in refused.stdout
    saved = runs["refused_record"]
    assert saved["statut"] == "refuse"
    assert "export refusé" in saved["motif"]
    assert saved["paquet"] is None
    # the export's load conditions are checked right after the load: no build is paid for a
    # load the export would refuse
    assert saved["durees"]["load"]["statut"] == "refus"
    assert saved["durees"]["build"]["statut"] == "non_lance"
    assert saved["durees"]["export"]["statut"] == "non_lance"
    assert saved["construction"] is None
    assert saved["fichiers"] and saved["rejets"]  # the record still names every file


def test_mutation_without_the_early_load_check_the_build_runs_first(
    extraction, tmp_path, monkeypatch
):
    """Mutation: without the check after the load, the same refusal comes after a build."""
    monkeypatch.setattr(job, "_gate_the_load", lambda settings: None)
    built: list[bool] = []
    monkeypatch.setattr(job, "_build", lambda *a: built.append(True) or _raise_refusal())
    for name, value in _env().items():
        monkeypatch.setenv(name, value)
    settings = RunSettings(
        extraction_dir=extraction,
        extraction_date=EXTRACTION_DATE,
        database=tmp_path / "m.duckdb",
        out_dir=tmp_path / "export",
        target_dir=tmp_path / "target",
        log_dir=tmp_path / "logs",
    )
    with pytest.raises(PipaseError):
        job.run_main_job(settings, password=SECRETS["PIPASE_ARCHIVE_PASSWORD"])
    assert built == [True]


@pytest.mark.parametrize("mutated", [False, True], ids=["checked", "mutation"])
def test_a_re_dated_copy_of_a_packaged_extraction_stops_before_the_build(
    runs, tmp_path, monkeypatch, mutated
):
    """The extraction the keyed run packaged, run again under the next day's date beside its
    record: the same files byte for byte, refused right after the load (the record names the
    extraction already sent). Mutation: without the comparison, the build runs."""
    assert runs["done"].returncode == 0, runs["done"].stderr[-2000:]
    sent = tmp_path / "export"
    sent.mkdir()
    shutil.copy(runs["work"] / "export" / f"pipase_{EXTRACTION_DATE}.run.json", sent)
    if mutated:
        monkeypatch.setattr(job.gate, "_already_sent", lambda *a: ([], []))
    built: list[bool] = []
    monkeypatch.setattr(job, "_build", lambda *a: built.append(True) or _raise_refusal())
    for name, value in _env().items():
        monkeypatch.setenv(name, value)
    settings = RunSettings(
        extraction_dir=runs["extraction"],
        extraction_date=date(2026, 7, 1),
        database=tmp_path / "m.duckdb",
        out_dir=sent,
        target_dir=tmp_path / "target",
        log_dir=tmp_path / "logs",
        reject_threshold=5,
    )
    with pytest.raises(PipaseError) as refused:
        job.run_main_job(settings, password=SECRETS["PIPASE_ARCHIVE_PASSWORD"])
    assert built == ([True] if mutated else [])
    if not mutated:
        assert "octet pour octet" in str(refused.value)
        assert f"pipase_{EXTRACTION_DATE}.run.json" in str(refused.value)


def _raise_refusal():
    raise PipaseError("refused after the build", rule="export_refused")


def test_a_load_failure_exits_1_and_the_record_names_the_file(extraction, tmp_path):
    broken = tmp_path / "extraction"
    shutil.copytree(extraction, broken)
    (broken / "webrsa" / "dossiers.csv").unlink()
    done = _pipase(*_run_args(tmp_path, broken, "--reject-threshold", "5"))
    assert done.returncode == 1, done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    assert "webrsa/dossiers.csv" in done.stderr and "Run échoué après" in done.stdout
    saved = json.loads(
        (tmp_path / "export" / f"pipase_{EXTRACTION_DATE}.run.json").read_text(encoding="utf-8")
    )
    assert saved["statut"] == "echoue" and "webrsa" in saved["motif"]
    assert saved["durees"]["load"]["statut"] == "echec"
    assert saved["durees"]["build"]["statut"] == "non_lance"
    assert saved["construction"] is None and saved["paquet"] is None
    by_file = {f["fichier"]: f for f in saved["fichiers"]}
    assert by_file["webrsa/dossiers.csv"]["statut"] != "loaded"
    # all or nothing: the load failed, so no other source was loaded either
    assert not by_file["iodas_ase/individus.csv"]["lignes_chargees"]
    assert not (tmp_path / "export" / f"pipase_{EXTRACTION_DATE}.7z").exists()


# --------------------------------------------------------------------------- exit code 0
def test_the_run_makes_the_package_with_french_progress(runs):
    done = runs["done"]
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    # plain lines on stderr (not a terminal), French, with the elapsed time
    for text in ("chargement…", "mesure du hachage :", "construction (dbt) :", "terminé en"):
        assert text in done.stderr, text
    assert "iodas_ase/individus.csv" in done.stderr  # one line per file
    assert "nœuds" in done.stderr
    assert done.stderr.lstrip().startswith("[")
    assert "does not match the name of any column" not in done.stderr + done.stdout  # agate's
    assert "WARNING:splink" not in done.stderr + done.stdout  # Splink's training notes
    # the French summary on stdout
    assert "Run terminé en" in done.stdout
    assert "Paquet :" in done.stdout and "Registre du run :" in done.stdout
    archive = runs["work"] / "export" / f"pipase_{EXTRACTION_DATE}.7z"
    assert archive.is_file()
    assert _sha256(archive) in done.stdout
    # dbt's file log, where a failed build sends the reader, holds the build (dbt applies the
    # console's --log-level none to the file unless --log-level-file is given: it was empty)
    log = (runs["work"] / "logs" / "dbt.log").read_text(encoding="utf-8")
    assert "int_keys__modele_probabiliste" in log and "Completed successfully" in log


def test_the_record_holds_the_chain_of_custody(runs):
    saved = _record(runs)
    work, extraction = runs["work"], runs["extraction"]
    assert saved["format"] == "pipase-run" and saved["statut"] == "termine"
    assert saved["date_extraction"] == EXTRACTION_DATE.isoformat()
    # every input file: size, SHA-256, rows read = loaded + rejected
    manifest = json.loads((extraction / "manifest.json").read_text(encoding="utf-8"))
    source_files = {name for name in manifest["files"] if not name.startswith("ground_truth/")}
    assert {f["fichier"] for f in saved["fichiers"]} == source_files
    for entry in saved["fichiers"]:
        path = extraction / entry["fichier"]
        assert entry["octets"] == path.stat().st_size
        assert entry["sha256"] == _sha256(path)
        assert entry["lignes_lues"] == entry["lignes_chargees"] + entry["lignes_rejetees"]
    assert sum(f["lignes_rejetees"] for f in saved["fichiers"]) > 0
    assert sum(r["lignes"] for r in saved["rejets"]) == sum(
        f["lignes_rejetees"] for f in saved["fichiers"]
    )
    # the build: every node by kind and status, none failing
    build = saved["construction"]
    assert build["commande"].startswith("dbt build --selector main_job")
    assert build["noeuds"] == sum(sum(s.values()) for s in build["par_type"].values()) > 300
    assert build["non_reussis"] == []
    results = json.loads((work / "target" / "run_results.json").read_text(encoding="utf-8"))
    assert results["args"]["invocation_command"].startswith("dbt build --selector main_job")
    # reports read generically, counts only
    reports = saved["rapports"]
    assert "rpt_linkage__by_source" in reports["appariement"]
    assert reports["appariement"]["rpt_linkage__by_source"]["lignes"]
    assert any(name.startswith("rpt_risk__") for name in reports["risque"])
    assert reports["reconciliation"]
    assert saved["masquages"] == []
    # the package, as written
    package = saved["paquet"]
    archive = work / "export" / package["fichier"]
    assert package["octets"] == archive.stat().st_size and package["sha256"] == _sha256(archive)
    assert len(package["tables"]) == 10
    # protocol, secrets by fingerprint, versions, timings
    assert saved["protocole"]["variante"] == "keyed"
    assert saved["protocole"]["algorithme"] == "HMAC-SHA-256"
    assert saved["empreintes_secrets"] == {
        name: record.fingerprint(value) for name, value in SECRETS.items()
    }
    assert saved["versions"]["duckdb"] == duckdb.__version__ and saved["versions"]["dbt_core"]
    assert saved["commande"]["base_chiffree"] is True
    with pytest.raises(duckdb.Error):  # encrypted at rest: unreadable without the key
        duckdb.connect(str(work / "pipase.duckdb"), read_only=True)
    assert set(saved["durees"]) == set(job.STAGES)
    assert all(stage["statut"] == "ok" for stage in saved["durees"].values())
    assert saved["mesure_hachage"]["hash_rate"]["hachages_par_seconde"] > 0
    # the French rendering for the docs
    markdown = (work / "export" / f"pipase_{EXTRACTION_DATE}.run.md").read_text(encoding="utf-8")
    assert markdown.startswith("# Registre du run")
    for heading in (
        "## Fichiers reçus",
        "## Construction (dbt build)",
        "## Paquet transmis",
        "## Appariement par source et méthode",
        "## Risque de réidentification",
    ):
        assert heading in markdown, heading  # fmt: skip


def test_the_probabilistic_pass_leaves_no_table_in_the_database(runs, monkeypatch):
    """The pass runs in the build's own DuckDB instance (a cursor of the session dbt hands
    the Python models), its work in an in-memory database attached for it and in temporary
    tables: after the build the encrypted database file holds the two models' tables and no
    table of Splink's (``__splink__...``) or of the pass (``pipase_...``), and no database is
    left attached. (The mutation that works in the file's own database instead is in
    test_probabilistic.py: Splink's tables are then written to the file.)"""
    assert runs["done"].returncode == 0
    monkeypatch.setenv("PIPASE_DB_KEY", SECRETS["PIPASE_DB_KEY"])
    con = encryption.connect(runs["work"] / "pipase.duckdb", read_only=True)
    try:
        names = {
            row[0]
            for row in con.execute(
                "select table_name from duckdb_tables() where database_name = current_database()"
                " union all select view_name from duckdb_views()"
                " where database_name = current_database()"
            ).fetchall()
        }
    finally:
        con.close()
    assert {"int_keys__modele_probabiliste", "int_keys__liens_probabilistes"} <= names
    assert sorted(n for n in names if n.lower().startswith(("__splink", "pipase_"))) == []


def test_no_secret_in_anything_the_run_wrote_or_printed(runs):
    work = runs["work"]
    texts = {"stdout": runs["done"].stdout, "stderr": runs["done"].stderr}
    texts["refused stdout"] = runs["refused"].stdout + runs["refused"].stderr
    for folder in (work / "export", work / "target", work / "logs"):
        for path in folder.rglob("*"):
            if path.is_file() and path.suffix in (".json", ".md", ".log", ".sql", ".txt"):
                texts[str(path)] = path.read_text(encoding="utf-8", errors="replace")
    assert any(name.endswith(".run.json") for name in texts)
    for where, text in texts.items():
        for name, value in SECRETS.items():
            assert value not in text, f"{name} in {where}"


def test_no_planted_identity_in_the_record(runs):
    export = runs["work"] / "export"
    canaries = runs["extraction"] / "ground_truth" / "canaries.csv"
    scanned = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "scan_canaries.py"), "--canaries", str(canaries),
         str(export / f"pipase_{EXTRACTION_DATE}.run.json"),
         str(export / f"pipase_{EXTRACTION_DATE}.run.md")],
        capture_output=True, text=True,
    )  # fmt: skip
    assert scanned.returncode == 0, scanned.stdout + scanned.stderr


def test_a_report_value_equal_to_an_identity_is_masked_and_the_guard_is_needed(
    runs, tmp_path, monkeypatch
):
    """A report whose text equals a name of the extraction never reaches the record; without
    the guard (mutation) the canary scan finds it there."""
    from pipase.transmission import encryption

    database = tmp_path / "copy.duckdb"
    database.write_bytes((runs["work"] / "pipase.duckdb").read_bytes())
    canaries = runs["extraction"] / "ground_truth" / "canaries.csv"
    planted = scan_canaries.read_canaries(canaries)[0]
    surname = next(name for name, kind in planted.names.items() if kind == "nom")
    monkeypatch.setenv("PIPASE_DB_KEY", SECRETS["PIPASE_DB_KEY"])
    con = encryption.connect(database)
    con.execute("update reports.rpt_linkage__by_source set base_source = ?", [surname])
    built = {"rpt_linkage__by_source"}
    sections, masked, _warnings = record.read_reports(con, built)
    unguarded = None
    try:
        original = record.identity_matches
        record.identity_matches = lambda _con, _values: set()  # the mutation: no guard
        unguarded, _, _ = record.read_reports(con, built)
    finally:
        record.identity_matches = original
        con.close()
    assert masked == ["reports.rpt_linkage__by_source.base_source"]
    scanner = scan_canaries.Scanner(scan_canaries.read_canaries(canaries))
    assert scanner.scan_text(json.dumps(sections), "guarded") == []
    assert scanner.scan_text(json.dumps(unguarded), "unguarded"), "the mutation went unseen"


def test_the_secret_check_sees_a_leak():
    """Mutation of the fingerprint (the secret itself): the search used above finds it."""
    environ = dict(SECRETS)
    clean = json.dumps(record.secret_fingerprints(environ))
    assert not any(value in clean for value in SECRETS.values())
    original = record.fingerprint
    try:
        record.fingerprint = lambda secret: secret
        leaked = json.dumps(record.secret_fingerprints(environ))
    finally:
        record.fingerprint = original
    assert all(value in leaked for value in SECRETS.values())


def test_the_import_and_purge_commands_add_their_steps_with_registre(runs, tmp_path):
    """The README said `pipase import` and `pipase purge` add their steps to the record; no
    command did (an adversarial tester). --registre does, refused when the record would be
    purged with the study."""
    work = runs["work"]
    path = tmp_path / "pipase.run.json"
    path.write_bytes((work / "export" / f"pipase_{EXTRACTION_DATE}.run.json").read_bytes())
    package = work / "export" / f"pipase_{EXTRACTION_DATE}.7z"
    env = _env(PIPASE_DB_KEY="")
    done = _pipase("import", str(package), "--database", str(tmp_path / "asso.duckdb"),
                   "--registre", str(path), env=env)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    study = tmp_path / "study"
    study.mkdir()
    (study / "notes.csv").write_text("a;b\n", encoding="utf-8")
    inside = study / "copie.run.json"
    inside.write_bytes(path.read_bytes())
    refused = _pipase("purge", "--study-dir", str(study), "--no-dbt", "--record-dir",
                      str(tmp_path / "pv"), "--registre", str(inside), "--yes", env=env)  # fmt: skip
    assert refused.returncode == 1 and "--registre" in refused.stderr
    assert (study / "notes.csv").exists()
    done = _pipase("purge", "--study-dir", str(study), "--no-dbt", "--record-dir",
                   str(tmp_path / "pv"), "--registre", str(path), "--yes", env=env)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert [s["section"] for s in saved["suites"]] == ["import", "purge"]
    imported = saved["suites"][0]["donnees"]["archive"]
    assert imported["sha256"] == _sha256(package) and len(imported["tables"]) == 10
    assert saved["suites"][1]["donnees"]["statut"] == "suppression complète"


def test_a_failed_run_keeps_the_record_of_the_package_in_place(runs, tmp_path):
    """A failed `--overwrite` run replaced the record of the package it did not replace."""
    shutil.copytree(runs["work"] / "export", tmp_path / "export")
    record_path = tmp_path / "export" / f"pipase_{EXTRACTION_DATE}.run.json"
    before = record_path.read_bytes()
    empty = tmp_path / "empty"
    empty.mkdir()
    done = _pipase(*_run_args(tmp_path, empty, "--overwrite"))
    assert done.returncode == 1
    assert record_path.read_bytes() == before
    (failed,) = (tmp_path / "export").glob(f"pipase_{EXTRACTION_DATE}.run.sans_paquet_*.json")
    assert json.loads(failed.read_text(encoding="utf-8"))["statut"] == "echoue"


def test_import_and_purge_append_to_the_record(runs, tmp_path):
    path = tmp_path / "pipase_x.run.json"
    path.write_bytes((runs["work"] / "export" / f"pipase_{EXTRACTION_DATE}.run.json").read_bytes())
    append_to_record(path, "import", {"tables": 10, "lignes": 1234, "controle": "ok"})
    append_to_record(path, "purge", {"bases_supprimees": 2})
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert [s["section"] for s in saved["suites"]] == ["import", "purge"]
    assert saved["suites"][0]["donnees"]["lignes"] == 1234
    markdown = path.with_name("pipase_x.run.md").read_text(encoding="utf-8")
    assert "## Suite : import" in markdown and "## Suite : purge" in markdown
    with pytest.raises(PipaseError, match="registre"):
        append_to_record(tmp_path / "missing.run.json", "import", {})
    (tmp_path / "other.json").write_text('{"format": "autre"}', encoding="utf-8")
    with pytest.raises(PipaseError):
        append_to_record(tmp_path / "other.json", "import", {})


# --------------------------------------------------------------------------- exit code 2
@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["run", "x", "--extraction-date", "30/06/2026"], "pas une date AAAA-MM-JJ"),
        (["run", "x"], "--extraction-date"),
        (["run", "x", "--extraction-date", "2099-06-30"], "ne peut pas être dans le futur"),
        (["load", "x", "--extraction-date", "2099-06-30"], "ne peut pas être dans le futur"),
        (["run", "x", "--extraction-date", "2026-06-30", "--reject-threshold", "abc"],
         "pas un pourcentage"),
        (["export", "--extraction-date", "2026-13-01"], "pas une date AAAA-MM-JJ"),
        (["synth", "--out", "x", "--extraction-date", "2026-06-31"], "pas une date AAAA-MM-JJ"),
    ],
)  # fmt: skip
def test_usage_errors_exit_2_with_one_wording_for_dates(args, expected, tmp_path):
    done = _pipase(*[str(tmp_path / a) if a == "x" else a for a in args])
    assert done.returncode == 2, done.stderr
    assert expected in done.stderr
    assert "Traceback" not in done.stderr
    assert not any(tmp_path.iterdir())  # nothing was done


@pytest.mark.parametrize(
    ("extra", "env", "expected"),
    [
        ([], {"PIPASE_HASH_KEY": ""}, "dossier d'extraction introuvable"),
        (["--keyed"], {"PIPASE_HASH_KEY": ""}, "PIPASE_HASH_KEY"),
        (["--memory-limit", "lots"], {}, "limite de mémoire"),
    ],
)
def test_refusals_before_any_work_exit_1(extra, env, expected, tmp_path):
    extraction = tmp_path / ("missing" if not extra else "extraction")
    if extra:
        extraction.mkdir()
    done = _pipase(*_run_args(tmp_path / "w", extraction, *extra), env=_env(**env))
    assert done.returncode == 1, done.stderr
    assert expected in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "w").exists()  # refused before the password, the load or a record


def test_an_existing_package_is_refused_at_the_start(tmp_path):
    (tmp_path / "extraction").mkdir()
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / f"pipase_{EXTRACTION_DATE}.7z").write_bytes(b"old")
    settings = RunSettings(tmp_path / "extraction", EXTRACTION_DATE, tmp_path / "db.duckdb",
                           tmp_path / "out")  # fmt: skip
    with pytest.raises(PipaseError, match="existe déjà|already exists"):
        settings.check()
    settings.overwrite = True
    settings.check()


def test_without_declares_the_sources_absent_to_the_loader(tmp_path, monkeypatch):
    """--without reaches the loader as its absent sources (pipase load --without)."""
    from pipase.load import loader
    from pipase.run.progress import Reporter

    seen = {}

    def fake_load(extraction_dir, database=None, **kwargs):
        seen.update(kwargs)
        raise ValueError("stop here")

    monkeypatch.setattr(loader, "load_extraction", fake_load)
    (tmp_path / "extraction").mkdir()
    settings = RunSettings(tmp_path / "extraction", EXTRACTION_DATE, tmp_path / "db.duckdb",
                           None, without=("webrsa", "nova_dpas"))  # fmt: skip
    with pytest.raises(PipaseError):
        job._load(settings, Reporter(), job.StageTiming("load"))
    assert seen["absent"] == ["webrsa", "nova_dpas"]


# --------------------------------------------------------------------------- pieces
@pytest.mark.parametrize(
    ("uid", "name"),
    [
        ("test.pipase.unique_int_keys__iodas_ase__individus_id_individu.5863a9dd10",
         "unique_int_keys__iodas_ase__individus_id_individu"),
        ("test.pipase.assert_reconciliation_adds_up", "assert_reconciliation_adds_up"),
        ("model.pipase.int_keys__identites", "int_keys__identites"),
        ("unit_test.pipase.int_cohort__jeunes_ase.born_2004", "born_2004"),
    ],
)  # fmt: skip
def test_a_failing_node_is_named_not_hashed(uid, name):
    """The tester's failed build named its test `5863a9dd10`, the hash dbt appends."""
    assert dbt_build.node_name(uid) == name


def test_dbt_events_become_node_progress():
    start = {"index": 3, "total": 433, "node_info": {"node_name": "stg_webrsa__personnes"}}
    assert dbt_build._node_event("LogStartLine", start) == (
        "start", 3, 433, "stg_webrsa__personnes"
    )  # fmt: skip
    end = {"node_info": {"node_name": "not_null_x", "resource_type": "test", "node_status": "fail"},
           "status": "fail"}  # fmt: skip
    assert dbt_build._node_event("LogTestResult", end) == ("end", "test", "not_null_x", "fail")
    running = {"node_info": {"node_name": "m", "resource_type": "model", "node_status": "started"}}
    assert dbt_build._node_event("LogModelResult", running) is None
    assert dbt_build._node_event("UnableToPartialParse", {}) == ("phase", "full_parse")
    assert dbt_build._node_event("SQLQuery", {}) is None


def test_the_terminal_display_draws_a_bar_per_stage_in_french(monkeypatch):
    from rich.console import Console

    monkeypatch.setenv("PIPASE_LANG", "fr")
    console = Console(record=True, force_terminal=True, width=120)
    shown = progress.RichReporter(console)
    labels = job.stage_labels()
    shown.stage_started("load", labels["load"], 22)
    shown.stage_progress("load", 11, 22, detail="webrsa/personnes.csv")
    shown.note("webrsa/personnes.csv: 311 lignes")
    shown.stage_finished("load", 3.2, "6 469 lignes lues")
    shown.stage_started("build", labels["build"])
    shown.stage_progress("build", 100, 433, detail="stg_webrsa__personnes")
    shown.stage_finished("build", 40.0, "", ok=False)
    shown.close()
    text = console.export_text()
    assert "chargement" in text and "22/22" in text and "6 469 lignes lues" in text
    assert "construction (dbt) : échec" in text and "100/433" in text
    assert "webrsa/personnes.csv: 311 lignes" in text


def test_plain_lines_name_the_stage_and_the_elapsed_time(monkeypatch):
    import io

    monkeypatch.setenv("PIPASE_LANG", "fr")
    stream = io.StringIO()
    shown = progress.reporter_for(stream)
    assert isinstance(shown, progress.PlainReporter)
    shown.stage_started("build", "construction (dbt)", 100)
    for done in range(1, 101):
        shown.stage_progress("build", done, 100, detail="x")
    shown.stage_finished("build", 61.5, "100 nœuds")
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1 + 9 + 1  # start, each tenth but the last, the end
    assert lines[-1].endswith("construction (dbt) : terminé en 1 min 01,5 s — 100 nœuds")


def test_files_no_contract_names_are_listed(extraction, tmp_path):
    """An adversarial tester's extra files and folder went unmentioned with exit 0: the run now
    warns for each (the record keeps the warnings); a generated extraction has none."""
    assert loader.unknown_files(extraction) == []
    copy = tmp_path / "extraction"
    shutil.copytree(extraction, copy)
    shutil.copyfile(
        copy / "iodas_ase" / "individus.csv", copy / "iodas_ase" / "individus_complement.csv"
    )
    shutil.copyfile(copy / "webrsa" / "personnes.csv", copy / "webrsa" / "personnes (2).csv")
    (copy / "iodas_pa").mkdir()
    (copy / "notes.txt").write_text("x", encoding="utf-8")
    identity = "ZORGLUB Qwxzcanarette née le 11-02-1999.csv"  # a file named after a person
    shutil.copyfile(copy / "iodas_ase" / "individus.csv", copy / "iodas_ase" / identity)
    (copy / "iodas_ase" / "dupont_marie").mkdir()
    (copy / "webrsa" / ".DS_Store").write_text("x", encoding="utf-8")  # an OS's, never data
    (copy / "webrsa" / ".personnes_suite.csv").write_text("x", encoding="utf-8")
    hidden = loader._("(a name not shown: it may hold an identity)")
    assert loader.unknown_files(copy) == [
        f"iodas_ase/{hidden}", f"iodas_ase/{hidden}/", "iodas_ase/individus_complement.csv",
        "iodas_pa/", hidden, f"webrsa/{hidden}", "webrsa/personnes (2).csv",
    ]  # fmt: skip


def test_mutation_showing_every_unknown_name_would_quote_an_identity(
    extraction, tmp_path, monkeypatch
):
    monkeypatch.setattr(loader, "shows_as_file_name", lambda name, known=(): True)
    copy = tmp_path / "extraction"
    shutil.copytree(extraction, copy)
    (copy / "iodas_ase" / "ZORGLUB Marie née le 11-02-1999.csv").write_text("x")
    assert any("ZORGLUB" in name for name in loader.unknown_files(copy))
