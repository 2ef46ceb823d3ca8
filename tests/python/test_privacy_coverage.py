"""Prove that no direct identifier leaves: the coverage checker, the privacy tests, mutations.

1. src/pipase/privacy_check.py on small hand-written manifests: each rule names its
   offender, and a fully covered manifest passes.
2. The generic privacy tests (tests/generic/) on a tiny dbt project with planted violations:
   each test fails on its violation and passes on a clean model (labels that are also names,
   commune names, months, keys).
3. The checker on the real project's manifest (dbt parse): every leaving model is covered.
4. Mutations of a copy of the real project, built on a small synthetic extraction (pipase synth
   --youths 150, pipase load): dropping a contract or a privacy test, adding a name column,
   undoing a minimisation, selecting * from a door, dropping a column's code list, letting the
   source's text through. Each must make the checker or dbt fail. The copy is parsed once per
   mutation (partial parsing) and only the mutated model and its tests are built.
5. The closed vocabularies' seeds: labels unique after normalisation, every label
   the synthetic generator writes mapped, codes in ASCII snake_case.
"""

from __future__ import annotations

import copy
import csv
import importlib.util
import json
import os
import random
import re
import shutil
import string
import subprocess
import sys
import unicodedata
from pathlib import Path

import duckdb
import pytest
import yaml
from conftest import run_dbt

REPO = Path(__file__).resolve().parents[2]
DBT = REPO / ".venv" / "bin" / "dbt"
CHECKER = REPO / "src" / "pipase" / "privacy_check.py"
SCANNER = REPO / "scripts" / "scan_canaries.py"
MODEL_TESTS = (
    "has_only_documented_columns",
    "has_no_identifier_columns",
    "has_no_raw_identity_values",
    "has_no_day_precision_dates",
    "has_no_free_text",
)
DBT_ENV = {
    "DO_NOT_TRACK": "1",
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    "PIPASE_CODE_KEY": "test-code-key-not-secret",
}


def _load_checker():
    spec = importlib.util.spec_from_file_location("check_privacy_coverage", CHECKER)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


checker = _load_checker()


def run_checker(manifest: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(CHECKER), "--manifest", str(manifest), *extra],
        capture_output=True,
        text=True,
    )


# ---------------------------------------------------------------- 1. the checker's rules


def _test(
    name: str, attached: str, column: str | None = None, kwargs: dict | None = None, **config
) -> dict:
    return {
        "resource_type": "test",
        "name": f"{name}_{attached.split('.')[-1]}_{column or ''}",
        "attached_node": attached,
        "column_name": column,
        "test_metadata": {"name": name, "kwargs": kwargs or {}},
        "config": {
            "severity": "ERROR",
            "error_if": "!= 0",
            "where": None,
            "limit": None,
            "store_failures": None,
            "store_failures_as": None,
            **config,
        },
    }


def _model(name: str, path: str, group: str, depends: list[str], **extra) -> dict:
    return {
        "resource_type": "model",
        "name": name,
        "original_file_path": path,
        "group": group,
        "access": extra.pop("access", "protected"),
        "schema": group,
        "tags": [],
        "config": {
            "group": group,
            "contract": {"enforced": extra.pop("enforced", False)},
            "meta": {},
        },
        "columns": extra.pop("columns", {}),
        "depends_on": {"nodes": depends},
        **extra,
    }


LEAVING = "model.pipase.annexe2_src__groupe"
SEED_NAME = "ref_src__type_aide"
SEED = f"seed.pipase.{SEED_NAME}"


def covered_manifest() -> dict:
    stg = "model.pipase.stg_src__t"
    keys = "model.pipase.int_keys__src__t"
    crossing = "model.pipase.int_crossing__src"
    nodes = {
        stg: _model(
            "stg_src__t",
            "models/staging/src/stg_src__t.sql",
            "identifying",
            ["source.pipase.src.t"],
            access="private",
            columns={"nom": {"meta": {"pipase": {"identifier": "direct"}}}},
        ),
        keys: _model("int_keys__src__t", "models/intermediate/keys/x.sql", "identifying", [stg]),
        crossing: _model(
            "int_crossing__src", "models/intermediate/crossing/x.sql", "crossing", [keys]
        ),
        LEAVING: _model(
            "annexe2_src__groupe",
            "models/marts/annexe2/annexe2_src__groupe.sql",
            "leaving",
            [crossing],
            access="public",
            enforced=True,
            columns={
                "cle_hachage": _column("varchar", valeur="cle"),
                "cle_hachage_secondaire": _column("varchar", valeur="cle"),
                "mois_debut": _column("varchar", valeur="mois"),
                "type_aide": _column("varchar", vocabulaire=SEED_NAME),
                "motif": _column("varchar", vocabulaire=SEED_NAME, colonne_code="libelle"),
                "code_dossier": _column("varchar", valeur="code_calcule"),
                "montant": _column("decimal(10,2)", valeur="nombre", plage="montant_aide"),
                "nombre": _column("integer", valeur="nombre"),
            },
        ),
        SEED: {"resource_type": "seed", "name": SEED_NAME, "depends_on": {"nodes": []}},
    }
    tests = [_test(name, LEAVING) for name in MODEL_TESTS] + [
        _test("is_sha256_hex", LEAVING, "cle_hachage"),
        _test("is_sha256_hex", LEAVING, "cle_hachage_secondaire"),
        _test("is_month_precision", LEAVING, "mois_debut"),
        _test("not_null", stg, "nom"),
        _code_list_test("type_aide"),
        _code_list_test("motif", code_column="libelle"),
        _test("is_stable_code", LEAVING, "code_dossier"),
        _test("is_in_numeric_range", LEAVING, "montant", kwargs={"plage": "montant_aide"}),
    ]
    for number, test in enumerate(tests):
        nodes[f"test.pipase.t{number}"] = test
    return {"nodes": nodes, "sources": {"source.pipase.src.t": {"meta": {}}}, "exposures": {}}


def _column(data_type: str, **pipase) -> dict:
    return {"data_type": data_type, "config": {"meta": {"pipase": pipase}}}


def _code_list_test(column: str, code_column: str | None = None, seed: str = SEED) -> dict:
    kwargs = {"code_list": f"ref('{seed.split('.')[-1]}')"}
    if code_column:
        kwargs["arguments"] = {"code_column": code_column}  # given under arguments: (dbt 1.10+)
    test = _test("is_in_code_list", LEAVING, column, kwargs=kwargs)
    test["depends_on"] = {"nodes": [seed, LEAVING]}
    return test


def problems(manifest: dict, run_results: dict | None = None) -> list[str]:
    return [str(p) for p in checker.check(manifest, run_results)]


def _vocabulary_problems(manifest: dict) -> list[str]:
    return [str(p) for p in checker.check_vocabularies(manifest)]


