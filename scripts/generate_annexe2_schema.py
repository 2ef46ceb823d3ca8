"""Generate the annex 2 schema shipped with the package, from the leaving models' contracts.

`pipase import` runs at the Association, where there is no dbt project: it holds the archive to
`src/pipase/protocol_data/annexe2_schema.csv` (tables, columns in order, DuckDB types, not_null
constraints, value shapes). This script writes that file from the enforced dbt contracts in
`models/marts/annexe2/_annexe2__models.yml`, read by `pipase.transmission.annex2_schema` (the one
reader of those contracts); DuckDB spells each `data_type` as it reports column types. Re-run it
after changing a leaving model's columns; `--check` (in `make lint`) fails when the file is stale.

Usage: python scripts/generate_annexe2_schema.py [--check]
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import generated_file

from pipase.transmission import annex2_schema

ROOT = Path(__file__).resolve().parents[1]


def canonical_type_function():
    con = duckdb.connect(
        ":memory:",
        config={"autoinstall_known_extensions": False, "autoload_known_extensions": False},
    )

    def canonical(data_type: str) -> str:
        # data_type passed the contract-type pattern of read_contracts (no quote, no ;)
        return str(con.sql(f"select cast(null as {data_type}) as x").types[0])

    return canonical


def render() -> str:
    tables = annex2_schema.read_contracts(
        ROOT / annex2_schema.CONTRACTS_FILE, canonical_type_function()
    )
    return annex2_schema.render(tables)


def main() -> int:
    return generated_file.main(
        __doc__,
        annex2_schema.SCHEMA_FILE,
        render,
        lambda content: f"{content.count(chr(10)) - 1} columns",
    )


if __name__ == "__main__":
    sys.exit(main())
