"""`pipase bench`: the keys comparison at tiny scale, its JSON and chart, and its measurements.

A benchmark of implementations that disagree would compare different work: the four methods
(naive, partners' kit, dbt macros on DuckDB, bare sha256) must give the same keys for the same
rows, and those keys must be the protocol's, checked here against the protocol's steps written
literally (scripts/generate_letter_map.reference_normalise) and hashlib.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from datetime import datetime

import pandas as pd
import pytest
from conftest import REPO

from pipase import cli, i18n
from pipase.bench import identities, keys, measure, pipeline, report
from pipase.run import job

sys.path.insert(0, str(REPO / "scripts"))
import generate_letter_map  # noqa: E402

ROWS, NAIVE_ROWS = 3000, 800


def run_bench(argv: list[str]) -> int:
    if "bench" in cli.COMMANDS:
        return cli.main(["bench", *argv])
    from pipase.bench import launch

    return launch.main(["pipase.bench", *argv])


@pytest.fixture(scope="module")
def bench_out(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    argv = ["--keys-only", "--keys-rows", str(ROWS), "--naive-rows", str(NAIVE_ROWS)]
    code = run_bench([*argv, "--out", str(out)])
    assert code == 0
    return out


def protocol_keys(row) -> tuple[str | None, str | None]:
    """The keys by the protocol's literal steps, independently of every method benchmarked."""

    def norm(value):
        return None if pd.isna(value) else (generate_letter_map.reference_normalise(value) or None)

    name = norm(row.nom_naissance) or norm(row.nom)
    first = norm(row.prenom)
    if pd.isna(row.date_naissance) or name is None:
        return None, None
    born = datetime.strptime(row.date_naissance, identities.DATE_FORMAT)
    secondary = hashlib.sha256(f"{name}{born:%m%Y}".encode()).hexdigest()
    if first is None:
        return None, secondary
    return hashlib.sha256(f"{name}{first}{born:%d%m%Y}".encode()).hexdigest(), secondary