def _leaving_column(manifest: dict, column: str) -> dict:
    return manifest["nodes"][LEAVING]["columns"][column]


def test_vocabulary_rule_passes_a_covered_manifest() -> None:
    assert _vocabulary_problems(covered_manifest()) == []


def test_text_column_without_code_list_is_named() -> None:
    # the meta of one text column removed (a source label copied as typed)
    manifest = covered_manifest()
    _leaving_column(manifest, "type_aide")["config"]["meta"] = {}
    expected = (
        "annexe2_src__groupe: text column type_aide has no code list (meta "
        "pipase.vocabulaire) nor pipase.valeur cle, mois or code_calcule"
    )
    assert problems(manifest) == [expected]
    # an untyped column cannot be shown to hold no text either
    manifest = covered_manifest()
    manifest["nodes"][LEAVING]["columns"]["libelle"] = {}
    assert _vocabulary_problems(manifest) == [expected.replace("type_aide", "libelle")]


def test_code_list_test_must_read_the_columns_seed() -> None:
    # (a) the is_in_code_list test removed
    manifest = _remove_test(covered_manifest(), "is_in_code_list", "type_aide")
    assert problems(manifest) == ["annexe2_src__groupe: column type_aide lacks is_in_code_list"]
    # (b) a test that reads another seed, or another column of the seed
    manifest = covered_manifest()
    manifest["nodes"]["seed.pipase.ref_other"] = {"resource_type": "seed", "name": "ref_other"}
    manifest = _remove_test(manifest, "is_in_code_list", "type_aide")
    manifest["nodes"]["test.pipase.other"] = _code_list_test(
        "type_aide", seed="seed.pipase.ref_other"
    )
    manifest["nodes"]["test.pipase.other_column"] = _code_list_test("motif", code_column="code")
    manifest = _remove_test(manifest, "is_in_code_list", "motif", keep="test.pipase.other_column")
    assert _vocabulary_problems(manifest) == [
        "annexe2_src__groupe: column motif lacks is_in_code_list",
        "annexe2_src__groupe: column type_aide lacks is_in_code_list",
    ]
    # (c) a vocabulary that is no seed
    manifest = covered_manifest()
    _leaving_column(manifest, "type_aide")["config"]["meta"]["pipase"]["vocabulaire"] = "ref_nope"
    assert _vocabulary_problems(manifest) == [
        "annexe2_src__groupe: column type_aide: ref_nope is no seed"
    ]
    # (d) a weakened code-list test
    manifest = covered_manifest()
    for node in manifest["nodes"].values():
        if node["resource_type"] == "test" and node["test_metadata"]["name"] == "is_in_code_list":
            node["config"]["severity"] = "warn"
    assert _vocabulary_problems(manifest) == [
        "annexe2_src__groupe: is_in_code_list on motif weakened by severity warn",
        "annexe2_src__groupe: is_in_code_list on type_aide weakened by severity warn",
    ]


def test_computed_codes_and_ranges_need_their_tests() -> None:
    manifest = _remove_test(covered_manifest(), "is_stable_code", "code_dossier")
    manifest = _remove_test(manifest, "is_in_numeric_range", "montant")
    assert _vocabulary_problems(manifest) == [
        "annexe2_src__groupe: column code_dossier lacks is_stable_code",
        "annexe2_src__groupe: column montant lacks is_in_numeric_range",
    ]
    # a range test on another range does not count
    manifest = covered_manifest()
    _leaving_column(manifest, "montant")["config"]["meta"]["pipase"]["plage"] = "duree_jours"
    assert _vocabulary_problems(manifest) == [
        "annexe2_src__groupe: column montant lacks is_in_numeric_range"
    ]


def _remove_test(
    manifest: dict, name: str, column: str | None = None, keep: str | None = None
) -> dict:
    manifest["nodes"] = {
        uid: node
        for uid, node in manifest["nodes"].items()
        if uid == keep
        or not (
            node["resource_type"] == "test"
            and node["test_metadata"]["name"] == name
            and node["attached_node"] == LEAVING
            and node["column_name"] == column
        )
    }
    return manifest


def test_covered_manifest_passes() -> None:
    assert problems(covered_manifest()) == []


def test_missing_contract_is_named() -> None:
    manifest = covered_manifest()
    manifest["nodes"][LEAVING]["config"]["contract"]["enforced"] = False
    assert problems(manifest) == [
        "annexe2_src__groupe: no enforced contract (config.contract.enforced)"
    ]


@pytest.mark.parametrize("name", MODEL_TESTS)
def test_each_missing_model_test_is_named(name: str) -> None:
    assert problems(_remove_test(covered_manifest(), name)) == [
        f"annexe2_src__groupe: missing model test {name}"
    ]


def test_key_and_month_columns_need_their_tests() -> None:
    manifest = _remove_test(covered_manifest(), "is_sha256_hex", "cle_hachage_secondaire")
    manifest = _remove_test(manifest, "is_month_precision", "mois_debut")
    assert problems(manifest) == [
        "annexe2_src__groupe: column cle_hachage_secondaire lacks is_sha256_hex",
        "annexe2_src__groupe: column mois_debut lacks is_month_precision",
    ]


@pytest.mark.parametrize(
    ("config", "why"),
    [
        ({"severity": "warn"}, "severity warn"),
        ({"where": "1 = 0"}, "a where filter"),
        ({"error_if": "> 100"}, "error_if > 100"),
    ],
    ids=["warn", "where", "error_if"],
)
def test_weakened_privacy_test_is_named(config: dict, why: str) -> None:
    manifest = covered_manifest()
    for node in manifest["nodes"].values():
        if node["resource_type"] == "test" and node["test_metadata"]["name"] == "has_no_free_text":
            node["config"].update(config)
    assert problems(manifest) == [
        f"annexe2_src__groupe: model test has_no_free_text weakened by {why}"
    ]


def test_a_model_is_leaving_by_folder_tag_or_exposure_too() -> None:
    manifest = covered_manifest()
    crossing = manifest["nodes"]["model.pipase.int_crossing__src"]
    crossing["tags"] = ["leaving"]
    assert "int_crossing__src: no enforced contract (config.contract.enforced)" in problems(
        manifest
    )
    manifest = covered_manifest()
    manifest["exposures"] = {
        "exposure.pipase.export": {"depends_on": {"nodes": ["model.pipase.int_crossing__src"]}}
    }
    assert "int_crossing__src: missing model test has_no_free_text" in problems(manifest)


def test_source_read_outside_staging_is_named() -> None:
    manifest = covered_manifest()
    manifest["nodes"]["model.pipase.int_crossing__src"]["depends_on"]["nodes"].append(
        "source.pipase.src.t"
    )
    assert problems(manifest) == [
        "int_crossing__src: reads source.pipase.src.t (only staging models read sources)"
    ]


