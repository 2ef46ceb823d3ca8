"""scripts/scan_canaries.py finds planted canaries in files and tables, and only there.

The canaries are written here with the same columns as `pipase synth`'s
ground_truth/canaries.csv; the repository's own seeds, fixtures and models are scanned for the
synthetic generator's canaries (they must never appear in the repository).
"""

from __future__ import annotations

import csv
import gzip
import subprocess
import sys
import zipfile
from datetime import date
from pathlib import Path

import duckdb
import pytest

from pipase.synth.population import CANARIES, CANARY_SURNAME

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "scan_canaries.py"

SURNAME, FIRST_NAME, BIRTH = "CANARYZORGLUB", "Pipasecanari", date(1996, 4, 17)
# Every way the sources write a birth date, and the text a leak would put in a file.
DATE_FORMS = {
    "dd/mm/yyyy": "17/04/1996",
    "yyyy-mm-dd": "1996-04-17",
    "ddmmyyyy": "17041996",
    "dd-mm-yyyy": "17-04-1996",
    "yyyy/dd/mm": "1996/17/04",
}


def write_canaries(path: Path) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["person_uid", "nom", "prenom", "date_naissance", "sexe", "sources"])
        writer.writerow(["U9000001", SURNAME, FIRST_NAME, BIRTH.isoformat(), "F", "iodas_ase"])
        writer.writerow(["U9000002", SURNAME, "Zwxqcanary", "1997-10-23", "M", "webrsa"])
    return path


def scan(*args: str | Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *map(str, args)], capture_output=True, text=True
    )


def assert_no_identity_in(result: subprocess.CompletedProcess) -> None:
    shown = (result.stdout + result.stderr).upper()
    assert SURNAME not in shown and FIRST_NAME.upper() not in shown
    assert not any(form in shown for form in DATE_FORMS.values())


@pytest.fixture
def canaries(tmp_path: Path) -> Path:
    return write_canaries(tmp_path / "canaries.csv")


@pytest.fixture
def clean_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "out"
    folder.mkdir()
    # Look-alikes that must not match: a key whose hex digits contain the bare date, another
    # surname, a month-precision date, the date with a digit touching it.
    (folder / "keys.csv").write_text(
        "cle_hachage,mois_naissance,nom_commune\n"
        "ab17041996cd" + "0" * 52 + ",1996-04,Pantin\n"
        "ignored,117/04/19960,CANARY ZORG\n",
        encoding="utf-8",
    )
    return folder


def test_clean_folder_passes(canaries: Path, clean_dir: Path) -> None:
    result = scan("--canaries", canaries, clean_dir)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no trace of 2 canaries" in result.stdout


@pytest.mark.parametrize(
    "text",
    [
        "select * where nom = 'CANARYZORGLUB'",
        "Canary Zorglub, born somewhere",  # spaces and case
        "canary-zorglub",  # punctuation
        "prénom: pipasecanari",
        "PIPASE CANARI",
    ],
    ids=["upper", "spaced", "hyphen", "lower", "first-name-spaced"],
)
def test_name_in_a_file_is_found_in_any_form(canaries: Path, tmp_path: Path, text: str) -> None:
    planted = tmp_path / "run_results.json"
    planted.write_text(f'{{"message": "{text}"}}', encoding="utf-8")
    result = scan("--canaries", canaries, tmp_path / "run_results.json")
    assert result.returncode == 1
    assert "canary U9000001" in result.stdout
    assert_no_identity_in(result)


@pytest.mark.parametrize("form", sorted(DATE_FORMS), ids=lambda f: f.replace("/", "_"))
def test_birth_date_is_found_in_every_source_format(
    canaries: Path, tmp_path: Path, form: str
) -> None:
    (tmp_path / "compiled.sql").write_text(
        f"select 1 where d = '{DATE_FORMS[form]}'", encoding="utf-8"
    )
    result = scan("--canaries", canaries, tmp_path / "compiled.sql")
    assert result.returncode == 1
    assert "canary U9000001 (date)" in result.stdout
    assert_no_identity_in(result)


