"""Measure what a dictionary attack on the unkeyed keys would cost on this machine.

What: the hash-rate stage of `pipase run` on its own (`pipase.run.hash_rate`): times DuckDB's
  sha256 and counts the INSEE name lists, then writes reports.hash_rate and reports.name_space
  into the database, which the model rpt_risk__dictionary_attack reads.
Why: the risk report turns key-space sizes into enumeration times with a rate measured here.
When: `pipase run` does it before `dbt build`; run this script only before a `dbt build` run by
  hand on a database loaded by `pipase load`.

Prints counts and the rate only; no name is printed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pipase.run import hash_rate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--database",
        type=Path,
        default=None,
        help="DuckDB database (default: PIPASE_DUCKDB_PATH or data/pipase.duckdb)",
    )
    parser.add_argument("--messages", type=int, default=hash_rate.DEFAULT_MESSAGES)
    args = parser.parse_args(argv)
    if args.database is None:
        from pipase.paths import database_path

        args.database = database_path()
    args.database.parent.mkdir(parents=True, exist_ok=True)
    measured = hash_rate.measure_and_write(args.database, args.messages)
    rate, names = measured["hash_rate"], measured["name_space"]
    sys.stdout.write(
        f"measure_hash_rate: {rate['hachages_par_seconde']:,} SHA-256/s "
        f"({rate['n_messages']:,} messages, {rate['threads']} threads); "
        + ", ".join(f"{r['liste']}: {r['n_normalisees']:,} normalised" for r in names)
        + f" -> {args.database}\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