def test_reporting_source_may_be_read_by_reports_only() -> None:
    manifest = covered_manifest()
    manifest["sources"]["source.pipase.m.rate"] = {"meta": {"pipase": {"zone": "reporting"}}}
    manifest["nodes"]["model.pipase.rpt_x"] = _model(
        "rpt_x", "models/marts/reports/rpt_x.sql", "reporting", ["source.pipase.m.rate"]
    )
    manifest["nodes"]["model.pipase.int_crossing__src"]["depends_on"]["nodes"].append(
        "source.pipase.m.rate"
    )
    assert problems(manifest) == [
        "int_crossing__src: reads source.pipase.m.rate (only staging models read sources)"
    ]


def test_staging_read_outside_the_door_is_named() -> None:
    manifest = covered_manifest()
    stg = "model.pipase.stg_src__t"
    manifest["nodes"]["model.pipase.int_crossing__src"]["depends_on"]["nodes"].append(stg)
    manifest["nodes"]["model.pipase.int_keys_other"] = _model(
        "int_other", "models/intermediate/keys/int_other.sql", "identifying", [stg]
    )
    found = problems(manifest)
    assert found[0].startswith(
        "int_crossing__src: reads staging model stg_src__t, which is no door"
    )
    assert found[1] == (
        "int_other: reads staging model stg_src__t "
        "(in the identifying zone, only int_keys__* models read staging)"
    )
    # check_dag_direction names both too: the prefix of the keys folder, the read across zones
    assert found[2:] == [
        "int_other: name does not start with int_keys__",
        "int_crossing__src: crossing model reads identifying model stg_src__t: "
        "it documents identifier columns (nom)",
    ]


def test_protected_staging_is_no_door() -> None:
    """Staging is private without exception: a protected staging model without identifier
    columns is no door (18 staging models were once protected and read by crossing)."""
    manifest = covered_manifest()
    manifest["nodes"]["model.pipase.stg_src__codes"] = _model(
        "stg_src__codes",
        "models/staging/src/stg_src__codes.sql",
        "identifying",
        ["source.pipase.src.t"],
        columns={"code": {}},
    )
    assert problems(manifest) == [
        "stg_src__codes: staging model with access protected, not private"
    ]
    crossing = manifest["nodes"]["model.pipase.int_crossing__src"]
    crossing["depends_on"]["nodes"].append("model.pipase.stg_src__codes")
    found = problems(manifest)
    assert found[0].startswith(
        "int_crossing__src: reads staging model stg_src__codes, which is no door"
    )
    assert found[1:] == [
        "stg_src__codes: staging model with access protected, not private",
        "int_crossing__src: crossing model reads identifying model stg_src__codes: "
        "it is no door (a door is an int_keys__* model, protected or public)",
    ]


def test_identifier_column_past_the_door_is_named() -> None:
    manifest = covered_manifest()
    manifest["nodes"]["model.pipase.int_crossing__src"]["columns"]["nom"] = {
        "meta": {"pipase": {"identifier": "direct"}}
    }
    assert problems(manifest) == ["int_crossing__src: column nom is flagged meta.pipase.identifier"]


@pytest.mark.parametrize(
    "config",
    [{"store_failures": True}, {"store_failures_as": "table"}, {"store_failures_as": "view"}],
    ids=["store_failures", "as-table", "as-view"],
)
def test_stored_failures_are_named(config: dict) -> None:
    manifest = covered_manifest()
    manifest["nodes"]["test.pipase.t8"]["config"].update(config)  # not_null on stg nom
    assert problems(manifest) == [
        "not_null_stg_src__t_nom: stores its failing rows (store_failures must stay off)"
    ]


def test_a_run_with_store_failures_flag_is_named() -> None:
    assert problems(covered_manifest(), {"args": {"store_failures": True}}) == [
        "run_results.json: dbt ran with --store-failures"
    ]


def test_cli_exit_codes(tmp_path: Path) -> None:
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(covered_manifest()), encoding="utf-8")
    result = run_checker(path)
    assert result.returncode == 0, result.stdout
    assert "1 leaving model(s) covered" in result.stdout
    assert run_checker(path, "--min-leaving", "2").returncode == 1
    broken = _remove_test(covered_manifest(), "has_no_free_text")
    path.write_text(json.dumps(broken), encoding="utf-8")
    result = run_checker(path)
    assert result.returncode == 1
    assert "annexe2_src__groupe: missing model test has_no_free_text" in result.stdout
    assert run_checker(tmp_path / "absent.json").returncode == 2


# ------------------------------------------------- 2. the generic tests bite (tiny project)

