"""Successive extractions: a second extraction adds to the snapshots, never rewrites.

One synthetic extraction is loaded and built (cohort, organisation codes, their snapshots);
then a second extraction, the same files less a few cohort youths' individus rows and with one
youth's sex changed, goes through `pipase load` and `dbt build` again. The snapshots must keep
every key and every organisation code of the first extraction: the youths who left are closed
(dbt_valid_to set), not deleted, the changed youth has two versions, and the organisation codes
are the same in both extractions (a function of the name, not of a row number).
"""

from __future__ import annotations

import csv
import datetime as dt
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest
from conftest import REPO, run_dbt

from pipase.load import load_extraction

PIPASE = REPO / ".venv" / "bin" / "pipase"
ENV = {"PIPASE_CODE_KEY": "test-successive-extractions-key"}
SELECT = [
    "--select",
    "+snap_cohort__jeunes_ase",
    "+snap_minimisation__organismes_placement",
    "--exclude-resource-type",
    "test",
    "unit_test",
]
REMOVED = 3
SNAPSHOT_COLUMNS = {
    "cle_hachage",
    "cle_hachage_secondaire",
    "genre",
    "mois_naissance",
    "annee_naissance",
    "nombre_id_iodas",
}


def _rows(database: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(sql).fetchall()


def _build(tmp: Path) -> None:
    result = run_dbt(["build", *SELECT], tmp, env=ENV)
    assert result.returncode == 0, result.stdout[-4000:]


def _rewrite_individus(path: Path, drop: set[str], flip: str) -> None:
    """Drop the rows of some ids and change one youth's sex, in the file's own encoding."""
    with path.open(encoding="cp1252", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    header, body = rows[0], rows[1:]
    id_col, sex_col = header.index("id_individu"), header.index("sexe")
    kept = []
    for row in body:
        if row[id_col] in drop:
            continue
        if row[id_col] == flip:
            row[sex_col] = "Féminin" if row[sex_col] == "Masculin" else "Masculin"
        kept.append(row)
    with path.open("w", encoding="cp1252", newline="") as handle:
        csv.writer(handle, delimiter=";", lineterminator="\r\n").writerows([header, *kept])


@pytest.fixture(scope="module")
def two_extractions(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    tmp = tmp_path_factory.mktemp("successive")
    database = tmp / "pipase.duckdb"
    first = tmp / "extraction_1"
    synth = subprocess.run(
        [
            str(PIPASE),
            "synth",
            "--out",
            str(first),
            "--youths",
            "150",
            "--seed",
            "11",
            "--extraction-date",
            "2024-06-30",  # no event after the date the load is given
        ],  # fmt: skip
        capture_output=True,
        text=True,
    )
    assert synth.returncode == 0, synth.stderr[-2000:]
    load_extraction(first, database, extraction_date=dt.date(2024, 6, 30))
    assert run_dbt(["seed"], tmp, env=ENV).returncode == 0
    _build(tmp)

    ids = _rows(
        database,
        "select ids.id_individu, ids.cle_hachage, cohort.genre"
        " from crossing.int_cohort__ids_iodas as ids"
        " inner join crossing.int_cohort__jeunes_ase as cohort using (cle_hachage)"
        " where cohort.nombre_id_iodas = 1 and cohort.genre is not null order by 1",
    )
    dropped, flipped = ids[:REMOVED], ids[REMOVED]
    first_snapshot = _rows(database, "select * from crossing.snap_cohort__jeunes_ase")
    first_codes = _rows(
        database,
        "select code_organisme_placement from crossing.snap_minimisation__organismes_placement",
    )
    first_placements = _rows(
        database,
        "select id_placement, code_organisme_placement"
        " from identifying.int_keys__iodas_ase__placements",
    )

    second = tmp / "extraction_2"
    shutil.copytree(first, second)
    _rewrite_individus(
        second / "iodas_ase" / "individus.csv", {row[0] for row in dropped}, flipped[0]
    )
    load_extraction(second, database, extraction_date=dt.date(2024, 12, 31))
    _build(tmp)
    return {
        "database": database,
        "dropped_keys": {row[1] for row in dropped},
        "flipped_key": flipped[1],
        "first_snapshot": first_snapshot,
        "first_codes": {row[0] for row in first_codes},
        "first_placements": dict(first_placements),
    }


def test_snapshot_keeps_every_key_of_the_first_extraction(two_extractions):
    database = two_extractions["database"]
    first_keys = {row[0] for row in two_extractions["first_snapshot"]}
    assert len(first_keys) > 50
    keys_now = {
        row[0]
        for row in _rows(database, "select cle_hachage from crossing.snap_cohort__jeunes_ase")
    }
    assert first_keys <= keys_now


def test_youths_absent_from_the_second_extraction_are_closed_not_deleted(two_extractions):
    database = two_extractions["database"]
    dropped = two_extractions["dropped_keys"]
    assert len(dropped) == REMOVED
    in_cohort = {
        row[0] for row in _rows(database, "select cle_hachage from crossing.int_cohort__jeunes_ase")
    }
    assert not dropped & in_cohort
    versions = _rows(
        database,
        "select cle_hachage, dbt_valid_to is null from crossing.snap_cohort__jeunes_ase",
    )
    for key in dropped:
        assert [current for k, current in versions if k == key] == [False]


def test_a_changed_youth_has_two_versions(two_extractions):
    database = two_extractions["database"]
    key = two_extractions["flipped_key"]
    versions = _rows(
        database,
        "select genre, dbt_valid_to is null from crossing.snap_cohort__jeunes_ase"
        f" where cle_hachage = '{key}' order by dbt_valid_from",
    )
    assert len(versions) == 2
    (old_sex, old_current), (new_sex, new_current) = versions
    assert {old_sex, new_sex} == {"M", "F"}
    assert (old_current, new_current) == (False, True)


def test_unchanged_youths_keep_one_version(two_extractions):
    database = two_extractions["database"]
    touched = two_extractions["dropped_keys"] | {two_extractions["flipped_key"]}
    counts = _rows(
        database,
        "select cle_hachage, count(*) from crossing.snap_cohort__jeunes_ase group by 1",
    )
    assert all(n == 1 for key, n in counts if key not in touched)


def test_organisation_codes_are_stable_and_kept(two_extractions):
    database = two_extractions["database"]
    codes_now = {
        row[0]
        for row in _rows(
            database,
            "select code_organisme_placement from crossing.snap_minimisation__organismes_placement",
        )
    }
    assert two_extractions["first_codes"]
    assert two_extractions["first_codes"] <= codes_now
    placements_now = dict(
        _rows(
            database,
            "select id_placement, code_organisme_placement"
            " from identifying.int_keys__iodas_ase__placements",
        )
    )
    assert placements_now == two_extractions["first_placements"]


def test_snapshot_holds_keys_and_minimised_columns_only(two_extractions):
    database = two_extractions["database"]
    columns = {
        row[0]
        for row in _rows(
            database,
            "select column_name from information_schema.columns"
            " where table_schema = 'crossing' and table_name = 'snap_cohort__jeunes_ase'",
        )
    }
    assert {c for c in columns if not c.startswith("dbt_")} == SNAPSHOT_COLUMNS
