"""The keys, four ways, on the same identity rows: how fast, and the same keys every time.

(a) naive: what a newcomer writes first: pandas `apply` row by row, `unicodedata` NFKD, the
    protocol's fold by hand, `hashlib` (measured on a subsample and scaled linearly);
(b) kit: `pipase.protocol.compute_keys`, the key engine of `pipase hash` in process (all rows);
(c) sql: the dbt macros (`normalise_distinct_names`, `primary_key`, `secondary_key`,
    `unkeyable_reason`) compiled by dbt and run on DuckDB, shaped like the `int_keys__*` models
    (distinct names normalised once, joined back, birth date parsed, keys);
(d) limit: DuckDB's bare `sha256` over the already normalised messages (the floor: any
    implementation hashes these two messages per row).

Every method's keys are compared row by row with the others (the naive one on its subsample):
a benchmark of implementations that disagree would compare different work.

Then the partners' view, as whole processes on the same CSV file in the same run: `pipase hash`
(CSV in, CSV out) against the naive script `python -m pipase.bench.naive` (pandas read_csv,
apply, to_csv), both timed as subprocesses with their peak memory, their output keys compared
row by row (`kit_process`, `naive_process`; the target is the ratio `kit_process_speedup`).
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from pipase import paths, protocol
from pipase.bench.identities import DATE_FORMAT, describe, identity_frame
from pipase.bench.measure import run_measured
from pipase.bench.naive import (  # noqa: F401 (the naive baseline's names, used by tests)
    NAIVE_FOLDS,
    naive_keys,
    naive_normalise,
    naive_row,
)
from pipase.bench.report import method_label, number
from pipase.i18n import _

KEY_COLUMNS = ("cle_hachage", "cle_hachage_secondaire")
METHODS = ("naive", "kit", "sql", "limit")

# The SQL of the int_keys__* door models, on a table of identity rows (birth dates typed).
KEYS_SQL = """
with
source_rows as (
    select i, nom, nom_naissance, prenom, date_naissance from bench_identities
),
normalised_names as (
    {{ pipase.normalise_distinct_names('source_rows', ['nom_naissance', 'nom', 'prenom']) }}
),
named as (
    select
        source_rows.i,
        source_rows.date_naissance,
        coalesce(birth_name.valeur_normalisee, usage_name.valeur_normalisee) as nom_normalise,
        first_name.valeur_normalisee as prenom_normalise
    from source_rows
    left join normalised_names as birth_name on source_rows.nom_naissance = birth_name.valeur_brute
    left join normalised_names as usage_name on source_rows.nom = usage_name.valeur_brute
    left join normalised_names as first_name on source_rows.prenom = first_name.valeur_brute
)
-- pipase-bench: final select
select
    i,
    {{ pipase.primary_key('nom_normalise', 'prenom_normalise', 'date_naissance') }}
        as cle_hachage,
    {{ pipase.secondary_key('nom_normalise', 'date_naissance') }} as cle_hachage_secondaire,
    {{ pipase.unkeyable_reason('nom_normalise', 'prenom_normalise', 'date_naissance') }}
        as motif_sans_cle