PROBE_PROJECT = """
name: probe
version: "1.0"
config-version: 2
profile: probe
flags: {send_anonymous_usage_stats: false, require_generic_test_arguments_property: true}
# the project's macros dispatch in the namespace pipase: look for them here
dispatch: [{macro_namespace: pipase, search_order: [probe]}]
models:
  probe: {+materialized: table, +schema: leaving}
seeds:
  probe: {+schema: reference}
data_tests:
  probe: {+store_failures: false}
"""
PROBE_PROFILES = """
probe:
  target: duckdb
  outputs:
    duckdb:
      type: duckdb
      path: "{{ env_var('PROBE_DB') }}"
      threads: 4
      config_options: {autoinstall_known_extensions: false, autoload_known_extensions: false}
"""
PROBE_SOURCES = """
version: 2
sources:
  - name: src
    schema: raw
    tables:
      - name: people
        columns:
          - {name: nom, config: {meta: {pipase: {identifier: direct}}}}
          - {name: prenom, config: {meta: {pipase: {identifier: direct}}}}
          - {name: date_naissance, config: {meta: {pipase: {identifier: direct}}}}
          - {name: numvoie, config: {meta: {pipase: {identifier: direct}}}}
          - {name: commune}
"""
# Each probe model and the privacy tests it must fail (the clean one fails none).
PROBE_MODELS = {
    "clean": (
        """select
    sha256(nom || prenom) as cle_hachage,
    strftime(date_naissance, '%Y-%m') as mois_naissance,
    commune,
    case when id % 3 = 0 then 'hors UE' else 'France' end as nationalite,
    numvoie as nombre_enfants,
    ['emploi', 'formation'] as cer_problematiques,
    case when id % 2 = 0 then 'marie' else 'personne_seule' end as situation_familiale
from {{ source('src', 'people') }}""",
        set(),
    ),
    # identities inside values, each alone in one row of a leaving text column
    "phrase_with_surname": (
        "select sha256(nom) as cle_hachage, "
        "case when id = 5 then 'Hébergée par ' || nom end as type_hebergement "
        "from {{ source('src', 'people') }}",
        {"has_no_raw_identity_values"},
    ),
    "short_first_names": (
        # Léa (3 letters) and Li (2 letters), between a title and an initial
        "select sha256(nom) as cle_hachage, "
        "case when id = 302 then 'Mme ' || prenom || ' Z.' when id = 303 then 'avec ' || prenom "
        "end as situation from {{ source('src', 'people') }}",
        {"has_no_raw_identity_values"},
    ),
    "name_pair": (
        # 'chez Le Goff': neither LE nor GOFF is anybody's name, the pair LEGOFF is
        "select sha256(nom) as cle_hachage, "
        "case when id = 301 then 'chez ' || nom end as hebergement "
        "from {{ source('src', 'people') }}",
        {"has_no_raw_identity_values"},
    ),
    "surname_first_name": (
        "select sha256(nom) as cle_hachage, "
        "case when id = 11 then nom || ' ' || prenom end as situation "
        "from {{ source('src', 'people') }}",
        {"has_no_raw_identity_values"},
    ),
    "birth_date_in_text": (
        "select sha256(nom) as cle_hachage, "
        "case when id = 8 then 'né le ' || strftime(date_naissance, '%d/%m/%Y') || ' à Bobigny' "
        "end as situation from {{ source('src', 'people') }}",
        {"has_no_raw_identity_values", "has_no_day_precision_dates"},
    ),
    # a code word that is also a first name is excluded only in the column whose list holds it
    "code_word_without_list": (
        "select sha256(nom) as cle_hachage, 'marie' as situation_familiale "
        "from {{ source('src', 'people') }}",
        {"has_no_raw_identity_values"},
    ),
    # a label typed by the source in a closed-vocabulary column
    "uncoded_label": (
        "select sha256(nom) as cle_hachage, "
        "case when id = 9 then 'Hébergé chez un ami' else 'marie' end as situation_familiale "
        "from {{ source('src', 'people') }}",
        {"is_in_code_list"},
    ),
    "undocumented": (
        "select sha256(nom) as cle_hachage, 'x' as extra from {{ source('src', 'people') }}",
        {"has_only_documented_columns"},
    ),
    "identifier_name": (
        "select sha256(nom) as cle_hachage, id as id_individu, 1 as _ligne "
        "from {{ source('src', 'people') }}",
        {"has_no_identifier_columns"},
    ),
    "identity_values": (
        # an innocent column name, surnames inside; a list holding first names
        "select sha256(nom) as cle_hachage, case when id < 3 then nom end as code_groupe, "
        "case when id = 5 then ['Emploi', prenom] end as libelles from {{ source('src', 'people') }}",
        {"has_no_raw_identity_values"},
    ),
    "birth_date_text": (
        "select sha256(nom) as cle_hachage, "
        "case when id = 7 then strftime(date_naissance, '%Y/%d/%m') end as periode "
        "from {{ source('src', 'people') }}",
        {"has_no_raw_identity_values", "has_no_day_precision_dates"},
    ),
    "day_dates": (
        "select sha256(nom) as cle_hachage, date '2020-03-01' as debut, "
        "'du 01/03/2020' as libelle from {{ source('src', 'people') }}",
        {"has_no_day_precision_dates"},
    ),
    "free_text": (
        "select sha256(nom) as cle_hachage, 'Appel du service : situation ' || "
        "lower(nom) || ' suivie' as commentaire from {{ source('src', 'people') }}",
        # the surname inside the comment: the identity test sees it too
        {"has_no_free_text", "has_no_raw_identity_values"},
    ),
    "bad_key_and_month": (
        "select upper(sha256(nom)) as cle_hachage, "
        "strftime(date_naissance, '%Y-%m-%d') as mois_naissance from {{ source('src', 'people') }}",
        {
            "is_sha256_hex",
            "is_month_precision",
            "has_no_raw_identity_values",
            "has_no_day_precision_dates",
        },
    ),
}


# (model, column) -> (seed, code column): closed vocabularies of the probe models. The seed
# ref_situations holds the code `marie`, also the first name of person 304.
PROBE_CODE_LISTS = {
    ("clean", "commune"): ("ref_communes", "nom"),
    ("clean", "situation_familiale"): ("ref_situations", "code"),
    ("uncoded_label", "situation_familiale"): ("ref_situations", "code"),
}


def _probe_yaml() -> str:
    models = []
    for name, (sql, _expected) in PROBE_MODELS.items():
        columns = [c.rsplit(" as ", 1)[-1].split()[0].strip(",") for c in _select_list(sql)]
        if name == "undocumented":
            columns = ["cle_hachage"]
        entry = {"name": name, "data_tests": list(MODEL_TESTS), "columns": []}
        for column in columns:
            col = {"name": column}
            if column.startswith("cle_hachage"):
                col["data_tests"] = ["is_sha256_hex"]
            elif column.startswith("mois_"):
                col["data_tests"] = ["is_month_precision"]
            elif column == "nationalite":
                col["data_tests"] = [
                    {"accepted_values": {"arguments": {"values": ["France", "UE", "hors UE"]}}}
                ]
            elif (name, column) in PROBE_CODE_LISTS:
                seed, code_column = PROBE_CODE_LISTS[(name, column)]
                arguments = {"code_list": f"ref('{seed}')", "code_column": code_column}
                col["data_tests"] = [{"is_in_code_list": {"arguments": arguments}}]
                col["config"] = {
                    "meta": {"pipase": {"vocabulaire": seed, "colonne_code": code_column}}
                }
            entry["columns"].append(col)
        models.append(entry)
    return yaml.safe_dump({"version": 2, "models": models}, sort_keys=False)


def _select_list(sql: str) -> list[str]:
    """The select list of a probe model, split on top-level commas."""
    body = sql.split("select", 1)[1].rsplit("from {{", 1)[0]
    parts, depth, current = [], 0, ""
    for char in body:
        depth += char in "(["
        depth -= char in ")]"
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    return [p.strip() for p in [*parts, current] if p.strip()]


def _probe_people() -> list[tuple]:
    """300 synthetic people with random letter surnames; PANTIN (a commune of the reference
    seed) and FRANCE (a nationality label) are also names, as in real life."""
    rng = random.Random(93)
    people = []
    for number in range(300):
        nom = "".join(rng.choice(string.ascii_uppercase) for _ in range(rng.randint(5, 9)))
        prenom = "".join(rng.choice(string.ascii_lowercase) for _ in range(6)).capitalize()
        people.append(
            (
                number,
                nom,
                prenom,
                f"{1980 + number % 25}-{1 + number % 12:02d}-{1 + number % 28:02d}",
                str(1 + number % 40),
                rng.choice(["Pantin", "Bobigny"]),
            )
        )
    people.append((300, "PANTIN", "France", "1999-01-01", "12", "Pantin"))
    people.append((301, "Le Goff", "Anne", "1998-02-03", "3", "Bobigny"))
    # short first names (3 and 2 letters), a first name that is also a code word
    people.append((302, "Martineau", "Léa", "1999-03-17", "5", "Bobigny"))
    people.append((303, "Zhou", "Li", "2000-07-21", "8", "Pantin"))
    people.append((304, "Curie", "Marie", "1997-11-07", "9", "Pantin"))
    return people


