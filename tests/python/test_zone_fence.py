"""The zone fence enforced by dbt, and nothing dropped without a count.

1. check_dag_direction (src/pipase/privacy_check.py) on hand-written manifests: each rule
   names its offender, and a manifest whose zones are consistent passes.
2. Mutations of a copy of the real project, parsed by dbt (no data needed):
   - a crossing or a leaving model that refs a staging model: dbt refuses to parse (staging is
     private to the identifying group);
   - an identifying model that refs a crossing model, a staging model made protected, a
     crossing model that refs the forbidden identity set: the checker fails, naming each;
   - the forbidden identity set made private: dbt refuses to parse, because dbt 1.11 gives a
     generic test the group of the model it is attached to (why the set is protected).
3. A synthetic extraction where two Iodas-ASE measures share an id with different content
   (the generated CSV edited, then `pipase load`, then dbt): rpt_reconciliation__lignes counts
   the anomaly, the warn test reports its number, the reconciliation adds up, and the row kept
   is the more complete one although the other comes first in the file.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from conftest import REPO, run_dbt

DBT = REPO / ".venv" / "bin" / "dbt"
PIPASE = REPO / ".venv" / "bin" / "pipase"
CHECKER = REPO / "src" / "pipase" / "privacy_check.py"
DBT_ENV = {
    "DO_NOT_TRACK": "1",
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    "PIPASE_CODE_KEY": "test-zone-fence-code-key-not-secret",
}


def _load_checker():
    spec = importlib.util.spec_from_file_location("check_privacy_coverage_fence", CHECKER)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


checker = _load_checker()


# ------------------------------------------------------------ 1. the rule, hand-written manifests


def _node(name: str, path: str, group: str, depends: list[str] = (), **extra) -> dict:
    return {
        "resource_type": extra.pop("resource_type", "model"),
        "name": name,
        "original_file_path": path,
        "group": group,
        "access": extra.pop("access", "protected"),
        "config": {"group": group, "schema": extra.pop("schema", None), "meta": {}},
        "columns": extra.pop("columns", {}),
        "depends_on": {"nodes": list(depends)},
    }


FLAGGED = {"valeur": {"config": {"meta": {"pipase": {"identifier": "direct"}}}}}


def zoned_manifest() -> dict:
    """One model per zone, reading one way: staging -> door -> crossing -> leaving -> report."""
    nodes = {
        "model.p.stg_s__t": _node(
            "stg_s__t", "models/staging/s/stg_s__t.sql", "identifying", access="private"
        ),
        "model.p.int_keys__s__t": _node(
            "int_keys__s__t",
            "models/intermediate/keys/int_keys__s__t.sql",
            "identifying",
            ["model.p.stg_s__t"],
        ),
        "model.p.int_keys__valeurs": _node(
            "int_keys__valeurs",
            "models/intermediate/keys/int_keys__valeurs.sql",
            "identifying",
            columns=FLAGGED,
        ),
        "model.p.int_cohort__c": _node(
            "int_cohort__c",
            "models/intermediate/cohort/int_cohort__c.sql",
            "crossing",
            ["model.p.int_keys__s__t"],
            schema="crossing",
        ),
        "model.p.annexe2_s__g": _node(
            "annexe2_s__g",
            "models/marts/annexe2/annexe2_s__g.sql",
            "leaving",
            ["model.p.int_cohort__c", "model.p.int_keys__s__t"],
            access="public",
        ),
        "model.p.rpt_r": _node(
            "rpt_r",
            "models/marts/reports/rpt_r.sql",
            "reporting",
            ["model.p.annexe2_s__g", "model.p.int_cohort__c"],
            access="public",
            schema="reports",
        ),
        "snapshot.p.snap_c": _node(
            "snap_c",
            "snapshots/snap_c.yml",
            "crossing",
            ["model.p.int_cohort__c"],
            resource_type="snapshot",
        ),
    }
    return {"nodes": nodes, "sources": {}, "exposures": {}}


def dag_problems(manifest: dict) -> list[str]:
    return [str(p) for p in checker.check_dag_direction(manifest)]


def test_consistent_zones_pass() -> None:
    assert dag_problems(zoned_manifest()) == []


def test_identifying_model_reading_a_crossing_model_is_named() -> None:
    manifest = zoned_manifest()
    manifest["nodes"]["model.p.int_keys__s__t"]["depends_on"]["nodes"].append(
        "model.p.int_cohort__c"
    )
    assert dag_problems(manifest) == [
        "int_keys__s__t: identifying model reads crossing model int_cohort__c "
        "(the data flows identifying -> crossing -> leaving)"
    ]


def test_crossing_reading_leaving_and_leaving_reading_a_report_are_named() -> None:
    manifest = zoned_manifest()
    manifest["nodes"]["model.p.int_cohort__c"]["depends_on"]["nodes"].append("model.p.annexe2_s__g")
    manifest["nodes"]["model.p.annexe2_s__g"]["depends_on"]["nodes"].append("model.p.rpt_r")
    found = dag_problems(manifest)
    assert "int_cohort__c: crossing model reads leaving model annexe2_s__g" in found[1]
    assert "annexe2_s__g: leaving model reads reporting model rpt_r" in found[0]
    assert len(found) == 2


def test_protected_staging_model_is_named() -> None:
    manifest = zoned_manifest()
    manifest["nodes"]["model.p.stg_s__t"]["access"] = "protected"
    assert dag_problems(manifest) == ["stg_s__t: staging model with access protected, not private"]


def test_reading_an_identifying_model_that_is_no_door_is_named() -> None:
    manifest = zoned_manifest()
    cohort = manifest["nodes"]["model.p.int_cohort__c"]["depends_on"]["nodes"]
    cohort += ["model.p.int_keys__valeurs", "model.p.stg_s__t"]
    snapshot = manifest["nodes"]["snapshot.p.snap_c"]["depends_on"]["nodes"]
    snapshot.append("model.p.int_keys__valeurs")
    assert dag_problems(manifest) == [
        "int_cohort__c: crossing model reads identifying model int_keys__valeurs: "
        "it documents identifier columns (valeur)",
        "int_cohort__c: crossing model reads identifying model stg_s__t: "
        "it is no door (a door is an int_keys__* model, protected or public)",
        "snap_c: crossing model reads identifying model int_keys__valeurs: "
        "it documents identifier columns (valeur)",
    ]


def test_group_schema_and_prefix_must_match_the_folder() -> None:
    manifest = zoned_manifest()
    cohort = manifest["nodes"]["model.p.int_cohort__c"]
    cohort["group"] = cohort["config"]["group"] = "identifying"  # to read staging
    cohort["config"]["schema"] = "identifying"
    manifest["nodes"]["model.p.int_keys__s__t"]["name"] = "keys_s__t"
    manifest["nodes"]["model.p.misplaced"] = _node("misplaced", "models/misplaced.sql", "crossing")
    assert dag_problems(manifest) == [
        "int_cohort__c: group identifying, but its folder is in zone crossing",
        "int_cohort__c: schema identifying, but its folder is in zone crossing",
        "keys_s__t: name does not start with int_keys__",
        "misplaced: is in no zone folder (models/misplaced.sql)",
        # no longer named a door, the keys model may not be read outside its zone; and the
        # crossing model that joined the identifying group is still in the crossing zone
        "annexe2_s__g: leaving model reads identifying model keys_s__t: "
        "it is no door (a door is an int_keys__* model, protected or public)",
        "int_cohort__c: crossing model reads identifying model keys_s__t: "
        "it is no door (a door is an int_keys__* model, protected or public)",
    ]


# ------------------------------------------------- 2. mutations of the real project, dbt parse

COPY_IGNORE = shutil.ignore_patterns(
    ".venv", ".git", "data", "target", "logs", "dbt_packages", "__pycache__",
    ".pytest_cache", ".ruff_cache", ".hypothesis", "*.duckdb", "*.wal",
)  # fmt: skip


class Copy:
    """A copy of the repository, parsed by dbt; files are edited and restored in place."""

    def __init__(self, root: Path):
        self.root = root
        self._saved: dict[Path, str] = {}

    def dbt_parse(self) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(DBT), "parse", "--project-dir", str(self.root), "--profiles-dir", str(self.root)],
            cwd=self.root,
            env={**os.environ, **DBT_ENV, "PIPASE_DUCKDB_PATH": str(self.root / "p.duckdb")},
            capture_output=True,
            text=True,
        )

    def check(self) -> list[str]:
        result = subprocess.run(
            [sys.executable, str(CHECKER), "--manifest", str(self.root / "target/manifest.json")],
            capture_output=True,
            text=True,
        )
        return result.stdout.splitlines()[:-1] if result.returncode == 1 else []

    def edit(self, relative: str, old: str, new: str) -> None:
        path = self.root / relative
        text = path.read_text(encoding="utf-8")
        self._saved.setdefault(path, text)
        assert text.count(old) == 1, f"{relative}: {old!r} not found once"
        path.write_text(text.replace(old, new), encoding="utf-8")

    def restore(self) -> None:
        for path, text in self._saved.items():
            path.write_text(text, encoding="utf-8")
        self._saved.clear()


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Copy:
    root = tmp_path_factory.mktemp("fence") / "project"
    shutil.copytree(REPO, root, ignore=COPY_IGNORE)
    copy = Copy(root)
    parsed = copy.dbt_parse()
    assert parsed.returncode == 0, parsed.stdout[-3000:]
    assert copy.check() == []  # the control: the real project passes
    return copy


@pytest.fixture
def mutable(project: Copy):
    yield project
    project.restore()


CROSSING_SQL = "models/intermediate/crossing/int_crossing__webrsa.sql"
LEAVING_SQL = "models/marts/annexe2/annexe2_iodas_ase__cjm.sql"


@pytest.mark.parametrize(
    ("relative", "old", "model"),
    [
        (CROSSING_SQL, "ref('int_keys__webrsa__personnes_attributs')", "int_crossing__webrsa"),
        (LEAVING_SQL, "ref('int_crossing__iodas_ase__aides_cjm')", "annexe2_iodas_ase__cjm"),
    ],
    ids=["crossing", "leaving"],
)
def test_a_ref_to_staging_outside_the_identifying_zone_fails_to_parse(
    mutable: Copy, relative: str, old: str, model: str
) -> None:
    mutable.edit(relative, old, "ref('stg_webrsa__personnes')")
    parsed = mutable.dbt_parse()
    assert parsed.returncode != 0
    assert f"{model} attempted to reference node model.pipase.stg_webrsa__personnes" in (
        parsed.stdout
    )
    assert "private to the 'identifying' group" in parsed.stdout


def test_backward_ref_protected_staging_and_identity_set_read_fail_the_checker(
    mutable: Copy,
) -> None:
    # an identifying model reads a crossing model (the cohort ids, as before this issue)
    mutable.edit(
        "models/intermediate/keys/int_keys__cles_appariement_internes.sql",
        "ref('int_keys__iodas_ase__cohorte')",
        "ref('int_cohort__ids_iodas')",
    )
    # a staging model made protected (readable by every group), as 18 of them were
    mutable.edit(
        "models/staging/webrsa/_webrsa__models.yml",
        "  - name: stg_webrsa__foyers\n",
        "  - name: stg_webrsa__foyers\n    access: protected\n",
    )
    # a crossing model reads the forbidden identity set (protected for the privacy tests)
    mutable.edit(
        CROSSING_SQL,
        "with\n",
        "-- depends_on: {{ ref('int_keys__valeurs_identifiantes') }}\nwith\n",
    )
    parsed = mutable.dbt_parse()
    assert parsed.returncode == 0, parsed.stdout[-3000:]
    assert sorted(mutable.check()) == [
        "int_crossing__webrsa: crossing model reads identifying model "
        "int_keys__valeurs_identifiantes: it documents identifier columns (valeur)",
        "int_keys__cles_appariement_internes: identifying model reads crossing model "
        "int_cohort__ids_iodas (the data flows identifying -> crossing -> leaving)",
        "stg_webrsa__foyers: staging model with access protected, not private",
    ]


def test_the_identity_set_cannot_be_private_while_leaving_models_test_against_it(
    mutable: Copy,
) -> None:
    mutable.edit(
        "models/intermediate/keys/int_keys__valeurs_identifiantes.sql",
        "access='protected'",
        "access='private'",
    )
    parsed = mutable.dbt_parse()
    assert parsed.returncode != 0
    assert "test.pipase.has_no_raw_identity_values_annexe2_" in parsed.stdout
    assert "int_keys__valeurs_identifiantes, which is not allowed" in parsed.stdout


# ------------------------------------------- 3. a same-id anomaly, counted and warned about

RECONCILIATION_TESTS = (
    "assert_reconciliation_adds_up",
    "assert_no_same_id_different_content",
    "assert_no_orphan_rows",
    "assert_reconciliation_covers_every_source_table",
)
LEAVING_CHECKED = (
    "annexe2_iodas_ase__mesure",
    "annexe2_iodas_ase__placement",
    "annexe2_iodas_ase__ip",
    "annexe2_iodas_ase__cjm",
    "annexe2_iodas_ase__hors_placement",
    "annexe2_iodas_dpas__aide",
    "annexe2_iodas_mdph__droit",
)


def _plant_orphan_placement(path: Path) -> None:
    """A copy of the first placement whose person id has a zero-width space in the middle: it
    matches no individual (an id copied from a web page)."""
    with path.open(encoding="cp1252", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    header, body = rows[0], rows[1:]
    orphan = list(body[0])
    orphan[header.index("id_placement")] += "-orphelin"
    person = orphan[header.index("id_individu")]
    orphan[header.index("id_individu")] = person[:3] + "\u00ad" + person[3:]  # soft hyphen
    body.append(orphan)
    with path.open("w", encoding="cp1252", newline="") as handle:
        csv.writer(handle, delimiter=";", lineterminator="\r\n").writerows([header, *body])


def _plant_same_id_measure(path: Path) -> tuple[str, int]:
    """Insert, before a complete measure row, a row with its id but another end date and no
    decision date nor end reason (less complete). Returns the id and the line (header = 1) of
    the original row after the insertion, in the file's own encoding and separator."""
    with path.open(encoding="cp1252", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    header, body = rows[0], rows[1:]
    col = {name: header.index(name) for name in header}
    dated = re.compile(r"\d{2}/\d{2}/(20(0[5-9]|1\d))")  # dd/mm/yyyy, 2005-2019

    def usable(row: list[str]) -> bool:
        complete = all(row[col[c]] for c in ("date_decision", "date_debut", "motif_fin"))
        return complete and all(dated.fullmatch(row[col[c]]) for c in ("date_debut", "date_fin"))

    index = next((i for i, row in enumerate(body) if usable(row)), None)
    assert index is not None, "no complete measure of 2005-2019 in the extraction"
    row = body[index]
    planted = list(row)
    _day, month, year = row[col["date_fin"]].split("/")
    planted[col["date_fin"]] = f"28/{month}/{int(year) + 1}"
    planted[col["date_decision"]] = ""
    planted[col["motif_fin"]] = ""
    body.insert(index, planted)
    with path.open("w", encoding="cp1252", newline="") as handle:
        csv.writer(handle, delimiter=";", lineterminator="\r\n").writerows([header, *body])
    return row[col["id_mesure"]], index + 3  # header line 1, planted at index + 2


@pytest.fixture(scope="module")
def anomaly(tmp_path_factory) -> dict:
    tmp = tmp_path_factory.mktemp("reconciliation")
    extraction, database = tmp / "extraction", tmp / "pipase.duckdb"
    synth = subprocess.run(
        [str(PIPASE), "synth", "--out", str(extraction), "--youths", "150", "--seed", "7"],
        capture_output=True,
        text=True,
        env={**os.environ, **DBT_ENV},
    )
    assert synth.returncode == 0, synth.stderr[-2000:]
    id_mesure, original_line = _plant_same_id_measure(extraction / "iodas_ase" / "mesures.csv")
    _plant_orphan_placement(extraction / "iodas_ase" / "placements.csv")
    load = subprocess.run(
        [str(PIPASE), "load", str(extraction), "--database", str(database)],
        capture_output=True,
        text=True,
        env={**os.environ, **DBT_ENV},
    )
    assert load.returncode == 0, load.stdout[-2000:] + load.stderr[-2000:]
    parents = ["+rpt_reconciliation__lignes", "+rpt_reconciliation__sorties"]
    built = run_dbt(
        ["build", "--select", "resource_type:seed", *parents, "--exclude-resource-type", "test",
         "unit_test"],
        tmp,
        env=DBT_ENV,
    )  # fmt: skip
    assert built.returncode == 0, built.stdout[-4000:]
    tested = run_dbt(
        ["test", "--select", *RECONCILIATION_TESTS, "rpt_reconciliation__sorties"], tmp, env=DBT_ENV
    )
    results = json.loads((tmp / "target" / "run_results.json").read_text())
    statuses = {
        r["unique_id"].split(".")[2]: (r["status"], r["failures"]) for r in results["results"]
    }
    with duckdb.connect(str(database), read_only=True) as con:
        report = con.execute(
            "select table_source, lignes_chargees, lignes_conservees, motif, lignes_ecartees"
            " from reports.rpt_reconciliation__lignes where base_source = 'iodas_ase'"
        ).fetchall()
        concordance = con.execute(
            "select table_sortante, concordent from reports.rpt_reconciliation__sorties"
        ).fetchall()
        kept = con.execute(
            "select _ligne from crossing.int_crossing__iodas_ase__mesures where id_mesure = ?",
            [id_mesure],
        ).fetchall()
        door = con.execute(
            "select _ligne, rang_meme_id, est_copie_identique"
            " from identifying.int_keys__iodas_ase__mesures where id_mesure = ? order by 1",
            [id_mesure],
        ).fetchall()
    return {
        "tested": tested,
        "statuses": statuses,
        "report": report,
        "kept": kept,
        "door": door,
        "concordance": concordance,
        "original_line": original_line,
    }


def test_the_anomaly_is_counted_in_the_reconciliation(anomaly) -> None:
    by_reason = {(t, m): n for t, _loaded, _kept, m, n in anomaly["report"]}
    assert by_reason[("mesures", "doublon_id_contenu_different")] == 1
    for table in ("placements", "informations_preoccupantes", "aides_cjm", "hors_placement"):
        assert by_reason[(table, "doublon_id_contenu_different")] == 0, table


def test_the_warn_test_reports_the_number_of_anomalies(anomaly) -> None:
    assert anomaly["statuses"]["assert_no_same_id_different_content"] == ("warn", 1)
    assert "Got 1 result, configured to warn" in anomaly["tested"].stdout


def test_a_row_whose_id_matches_no_individual_warns(anomaly) -> None:
    """The planted placement with a soft hyphen inside its person id: counted, and warned."""
    assert anomaly["statuses"]["assert_no_orphan_rows"] == ("warn", 1)
    by_reason = {(t, m): e for t, _n, _k, m, e in anomaly["report"]}
    assert by_reason[("placements", "individu_inconnu")] == 1


def test_the_reconciliation_adds_up_and_matches_the_leaving_tables(anomaly) -> None:
    for name in RECONCILIATION_TESTS:
        if name not in ("assert_no_same_id_different_content", "assert_no_orphan_rows"):
            assert anomaly["statuses"][name] == ("pass", 0), name
    assert anomaly["tested"].returncode == 0, anomaly["tested"].stdout[-3000:]
    loaded = {t: (n, k) for t, n, k, _m, _e in anomaly["report"]}
    left = {}
    for table, _n, _k, _motif, count in anomaly["report"]:
        left[table] = left.get(table, 0) + count
    for table, (n, k) in loaded.items():
        assert n == k + left[table], table
    assert sorted(anomaly["concordance"]) == [(mart, True) for mart in sorted(LEAVING_CHECKED)]
    accepted = [
        name
        for name, (status, _n) in anomaly["statuses"].items()
        if "rpt_reconciliation__sorties" in name
    ]
    assert accepted and all(anomaly["statuses"][n] == ("pass", 0) for n in accepted)


def test_the_more_complete_row_is_kept_not_the_first_line(anomaly) -> None:
    original = anomaly["original_line"]
    assert anomaly["kept"] == [(original,)]
    assert anomaly["door"] == [(original - 1, 2, False), (original, 1, True)]
