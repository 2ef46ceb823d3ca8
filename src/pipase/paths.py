"""Where the project's files and databases live, overridable by environment variables."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
CONTRACTS_DIR = PACKAGE_DIR / "contracts"
PROTOCOL_DATA_DIR = PACKAGE_DIR / "protocol_data"


def project_dir() -> Path:
    """The dbt project folder: PIPASE_PROJECT_DIR, else the repository holding this package."""
    env = os.environ.get("PIPASE_PROJECT_DIR")
    if env:
        return Path(env).resolve()
    return PACKAGE_DIR.parents[1]


def data_dir() -> Path:
    """Working data folder (ignored by git): PIPASE_DATA_DIR, else <project>/data."""
    return Path(os.environ.get("PIPASE_DATA_DIR", project_dir() / "data")).resolve()


def database_path() -> Path:
    """The identifying-zone DuckDB database: PIPASE_DUCKDB_PATH, else data/pipase.duckdb."""
    return Path(os.environ.get("PIPASE_DUCKDB_PATH", data_dir() / "pipase.duckdb")).resolve()