@pytest.fixture(scope="module")
def probe_results(tmp_path_factory) -> dict[str, dict[str, str]]:
    root = tmp_path_factory.mktemp("probe")
    (root / "models").mkdir()
    (root / "seeds").mkdir()
    (root / "macros").mkdir()
    shutil.copytree(REPO / "tests" / "generic", root / "tests" / "generic")
    # the forbidden set of has_no_raw_identity_values: its macro and model, as in the project
    shutil.copytree(REPO / "macros" / "privacy", root / "macros" / "privacy")
    # normalise_label, special_codes, numeric_ranges: read by the privacy tests
    shutil.copytree(REPO / "macros" / "minimisation", root / "macros" / "minimisation")
    shutil.copy(
        REPO / "models" / "intermediate" / "keys" / "int_keys__valeurs_identifiantes.sql",
        root / "models",
    )
    (root / "dbt_project.yml").write_text(PROBE_PROJECT, encoding="utf-8")
    (root / "profiles.yml").write_text(PROBE_PROFILES, encoding="utf-8")
    (root / "macros" / "generate_schema_name.sql").write_text(
        "{% macro generate_schema_name(custom_schema_name, node) -%}"
        "{{ custom_schema_name or target.schema }}{%- endmacro %}",
        encoding="utf-8",
    )
    (root / "seeds" / "ref_communes.csv").write_text(
        "code_insee,nom\n93055,Pantin\n93008,Bobigny\n", encoding="utf-8"
    )
    (root / "seeds" / "ref_situations.csv").write_text(
        "code,libelle\nmarie,marié(e)\npersonne_seule,personne seule\n", encoding="utf-8"
    )
    (root / "models" / "_sources.yml").write_text(PROBE_SOURCES, encoding="utf-8")
    (root / "models" / "_models.yml").write_text(_probe_yaml(), encoding="utf-8")
    for name, (sql, _expected) in PROBE_MODELS.items():
        (root / "models" / f"{name}.sql").write_text(sql + "\n", encoding="utf-8")
    database = root / "probe.duckdb"
    con = duckdb.connect(str(database))
    con.execute("create schema raw")
    con.execute(
        "create table raw.people (id integer, nom varchar, prenom varchar, "
        "date_naissance date, numvoie varchar, commune varchar)"
    )
    con.executemany("insert into raw.people values (?, ?, ?, ?, ?, ?)", _probe_people())
    con.close()
    result = subprocess.run(
        [str(DBT), "build", "--project-dir", str(root), "--profiles-dir", str(root)],
        cwd=root,
        env={**os.environ, **DBT_ENV, "PROBE_DB": str(database)},
        capture_output=True,
        text=True,
    )
    run_results = json.loads((root / "target" / "run_results.json").read_text())
    statuses: dict[str, dict[str, str]] = {name: {} for name in PROBE_MODELS}
    manifest = json.loads((root / "target" / "manifest.json").read_text())
    for item in run_results["results"]:
        node = manifest["nodes"].get(item["unique_id"])
        if node and node["resource_type"] == "test":
            model = node["attached_node"].split(".")[-1]
            statuses[model][node["test_metadata"]["name"]] = item["status"]
        elif node and node["resource_type"] == "model":
            assert item["status"] == "success", result.stdout[-3000:]
    return statuses


@pytest.mark.parametrize("model", sorted(PROBE_MODELS))
def test_privacy_tests_fail_exactly_on_planted_violations(probe_results, model: str) -> None:
    statuses = probe_results[model]
    failed = {name for name, status in statuses.items() if status != "pass"}
    assert set(MODEL_TESTS) <= set(statuses), statuses
    assert failed == PROBE_MODELS[model][1], statuses


# ------------------------------------------------------- 3. the real project's manifest


def test_real_manifest_is_covered(tmp_path: Path) -> None:
    result = run_dbt(["parse"], tmp_path, env=DBT_ENV)
    assert result.returncode == 0, result.stdout[-3000:]
    checked = run_checker(tmp_path / "target" / "manifest.json", "--min-leaving", "10")
    assert checked.returncode == 0, checked.stdout
    manifest = json.loads((tmp_path / "target" / "manifest.json").read_text())
    leaving = checker.leaving_models(manifest)
    assert {n["name"] for n in leaving.values()} >= {
        "annexe2_iodas_ase__individu",
        "annexe2_webrsa__allocataire",
        "annexe2_iodas_mdph__droit",
    }


# ------------------------------------------------ 4. mutations of the real project, real data

MUTATED = (
    "annexe2_iodas_ase__individu",
    "annexe2_iodas_mdph__droit",
    "annexe2_webrsa__allocataire",
    "annexe2_iodas_dpas__aide",
)
COPY_IGNORE = shutil.ignore_patterns(
    ".venv",
    ".git",
    "data",
    "target",
    "logs",
    "dbt_packages",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
    ".hypothesis",
    "*.duckdb",
    "*.wal",
)


