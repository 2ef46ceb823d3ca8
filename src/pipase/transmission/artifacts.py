"""What dbt says about the last build: the leaving tables and the results of their tests.

`target/manifest.json` lists the leaving tables authoritatively (`pipase.manifest.leaving_models`);
`target/run_results.json` holds the results of the last invocation. The export trusts a table
only when every test attached to a leaving model (generic tests carry `attached_node`, singular
and unit tests list the model in `depends_on`) or tagged `privacy` appears in those results with
status `pass`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import yaml

from pipase import paths
from pipase.manifest import LEAVING, leaving_models
from pipase.transmission import TransmissionError

PRIVACY_TAG = "privacy"
KEYED_VAR = "pipase_keyed"
STATUS_KEYS = ("pass", "fail", "error", "warn", "skip")


@dataclass
class LeavingTable:
    unique_id: str
    name: str  # the relation's name (alias) in the database
    schema: str
    declared_columns: list[str] = field(default_factory=list)


@dataclass
class GatingTest:
    unique_id: str
    name: str
    models: list[str]  # names of the leaving models it tests
    privacy: bool  # tagged privacy
    status: str | None  # None: not in run_results.json (not run by the last invocation)


def _read_json(path: Path, what: str) -> dict:
    if not path.is_file():
        raise TransmissionError(f"{path} is missing: {what}; run `dbt build` before exporting")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise TransmissionError(f"{path} is not valid JSON ({error.__class__.__name__})") from None


def parse_timestamp(value: str) -> datetime:
    """dbt's ISO timestamps ('2026-11-25T16:42:32.251933Z'), timezone-aware."""
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _truthy(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"true", "1", "yes", "on"}
    return bool(value)


class DbtArtifacts:
    def __init__(self, target_dir: Path) -> None:
        self.target_dir = Path(target_dir)
        self.run_results = _read_json(
            self.target_dir / "run_results.json", "no test results of a dbt build"
        )
        self.manifest = _read_json(
            self.target_dir / "manifest.json", "no list of the leaving tables"
        )
        self._results = {r["unique_id"]: r for r in self.run_results.get("results", [])}

    # ------------------------------------------------------------------ metadata
    @property
    def generated_at(self) -> datetime:
        return parse_timestamp(self.run_results["metadata"]["generated_at"])

    @property
    def invocation(self) -> dict:
        metadata = self.run_results.get("metadata", {})
        args = self.run_results.get("args", {})
        return {
            "command": args.get("which"),
            "invocation_id": metadata.get("invocation_id"),
            "generated_at": metadata.get("generated_at"),
            "dbt_version": metadata.get("dbt_version"),
        }

    @property
    def same_invocation(self) -> bool:
        """Whether manifest.json was written by the same dbt command as run_results.json."""
        return self.manifest.get("metadata", {}).get("invocation_id") == self.run_results.get(
            "metadata", {}
        ).get("invocation_id")

    def keyed(self) -> bool:
        """The var pipase_keyed of the run: --vars of the invocation, else dbt_project.yml."""
        run_vars = self.run_results.get("args", {}).get("vars") or {}
        if isinstance(run_vars, str):
            run_vars = yaml.safe_load(run_vars) or {}
        if KEYED_VAR in run_vars:
            return _truthy(run_vars[KEYED_VAR])
        project_dir = self.run_results.get("args", {}).get("project_dir") or paths.project_dir()
        project_file = Path(project_dir) / "dbt_project.yml"
        if project_file.is_file():
            project = yaml.safe_load(project_file.read_text(encoding="utf-8")) or {}
            project_vars = project.get("vars") or {}
            name = project.get("name")
            scoped = project_vars.get(name) if isinstance(project_vars.get(name), dict) else {}
            if KEYED_VAR in scoped:
                return _truthy(scoped[KEYED_VAR])
            if KEYED_VAR in project_vars:
                return _truthy(project_vars[KEYED_VAR])
        return False

    # ------------------------------------------------------------------ tables
    def _leaving_models(self) -> dict[str, dict]:
        return {
            uid: node
            for uid, node in leaving_models(self.manifest).items()
            if node.get("config", {}).get("enabled", True)
        }

    def leaving_tables(self) -> list[LeavingTable]:
        tables = [
            LeavingTable(
                unique_id=uid,
                name=node.get("alias") or node["name"],
                schema=node.get("schema") or LEAVING,
                # With an enforced contract (the leaving models have one) the manifest lists
                # every column; otherwise only the documented ones, which proves nothing.
                declared_columns=[
                    column.get("name", key) for key, column in node.get("columns", {}).items()
                ]
                if (node.get("config", {}).get("contract") or {}).get("enforced")
                else [],
            )
            for uid, node in self._leaving_models().items()
        ]
        if not tables:
            raise TransmissionError(
                f"{self.target_dir / 'manifest.json'} lists no model of the group "
                f"'{LEAVING}': nothing to export"
            )
        return sorted(tables, key=lambda t: t.name)

    def model_results(self) -> dict[str, str]:
        """Status of each leaving model built by the last invocation (absent: not built)."""
        leaving = self._leaving_models()
        return {
            leaving[uid].get("alias") or leaving[uid]["name"]: result.get("status")
            for uid, result in self._results.items()
            if uid in leaving
        }

    # ------------------------------------------------------------------ tests
    def gating_tests(self) -> list[GatingTest]:
        leaving = self._leaving_models()
        candidates = list(self.manifest.get("nodes", {}).values()) + list(
            self.manifest.get("unit_tests", {}).values()
        )
        gating = []
        for node in candidates:
            if node.get("resource_type") not in {"test", "unit_test"}:
                continue
            if not node.get("config", {}).get("enabled", True):
                continue
            parents = set(node.get("depends_on", {}).get("nodes", []))
            if node.get("attached_node"):
                parents.add(node["attached_node"])
            models = sorted(
                leaving[p].get("alias") or leaving[p]["name"] for p in parents & set(leaving)
            )
            tags = set(node.get("tags", [])) | set(node.get("config", {}).get("tags", []))
            privacy = PRIVACY_TAG in tags
            if not models and not privacy:
                continue
            result = self._results.get(node["unique_id"])
            gating.append(
                GatingTest(
                    unique_id=node["unique_id"],
                    name=node.get("name", node["unique_id"]),
                    models=models,
                    privacy=privacy,
                    status=result.get("status") if result else None,
                )
            )
        return sorted(gating, key=lambda t: t.unique_id)

    def test_summary(self) -> dict[str, int]:
        """Counts of the test results (data and unit tests) of the last invocation."""
        counts = dict.fromkeys(STATUS_KEYS, 0)
        for uid, result in self._results.items():
            if not uid.startswith(("test.", "unit_test.")):
                continue
            status = result.get("status")
            key = "skip" if status == "skipped" else status
            counts[key] = counts.get(key, 0) + 1
        counts["total"] = sum(counts.values())
        return counts
