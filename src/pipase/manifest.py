"""dbt's manifest (target/manifest.json): which models leave the Department, decided in one place.

The privacy check (`pipase.privacy_check`), the export and its gate
(`pipase.transmission.artifacts`, `pipase.gate`), the docs' completeness check
(`scripts/check_docs_completeness.py`, read by the docs site and the data dictionary) and the
bench's layers (`pipase.bench.pipeline`) all ask this module for the leaving models, so that
what is checked, documented, exported and timed is the same set. A model leaves, or may leave,
when any sign of the leaving zone is on it: its dbt group, folder, schema, tag or name prefix,
`meta.pipase.export`, or an exposure that depends on it. The privacy check then refuses a model
whose signs disagree (a leaving tag outside the leaving folder...), so on a project that passes
it every sign names the same models.
"""

from __future__ import annotations

import json
from pathlib import Path

LEAVING = "leaving"  # the zone's dbt group, schema and tag
LEAVING_FOLDER = "models/marts/annexe2/"
LEAVING_PREFIX = "annexe2_"


def read_manifest(path: Path) -> dict:
    """The manifest as a dict (OSError and ValueError propagate: the callers word them)."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def models(manifest: dict) -> dict[str, dict]:
    """Every model node, by unique id."""
    return {
        uid: node
        for uid, node in (manifest.get("nodes") or {}).items()
        if node.get("resource_type") == "model"
    }


def _exposed(manifest: dict) -> set[str]:
    return {
        uid
        for exposure in (manifest.get("exposures") or {}).values()
        for uid in (exposure.get("depends_on") or {}).get("nodes", [])
    }


def is_leaving(node: dict, exposed: set[str] | frozenset[str] = frozenset()) -> bool:
    """Whether one model node bears any sign of the leaving zone (`exposed`: the unique ids
    exposures depend on)."""
    config = node.get("config") or {}
    meta = dict(config.get("meta") or {})
    meta.update(node.get("meta") or {})
    path = (node.get("original_file_path") or "").replace("\\", "/")
    return bool(
        node.get("group") == LEAVING
        or config.get("group") == LEAVING
        or path.startswith(LEAVING_FOLDER)
        or node.get("schema") == LEAVING
        or config.get("schema") == LEAVING
        or LEAVING in (node.get("tags") or [])
        or LEAVING in (config.get("tags") or [])
        or str(node.get("name") or "").startswith(LEAVING_PREFIX)
        or (meta.get("pipase") or {}).get("export")
        or node.get("unique_id") in exposed
    )


def leaving_models(manifest: dict) -> dict[str, dict]:
    """Every model that leaves or may leave the Department, by unique id, sorted by name."""
    exposed = _exposed(manifest)
    leaving = {
        uid: node
        for uid, node in models(manifest).items()
        if is_leaving(node, exposed) or uid in exposed
    }
    return dict(sorted(leaving.items(), key=lambda item: (item[1].get("name") or "", item[0])))