class Project:
    """A copy of the repository, its database, and a way to mutate files and restore them."""

    def __init__(self, root: Path, database: Path, canaries: Path):
        self.root, self.database, self.canaries = root, database, canaries
        self._saved: dict[Path, str] = {}
        self.baseline_problems: set[str] = set()

    def dbt(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(DBT), *args, "--project-dir", str(self.root), "--profiles-dir", str(self.root)],
            cwd=self.root,
            env={**os.environ, **DBT_ENV, "PIPASE_DUCKDB_PATH": str(self.database)},
            capture_output=True,
            text=True,
        )

    def edit(self, relative: str, change) -> None:
        path = self.root / relative
        text = path.read_text(encoding="utf-8")
        self._saved.setdefault(path, text)
        new = change(text)
        assert new != text, f"mutation did not change {relative}"
        path.write_text(new, encoding="utf-8")

    def edit_model_yaml(self, model: str, change) -> None:
        def apply(text: str) -> str:
            document = yaml.safe_load(text)
            for entry in document["models"]:
                if entry["name"] == model:
                    change(entry)
            return yaml.safe_dump(document, sort_keys=False, allow_unicode=True)

        self.edit("models/marts/annexe2/_annexe2__models.yml", apply)

    def restore(self) -> None:
        for path, text in self._saved.items():
            path.write_text(text, encoding="utf-8")
        self._saved.clear()

    def check(self) -> subprocess.CompletedProcess:
        return run_checker(self.root / "target" / "manifest.json")

    def test_statuses(self, model: str) -> dict[str, str]:
        manifest = json.loads((self.root / "target" / "manifest.json").read_text())
        results = json.loads((self.root / "target" / "run_results.json").read_text())
        statuses = {}
        for item in results["results"]:
            node = manifest["nodes"].get(item["unique_id"], {})
            if node.get("resource_type") == "test" and node.get("attached_node", "").endswith(
                "." + model
            ):
                key = node["test_metadata"]["name"] + (
                    f":{node['column_name']}" if node.get("column_name") else ""
                )
                statuses[key] = item["status"]
        return statuses


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Project:
    """The repository copied, a 150-youth synthetic extraction loaded, the three mutated marts
    and their parents built, their tests passing (the control for every mutation)."""
    tmp = tmp_path_factory.mktemp("mutations")
    root = tmp / "project"
    shutil.copytree(REPO, root, ignore=COPY_IGNORE)
    extraction, database = tmp / "extraction", tmp / "pipase.duckdb"
    pipase = REPO / ".venv" / "bin" / "pipase"
    for command in (
        [str(pipase), "synth", "--out", str(extraction), "--youths", "150", "--seed", "7"],
        [str(pipase), "load", str(extraction), "--database", str(database)],
    ):
        result = subprocess.run(
            command, capture_output=True, text=True, env={**os.environ, **DBT_ENV}
        )
        assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    project = Project(root, database, extraction / "ground_truth" / "canaries.csv")
    parents = [f"+{model}" for model in MUTATED]
    built = project.dbt(  # seeds (the reference ones are the tests' vocabulary) and models
        "build",
        "--select",
        "resource_type:seed",
        "int_keys__valeurs_identifiantes",  # read by has_no_raw_identity_values
        *parents,
        "--exclude",
        "resource_type:test",
        "resource_type:unit_test",
    )
    assert built.returncode == 0, built.stdout[-3000:]
    control = project.dbt("test", "--select", *MUTATED, "--exclude-resource-type", "unit_test")
    assert control.returncode == 0, control.stdout[-3000:]
    for model in MUTATED:
        statuses = project.test_statuses(model)
        assert {s.split(":")[0] for s in statuses} >= set(MODEL_TESTS), statuses
    # what the checker already says of the unmutated project (none of it on the mutated marts)
    project.baseline_problems = set(project.check().stdout.splitlines()[:-1])
    assert not any(line.startswith(MUTATED) for line in project.baseline_problems)
    return project


@pytest.fixture
def mutable(project: Project):
    yield project
    project.restore()


def scan_canaries(project: Project, *paths: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            str(SCANNER),
            "--canaries",
            str(project.canaries),
            "--database",
            str(project.database),
            *map(str, paths),
        ],
        capture_output=True,
        text=True,
    )


def test_control_outputs_hold_no_canary(project: Project) -> None:
    result = scan_canaries(project, project.root / "target", project.root / "logs")
    assert result.returncode == 0, result.stdout + result.stderr


# Mutations are grouped three to a dbt invocation, each on its own model, so that the suite
# stays within a few minutes (a dbt start on this project costs ~15 s); each outcome is
# asserted on its own model or checker line.

INDIVIDU, DROIT, ALLOCATAIRE, AIDE = MUTATED


def _sql(model: str) -> str:
    return f"models/marts/annexe2/{model}.sql"


def _drop_contract(sql: str) -> str:
    return "{{ config(contract={'enforced': false}) }}\n" + sql


def test_mutations_a_b_dropped_contract_removed_test_stored_failures_fail_the_checker(
    mutable: Project,
) -> None:
    # (a) the contract of one leaving model is switched off
    mutable.edit(_sql(ALLOCATAIRE), _drop_contract)

    # (b) one privacy test is removed from one model
    def drop_free_text(entry: dict) -> None:
        entry["data_tests"] = [t for t in entry["data_tests"] if t != "has_no_free_text"]

    mutable.edit_model_yaml(DROIT, drop_free_text)

    # and a privacy test is set to store its failing rows
    def store_failures(entry: dict) -> None:
        entry["data_tests"] = [
            {"has_no_raw_identity_values": {"config": {"store_failures": True}}}
            if t == "has_no_raw_identity_values"
            else t
            for t in copy.deepcopy(entry["data_tests"])
        ]

    mutable.edit_model_yaml(INDIVIDU, store_failures)

    # the code list of one text column dropped (meta and test), the test of another
    def drop_code_list(entry: dict) -> None:
        for column in entry["columns"]:
            if column["name"] == "type_hebergement":
                column["config"]["meta"].pop("pipase")
                column["data_tests"] = ["not_null"]
            if column["name"] == "motif_refus":
                column.pop("data_tests")

    mutable.edit_model_yaml(AIDE, drop_code_list)
    parsed = mutable.dbt("parse")
    assert parsed.returncode == 0, parsed.stdout[-3000:]
    result = mutable.check()
    assert result.returncode == 1
    lines = set(result.stdout.splitlines()[:-1]) - mutable.baseline_problems
    assert f"{ALLOCATAIRE}: no enforced contract (config.contract.enforced)" in lines, "(a)"
    assert f"{DROIT}: missing model test has_no_free_text" in lines, "(b)"
    assert any(
        line.startswith("has_no_raw_identity_values_annexe2_iodas_ase__individu")
        and line.endswith("stores its failing rows (store_failures must stay off)")
        for line in lines
    ), "store_failures"
    assert (
        f"{AIDE}: text column type_hebergement has no code list (meta pipase.vocabulaire) "
        "nor pipase.valeur cle, mois or code_calcule"
    ) in lines, "code list dropped"
    assert f"{AIDE}: column motif_refus lacks is_in_code_list" in lines, "code-list test dropped"
    assert len(lines) == 5, result.stdout  # the five mutations, nothing else


NAME_COLUMN_SQL = """
select
    mutated.*,
    identities.nom
from (
{original}
) as mutated
left join (
    select
        ids.cle_hachage,
        min(coalesce(raw_people.nom_naissance, raw_people.nom_usage)) as nom
    from {{{{ ref('int_cohort__ids_iodas') }}}} as ids
    inner join {{{{ source('iodas_ase', 'individus') }}}} as raw_people
        on ids.id_individu = raw_people.id_individu
    group by ids.cle_hachage
) as identities
    on mutated.cle_hachage = identities.cle_hachage
"""