from named
"""
FINAL_MARKER = "-- pipase-bench: final select"
# The floor: the two messages per row, already built, hashed by DuckDB.
LIMIT_SQL = (
    "select i, sha256(message_primaire) as cle_hachage, sha256(message_secondaire) "
    "as cle_hachage_secondaire from bench_messages"
)


# --------------------------------------------------------------------------- (b) kit
KIT_COLUMNS = protocol.KeyColumns(
    nom="nom", prenom="prenom", date_naissance="date_naissance", nom_naissance="nom_naissance"
)


def kit_keys(frame: pd.DataFrame) -> pd.DataFrame:
    return protocol.compute_keys(frame, KIT_COLUMNS, [DATE_FORMAT])


# --------------------------------------------------------------------------- (c) sql
def dbt_environment(database: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DO_NOT_TRACK": "1",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_PROFILES_DIR": os.environ.get("DBT_PROFILES_DIR", str(paths.project_dir())),
        "PIPASE_DUCKDB_PATH": str(database),
        "PIPASE_CODE_KEY": os.environ.get("PIPASE_CODE_KEY", "synthetic-bench-code-key"),
    }


def dbt_command(args: list[str], work: Path) -> list[str]:
    dbt = Path(sys.executable).with_name("dbt")
    return [
        str(dbt) if dbt.exists() else "dbt",
        *args,
        "--project-dir",
        str(paths.project_dir()),
        "--target-path",
        str(work / "target"),
        "--log-path",
        str(work / "logs"),
    ]


def run_dbt(args: list[str], database: Path, work: Path) -> subprocess.CompletedProcess:
    env = dbt_environment(database)
    env.pop(protocol.HASH_KEY_ENV, None)  # the plain protocol: what partners use
    return subprocess.run(
        dbt_command(args, work),
        cwd=paths.project_dir(),
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def _compile_fingerprint() -> str:
    """What the compiled SQL depends on: the query, the protocol macros, the letter map."""
    digest = hashlib.sha256(KEYS_SQL.encode())
    for path in sorted((paths.project_dir() / "macros/protocol").glob("*.sql")):
        digest.update(path.read_bytes())
    digest.update(protocol.LETTER_MAP_FILE.read_bytes())
    return digest.hexdigest()


def compile_keys_sql(database: Path, work: Path) -> tuple[str, bool]:
    """Seed the letter map into `database`, then compile KEYS_SQL's macros with dbt.

    Reuses the SQL compiled by an earlier run when the macros, the letter map and the query are
    unchanged and the database still holds the seed (returns the SQL and whether it was reused).
    """
    cache = work / "keys_compiled.json"
    fingerprint = _compile_fingerprint()
    if cache.is_file() and database.is_file():
        cached = json.loads(cache.read_text(encoding="utf-8"))
        if cached.get("fingerprint") == fingerprint:
            connection = duckdb.connect(str(database), read_only=True)
            try:
                seeded = connection.execute(
                    "select count(*) from information_schema.tables "
                    "where table_schema = 'reference' and table_name = 'ref_letter_map'"
                ).fetchone()[0]
            finally:
                connection.close()
            if seeded:
                return cached["sql"], True
    seeded = run_dbt(["seed", "--select", "ref_letter_map"], database, work)
    if seeded.returncode != 0:
        raise RuntimeError(
            _("dbt seed ref_letter_map failed (log: {log})").format(log=work / "logs")
        )
    compiled = run_dbt(
        ["compile", "--quiet", "--output", "json", "--inline", KEYS_SQL], database, work
    )
    if compiled.returncode != 0 or "{" not in compiled.stdout:
        raise RuntimeError(_("dbt compile --inline failed (log: {log})").format(log=work / "logs"))
    sql = json.loads(compiled.stdout[compiled.stdout.index("{") :])["compiled"]
    cache.write_text(json.dumps({"fingerprint": fingerprint, "sql": sql}), encoding="utf-8")
    return sql, False


# --------------------------------------------------------------------------- comparison
class _Clock:
    """Wall and CPU seconds (every thread of this process, DuckDB's included) of each call."""

    def __init__(self) -> None:
        self.cpu: dict[str, float] = {}

    def __call__(self, label: str, function, *args):
        wall, cpu = time.perf_counter(), time.process_time()
        result = function(*args)
        self.cpu[label] = time.process_time() - cpu
        return result, time.perf_counter() - wall


def _as_lists(frame: pd.DataFrame) -> dict[str, list[str | None]]:
    return {c: [None if pd.isna(v) else str(v) for v in frame[c]] for c in KEY_COLUMNS}


def _disagreements(reference: dict, other: dict, positions: list[int] | None = None) -> int:
    count = 0
    for column in KEY_COLUMNS:
        expected = reference[column]
        if positions is not None:
            expected = [expected[p] for p in positions]
        count += sum(1 for a, b in zip(expected, other[column], strict=True) if a != b)
    return count


def compare_keys(
    rows: int,
    naive_rows: int,
    work: Path,
    seed: int = 93,
    log=print,
    keep_keys: bool = False,
    processes: bool = True,
) -> dict[str, object]:
    """Run the four methods on `rows` identity rows; timings, ratios and agreement; then (with
    `processes`) the kit and the naive script as whole processes on the same rows in a CSV.

    With `keep_keys`, the result also holds, under "_keys", the identity rows and each method's
    keys (DataFrames; never written to results.json), for tests.
    """
    work.mkdir(parents=True, exist_ok=True)
    database = work / "bench_keys.duckdb"

    timed = _Clock()
    log(
        _("keys: generating {rows} identity rows (seed {seed})").format(
            rows=number(rows), seed=seed
        )
    )
    frame, generate_seconds = timed("generate", identity_frame, rows, seed)
    log(_("keys: compiling the SQL macros with dbt (dbt seed ref_letter_map, dbt compile)"))
    (compiled, reused), compile_seconds = timed("compile", compile_keys_sql, database, work)

    naive_rows = min(naive_rows, rows)
    subsample = frame.sample(n=naive_rows, random_state=seed).sort_index()
    positions = subsample.index.tolist()

    log(_("keys: (a) naive pandas apply on a subsample of {rows} rows").format(
        rows=number(naive_rows)))  # fmt: skip
    naive, naive_seconds = timed("naive", naive_keys, subsample)
    log(_("keys: (b) partners' kit's engine in process (protocol.compute_keys) on {rows} rows")
        .format(rows=number(rows)))  # fmt: skip
    kit, kit_seconds = timed("kit", kit_keys, frame)

    connection = duckdb.connect(str(database))
    try:
        connection.execute("set enable_progress_bar = false")
        connection.register("identities_frame", frame)
        # What the door models read: rows loaded into DuckDB, the birth date typed by the
        # loader (not timed), as the kit reads a partner's CSV that is already in memory.
        connection.execute(
            "create or replace table bench_identities as select i, "
            "cast(nom as varchar) as nom, cast(nom_naissance as varchar) as nom_naissance, "
            "cast(prenom as varchar) as prenom, "
            f"cast(try_strptime(date_naissance, '{DATE_FORMAT}') as date) as date_naissance "
            "from identities_frame"
        )
        connection.unregister("identities_frame")
        # (c) and (d) write their keys to an in-memory table: what is compared is the work of
        # making the keys; the same two written to the database file are measured after.
        log(_("keys: (c) dbt macros on DuckDB on {rows} rows").format(rows=number(rows)))
        _result, sql_seconds = timed(
            "sql", connection.execute, f"create or replace temp table bench_keys_sql as {compiled}"
        )
        sql = connection.execute("select * from bench_keys_sql order by i").df()
        # The floor's input: the normalised messages, built from the SQL's own normalisation
        # (not timed); the keys then must equal every method's.
        connection.execute(
            "create or replace table bench_messages as "
            "select s.i, n.nom_normalise || n.prenom_normalise || strftime(n.date_naissance, "
            "'%d%m%Y') as message_primaire, n.nom_normalise || strftime(n.date_naissance, '%m%Y')"
            " as message_secondaire from bench_keys_sql as s join ("
            + _named_cte(compiled)
            + ") as n using (i)"
        )
        log(_("keys: (d) bare sha256 on DuckDB over {rows} x 2 normalised messages").format(
            rows=number(rows)))  # fmt: skip
        _result, limit_seconds = timed(
            "limit",
            connection.execute,
            f"create or replace temp table bench_keys_limit as {LIMIT_SQL}",
        )
        limit = connection.execute("select * from bench_keys_limit order by i").df()
        log(_("keys: (c) and (d) again, written to the database file as a dbt model is"))
        _result, sql_file_seconds = timed(
            "sql_file", connection.execute, f"create or replace table bench_keys_sql as {compiled}"
        )
        _result, limit_file_seconds = timed(
            "limit_file",
            connection.execute,
            f"create or replace table bench_keys_limit as {LIMIT_SQL}",
        )
        connection.execute("drop table bench_keys_sql")
        connection.execute("drop table bench_keys_limit")
        messages = connection.execute(
            "select message_primaire, message_secondaire from bench_messages order by i"
        ).fetchall()
        threads = connection.execute("select current_setting('threads')").fetchone()[0]
    finally:
        connection.close()

    log(_("keys: Python hashlib over the same messages (the kit's own floor)"))
    _result, python_sha_seconds = timed("python_sha256", _python_sha256, messages)

    reference = _as_lists(kit)
    agreement = {
        "kit_vs_sql": _disagreements(reference, _as_lists(sql)),
        "kit_vs_limit": _disagreements(reference, _as_lists(limit)),
        "kit_vs_naive": _disagreements(reference, _as_lists(naive), positions),
        "sql_reasons_vs_kit_reasons": int(
            (kit["motif_sans_cle"].fillna("").to_numpy() != sql["motif_sans_cle"].fillna("")
             .to_numpy()).sum()
        ),
    }  # fmt: skip
    keyed = sum(1 for v in reference["cle_hachage"] if v is not None)

    scale = rows / naive_rows
    naive_scaled = naive_seconds * scale
    timed.cpu["naive"] *= scale
    seconds = {"naive": naive_scaled, "kit": kit_seconds, "sql": sql_seconds}
    seconds["limit"] = limit_seconds
    methods = {
        "naive": {
            "what": "pandas apply per row, unicodedata NFKD + fold + hashlib, both keys",
            "rows_measured": naive_rows,
            "seconds_measured": naive_seconds,
            "seconds": naive_scaled,
            "extrapolated": naive_rows < rows,
            "note": f"measured on {naive_rows:,} rows drawn at random, scaled linearly to {rows:,}"
            if naive_rows < rows
            else "measured on all rows",
        },
        "kit": {
            "what": "pipase.protocol.compute_keys (pipase hash), all rows",
            "rows_measured": rows,
            "seconds": kit_seconds,
        },
        "sql": {
            "what": "dbt macros compiled for DuckDB: distinct names normalised, joined back, keys",
            "rows_measured": rows,
            "seconds": sql_seconds,
            "duckdb_threads": int(threads),
        },
        "limit": {
            "what": "DuckDB sha256 over the two normalised messages of each row",
            "rows_measured": rows,
            "seconds": limit_seconds,
            "duckdb_threads": int(threads),
        },
        "python_sha256": {
            "what": "Python hashlib sha256 over the same messages (context, not a method)",
            "rows_measured": rows,
            "seconds": python_sha_seconds,
        },
        "sql_file": {
            "what": "(c) with its table written to the database file (context)",
            "rows_measured": rows,
            "seconds": sql_file_seconds,
        },
        "limit_file": {
            "what": "(d) with its table written to the database file (context)",
            "rows_measured": rows,
            "seconds": limit_file_seconds,
        },
    }
    for name, entry in methods.items():
        entry["cpu_seconds"] = round(timed.cpu[name], 3)
        entry["rows_per_second"] = round(rows / entry["seconds"]) if entry["seconds"] else None
    cpu = timed.cpu
    ratios = {f"{m}_speedup_vs_naive": round(seconds["naive"] / seconds[m], 2) for m in METHODS[1:]}
    ratios |= {f"{m}_vs_limit": round(seconds[m] / seconds["limit"], 2) for m in METHODS}
    ratios |= {f"cpu_{m}_speedup_vs_naive": round(cpu["naive"] / cpu[m], 2) for m in METHODS[1:]}
    ratios |= {f"cpu_{m}_vs_limit": round(cpu[m] / cpu["limit"], 2) for m in METHODS}
    ratios["sql_file_vs_limit_file"] = round(sql_file_seconds / limit_file_seconds, 2)
    whole = None
    if processes:
        whole = compare_processes(frame, work, seed, log)
        agreement["kit_process_vs_kit"] = _disagreements(reference, whole.pop("_kit_keys"))
        agreement["kit_process_vs_naive_process"] = whole.pop("_disagreements")
        for name in ("kit_process", "naive_process"):
            methods[name] = whole[name]
        ratios["kit_process_speedup_vs_naive_process"] = whole["speedup"]
        ratios["cpu_kit_process_speedup_vs_naive_process"] = whole["cpu_speedup"]
    result = {
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "rows": rows,
        "seed": seed,
        "inputs": describe(frame),
        "keyed_rows": keyed,
        "generate_seconds": round(generate_seconds, 2),
        "dbt_compile_seconds": round(compile_seconds, 2),
        "dbt_compile_reused": reused,
        "methods": methods,
        "ratios": ratios,
        "disagreements": agreement,
        "all_methods_agree": not any(agreement.values()),
        "processes": whole,
        "ratios_note": "wall-clock ratios; cpu_* ratios use CPU time of all threads (steadier "
        "on a shared machine; DuckDB runs on several threads, so its wall time is lower)",
    }
    if keep_keys:
        result["_keys"] = {
            "identities": frame,
            "naive": naive,
            "kit": kit,
            "sql": sql,
            "limit": limit,
        }
    return result


# --------------------------------------------------------------------------- whole processes
SITUATIONS = ("emploi", "formation", "CEJ", "sans solution", "études")
PROCESS_IDENTITY_ARGS = [
    "--nom", "nom", "--nom-naissance", "nom_naissance", "--prenom", "prenom",
    "--date-naissance", "date_naissance", "--format-date", DATE_FORMAT,
]  # fmt: skip


def write_partner_csv(frame: pd.DataFrame, path: Path, seed: int = 93) -> None:
    """The identity rows as a partner's CSV (`;`, UTF-8) with one attribute column."""
    rng = np.random.default_rng(seed)
    partner = frame.copy()
    partner["situation"] = rng.choice(np.array(SITUATIONS, dtype=object), size=len(frame))
    partner.to_csv(path, sep=";", index=False)


def _output_keys(path: Path) -> dict[str, list[str | None]]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    return {c: [r[c] or None for r in rows] for c in KEY_COLUMNS}


def _pipase_command() -> list[str]:
    script = Path(sys.executable).with_name("pipase")
    return [str(script)] if script.exists() else [sys.executable, "-m", "pipase.cli"]


def compare_processes(frame: pd.DataFrame, work: Path, seed: int, log=print) -> dict:
    """`pipase hash` and the naive script, each a whole process (start, read the CSV, keys,
    write the CSV) on the same file in this run; wall and CPU time, peak memory, and their
    outputs' keys compared row by row."""
    source = work / "partner_file.csv"
    outputs = {"kit_process": work / "kit_output.csv", "naive_process": work / "naive_output.csv"}
    log(_("keys: whole processes: writing {rows} rows to {file} (not timed)").format(
        rows=number(len(frame)), file=source.name))  # fmt: skip
    write_partner_csv(frame, source, seed)
    commands = {
        "kit_process": [
            *_pipase_command(), "hash", str(source), "-o", str(outputs["kit_process"]),
            *PROCESS_IDENTITY_ARGS,
        ],
        "naive_process": [
            sys.executable, "-m", "pipase.bench.naive", str(source),
            str(outputs["naive_process"]),
        ],
    }  # fmt: skip
    # the commands as a reader retypes them (file names, not the work folder's paths)
    shown = {
        "kit_process": " ".join(
            ["pipase hash", source.name, "-o", outputs["kit_process"].name, *PROCESS_IDENTITY_ARGS]
        ),
        "naive_process": f"python -m pipase.bench.naive {source.name} "
        f"{outputs['naive_process'].name}",
    }
    what = {
        "kit_process": "pipase hash as a whole process: CSV in, CSV out",
        "naive_process": "naive script as a whole process: pandas read_csv, apply + hashlib, "
        "to_csv",
    }
    env = {**os.environ, "DO_NOT_TRACK": "1"}
    env.pop(protocol.HASH_KEY_ENV, None)
    measured = {}
    for name, command in commands.items():
        log(_("keys: ({name}) {command}").format(name=method_label(name), command=shown[name]))
        result = run_measured(command, env=env, cwd=work, log_path=work / f"{name}.log")
        if result["exit_code"] != 0:
            raise RuntimeError(
                _("{name} failed (exit {code}; log {log})").format(
                    name=name, code=result["exit_code"], log=result["log"]
                )
            )
        rows = len(frame)
        measured[name] = {
            "what": what[name],
            "command": shown[name],
            "rows_measured": rows,
            "seconds": result["seconds"],
            "cpu_seconds": result["cpu_seconds"],
            "rows_per_second": round(rows / result["seconds"]) if result["seconds"] else None,
            "max_process_rss_mb": result["max_process_rss_mb"],
            "load_average_before": result["load_average_before"],
        }
    kit_keys_out = _output_keys(outputs["kit_process"])
    naive_keys_out = _output_keys(outputs["naive_process"])
    kit, naive = measured["kit_process"], measured["naive_process"]
    return {
        "file": source.name,
        "file_mb": round(source.stat().st_size / 2**20, 1),
        "kit_process": kit,
        "naive_process": naive,
        "speedup": round(naive["seconds"] / kit["seconds"], 2),
        "cpu_speedup": round(naive["cpu_seconds"] / kit["cpu_seconds"], 2)
        if kit["cpu_seconds"]
        else None,
        "_kit_keys": kit_keys_out,
        "_disagreements": _disagreements(kit_keys_out, naive_keys_out),
    }


def _named_cte(compiled: str) -> str:
    """The compiled SQL up to its `named` CTE, selecting from it (normalised names and dates)."""
    head = compiled[: compiled.index(FINAL_MARKER)]
    return head + "select i, date_naissance, nom_normalise, prenom_normalise from named"


def _python_sha256(messages: list[tuple[str | None, str | None]]) -> int:
    count = 0
    for primary, secondary in messages:
        if primary is not None:
            hashlib.sha256(primary.encode("ascii")).hexdigest()
            count += 1
        if secondary is not None:
            hashlib.sha256(secondary.encode("ascii")).hexdigest()
            count += 1
    return count