def test_results_json_has_the_machine_the_methods_and_the_targets(bench_out):
    results = json.loads((bench_out / "results.json").read_text(encoding="utf-8"))
    machine = results["machine"]
    for field in ("cpu_model", "cores", "ram_gb", "python", "duckdb", "dbt_core", "date"):
        assert machine[field], field
    assert results["scales"] == []  # --keys-only
    found = results["keys"]
    assert found["rows"] == ROWS
    assert {"naive", "kit", "sql", "limit", "python_sha256"} <= set(found["methods"])
    for name, entry in found["methods"].items():
        assert entry["seconds"] > 0, name
        assert entry["rows_per_second"] > 0, name
    naive = found["methods"]["naive"]
    assert naive["rows_measured"] == NAIVE_ROWS and naive["extrapolated"] is True
    assert naive["seconds"] == pytest.approx(naive["seconds_measured"] * ROWS / NAIVE_ROWS)
    assert found["ratios"]["kit_speedup_vs_naive"] == pytest.approx(
        naive["seconds"] / found["methods"]["kit"]["seconds"], rel=0.01
    )
    assert found["all_methods_agree"] is True
    assert set(found["disagreements"].values()) == {0}
    targets = {t["target"].split(" ")[0]: t for t in results["targets"]}
    assert len(results["targets"]) == 4
    assert targets["department"]["holds"] is None  # not measured: reported as such
    assert targets["SQL"]["holds"] in (True, False)
    assert results["failures"] == []
    assert (bench_out / "bench.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_four_methods_give_the_protocols_keys_for_the_same_rows(bench_out):
    # Same work folder: the SQL compiled by the CLI run above is reused (same macros and seed).
    found = keys.compare_keys(ROWS, NAIVE_ROWS, bench_out / "keys", log=lambda _: None,
                              keep_keys=True)  # fmt: skip
    assert found["dbt_compile_reused"] is True
    frames = found["_keys"]
    rows = frames["identities"]
    expected = [protocol_keys(row) for row in rows.itertuples(index=False)]
    assert sum(1 for p, _ in expected if p is None) > 0  # unkeyable rows are part of the test
    assert sum(1 for p, _ in expected if p is not None) > ROWS * 0.9

    def pairs(frame):
        return [
            (None if pd.isna(p) else p, None if pd.isna(s) else s)
            for p, s in zip(frame["cle_hachage"], frame["cle_hachage_secondaire"], strict=True)
        ]

    for method in ("kit", "sql", "limit"):
        assert len(frames[method]) == ROWS
        assert pairs(frames[method]) == expected, method
    naive = frames["naive"]
    assert len(naive) == NAIVE_ROWS
    assert pairs(naive) == [expected[i] for i in naive.index]


def test_identity_rows_look_like_a_departments_files():
    frame = identities.identity_frame(20_000, seed=1)
    facts = identities.describe(frame)
    # names repeat (a surname is shared by a family, a first name by thousands)...
    assert facts["distinct_nom"] < 0.8 * len(frame)
    assert facts["distinct_prenom"] < 0.6 * len(frame)
    # ...with accents, apostrophes and letters that do not decompose
    assert facts["non_ascii_distinct_share"] > 0.03
    joined = "".join(frame["nom"].dropna()) + "".join(frame["prenom"].dropna())
    for character in ("\u2019", "'", "é", "ß", "Ø", "Đ", "ı"):
        assert character in joined, character
    assert frame["prenom"].isna().any() and frame["date_naissance"].isna().any()
    assert identities.identity_frame(500, seed=4).equals(identities.identity_frame(500, seed=4))


def test_the_naive_baseline_is_slow_but_right_on_hard_names():
    from test_protocol import fuzz_names

    names = fuzz_names(2000, seed=17)
    assert [keys.naive_normalise(n) for n in names] == [
        generate_letter_map.reference_normalise(n) or None for n in names
    ]


def test_measured_memory_covers_the_process_tree(tmp_path):
    # A child that holds ~200 MB, started by a shell: the tree, not only the first process.
    script = "x = bytearray(200 * 2**20); import time; time.sleep(0.6)"
    result = measure.run_measured(
        ["/bin/sh", "-c", f'"{sys.executable}" -c "{script}"'],
        env={"PATH": "/usr/bin:/bin"},
        cwd=tmp_path,
        log_path=tmp_path / "log.txt",
        poll=0.05,
    )
    assert result["exit_code"] == 0
    assert result["max_process_rss_mb"] >= 190
    assert result["peak_tree_rss_mb"] >= 190
    assert result["seconds"] >= 0.6
    failed = measure.run_measured(
        ["/bin/sh", "-c", "exit 3"], env={}, cwd=tmp_path, log_path=tmp_path / "log2.txt"
    )
    assert failed["exit_code"] == 3


def test_each_node_falls_in_its_layer():
    def node(kind, path="", tags=()):
        return {"resource_type": kind, "original_file_path": path, "tags": list(tags)}

    assert pipeline.node_layer(node("seed", "seeds/reference/ref_communes.csv")) == "seeds"
    assert pipeline.node_layer(node("model", "models/staging/webrsa/stg_webrsa__x.sql")) == (
        "identifying"
    )
    assert pipeline.node_layer(node("model", "models/intermediate/keys/int_keys__x.sql")) == (
        "identifying"
    )
    for model in ("int_keys__modele_probabiliste.py", "int_keys__liens_probabilistes.py"):
        assert pipeline.node_layer(node("model", f"models/intermediate/keys/{model}")) == (
            "probabilistic crossing"
        )
    assert pipeline.node_layer(node("model", "models/intermediate/cohort/int_cohort__x.sql")) == (
        "crossing"
    )
    assert pipeline.node_layer(node("snapshot", "snapshots/snp_x.sql")) == "crossing"
    assert pipeline.node_layer(node("model", "models/marts/annexe2/annexe2_x.sql")) == "leaving"
    assert pipeline.node_layer(node("model", "models/marts/reports/rpt_x.sql")) == "reports"
    assert pipeline.node_layer(node("test", "models/marts/annexe2/_m.yml", ["privacy"])) == (
        "privacy tests"
    )
    assert pipeline.node_layer(node("test", "models/staging/_m.yml")) == "other data tests"
    # a test or unit test of a leaving model is a privacy test: `pipase export` requires it
    nodes = {"model.p.annexe2_x": node("model", "models/marts/annexe2/annexe2_x.sql"),
             "model.p.int_x": node("model", "models/intermediate/crossing/int_x.sql")}  # fmt: skip
    on_leaving = {**node("test"), "attached_node": "model.p.annexe2_x"}
    assert pipeline.node_layer(on_leaving, nodes) == "privacy tests"
    unit = {**node("unit_test"), "model": "annexe2_x",
            "depends_on": {"nodes": ["model.p.annexe2_x"]}}  # fmt: skip
    assert pipeline.node_layer(unit, nodes) == "privacy tests"
    unit = {**node("unit_test"), "model": "int_x", "depends_on": {"nodes": ["model.p.int_x"]}}
    assert pipeline.node_layer(unit, nodes) == "other unit tests"
    assert pipeline.STAGES == ["parse", "load", "hash_rate", "build", "export", "start_and_record"]
    assert pipeline.TOTAL_STAGES == ["load", "hash_rate", "build", "export", "start_and_record"]
    assert list(job.STAGES) == pipeline.RUN_STAGES  # the stages of pipase run, as it times them
    assert pipeline.DBT_BUILD == ["build", "--selector", "main_job"]
    assert job.MAIN_JOB_SELECTOR == "main_job"


def test_the_build_is_split_by_layer_from_dbts_run_results(tmp_path):
    def result(uid, start, seconds):
        started = f"2026-11-25T10:00:{start:06.3f}Z"
        completed = f"2026-11-25T10:00:{start + seconds:06.3f}Z"
        timing = [{"name": "execute", "started_at": started, "completed_at": completed}]
        return {"unique_id": uid, "status": "success", "execution_time": seconds,
                "timing": timing}  # fmt: skip

    nodes = {
        "model.p.a": {"resource_type": "model", "original_file_path": "models/staging/a.sql"},
        "model.p.b": {"resource_type": "model", "original_file_path": "models/staging/b.sql"},
        "test.p.c": {"resource_type": "test", "tags": ["privacy"]},
    }
    run = {
        "elapsed_time": 20.0,
        "args": {"threads": 4},
        "results": [
            result("model.p.a", 1.0, 3.0),
            result("model.p.b", 2.0, 4.0),
            result("test.p.c", 10.0, 0.5),
        ],  # fmt: skip
    }
    (tmp_path / "run_results.json").write_text(json.dumps(run), encoding="utf-8")
    (tmp_path / "manifest.json").write_text(json.dumps({"nodes": nodes}), encoding="utf-8")
    found = pipeline.dbt_layers(tmp_path, since=0.0, stage_seconds=32.5)
    layers = found["layers"]
    assert list(layers) == ["dbt start and parse", "identifying", "privacy tests"]
    assert layers["dbt start and parse"]["span_seconds"] == pytest.approx(12.5)
    assert layers["identifying"] == {"nodes": 2, "node_seconds": 7.0, "span_seconds": 5.0}
    assert layers["privacy tests"]["nodes"] == 1
    assert found["threads"] == 4 and found["statuses"] == {"success": 3}
    assert found["slowest"][0] == {"node": "model.p.b", "seconds": 4.0}
    # a run_results.json older than the stage is not this stage's
    assert pipeline.dbt_layers(tmp_path, since=time.time() + 60, stage_seconds=1.0) is None


def test_an_extraction_is_reused_only_for_the_same_youths_and_seed(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "f.csv").write_text("x\n1\n", encoding="utf-8")
    manifest = {"youths": 50, "seed": 7, "files": {"a/f.csv": {"bytes": 4}}}
    (tmp_path / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert pipeline.extraction_matches(tmp_path, 50, 7)
    assert not pipeline.extraction_matches(tmp_path, 50, 8)
    assert not pipeline.extraction_matches(tmp_path, 60, 7)
    (tmp_path / "a" / "f.csv").write_text("x\n12\n", encoding="utf-8")  # truncated/changed
    assert not pipeline.extraction_matches(tmp_path, 50, 7)


def _scale(youths, load, build, peak=1000.0, floor_ratio=2.0, memory_limit=None):
    stages = [{"name": "load", "seconds": load}, {"name": "build", "seconds": build}]
    total = {
        "complete": True, "seconds": load + build, "peak_memory_mb": peak,
        "floor_ratio": floor_ratio,
    }  # fmt: skip
    return {
        "youths": youths, "seed": 93, "stages": stages, "total": total,
        "memory_limit": memory_limit,
    }  # fmt: skip


def test_targets_read_the_department_scale_and_extrapolate_national():
    results = {"scales": [_scale(10_000, 2.0, 30.0), _scale(100_000, 20.0, 25.0)]}
    rows = report.targets(results)
    assert rows[0]["holds"] is False  # 45 s > 30 s, though within 3x the floor
    assert rows[1]["holds"] is None and "estimated" in rows[1]["measured"]
    # load: 20 s + 0.2 ms per youth beyond 100,000 = 600 s; build: no growth measured, 25 s
    assert rows[1]["estimate"]["estimated_seconds"] == pytest.approx(625.0)
    assert rows[2]["measured"] == "not measured" and rows[2]["holds"] is None


@pytest.mark.parametrize(
    ("seconds", "floor_ratio", "holds"),
    [(25.0, 2.9, True), (25.0, 3.1, False), (31.0, 2.0, False), (25.0, None, False)],
)
def test_the_department_target_needs_both_30_s_and_3x_the_floor(seconds, floor_ratio, holds):
    rows = report.targets({"scales": [_scale(100_000, 5.0, seconds - 5.0, 9000.0, floor_ratio)]})
    assert rows[0]["holds"] is holds


@pytest.mark.parametrize(
    ("build", "peak", "limit", "holds"),
    [
        (600.0, 7000.0, "8GB", True),
        (700.0, 7000.0, "8GB", False),  # 13 min
        (600.0, 9000.0, "8GB", False),  # the process tree went over 8 GB
        (600.0, 7000.0, None, False),  # not run with --memory-limit
    ],
)
def test_the_national_target_needs_12_min_and_8_gb_with_the_limit(build, peak, limit, holds):
    scale = _scale(3_000_000, 60.0, build, peak, memory_limit=limit)
    rows = report.targets({"scales": [scale]})
    assert rows[1]["holds"] is holds
    assert f"--memory-limit {limit or 'not set'}" in rows[1]["measured"]


def test_the_bench_passes_the_national_memory_limit_to_pipase_run(monkeypatch, tmp_path):
    import argparse

    from pipase import bench as package
    from pipase.bench import pipeline as bench_pipeline
    from pipase.bench import report as bench_report

    def main(argv):
        parser = argparse.ArgumentParser()
        package.add_arguments(parser)
        return package.run(parser.parse_args(argv))

    seen = []

    def fake_run_scale(youths, seed, out, **kwargs):
        seen.append((youths, kwargs["memory_limit"]))
        raise RuntimeError("stop")

    monkeypatch.setattr(bench_pipeline, "run_scale", fake_run_scale)
    monkeypatch.setattr(bench_report, "chart", lambda *a: None)
    main(["--scales", "1000,3000000", "--skip-keys", "--out", str(tmp_path)])
    assert seen == [(1000, None), (3_000_000, "8GB")]
    seen.clear()
    main(["--youths", "1000", "--skip-keys", "--out", str(tmp_path), "--memory-limit", "2GB"])
    assert seen == [(1000, "2GB")]


def test_a_scale_too_big_for_the_disk_is_refused_before_generating(tmp_path, monkeypatch):
    monkeypatch.setenv("PIPASE_LANG", "fr")
    extraction = tmp_path / "extraction"
    with pytest.raises(RuntimeError, match="demande environ .* Go de disque"):
        pipeline.generate(extraction, 10**9, 93, skip=False, log=lambda _: None)
    assert not extraction.exists()
    with pytest.raises(FileNotFoundError, match="--skip-generate"):
        pipeline.generate(extraction, 500, 93, skip=True, log=lambda _: None)


def test_a_small_scale_runs_every_stage_to_the_package_and_its_floor(tmp_path, capsys):
    """The benchmark of the main job keeps working: 300 youths, raw files to the package, by
    `pipase run` stage by stage, and the floor measured on the same files."""
    out = tmp_path / "bench"
    assert run_bench(["--scales", "300", "--skip-keys", "--seed", "11", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert results["format_version"] == 3
    (scale,) = results["scales"]
    assert [s["name"] for s in scale["stages"]] == pipeline.STAGES
    assert all(s["status"] == "ok" for s in scale["stages"])
    assert scale["total"]["complete"] and scale["package_built"]
    assert scale["run"]["command"].startswith("pipase run ")
    # the total is the whole `pipase run`; its stages, as run_main_job timed them, fit in it
    counted = sum(s["seconds"] for s in scale["stages"] if s["in_total"])
    assert scale["total"]["seconds"] == pytest.approx(counted, abs=0.05)
    assert all(s["seconds"] > 0 for s in scale["stages"] if s["name"] != "start_and_record")
    assert scale["total"]["first_run_seconds"] > scale["total"]["seconds"]
    generated = json.loads(
        (out / "youths_300_seed_11" / "extraction" / "manifest.json").read_text()
    )
    assert 0 < scale["rows_loaded"] <= generated["total_source_rows"]
    load = next(s for s in scale["stages"] if s["name"] == "load")
    assert sum(f["rows"] for f in load["files"]) == scale["rows_loaded"]
    build = next(s for s in scale["stages"] if s["name"] == "build")
    layers = build["dbt"]["layers"]
    layer_names = ("seeds", "identifying", "probabilistic crossing", "crossing", "leaving",
                   "reports", "privacy tests", "other data tests")  # fmt: skip
    for layer in layer_names:
        assert layers[layer]["nodes"] > 0, layer
    # the main job leaves the unit tests of non-leaving models to CI (selectors.yml)
    assert "other unit tests" not in layers
    assert layers["privacy tests"]["nodes"] >= 10 * 5  # five model-level tests on ten tables
    assert build["dbt"]["statuses"].get("error", 0) == 0
    assert sum(build["dbt"]["statuses"].values()) == sum(
        entry["nodes"] for entry in layers.values()
    )
    for stage in scale["stages"]:
        if stage["name"] != "start_and_record":
            assert stage["peak_tree_rss_mb"] > 0, stage["name"]
    assert scale["total"]["peak_memory_mb"] > 0
    # the floor: same files, same identities, the package's rows
    floor = scale["floor"]
    source_files = [n for n in generated["files"] if not n.startswith("ground_truth/")]
    assert floor["files"] == len(source_files)
    assert floor["rows_read"] == generated["total_source_rows"]
    assert 0 < floor["keys"] <= floor["distinct_identities"]
    package = json.loads(next((out / "youths_300_seed_11" / "export").glob("*.manifest.json"))
                         .read_text())  # fmt: skip
    assert floor["package_rows"] == sum(t["rows"] for t in package["tables"]) > 0
    assert set(floor["seconds"]) == {"read", "keys", "write"}
    assert floor["total_seconds"] > 0
    assert floor["ratio"] == pytest.approx(scale["total"]["seconds"] / floor["total_seconds"],
                                           rel=0.01)  # fmt: skip
    assert scale["total"]["floor_ratio"] == floor["ratio"]
    # the printed tables, in the language of the test's environment (French by default)
    if i18n.language() == "fr":
        assert "**pipase / plancher**" in printed and "**plancher**" in printed
        assert "croisement probabiliste" in printed
    else:
        assert "**pipase / floor**" in printed and "**floor**" in printed
    assert (out / "bench.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


LANGUAGE_VARIABLES = ("PIPASE_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


def _printed_results() -> dict:
    """Results as `pipase bench` prints them: one scale with its floor and dbt layers, keys."""
    scale = _scale(100_000, 20.0, 10.5, peak=2197.0, floor_ratio=2.8)
    scale["total"].update(rows_per_second=72_000, floor_seconds=10.9, first_run_seconds=44.1)
    for stage in scale["stages"]:
        stage.update(status="ok", rows_per_second=100_000, peak_tree_rss_mb=600.0,
                     max_process_rss_mb=None)  # fmt: skip
    layers = {
        "probabilistic crossing": {"nodes": 2, "node_seconds": 36.8, "span_seconds": 36.8},
        "privacy tests": {"nodes": 183, "node_seconds": 48.8, "span_seconds": 47.1},
    }
    scale["stages"][1]["dbt"] = {"threads": 4, "elapsed_seconds": 71.0, "layers": layers}
    scale.update(rows_loaded=2_232_256, package={"bytes": 23 * 2**20})
    scale["floor"] = {"seconds": {"read": 9.03, "keys": 1.01, "write": 0.89},
                      "total_seconds": 10.93, "ratio": 2.8}  # fmt: skip
    method = {"rows_measured": 1_000_000, "seconds": 1.5, "cpu_seconds": 2.9,
              "rows_per_second": 670_939}  # fmt: skip
    keys = {
        "rows": 1_000_000, "inputs": {"distinct_name_values": 393_251},
        "all_methods_agree": True,
        "methods": {name: dict(method) for name in ("naive", "kit", "sql", "limit")},
        "ratios": {"sql_vs_limit": 1.62, "kit_process_speedup_vs_naive_process": 26.1},
    }  # fmt: skip
    machine = {"date": "2026-12-02T14:00:00+0000", "cpu_model": "AMD EPYC", "cores": 2,
               "ram_gb": 23.5, "python": "3.11.7", "duckdb": "1.5.5", "dbt_core": "1.11.16",
               "dbt_duckdb": "1.11.1", "load_average_at_start": [3.1, 2.0, 1.0]}  # fmt: skip
    return {"machine": machine, "scales": [scale], "keys": keys}


@pytest.fixture
def language(monkeypatch):
    """Set the user's language as a shell would: `language("en_US.UTF-8")`, or None for none."""

    def choose(lang: str | None) -> None:
        for variable in LANGUAGE_VARIABLES:
            monkeypatch.delenv(variable, raising=False)
        if lang:
            monkeypatch.setenv("LANG", lang)

    return choose


def test_the_printed_tables_are_french_by_default(language):
    language(None)
    printed = report.markdown(_printed_results())
    for french in ("| étape |", "**pipase / plancher**", "| **plancher** |", "| cible |",
                   "croisement probabiliste", "tests de confidentialité", "dans `dbt build`",
                   "100\u202f000 jeunes : s", "2\u202f232\u202f256", "2,8 fois", "1,62 fois",
                   "charge moyenne au départ 3,1", "| oui |"):  # fmt: skip
        assert french in printed, french
    for english in ("floor", "target", "youths", "privacy tests", "2,232,256", "holds"):
        assert english not in printed, english


def test_the_printed_tables_are_english_with_lang_en(language):
    language("en_GB.UTF-8")
    printed = report.markdown(_printed_results())
    for english in ("| stage |", "**pipase / floor**", "| **floor** |", "| target |",
                    "probabilistic crossing", "privacy tests", "inside `dbt build`",
                    "100,000 youths: s", "2,232,256", "2.8x", "1.62x", "| yes |"):  # fmt: skip
        assert english in printed, english
    assert "plancher" not in printed and "cible" not in printed


def test_results_json_keeps_english_targets_whatever_the_language(language):
    """results.json is read by scripts and the docs: its texts do not follow the locale."""
    language(None)
    rows = report.targets(_printed_results())
    assert rows[0]["target"].startswith("department scale (100,000 youths)")
    assert rows[0]["measured"] == "30 s, 2.8x the floor, peak 2,197 MB"
    assert rows[2]["measured"] == "1.62x" and rows[2]["holds"] is False
    printed = report.targets_table(_printed_results())
    assert "échelle du département (100\u202f000 jeunes)" in printed
    # the same verdicts in both: the table words them, it does not decide them again
    assert printed.count("**non**") == sum(1 for r in rows if r["holds"] is False)