def test_mutations_c_d_e_name_column_raw_date_select_star_fail_the_data_tests(
    mutable: Project,
) -> None:
    # (c) a column nom, from the raw ASE names, in the SQL and the YAML of a leaving model
    mutable.edit(_sql(INDIVIDU), lambda sql: NAME_COLUMN_SQL.format(original=sql))
    mutable.edit_model_yaml(
        INDIVIDU,
        lambda entry: entry["columns"].append(
            {"name": "nom", "data_type": "varchar", "description": "mutation"}
        ),
    )
    # (d) a minimisation undone: the day-precision date instead of month_year, as text
    mutable.edit(
        _sql(DROIT),
        lambda sql: sql.replace(
            "{{ month_year('decisions.date_debut_droit') }}",
            "cast(decisions.date_debut_droit as varchar)",
        ),
    )
    # (e) no column filter: select * from a door, the contract switched off too
    mutable.edit(
        _sql(ALLOCATAIRE),
        lambda _sql_text: _drop_contract(
            "select * from {{ ref('int_keys__webrsa__personnes') }}\n"
        ),
    )
    result = mutable.dbt("build", "--select", *MUTATED, "--exclude-resource-type", "unit_test")
    assert result.returncode == 1
    individu = mutable.test_statuses(INDIVIDU)
    assert individu["has_no_identifier_columns"] == "fail", "(c)"
    assert individu["has_no_raw_identity_values"] == "fail", "(c)"
    assert individu["has_only_documented_columns"] == "pass", "(c) documented: only data tell"
    droit = mutable.test_statuses(DROIT)
    assert droit["is_month_precision:mois_debut_droit"] == "fail", "(d)"
    assert droit["has_no_day_precision_dates"] == "fail", "(d)"
    allocataire = mutable.test_statuses(ALLOCATAIRE)
    assert allocataire["has_only_documented_columns"] == "fail", "(e)"
    assert allocataire["has_no_identifier_columns"] == "fail", "(e) _fichier, _ligne"
    checked = mutable.check().stdout
    assert f"{INDIVIDU}: reads source.pipase.iodas_ase.individus" in checked, "(c)"
    assert f"{ALLOCATAIRE}: no enforced contract" in checked, "(e)"
    # (c) end to end: the canary scan finds the planted names in the leaving table
    scan = scan_canaries(mutable)
    assert scan.returncode == 1
    assert f"table leaving.{INDIVIDU} column nom: canary" in scan.stdout
    assert "CANARYZORGLUB" not in scan.stdout.upper()


def test_mutations_d_e_raw_date_type_and_select_star_fail_the_contract(
    mutable: Project,
) -> None:
    # (d) the minimisation undone with the raw DATE: the contract's varchar refuses it
    mutable.edit(
        _sql(DROIT),
        lambda sql: sql.replace(
            "{{ month_year('decisions.date_debut_droit') }}", "decisions.date_debut_droit"
        ),
    )
    # (e) select * from a door, contract kept: the contract refuses the extra columns
    mutable.edit(
        _sql(INDIVIDU),
        lambda _sql_text: "select * from {{ ref('int_keys__iodas_ase__individus') }}\n",
    )
    result = mutable.dbt(
        "build", "--select", DROIT, INDIVIDU, "--exclude-resource-type", "unit_test"
    )
    assert result.returncode == 1
    results = json.loads((mutable.root / "target" / "run_results.json").read_text())
    by_model = {r["unique_id"].split(".")[-1]: r for r in results["results"]}
    for model, mutation in ((DROIT, "(d)"), (INDIVIDU, "(e)")):
        assert by_model[model]["status"] == "error", mutation
        assert "contract" in by_model[model]["message"].lower(), mutation


# ------------------------------ identities typed into a source label, real data

# Each leaving text column of Iodas-DPAS gets one kind of identity, on the same source rows:
# a surname inside a phrase, a 3-letter first name, a surname and first name pair, a birth
# date written inside a text. All are identities of the extraction (the forbidden set).
PLANTED = {
    "type_hebergement": "'Hébergée par ' || {nom}",
    "situation_familiale": "'Mme ' || {prenom_court} || ' Z.'",
    "situation_professionnelle": "{nom} || ' ' || {prenom}",
    "statut_occupation": "'né le ' || strftime({date_naissance}, '%d/%m/%Y') || ' suivi'",
}
BYPASSED = {  # the mart's coding of each planted column, and the source text instead
    column: (
        f"{{{{ code_from_list('coded.{column}', 'ref_iodas_dpas__{column}') }}}}",
        f"coded.{column}",
    )
    for column in PLANTED
}


def _leaving_counts(project: Project, value: str) -> dict[str, int]:
    con = duckdb.connect(str(project.database), read_only=True)
    try:
        return {
            column: con.execute(
                f"select count(*) from leaving.{AIDE} where {column} = ?", [value]
            ).fetchone()[0]
            for column in PLANTED
        }
    finally:
        con.close()


def _plant_identities(project: Project) -> tuple[int, str]:
    """Write the PLANTED labels into raw.iodas_dpas__aides on three rows that cross the cohort
    (the original table is kept in raw.iodas_dpas__aides_saved). Returns the number of rows and
    the planted surname (to check it never reaches the leaving table)."""
    con = duckdb.connect(str(project.database))
    try:
        con.execute(
            "create or replace table raw.iodas_dpas__aides_saved as "
            "select * from raw.iodas_dpas__aides"
        )
        person = con.execute(
            "select nom_usage, prenom, date_naissance from raw.iodas_ase__individus "
            "where length(nom_usage) >= 5 and date_naissance is not null "
            "order by id_individu limit 1"
        ).fetchone()
        short = con.execute(
            "select prenom from raw.iodas_ase__individus where length(prenom) = 3 "
            "order by id_individu limit 1"
        ).fetchone()
        assert person and short, "the extraction has a surname and a 3-letter first name"
        values = {"nom": person[0], "prenom": person[1], "prenom_court": short[0]}
        literals = {k: "'" + v.replace("'", "''") + "'" for k, v in values.items()}
        literals["date_naissance"] = f"date '{person[2].isoformat()}'"
        rows = con.execute(
            "select _fichier, _ligne from crossing.int_crossing__iodas_dpas "
            "where statut_occupation is distinct from 'Autre' order by _fichier, _ligne limit 3"
        ).fetchall()
        assert len(rows) == 3
        assignments = ", ".join(
            f"{column} = {expression.format(**literals)}" for column, expression in PLANTED.items()
        )
        for fichier, ligne in rows:
            con.execute(
                f"update raw.iodas_dpas__aides set {assignments} where _fichier = ? and _ligne = ?",
                [fichier, ligne],
            )
        return len(rows), person[0]
    finally:
        con.close()


