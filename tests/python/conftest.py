"""Shared fixtures: the repository root and a helper running dbt in a throwaway target."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DBT = REPO / ".venv" / "bin" / "dbt"


def run_dbt(
    args: list[str], tmp: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """Run dbt on the project with its database, target and logs under `tmp`."""
    full_env = {
        **os.environ,
        "DO_NOT_TRACK": "1",
        "DBT_PROFILES_DIR": str(REPO),
        "PIPASE_DUCKDB_PATH": str(tmp / "pipase.duckdb"),
        **(env or {}),
    }
    full_env.pop("PIPASE_HASH_KEY", None) if env is None or "PIPASE_HASH_KEY" not in env else None
    command = [
        str(DBT) if DBT.exists() else "dbt",
        *args,
        "--project-dir",
        str(REPO),
        "--target-path",
        str(tmp / "target"),
        "--log-path",
        str(tmp / "logs"),
    ]
    return subprocess.run(command, cwd=REPO, env=full_env, capture_output=True, text=True)


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO
