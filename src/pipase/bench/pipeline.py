"""The main job, stage by stage, at one scale: raw files to the encrypted package.

Each stage runs on its own, in a subprocess (see `measure`), in the order of a real run:

    load         pipase load EXTRACTION --database DB
    parse        dbt parse                          (the whole project, from a fresh target
                                                    folder; later calls parse partially)
    seed         dbt seed                           (reference lists)
    identifying  dbt build --select +path:models/staging +path:models/intermediate/keys
                           --exclude resource_type:seed tag:privacy
    crossing     dbt build --select +path:models/intermediate/{cohort,crossing,minimisation}
                           --exclude resource_type:seed +<identifying folders> tag:privacy
    leaving      dbt run --select +path:models/marts/annexe2 --exclude ... (the annex 2 tables
                 are tagged privacy: their tests are the gate, run next)
    reports      dbt build --select +path:models/marts/reports --exclude ... tag:privacy
    privacy      dbt test --select tag:privacy      (tests tagged privacy and, by dbt's indirect
                 selection, every test of the leaving models: what `pipase export` checks)
    export       pipase export                      (Parquet, manifest, 7-zip AES-256)

A layer builds its folders and any ancestor no earlier layer built (`+` minus the earlier
layers), so that a model reading a model of a later folder still finds it built; a test runs
in the first layer where all its parents are built (`--indirect-selection buildable`).

The synthetic extraction is generated first (not timed; reused when present for the same
youths and seed). Rows per second are the rows loaded (raw.load_report) over each stage's time.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import duckdb

from pipase import paths
from pipase.bench.measure import run_measured

EXTRACTION_DATE = date(2026, 6, 30)  # pipase synth's default
SYNTH_BYTES_PER_YOUTH = 20_500  # pipase synth's peak memory per youth, measured (see below)
# Module of each pipase command, for commands the CLI does not dispatch yet.
MODULES = {
    "synth": "pipase.synth",
    "load": "pipase.load",
    "export": "pipase.transmission.export_cmd",
}
# Each layer: (name, dbt command, the layer's folders, exclude tag:privacy). A layer builds its
# folders' models and any ancestor that no earlier layer built (a door model may read a small
# crossing-zone model such as the extraction date): `--select +FOLDERS --exclude +EARLIER`.
DBT_LAYERS = [
    ("identifying", "build", ["models/staging", "models/intermediate/keys"], True),
    (
        "crossing",
        "build",
        [
            "models/intermediate/cohort",
            "models/intermediate/crossing",
            "models/intermediate/minimisation",
        ],
        True,
    ),
    # The annex 2 tables are tagged privacy: built here without their tests, which run next.
    ("leaving", "run", ["models/marts/annexe2"], False),
    ("reports", "build", ["models/marts/reports"], True),
]
PRIVACY_TESTS = ["test", "--select", "tag:privacy"]


def layer_arguments() -> list[tuple[str, list[str]]]:
    """The dbt arguments of each layer, then of the privacy tests."""
    layers = []
    earlier: list[str] = []
    for name, command, folders, exclude_privacy in DBT_LAYERS:
        args = [command, "--select", *(f"+path:{f}" for f in folders)]
        exclude = ["resource_type:seed", *earlier]
        if exclude_privacy:
            exclude.append("tag:privacy")
        # A test runs in the first layer that has built all its parents (dbt's default, eager,
        # would run a relationship test as soon as one of its two models is built).
        tests = ["--indirect-selection", "buildable"] if command == "build" else []
        layers.append((name, [*args, "--exclude", *exclude, *tests]))
        earlier += [f"+path:{f}" for f in folders]
    layers.append(("privacy", PRIVACY_TESTS))
    return layers


STAGES = ["load", "parse", "seed", *(layer[0] for layer in DBT_LAYERS), "privacy", "export"]


def pipase_command(command: str, *args: str) -> list[str]:
    """`pipase COMMAND ARGS` with this interpreter (the CLI if it dispatches it)."""
    from pipase import cli

    if command in cli.COMMANDS:
        return [sys.executable, "-m", "pipase.cli", command, *args]
    return [sys.executable, "-m", "pipase.bench.launch", MODULES[command], *args]


def dbt_executable() -> str:
    dbt = Path(sys.executable).with_name("dbt")
    return str(dbt) if dbt.exists() else "dbt"


def environment(database: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "DO_NOT_TRACK": "1",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_PROFILES_DIR": os.environ.get("DBT_PROFILES_DIR", str(paths.project_dir())),
        "PIPASE_PROJECT_DIR": str(paths.project_dir()),
        "PIPASE_DUCKDB_PATH": str(database),
        # Synthetic data only: the stable codes' secret, as `make demo` sets it.
        "PIPASE_CODE_KEY": os.environ.get("PIPASE_CODE_KEY", "synthetic-bench-code-key"),
    }
    env.pop("PIPASE_HASH_KEY", None)  # the plain protocol, the default
    env.pop("PIPASE_DB_KEY", None)  # an unencrypted benchmark database
    return env


# --------------------------------------------------------------------------- generation
def extraction_matches(extraction: Path, youths: int, seed: int) -> bool:
    """Whether `extraction` holds a complete synthetic extraction for these youths and seed."""
    manifest_path = extraction / "manifest.json"
    if not manifest_path.is_file():
        return False
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except ValueError:
        return False
    if manifest.get("youths") != youths or manifest.get("seed") != seed:
        return False
    for name, entry in manifest.get("files", {}).items():
        path = extraction / name
        if not path.is_file() or path.stat().st_size != entry.get("bytes"):
            return False
    return True


def synth_memory_estimate(youths: int) -> float:
    """Bytes `pipase synth` is expected to hold for `youths` (it builds the extraction in memory).

    Measured in November 2026: 0.40 GB at 10,000 youths, 2.3 GB at 100,000, 6.3 GB at 300,000,
    about 20 KB per youth: 1,000,000 youths would need about 20 GB.
    """
    return 0.2 * 2**30 + youths * SYNTH_BYTES_PER_YOUTH


def available_memory() -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def generate(
    extraction: Path,
    youths: int,
    seed: int,
    *,
    skip: bool,
    log: Callable[[str], None],
    memory_check: bool = True,
) -> dict[str, object]:
    if extraction_matches(extraction, youths, seed):
        log(f"  generate: reusing {extraction} (same youths and seed)")
        return {"generated": False, "seconds": None}
    if skip:
        raise FileNotFoundError(
            f"--skip-generate: no synthetic extraction for {youths} youths and seed {seed} "
            f"in {extraction}"
        )
    available = available_memory()
    needed = synth_memory_estimate(youths)
    if memory_check and available is not None and needed > 0.9 * available:
        raise RuntimeError(
            f"generating {youths:,} youths needs about {needed / 2**30:.0f} GB (pipase synth "
            f"holds the extraction in memory, about {SYNTH_BYTES_PER_YOUTH // 1000} KB per "
            f"youth) and {available / 2**30:.0f} GB are available: not started, so as not to "
            "exhaust the machine's memory (--no-memory-check to try anyway, or generate it "
            "elsewhere into the same folder and use --skip-generate)"
        )
    if extraction.exists():
        shutil.rmtree(extraction)
    extraction.parent.mkdir(parents=True, exist_ok=True)
    log(f"  generate: pipase synth --youths {youths} --seed {seed} (not timed)")
    command = pipase_command(
        "synth", "--out", str(extraction), "--youths", str(youths), "--seed", str(seed)
    )
    log_file = extraction.parent / "logs" / "generate.log"
    result = run_measured(
        command,
        env=environment(extraction.parent / "unused.duckdb"),
        cwd=paths.project_dir(),
        log_path=log_file,
    )
    if result["exit_code"] != 0:
        raise RuntimeError(f"pipase synth failed (exit {result['exit_code']}, log: {log_file})")
    return {
        "generated": True,
        "seconds": result["seconds"],
        "peak_tree_rss_mb": result["peak_tree_rss_mb"],
        "max_process_rss_mb": result["max_process_rss_mb"],
    }


# --------------------------------------------------------------------------- measurements
def rows_loaded(database: Path) -> int | None:
    """Rows loaded into raw (raw.load_report), else the rows of the raw tables."""
    if not database.is_file():
        return None
    connection = duckdb.connect(str(database), read_only=True)
    try:
        try:
            value = connection.execute("select sum(rows_loaded) from raw.load_report").fetchone()
            if value and value[0] is not None:
                return int(value[0])
        except duckdb.Error:
            pass
        tables = connection.execute(
            "select table_name from information_schema.tables where table_schema = 'raw' "
            "and table_name like '%\\_\\_%' escape '\\'"
        ).fetchall()
        return sum(
            connection.execute(f'select count(*) from raw."{name}"').fetchone()[0]
            for (name,) in tables
        )
    finally:
        connection.close()


def dbt_results(target: Path, since: float) -> dict[str, object] | None:
    """What the dbt invocation that just ran did: nodes by type, statuses, node time summed,
    the five slowest nodes (names of models and tests only)."""
    path = target / "run_results.json"
    if not path.is_file() or path.stat().st_mtime < since:
        return None
    try:
        results = json.loads(path.read_text(encoding="utf-8")).get("results", [])
    except ValueError:
        return None
    nodes: dict[str, int] = {}
    statuses: dict[str, int] = {}
    node_seconds = 0.0
    for result in results:
        kind = result.get("unique_id", "").split(".", 1)[0]
        nodes[kind] = nodes.get(kind, 0) + 1
        status = str(result.get("status"))
        statuses[status] = statuses.get(status, 0) + 1
        node_seconds += float(result.get("execution_time") or 0)
    slowest = sorted(results, key=lambda r: float(r.get("execution_time") or 0), reverse=True)
    return {
        "nodes": nodes,
        "statuses": statuses,
        "node_seconds_sum": round(node_seconds, 2),
        "slowest": [
            {"node": r.get("unique_id"), "seconds": round(float(r.get("execution_time") or 0), 2)}
            for r in slowest[:5]
        ],
    }


_LOAD_LINE = re.compile(r"^\s+(\S+): ([\d,]+) rows in ([\d.]+) s")


def load_files(log_path: Path) -> list[dict[str, object]]:
    """Per-file figures that `pipase load` prints (file, rows, seconds; counts only)."""
    files = []
    try:
        lines = log_path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return files
    for line in lines:
        match = _LOAD_LINE.match(line)
        if match:
            rows, seconds = int(match[2].replace(",", "")), float(match[3])
            files.append(
                {
                    "file": match[1],
                    "rows": rows,
                    "seconds": seconds,
                    "rows_per_second": round(rows / seconds) if seconds else None,
                }
            )
    return files


def folder_bytes(folder: Path, exclude: tuple[str, ...] = ()) -> int:
    return sum(
        p.stat().st_size
        for p in folder.rglob("*")
        if p.is_file() and not any(part in exclude for part in p.relative_to(folder).parts)
    )


def run_scale(
    youths: int,
    seed: int,
    out: Path,
    *,
    skip_generate: bool,
    log: Callable[[str], None] = print,
    memory_check: bool = True,
) -> dict[str, object]:
    """Generate (or reuse) the extraction for `youths`, then time each stage on its own."""
    folder = out / f"youths_{youths}_seed_{seed}"
    extraction = folder / "extraction"
    database = folder / "pipase.duckdb"
    target = folder / "target"
    logs = folder / "logs"
    export_dir = folder / "export"
    log(f"scale {youths:,} youths (seed {seed}): {folder}")
    generation = generate(
        extraction, youths, seed, skip=skip_generate, log=log, memory_check=memory_check
    )

    # A fresh database and a fresh dbt target: the run starts from the raw files and a clean
    # checkout (a partial-parse state left by an earlier run of an older project once kept a
    # unit test depending on a model that no longer fed it; `dbt parse` below parses it all).
    for stale in (database, database.with_name(database.name + ".wal")):
        stale.unlink(missing_ok=True)
    for stale in (target, export_dir):
        if stale.is_dir():
            shutil.rmtree(stale)
    env = environment(database)
    # Synthetic benchmark only: a random archive password, never shown nor written.
    env["PIPASE_ARCHIVE_PASSWORD"] = secrets.token_urlsafe(24)
    dbt_paths = ["--target-path", str(target), "--log-path", str(logs / "dbt")]
    dbt_paths += ["--project-dir", str(paths.project_dir())]

    commands: list[tuple[str, list[str]]] = [
        (
            "load",
            pipase_command(
                "load",
                str(extraction),
                "--database",
                str(database),
                "--extraction-date",
                EXTRACTION_DATE.isoformat(),
            ),
        ),
        ("parse", [dbt_executable(), "parse", *dbt_paths]),
        ("seed", [dbt_executable(), "seed", *dbt_paths]),
    ]
    for name, args in layer_arguments():
        commands.append((name, [dbt_executable(), *args, *dbt_paths]))
    commands.append(
        (
            "export",
            pipase_command(
                "export",
                "--database",
                str(database),
                "--target-dir",
                str(target),
                "--out",
                str(export_dir),
                "--extraction-date",
                EXTRACTION_DATE.isoformat(),
                "--overwrite",
            ),
        )
    )

    stages = []
    rows = None
    for name, command in commands:
        log(f"  {name}: running")
        since = time.time()
        result = run_measured(
            command, env=env, cwd=paths.project_dir(), log_path=logs / f"{name}.log"
        )
        if name == "load":
            rows = rows_loaded(database)
            result["files"] = load_files(logs / "load.log")
        status = "ok" if result["exit_code"] == 0 else "failed"
        stage = {"name": name, "command": _shown(command), "status": status, **result}
        if command[0] == dbt_executable():
            stage["dbt"] = dbt_results(target, since)
        stages.append(stage)
        log(
            f"  {name}: {status} in {result['seconds']:.1f} s, "
            f"peak {result['peak_tree_rss_mb'] or result['max_process_rss_mb']} MB"
        )
    for stage in stages:
        seconds = stage["seconds"]
        stage["rows_per_second"] = round(rows / seconds) if rows and seconds else None

    # The fixed cost of one dbt call (start, partial parse, connection), for reading the layers'
    # times: not a stage, not in the total.
    noop = run_measured(
        [dbt_executable(), "run", "--select", "tag:pipase_bench_nothing", *dbt_paths],
        env=env,
        cwd=paths.project_dir(),
        log_path=logs / "dbt_noop.log",
    )
    archives = sorted(export_dir.glob("*.7z")) if export_dir.is_dir() else []
    complete = all(s["status"] == "ok" for s in stages) and bool(archives)
    peaks = [s["peak_tree_rss_mb"] or s["max_process_rss_mb"] for s in stages]
    raw_bytes = folder_bytes(extraction, exclude=("ground_truth", "manifest.json"))
    return {
        "youths": youths,
        "seed": seed,
        "folder": str(folder),
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "generation": generation,
        "rows_loaded": rows,
        "raw_files_bytes": raw_bytes,
        "database_bytes": database.stat().st_size if database.is_file() else None,
        "package": (
            {"file": archives[0].name, "bytes": archives[0].stat().st_size} if archives else None
        ),
        "stages": stages,
        "dbt_invocation_overhead": {
            "what": "a dbt call that selects nothing (start, partial parse, connection); "
            "each dbt stage pays it once",
            "seconds": noop["seconds"],
            "peak_tree_rss_mb": noop["peak_tree_rss_mb"],
        },
        "package_built": bool(archives),
        "total": {
            "what": "raw files -> encrypted package: the sum of the stages",
            "complete": complete,
            "seconds": round(sum(s["seconds"] for s in stages), 2),
            "cpu_seconds": round(sum(s["cpu_seconds"] for s in stages), 2),
            "peak_memory_mb": max(peaks) if peaks else None,
            "rows_per_second": (round(rows / sum(s["seconds"] for s in stages)) if rows else None),
        },
    }


def _shown(command: list[str]) -> str:
    """The command as a user would type it (paths kept; no secret is ever an argument)."""
    shown = list(command)
    if shown[:3] == [sys.executable, "-m", "pipase.cli"]:
        shown = ["pipase", *shown[3:]]
    elif shown[:3] == [sys.executable, "-m", "pipase.bench.launch"]:
        module = shown[3]
        name = next((k for k, v in MODULES.items() if v == module), module)
        shown = ["pipase", name, *shown[4:]]
    elif shown and shown[0] == dbt_executable():
        shown = ["dbt", *shown[1:]]
    return " ".join(shown)
