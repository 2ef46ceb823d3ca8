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

import argparse
import sys
from pathlib import Path

import duckdb

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
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the file is out of date")
    args = parser.parse_args()
    content = render()
    output = annex2_schema.SCHEMA_FILE
    columns = content.count("\n") - 1
    if args.check:
        current = output.read_text(encoding="utf-8") if output.is_file() else ""
        if current != content:
            print(
                f"{output} is out of date: run python scripts/generate_annexe2_schema.py",
                file=sys.stderr,
            )
            return 1
        print(f"{output} is up to date ({columns} columns)")
        return 0
    output.write_text(content, encoding="utf-8")
    print(f"wrote {output}: {columns} columns")
    return 0


if __name__ == "__main__":
    sys.exit(main())