def test_tables_are_scanned_except_identifying_zone_and_raw(canaries: Path, tmp_path: Path) -> None:
    database = tmp_path / "p.duckdb"
    con = duckdb.connect(str(database))
    for schema in ("raw", "identifying", "crossing", "leaving"):
        con.execute(f"create schema {schema}")
    con.execute("create table raw.people as select 'CANARYZORGLUB' as nom")
    con.execute("create table identifying.stg as select date '1996-04-17' as date_naissance")
    con.execute("create table leaving.ok as select 'abc' as cle_hachage, '1996-04' as mois")
    con.execute(
        "create table crossing.leak as select 1 as n, ['x', 'Pipasecanari'] as names "
        "union all select 2, ['y']"
    )
    con.close()
    result = scan("--canaries", canaries, "--database", database)
    assert result.returncode == 1
    assert result.stdout.splitlines()[0] == (
        "table crossing.leak column names: canary U9000001 (prenom)"
    )
    assert "raw." not in result.stdout and "identifying." not in result.stdout
    assert "leaving." not in result.stdout
    assert_no_identity_in(result)


def test_a_date_typed_column_is_found(canaries: Path, tmp_path: Path) -> None:
    database = tmp_path / "p.duckdb"
    con = duckdb.connect(str(database))
    con.execute("create schema leaving")
    con.execute("create table leaving.t as select date '1996-04-17' as d")
    con.close()
    result = scan("--canaries", canaries, "--database", database)
    assert result.returncode == 1
    assert "table leaving.t column d: canary U9000001 (date)" in result.stdout


def test_parquet_zip_and_gzip_contents_are_scanned(canaries: Path, tmp_path: Path) -> None:
    export = tmp_path / "export"
    export.mkdir()
    con = duckdb.connect()
    con.execute(
        f"copy (select 'Canaryzorglub' as x) to '{export / 'annexe2.parquet'}' (format parquet)"
    )
    con.close()
    with zipfile.ZipFile(export / "docs.zip", "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("index.html", "<td>" + "pad " * 500 + "Zwxqcanary</td>")
    (export / "dbt.log.gz").write_bytes(gzip.compress(b"value 17/04/1996 rejected"))
    result = scan("--canaries", canaries, export)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert any("annexe2.parquet" in line and "U9000001 (nom)" in line for line in lines)
    assert any(
        "docs.zip member index.html" in line and "U9000002 (prenom)" in line for line in lines
    )
    assert any("dbt.log.gz (decompressed)" in line and "U9000001 (date)" in line for line in lines)
    assert_no_identity_in(result)


def test_duckdb_files_and_excluded_globs_are_skipped(canaries: Path, tmp_path: Path) -> None:
    folder = tmp_path / "data"
    (folder / "extraction").mkdir(parents=True)
    (folder / "extraction" / "personnes.csv").write_text("nom\nCANARYZORGLUB\n", encoding="utf-8")
    (folder / "pipase.duckdb").write_bytes(b"CANARYZORGLUB")
    result = scan("--canaries", canaries, "--exclude", "*/extraction/*", folder)
    assert result.returncode == 0, result.stdout


def test_missing_path_is_an_error_not_a_pass(canaries: Path, tmp_path: Path) -> None:
    result = scan("--canaries", canaries, tmp_path / "nothing-here")
    assert result.returncode == 2


def test_repository_seeds_fixtures_and_models_hold_no_canary(tmp_path: Path) -> None:
    """Reference seeds and unit-test fixtures are synthetic, and never the generator's canaries
    (the docs site embeds fixtures: a canary there would make every scan fail)."""
    path = tmp_path / "synth_canaries.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["person_uid", "nom", "prenom", "date_naissance"])
        for number, (first_name, _sex, (year, month, day)) in enumerate(CANARIES):
            writer.writerow([f"C{number}", CANARY_SURNAME, first_name, date(year, month, day)])
    roots = [REPO / "seeds", REPO / "tests" / "fixtures", REPO / "models", REPO / "macros"]
    result = scan("--canaries", path, *[root for root in roots if root.exists()])
    assert result.returncode == 0, result.stdout + result.stderr
