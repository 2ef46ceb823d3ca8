"""Synthetic annex 2 tables and archives for the import tests, built from the shipped schema.

Every table of `pipase.transmission.annex2_schema.expected_tables()` with values of the right
shape: keys `sha256('individu-' || i)` (the individuals 0..n-1, as the partner tests expect),
secondary keys `sha256('secondaire-' || i // 2)`, months 'AAAA-MM', the declared DuckDB types.
`marker` goes into every free VARCHAR column, so that a test can look for it in bytes on disk.
Nothing here is a person.
"""

from __future__ import annotations

import copy
import json
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import duckdb

from pipase.transmission import archive
from pipase.transmission.annex2_schema import ExpectedColumn, expected_tables
from pipase.transmission.export_cmd import MANIFEST_FORMAT, MANIFEST_NAME

INDIVIDUALS = "annexe2_iodas_ase__individu"
EXTRACTION = "2026-10-31"


def value_sql(table: str, column: ExpectedColumn, individuals: int, marker: str) -> str:
    """A SQL expression of the row number `i` giving a valid value for the column."""
    if column.name == "cle_hachage":
        return f"sha256('individu-' || (i % {individuals}))"
    if column.shape == "sha256":
        return "sha256('secondaire-' || (i // 2))"
    if column.shape == "month":
        return "strftime(date '2000-01-01' + to_months((i % 48)::integer), '%Y-%m')"
    data_type = column.data_type
    if data_type == "VARCHAR":
        return f"'{marker}' || (i % 5)"
    if data_type in ("INTEGER", "BIGINT"):
        return f"(i * 13 % 900)::{data_type}"
    if re.fullmatch(r"DECIMAL\(\d+,\d+\)", data_type):
        return f"(i * 1.25)::{data_type}"
    if data_type == "BOOLEAN":
        return "i % 7 = 0"
    if data_type == "INTEGER[]":
        return "[2000 + i % 20, 2001 + i % 20]::INTEGER[]"
    if data_type == "VARCHAR[]":
        return f"['{marker}' || (i % 3)]::VARCHAR[]"
    raise AssertionError(f"no synthetic value for {table}.{column.name} {data_type}")


def table_select(table: str, rows: int, individuals: int, marker: str) -> str:
    columns = expected_tables()[table]
    values = ", ".join(
        f"cast({value_sql(table, c, individuals, marker)} as {c.data_type}) as {c.name}"
        for c in columns
    )
    return f"select {values} from range({rows}) as r(i)"


def rows_of(table: str, individuals: int) -> int:
    return individuals if table == INDIVIDUALS else individuals * 3


def create_annex2_tables(
    con: duckdb.DuckDBPyConnection, schema: str, individuals: int = 50, marker: str = "V"
) -> dict[str, int]:
    """Create every annex 2 table in `schema`; returns table -> rows."""
    con.execute(f"create schema if not exists {schema}")
    counts = {}
    for table in expected_tables():
        rows = rows_of(table, individuals)
        con.execute(
            f"create table {schema}.{table} as {table_select(table, rows, individuals, marker)}"
        )
        counts[table] = rows
    return counts


def annex2_types() -> dict[str, dict[str, str]]:
    """table -> {column: DuckDB type}, in order (the shape write_artifacts takes)."""
    return {t: {c.name: c.data_type for c in cols} for t, cols in expected_tables().items()}


# --------------------------------------------------------------------------- archives
def write_parquet_folder(folder: Path, individuals: int = 50, marker: str = "V") -> dict:
    """One Parquet file per annex 2 table and a manifest as `pipase export` writes them."""
    folder.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    create_annex2_tables(con, "leaving", individuals, marker)
    entries = []
    for table in expected_tables():
        path = folder / f"{table}.parquet"
        con.execute(
            f"copy (select * from leaving.{table}) to '{path}' (format parquet, compression zstd)"
        )
        entries.append(parquet_entry(con, table, path))
    con.close()
    return {
        "format": MANIFEST_FORMAT,
        "format_version": 1,
        "pipase_version": "test",
        "protocol_version": "test",
        "keys": "plain",
        "key_algorithm": "SHA-256",
        "extraction_date": EXTRACTION,
        "created_at": "2026-11-01T00:00:00+00:00",
        "tests": {"pass": 1, "fail": 0, "error": 0, "warn": 0, "skip": 0, "total": 1},
        "tables": entries,
    }