def _restore_identities(project: Project) -> None:
    con = duckdb.connect(str(project.database))
    try:
        con.execute(
            "create or replace table raw.iodas_dpas__aides as "
            "select * from raw.iodas_dpas__aides_saved"
        )
        con.execute("drop table raw.iodas_dpas__aides_saved")
    finally:
        con.close()


def _identity_matches_by_column(project: Project) -> dict[str, int]:
    """Run the compiled has_no_raw_identity_values test of AIDE: its rows (column, count)."""
    results = json.loads((project.root / "target" / "run_results.json").read_text())
    (compiled,) = [
        r["compiled_code"]
        for r in results["results"]
        if r["unique_id"].startswith(f"test.pipase.has_no_raw_identity_values_{AIDE}")
    ]
    con = duckdb.connect(str(project.database), read_only=True)
    try:
        return dict(con.execute(compiled).fetchall())
    finally:
        con.close()


def test_identities_typed_in_source_labels_leave_as_autre_or_fail_the_identity_test(
    mutable: Project,
) -> None:
    before = _leaving_counts(mutable, "autre")
    planted, surname = _plant_identities(mutable)
    try:
        # (1) the closed vocabularies: every planted label leaves as 'autre', nothing else moves
        built = mutable.dbt(
            "build",
            "--select",
            "int_keys__iodas_dpas__aides_attributs",  # the attribute door (a table) first
            "int_crossing__iodas_dpas",
            AIDE,
            "--exclude-resource-type",
            "unit_test",
        )
        assert built.returncode == 0, built.stdout[-3000:]
        after = _leaving_counts(mutable, "autre")
        assert {c: after[c] - before[c] for c in PLANTED} == dict.fromkeys(PLANTED, planted)
        con = duckdb.connect(str(mutable.database), read_only=True)
        try:
            for column in PLANTED:
                found = con.execute(
                    f"select count(*) from leaving.{AIDE} where strip_accents(upper({column})) "
                    "like '%' || strip_accents(upper(?)) || '%'",
                    [surname],
                ).fetchone()[0]
                assert found == 0, column
        finally:
            con.close()
        statuses = mutable.test_statuses(AIDE)
        assert statuses["has_no_raw_identity_values"] == "pass"
        assert all(statuses[f"is_in_code_list:{c}"] == "pass" for c in PLANTED)

        # (2) the source text let through (the coding undone): each planted identity, whatever
        # its shape, fails the identity test in its column, and only the planted rows do (no
        # false positive on the synthetic labels); the code-list test fails too
        def bypass(sql: str) -> str:
            for coded, raw in BYPASSED.values():
                assert coded in sql
                sql = sql.replace(coded, raw)
            return sql

        mutable.edit(_sql(AIDE), bypass)
        result = mutable.dbt("build", "--select", AIDE, "--exclude-resource-type", "unit_test")
        assert result.returncode == 1
        statuses = mutable.test_statuses(AIDE)
        assert statuses["has_no_raw_identity_values"] == "fail"
        assert all(statuses[f"is_in_code_list:{c}"] == "fail" for c in PLANTED)
        assert _identity_matches_by_column(mutable) == dict.fromkeys(PLANTED, planted)
    finally:
        mutable.restore()
        _restore_identities(mutable)
        rebuilt = mutable.dbt(
            "build",
            "--select",
            "int_keys__iodas_dpas__aides_attributs",  # the attribute door (a table) first
            "int_crossing__iodas_dpas",
            AIDE,
            "--exclude-resource-type",
            "unit_test",
        )
        assert rebuilt.returncode == 0, rebuilt.stdout[-3000:]


# ------------------------------------------------ 5. the closed vocabularies' seeds

SEEDS = REPO / "seeds" / "reference"
_LIGATURES = str.maketrans({"Œ": "OE", "œ": "oe", "Æ": "AE", "æ": "ae", "ß": "ss", "ẞ": "SS"})


def normalise_label(text: str) -> str:
    """The macro normalise_label in Python: ligatures, accents, upper-case, runs of other
    characters than A-Z and 0-9 as one space."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[^A-Z0-9]+", " ", stripped.upper()).strip()


def _mapping(seed: str, label: str = "libelle_source", code: str = "code") -> dict[str, str]:
    with (SEEDS / f"{seed}.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    mapping: dict[str, str] = {}
    for row in rows:
        key = normalise_label(row[label])
        assert key, f"{seed}: an empty label"
        assert mapping.get(key, row[code]) == row[code], f"{seed}: two codes for one label"
        assert key not in mapping, f"{seed}: a label repeated after normalisation"
        mapping[key] = row[code]
    return mapping


def test_synthetic_labels_map_fully_to_the_dpas_code_lists() -> None:
    from pipase.synth import codes

    lists = {
        "ref_iodas_dpas__type_aide": [
            label for items in codes.DPAS_TYPES.values() for label, _ in items
        ],
        "ref_iodas_dpas__motif_refus": [
            *(label for label, _ in codes.DPAS_MOTIFS_REFUS),
            codes.DPAS_MOTIF_AGE,
        ],
        "ref_iodas_dpas__type_hebergement": [label for label, _ in codes.DPAS_HEBERGEMENT],
        "ref_iodas_dpas__statut_occupation": [label for label, _ in codes.DPAS_OCCUPATION],
        "ref_iodas_dpas__situation_familiale": [label for label, _ in codes.DPAS_FAMILLE],
        "ref_iodas_dpas__situation_professionnelle": [label for label, _ in codes.DPAS_PRO],
        "ref_iodas_dpas__dispositifs": list(codes.DPAS_TYPES),
    }
    for seed, labels in lists.items():
        mapping = _mapping(seed)
        missing = [label for label in labels if normalise_label(label) not in mapping]
        assert missing == [], seed
    decisions = _mapping("ref_iodas_dpas__decisions", "decision", "accord_refus")
    assert all(normalise_label(label) in decisions for label, _ in codes.DPAS_DECISIONS)
    rights = _mapping("ref_iodas_mdph__droits", "code_prestation", "code_prestation")
    assert all(normalise_label(code) in rights for code in codes.MDPH_RIGHTS)


@pytest.mark.parametrize(
    "seed",
    [
        "ref_iodas_dpas__type_aide",
        "ref_iodas_dpas__motif_refus",
        "ref_iodas_dpas__type_hebergement",
        "ref_iodas_dpas__statut_occupation",
        "ref_iodas_dpas__situation_familiale",
        "ref_iodas_dpas__situation_professionnelle",
    ],
)
def test_dpas_codes_are_ascii_snake_case(seed: str) -> None:
    codes_of_seed = set(_mapping(seed).values())
    assert codes_of_seed, seed
    assert [c for c in codes_of_seed if not re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", c)] == []
    # the special codes mean what macro special_codes says: non_renseigne is never a label's code
    assert "non_renseigne" not in codes_of_seed
