"""PIPASE_DUCKDB_MEMORY_LIMIT: DuckDB's memory limit for machines with little RAM.

The dbt plugin sets it when dbt opens the database, `pipase load` when it opens its own; a
malformed value stops with the variable named, and `pipase load` changes nothing.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import load_fixtures as lf
import pytest

from pipase.connection_secrets import MEMORY_LIMIT_ENV, apply_memory_limit, memory_limit_from_env
from pipase.dbt_plugin import Plugin
from pipase.load import LoadError, load_extraction


def _limit(connection: duckdb.DuckDBPyConnection) -> str:
    return connection.execute("select current_setting('memory_limit')").fetchone()[0]


def test_the_limit_is_read_from_the_environment_and_checked():
    assert memory_limit_from_env({}) is None
    assert memory_limit_from_env({MEMORY_LIMIT_ENV: " 3GB "}) == "3GB"
    assert memory_limit_from_env({MEMORY_LIMIT_ENV: "3500MiB"}) == "3500MiB"
    for bad in ("80%", "3", "lots", "3GB; drop table x"):
        with pytest.raises(ValueError, match=MEMORY_LIMIT_ENV):
            memory_limit_from_env({MEMORY_LIMIT_ENV: bad})


def test_the_dbt_plugin_sets_the_limit_on_the_connection(monkeypatch):
    connection = duckdb.connect()
    default = _limit(connection)
    monkeypatch.setenv(MEMORY_LIMIT_ENV, "1GiB")
    plugin = Plugin.__new__(Plugin)
    plugin.initialize({})
    plugin.configure_connection(connection)
    assert _limit(connection) == "1.0 GiB" != default
    monkeypatch.delenv(MEMORY_LIMIT_ENV)
    other = duckdb.connect()
    apply_memory_limit(other)
    assert _limit(other) == default


def test_pipase_load_refuses_a_malformed_limit_and_changes_nothing(tmp_path: Path, monkeypatch):
    extraction = tmp_path / "ex"
    lf.write_extraction(extraction, n=3)
    database = tmp_path / "db" / "pipase.duckdb"
    monkeypatch.setenv(MEMORY_LIMIT_ENV, "half")
    with pytest.raises(LoadError) as caught:
        load_extraction(extraction, database, extraction_date=dt.date(2026, 10, 31))
    assert caught.value.rule == "setting" and MEMORY_LIMIT_ENV in str(caught.value)
    tables = duckdb.connect(str(database)).execute(
        "select count(*) from information_schema.tables where table_schema = 'raw'"
    )
    assert tables.fetchone()[0] == 0
    monkeypatch.setenv(MEMORY_LIMIT_ENV, "2GB")
    assert load_extraction(extraction, database, extraction_date=dt.date(2026, 10, 31)).ok


def test_a_run_budget_gives_duckdb_its_share_and_leaves_the_rest():
    """`pipase run --memory-limit` is the run's budget: DuckDB gets DUCKDB_SHARE_OF_BUDGET of
    it (whole MiB), whatever the unit; a malformed budget is refused."""
    from pipase.connection_secrets import DUCKDB_SHARE_OF_BUDGET, duckdb_share

    assert DUCKDB_SHARE_OF_BUDGET < 1
    assert duckdb_share("8GB") == f"{int(8e9 * DUCKDB_SHARE_OF_BUDGET // 2**20)}MiB"
    assert duckdb_share("4096MiB") == f"{int(4096 * DUCKDB_SHARE_OF_BUDGET)}MiB"
    assert duckdb_share(" 2 GiB ") == f"{int(2048 * DUCKDB_SHARE_OF_BUDGET)}MiB"
    with pytest.raises(ValueError):
        duckdb_share("lots")


def test_the_run_environment_passes_duckdb_its_share_of_the_budget(tmp_path):
    """The run's environment sets PIPASE_DUCKDB_MEMORY_LIMIT to DuckDB's share of
    --memory-limit, not the budget itself (the process tree would then exceed it)."""
    from pipase.connection_secrets import duckdb_share
    from pipase.run import job

    settings = job.RunSettings(
        tmp_path / "extraction", dt.date(2026, 6, 30), tmp_path / "db.duckdb", None,
        memory_limit="8GB",
    )  # fmt: skip
    with job._environment(settings) as values:
        assert values[MEMORY_LIMIT_ENV] == duckdb_share("8GB") != "8GB"