def parquet_entry(con: duckdb.DuckDBPyConnection, table: str, path: Path) -> dict:
    """The manifest entry of a Parquet file, measured on the file (as the export does)."""
    relation = f"read_parquet('{path}')"
    columns = con.execute(f"describe select * from {relation}").fetchall()
    return {
        "name": table,
        "file": path.name,
        "rows": con.execute(f"select count(*) from {relation}").fetchone()[0],
        "columns": [{"name": c[0], "type": c[1]} for c in columns],
        "sha256": archive.sha256_file(path),
        "bytes": path.stat().st_size,
    }


def pack(folder: Path, manifest: dict, destination: Path, password: str) -> Path:
    (folder / MANIFEST_NAME).write_text(json.dumps(manifest), encoding="utf-8")
    members = [(p, p.name) for p in sorted(folder.iterdir())]
    archive.write_archive(destination, members, password)
    return destination


def build_archive(
    destination: Path,
    password: str,
    edit: Callable[[Path, dict, duckdb.DuckDBPyConnection], None] | None = None,
    individuals: int = 50,
    marker: str = "V",
    base: tuple[Path, dict] | None = None,
) -> Path:
    """A valid annex 2 archive; `edit(folder, manifest, con)` plants a fault before packing.

    `base`: a (folder, manifest) from write_parquet_folder to copy instead of writing the
    tables again (the tests build many archives).
    """
    with tempfile.TemporaryDirectory(dir=destination.parent) as work:
        folder = Path(work) / "members"
        if base is None:
            manifest = write_parquet_folder(folder, individuals, marker)
        else:
            shutil.copytree(base[0], folder)
            manifest = copy.deepcopy(base[1])
        if edit is not None:
            con = duckdb.connect()
            try:
                edit(folder, manifest, con)
            finally:
                con.close()
        return pack(folder, manifest, destination, password)


def replace_table(
    folder: Path, manifest: dict, con: duckdb.DuckDBPyConnection, table: str, select_sql: str
) -> None:
    """Rewrite one table's Parquet file from `select_sql` and update its manifest entry."""
    path = folder / f"{table}.parquet"
    con.execute(f"copy ({select_sql}) to '{path}' (format parquet)")
    entry = parquet_entry(con, table, path)
    manifest["tables"] = [entry if t["name"] == table else t for t in manifest["tables"]]


def add_table(
    folder: Path, manifest: dict, con: duckdb.DuckDBPyConnection, table: str, select_sql: str
) -> None:
    """Add a table (Parquet file and manifest entry) named `table`."""
    path = folder / f"{table}.parquet"
    con.execute(f"copy ({select_sql}) to '{path}' (format parquet)")
    manifest["tables"].append(parquet_entry(con, table, path))


def record_fingerprints(con, schema: str = "leaving") -> None:
    """What dbt's on-run-end hook (record_leaving_fingerprints) leaves after a build: the
    fingerprint of every table of `schema`, for a database built by hand."""
    from pipase.transmission.artifacts import LeavingTable
    from pipase.transmission.export_cmd import fingerprint

    con.execute("create schema if not exists pipase_build")
    con.execute(
        "create or replace table pipase_build.empreintes_sortantes (modele varchar primary key, "
        "lignes bigint, empreinte varchar, invocation_id varchar, calcule_le timestamp)"
    )
    names = [
        row[0]
        for row in con.execute(
            "select table_name from information_schema.tables where table_schema = ?", [schema]
        ).fetchall()
    ]
    for name in names:
        rows, value = fingerprint(con, LeavingTable(unique_id=name, schema=schema, name=name))
        con.execute(
            "insert into pipase_build.empreintes_sortantes values (?, ?, ?, 'test', now())",
            [name, rows, value],
        )
