"""The main job's selector (selectors.yml) leaves out only unit tests of non-leaving models and
the tests of the reference seeds (both run in CI).

The export trusts a build only when every test of a leaving model passed in it, unit tests
included (pipase.transmission.artifacts): `dbt build --selector main_job` must therefore keep
all of those, and every model, seed, snapshot and data test.
"""

from __future__ import annotations

import json
from pathlib import Path

from conftest import run_dbt


def _listed(tmp: Path, *selection: str) -> set[str]:
    result = run_dbt(
        ["ls", "--quiet", "--output", "json", "--output-keys", "unique_id", *selection], tmp
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return {
        json.loads(line)["unique_id"] for line in result.stdout.splitlines() if line.startswith("{")
    }


def test_main_job_leaves_out_only_ci_tests(tmp_path: Path) -> None:
    everything = _listed(tmp_path, "--exclude-resource-type", "source")
    main_job = _listed(tmp_path, "--selector", "main_job")
    manifest = json.loads((tmp_path / "target" / "manifest.json").read_text())
    leaving = {
        node["name"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["config"].get("group") == "leaving"
    }
    unit_tests = manifest["unit_tests"]
    left_out = everything - main_job

    nodes = manifest["nodes"]
    seed_tests = {
        uid
        for uid, node in nodes.items()
        if node["resource_type"] == "test" and node["original_file_path"].startswith("seeds/")
    }

    assert main_job <= everything
    assert left_out, "the selector should leave the CI-only tests out"
    assert seed_tests and seed_tests <= left_out
    assert left_out - seed_tests <= set(unit_tests), sorted(left_out - seed_tests - set(unit_tests))
    assert not any(unit_tests[uid]["model"] in leaving for uid in left_out & set(unit_tests))
    # nothing attached to a model, a source or a snapshot, nothing tagged privacy, is left out
    for uid in seed_tests:
        parents = set(nodes[uid]["depends_on"]["nodes"]) | {nodes[uid].get("attached_node")}
        assert all(p is None or p.startswith("seed.") for p in parents), uid
        assert "privacy" not in nodes[uid]["tags"], uid
    kept_leaving = {uid for uid, test in unit_tests.items() if test["model"] in leaving}
    assert kept_leaving and kept_leaving <= main_job
