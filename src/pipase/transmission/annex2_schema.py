"""The annex 2 tables as the Association must receive them: names, columns, types, value shapes.

One reader of the leaving models' contracts, two uses:

* at the Département, ``scripts/generate_annexe2_schema.py`` reads the enforced dbt contracts
  (``models/marts/annexe2/_annexe2__models.yml``: each column's ``data_type``, its ``not_null``
  constraint or test, its ``is_sha256_hex`` / ``is_month_precision`` tests) with
  :func:`read_contracts` and writes ``src/pipase/protocol_data/annexe2_schema.csv``;
  ``--check`` (in ``make lint``) fails when the two differ, so the file cannot drift from the
  models;
* at the Association, where there is no dbt project, ``pipase import`` reads the shipped CSV with
  :func:`expected_tables` and refuses any archive whose tables differ from it.

The types are DuckDB's own spelling (``DECIMAL(10,2)``, ``INTEGER[]``), as DuckDB reports them
for a table, a Parquet file or an Arrow table, so that comparing is comparing strings. Why a CSV
and not the YAML at run time: the YAML is the dbt project's (with Jinja in the descriptions and
YAML anchors), which the Association does not have; the CSV is a few kilobytes of plain data,
shipped as package data beside the protocol's letter map (``protocol_data/*.csv`` is already
package data), and reviewable in a diff.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from pipase import paths
from pipase.errors import PipaseError

SCHEMA_FILE = paths.PROTOCOL_DATA_DIR / "annexe2_schema.csv"
CONTRACTS_FILE = Path("models") / "marts" / "annexe2" / "_annexe2__models.yml"
CSV_COLUMNS = ("table_name", "position", "column_name", "data_type", "not_null", "shape")

# A table or column name: lower-case ASCII snake_case, checked before any name reaches SQL.
IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]*$")
# A dbt data_type as the contracts write it, before DuckDB spells it (varchar, decimal(10, 2)...).
_CONTRACT_TYPE = re.compile(r"^[a-z][a-z0-9_ ]*(\(\s*\d+\s*(,\s*\d+\s*)?\))?(\[\])?$")

# Value shapes, from the privacy tests of tests/generic/ (same regular expressions).
SHAPES = {
    "sha256": "[0-9a-f]{64}",  # is_sha256_hex: a key, 64 lower-case hexadecimal digits
    "month": "[0-9]{4}-(0[1-9]|1[0-2])",  # is_month_precision: 'AAAA-MM'
}
_SHAPE_TESTS = {"is_sha256_hex": "sha256", "is_month_precision": "month"}


class SchemaError(PipaseError, ValueError):
    """The contracts file cannot give the annex 2 schema (a developer's error, not a user's)."""


@dataclass(frozen=True)
class ExpectedColumn:
    name: str
    data_type: str  # DuckDB's spelling: VARCHAR, INTEGER, DECIMAL(10,2), VARCHAR[]...
    not_null: bool  # the contract's not_null constraint, or a not_null test
    shape: str | None  # a key of SHAPES, or None


# --------------------------------------------------------------------------- contracts (dbt)
def _test_names(tests: object) -> set[str]:
    """Names of a column's data tests (`pipase export` requires each to pass, warn included)."""
    names = set()
    for test in tests or []:
        if isinstance(test, str):
            names.add(test)
        elif isinstance(test, dict) and len(test) == 1:
            names.add(next(iter(test)))
    return names


def read_contracts(path: Path, canonical_type) -> dict[str, list[ExpectedColumn]]:
    """The annex 2 tables of the dbt contracts file, in the models' column order.

    ``canonical_type(text)`` spells a contract's data_type the way DuckDB does (the generator
    passes DuckDB itself). Every model must declare a data_type on every column: the contract is
    what the import holds the archive to.
    """
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    tables: dict[str, list[ExpectedColumn]] = {}
    for model in document.get("models") or []:
        name = model.get("name")
        if not isinstance(name, str) or not IDENTIFIER.match(name):
            raise SchemaError(f"{path}: model name {name!r} is not snake_case")
        if name in tables:
            raise SchemaError(f"{path}: model {name} is listed twice")
        columns = []
        for column in model.get("columns") or []:
            column_name = column.get("name")
            if not isinstance(column_name, str) or not IDENTIFIER.match(column_name):
                raise SchemaError(f"{path}: {name}: column name {column_name!r} is not snake_case")
            data_type = str(column.get("data_type") or "").strip().lower()
            if not _CONTRACT_TYPE.match(data_type):
                raise SchemaError(f"{path}: {name}.{column_name}: no usable data_type")
            constraints = {c.get("type") for c in column.get("constraints") or []}
            tests = _test_names(column.get("data_tests"))
            shapes = sorted({_SHAPE_TESTS[t] for t in tests & set(_SHAPE_TESTS)})
            if len(shapes) > 1:
                raise SchemaError(f"{path}: {name}.{column_name}: two value shapes {shapes}")
            duckdb_type = canonical_type(data_type)
            if shapes and duckdb_type != "VARCHAR":
                raise SchemaError(f"{path}: {name}.{column_name}: a value shape needs a varchar")
            columns.append(
                ExpectedColumn(
                    name=column_name,
                    data_type=duckdb_type,
                    not_null="not_null" in constraints or "not_null" in tests,
                    shape=shapes[0] if shapes else None,
                )
            )
        if not columns:
            raise SchemaError(f"{path}: model {name} has no columns")
        if len({c.name for c in columns}) != len(columns):
            raise SchemaError(f"{path}: model {name} lists a column twice")
        tables[name] = columns
    if not tables:
        raise SchemaError(f"{path}: no models")
    return tables


def render(tables: dict[str, list[ExpectedColumn]]) -> str:
    """The CSV text of the schema (tables sorted by name, columns in the models' order)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for table in sorted(tables):
        for position, column in enumerate(tables[table], start=1):
            writer.writerow(
                [
                    table,
                    position,
                    column.name,
                    column.data_type,
                    "true" if column.not_null else "false",
                    column.shape or "",
                ]
            )
    return buffer.getvalue()


# --------------------------------------------------------------------------- shipped schema
def parse(text: str) -> dict[str, list[ExpectedColumn]]:
    reader = csv.DictReader(io.StringIO(text))
    if tuple(reader.fieldnames or ()) != CSV_COLUMNS:
        raise SchemaError(f"annex 2 schema: header {reader.fieldnames} is not {CSV_COLUMNS}")
    tables: dict[str, list[ExpectedColumn]] = {}
    for row in reader:
        columns = tables.setdefault(row["table_name"], [])
        if int(row["position"]) != len(columns) + 1:
            raise SchemaError(f"annex 2 schema: {row['table_name']}: positions out of order")
        if row["shape"] and row["shape"] not in SHAPES:
            raise SchemaError(f"annex 2 schema: unknown shape {row['shape']!r}")
        for name in (row["table_name"], row["column_name"]):
            if not IDENTIFIER.match(name):
                raise SchemaError(f"annex 2 schema: {name!r} is not snake_case")
        columns.append(
            ExpectedColumn(
                name=row["column_name"],
                data_type=row["data_type"],
                not_null=row["not_null"] == "true",
                shape=row["shape"] or None,
            )
        )
    return tables


@cache
def expected_tables() -> dict[str, tuple[ExpectedColumn, ...]]:
    """The annex 2 tables shipped with the package: name -> columns in order."""
    tables = parse(SCHEMA_FILE.read_text(encoding="utf-8"))
    return {name: tuple(columns) for name, columns in tables.items()}
