"""The main job, stage by stage, at one scale: raw files to the encrypted package.

The data office's one command, `pipase run` (`pipase.run.run_main_job`), in a subprocess (see
`measure`: wall time, CPU time and peak memory of the whole process tree), after the parse that
a checkout does once:

    parse   dbt parse                           (from a fresh target folder: the whole project;
                                                once per checkout or upgrade, then dbt parses
                                                only what changed: reported, not in the total)
    run     pipase run EXTRACTION --extraction-date ... --database DB --out EXPORT
            whose run record (pipase_<date>.run.json) gives each stage's wall and CPU seconds
            and peak memory (of the run's process and its children):
              load        the extraction into the identifying zone
              hash_rate   the hash-rate measure of the risk report
              build       one `dbt build --selector main_job` (in the run's process)
              export      the gate, Parquet, manifest, 7-zip AES-256
              start_and_record   the rest of the run's wall time: Python and imports, the
                                 password, the run record

Inside `build`, each node's time comes from dbt's run_results.json and is grouped by layer (see
`dbt_layers`): seeds, identifying (staging and key doors), crossing (cohort, crossing,
minimisation, snapshots), leaving (annex 2), reports, the privacy tests (every test of a leaving
model, and the tests tagged privacy), the other data tests, the other unit tests, plus dbt's
own start and parse (the stage's time minus the run's elapsed time). dbt runs nodes on several
threads in DAG order, so the layers overlap: each layer gives its node-seconds (the sum of its
nodes' times) and its span (first start to last end).

Then the floor (`pipase.bench.floor`): the least work the job needs on the same files (read
every file, hash the distinct identities once, write Parquet of the package's size), timed in
the same run; the total is reported as a multiple of it.

The synthetic extraction is generated first (not timed; reused when present for the same
youths and seed). Rows per second are the rows loaded (raw.load_report) over each stage's time.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import sys
import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

from pipase import paths
from pipase.bench.floor import measure_floor
from pipase.bench.measure import run_measured
from pipase.bench.report import number
from pipase.i18n import _
from pipase.manifest import is_leaving, read_manifest

EXTRACTION_DATE = date(2026, 6, 30)  # pipase synth's default
# pipase synth generates 50,000 youths at a time: its peak memory is bounded (measured in
# November 2026: 0.69 GB at 200,000 youths, 0.86 GB at 1,000,000); its output takes about
# 4.3 KB of disk per youth (4.2 GB at 1,000,000).
SYNTH_PEAK_BYTES = 1.2 * 2**30
SYNTH_DISK_BYTES_PER_YOUTH = 4_300
# Module of each pipase command, for commands the CLI does not dispatch yet.
MODULES = {
    "synth": "pipase.synth",
    "load": "pipase.load",
    "export": "pipase.transmission.export_cmd",
    "run": "pipase.run",
}
# The production command, as in `make demo` and the README (selectors.yml: every node but the
# unit tests of non-leaving models, which run in CI), run by `pipase run`.
DBT_BUILD = ["build", "--selector", "main_job"]
# The stages of `pipase run` (its run record), then what else its process did.
RUN_STAGES = ["load", "hash_rate", "build", "export"]
STAGES = ["parse", *RUN_STAGES, "start_and_record"]
# Stages in the total raw files -> package (the parse is once per checkout).
TOTAL_STAGES = [*RUN_STAGES, "start_and_record"]
# Layers of the dbt build: a leaving model as pipase.manifest says; others by the folder of a
# model (first match) or the kind of node.
LAYER_FOLDERS = [
    # the probabilistic pass of the crossing: its two dbt Python models (Splink),
    # a layer of its own so that the time it adds shows
    (
        "probabilistic crossing",
        (
            "models/intermediate/keys/int_keys__modele_probabiliste",
            "models/intermediate/keys/int_keys__liens_probabilistes",
        ),
    ),
    ("identifying", ("models/staging/", "models/intermediate/keys/")),
    (
        "crossing",
        (
            "models/intermediate/cohort/",
            "models/intermediate/crossing/",
            "models/intermediate/minimisation/",
            "snapshots/",
        ),
    ),
    ("reports", ("models/marts/reports/",)),
]
LAYERS = ["dbt start and parse", "seeds", *(name for name, _ in LAYER_FOLDERS[:2]), "leaving",
          *(name for name, _ in LAYER_FOLDERS[2:]),
          "privacy tests", "other data tests", "other unit tests"]  # fmt: skip


def layer_label(name: str) -> str:
    """A layer's name as printed, in the user's language (results.json keeps `name`)."""
    labels = {
        "dbt start and parse": _("dbt start and parse"),
        "seeds": _("seeds"),
        "probabilistic crossing": _("probabilistic crossing"),
        "identifying": _("identifying"),
        "leaving": _("leaving"),
        "crossing": _("crossing"),
        "reports": _("reports"),
        "privacy tests": _("privacy tests"),
        "other data tests": _("other data tests"),
        "other unit tests": _("other unit tests"),
        "other": _("other"),
    }
    return labels.get(name, name)


def stage_label(name: str) -> str:
    """A stage's name as printed: the run's own labels for its stages (`pipase.run`)."""
    from pipase.run.job import stage_labels

    labels = {
        "parse": _("dbt parse"),
        **stage_labels(),
        "start_and_record": _("start and run record"),
    }
    return labels.get(name, name)


def status_label(status: str) -> str:
    return {"ok": _("ok"), "failed": _("failed")}.get(status, status)


def node_layer(node: dict, nodes: dict | None = None) -> str:
    """The layer of one manifest node (seed, model, snapshot, data or unit test); `nodes` (the
    manifest's) tells which model a test is attached to."""
    kind = node.get("resource_type")
    if kind == "seed":
        return "seeds"
    if kind in ("test", "unit_test"):
        tags = node.get("tags") or (node.get("config") or {}).get("tags") or []
        attached = node.get("attached_node") or node.get("model")
        if attached and not attached.startswith("model."):
            attached = next(
                (uid for uid in (node.get("depends_on") or {}).get("nodes", [])
                 if uid.split(".")[-1] == attached), None,
            )  # fmt: skip
        parent = (nodes or {}).get(attached) or {}
        if "privacy" in tags or (parent and node_layer(parent) == "leaving"):
            return "privacy tests"
        return "other data tests" if kind == "test" else "other unit tests"
    if kind == "model" and is_leaving(node):
        return "leaving"
    path = node.get("original_file_path") or ""
    for name, folders in LAYER_FOLDERS:
        if path.startswith(folders):
            return name
    return "other"


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


def synth_disk_estimate(youths: int) -> float:
    """Bytes of disk the synthetic extraction of `youths` takes (measured, see above)."""
    return youths * SYNTH_DISK_BYTES_PER_YOUTH


def available_memory() -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def available_disk(folder: Path) -> int | None:
    """Free bytes on the file system of `folder` (or of its nearest existing parent)."""
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    try:
        return shutil.disk_usage(folder).free
    except OSError:
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
        log("  " + _("generate: reusing {folder} (same youths and seed)").format(folder=extraction))
        return {"generated": False, "seconds": None}
    if skip:
        raise FileNotFoundError(
            _(
                "--skip-generate: no synthetic extraction for {youths} youths and seed {seed} in "
                "{folder}"
            ).format(youths=youths, seed=seed, folder=extraction)  # fmt: skip
        )
    memory, disk = available_memory(), available_disk(extraction.parent)
    needed = synth_disk_estimate(youths)
    if memory_check and memory is not None and memory * 0.9 < SYNTH_PEAK_BYTES:
        raise RuntimeError(
            _("pipase synth needs about {needed} GB of memory and {available} GB are available: "
              "not started (--no-memory-check to try anyway)").format(
                needed=number(SYNTH_PEAK_BYTES / 2**30, 1), available=number(memory / 2**30, 1))
        )  # fmt: skip
    if memory_check and disk is not None and needed > 0.9 * disk:
        raise RuntimeError(
            _("generating {youths} youths needs about {needed} GB of disk (about {per} KB per "
              "youth) and {free} GB are free under {folder}: not started (--no-memory-check to "
              "try anyway, or generate it elsewhere into the same folder and use "
              "--skip-generate)").format(
                youths=number(youths), needed=number(needed / 2**30),
                per=number(SYNTH_DISK_BYTES_PER_YOUTH / 1000, 1), free=number(disk / 2**30),
                folder=extraction.parent)
        )  # fmt: skip
    if extraction.exists():
        shutil.rmtree(extraction)
    extraction.parent.mkdir(parents=True, exist_ok=True)
    log("  " + _("generate: pipase synth --youths {youths} --seed {seed} (not timed)").format(
        youths=youths, seed=seed))  # fmt: skip
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
        raise RuntimeError(
            _("pipase synth failed (exit {code}, log: {log})").format(
                code=result["exit_code"], log=log_file
            )
        )
    return {
        "generated": True,
        "seconds": result["seconds"],
        "peak_tree_rss_mb": result["peak_tree_rss_mb"],
        "max_process_rss_mb": result["max_process_rss_mb"],
    }


# --------------------------------------------------------------------------- measurements
def _timestamp(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def dbt_layers(target: Path, since: float, stage_seconds: float) -> dict[str, object] | None:
    """What the dbt build that just ran did, by layer (node names only, never data).

    From target/run_results.json (each node's status, execution time and timing) and
    target/manifest.json (each node's folder, kind and tags): per layer the number of nodes,
    their summed seconds and the span from the first start to the last end; dbt's start and
    parse is the stage's time minus the run's elapsed time. Also the statuses and the ten
    slowest nodes.
    """
    results_path, manifest_path = target / "run_results.json", target / "manifest.json"
    if not results_path.is_file() or results_path.stat().st_mtime < since:
        return None
    try:
        run = json.loads(results_path.read_text(encoding="utf-8"))
        manifest = read_manifest(manifest_path)
    except (OSError, ValueError):
        return None
    nodes = manifest.get("nodes", {})
    elapsed = float(run.get("elapsed_time") or 0.0)
    layers: dict[str, dict[str, object]] = {
        "dbt start and parse": {
            "nodes": 0,
            "node_seconds": None,
            "span_seconds": round(max(stage_seconds - elapsed, 0.0), 2),
        }
    }
    statuses: dict[str, int] = {}
    starts: dict[str, list[float]] = {}
    ends: dict[str, list[float]] = {}
    for result in run.get("results", []):
        uid = result.get("unique_id") or ""
        node = nodes.get(uid) or (manifest.get("unit_tests") or {}).get(uid) or {}
        layer = node_layer(node, nodes)
        entry = layers.setdefault(layer, {"nodes": 0, "node_seconds": 0.0, "span_seconds": 0.0})
        entry["nodes"] += 1
        entry["node_seconds"] += float(result.get("execution_time") or 0.0)
        status = str(result.get("status"))
        statuses[status] = statuses.get(status, 0) + 1
        for timing in result.get("timing") or []:
            start = _timestamp(timing.get("started_at"))
            end = _timestamp(timing.get("completed_at"))
            if start is not None and end is not None:
                starts.setdefault(layer, []).append(start)
                ends.setdefault(layer, []).append(end)
    for layer, entry in layers.items():
        if layer in starts:
            entry["span_seconds"] = round(max(ends[layer]) - min(starts[layer]), 2)
        if entry["node_seconds"] is not None:
            entry["node_seconds"] = round(entry["node_seconds"], 2)
    ordered = {name: layers[name] for name in [*LAYERS, "other"] if name in layers}
    slowest = sorted(
        run.get("results", []), key=lambda r: float(r.get("execution_time") or 0), reverse=True
    )
    return {
        "elapsed_seconds": round(elapsed, 2),
        "threads": (run.get("args") or {}).get("threads"),
        "layers": ordered,
        "statuses": statuses,
        "slowest": [
            {"node": r.get("unique_id"), "seconds": round(float(r.get("execution_time") or 0), 2)}
            for r in slowest[:10]
        ],
    }


def load_files(run_record: dict) -> list[dict[str, object]]:
    """Per-file figures of the load from the run record (file, rows, seconds; counts only)."""
    files = []
    for entry in run_record.get("fichiers") or []:
        rows, seconds = entry.get("lignes_chargees") or 0, entry.get("secondes")
        files.append(
            {
                "file": entry.get("fichier"),
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
    floor: bool = True,
    memory_limit: str | None = None,
) -> dict[str, object]:
    """Generate (or reuse) the extraction for `youths`, then time the main job and its floor."""
    folder = out / f"youths_{youths}_seed_{seed}"
    extraction = folder / "extraction"
    database = folder / "pipase.duckdb"
    target = folder / "target"
    logs = folder / "logs"
    export_dir = folder / "export"
    log(_("scale {youths} youths (seed {seed}): {folder}").format(
        youths=number(youths), seed=seed, folder=folder))  # fmt: skip
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
    date_text = EXTRACTION_DATE.isoformat()

    log("  " + _("{stage}: running").format(stage=stage_label("parse")))
    parse = run_measured(
        [dbt_executable(), "parse", *dbt_paths],
        env=env,
        cwd=paths.project_dir(),
        log_path=logs / "parse.log",
    )
    parse_stage = {
        "name": "parse",
        "command": _shown([dbt_executable(), "parse", *dbt_paths]),
        "status": "ok" if parse["exit_code"] == 0 else "failed",
        "in_total": False,
        **parse,
    }
    run_command = pipase_command(
        "run", str(extraction), "--extraction-date", date_text, "--database", str(database),
        "--out", str(export_dir), "--target-dir", str(target), "--log-dir", str(logs / "dbt"),
        "--overwrite",
        *(["--memory-limit", memory_limit] if memory_limit else []),
    )  # fmt: skip
    log("  " + _("{stage}: running").format(stage="pipase run"))
    since = time.time()
    run = run_measured(run_command, env=env, cwd=paths.project_dir(), log_path=logs / "run.log")
    record_path = export_dir / f"pipase_{date_text}.run.json"
    try:
        record = json.loads(record_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        record = {}
    durations = record.get("durees") or {}
    stages = [parse_stage]
    for name in RUN_STAGES:
        timing = durations.get(name) or {}
        seconds = float(timing.get("secondes") or 0.0)
        stage = {
            "name": name,
            "command": _shown(run_command),
            "status": "ok" if timing.get("statut") == "ok" else "failed",
            "in_total": True,
            "seconds": round(seconds, 3),
            "cpu_seconds": round(float(timing.get("cpu_secondes") or 0.0), 3),
            "exit_code": run["exit_code"],
            "peak_tree_rss_mb": timing.get("pic_memoire_mo"),
            "max_process_rss_mb": run["max_process_rss_mb"],
            "memory_method": "psutil RSS of the run's process and its children, sampled "
            "every 0.1 s during the stage",
            "log": run["log"],
        }
        if name == "load":
            stage["files"] = load_files(record)
        if name == "build":
            stage["dbt"] = dbt_layers(target, since, seconds)
        stages.append(stage)
    stage_seconds = sum(s["seconds"] for s in stages[1:])
    stages.append(
        {
            "name": "start_and_record",
            "command": _shown(run_command),
            "status": "ok" if run["exit_code"] == 0 else "failed",
            "in_total": True,
            "seconds": round(max(run["seconds"] - stage_seconds, 0.0), 3),
            "cpu_seconds": round(
                max(run["cpu_seconds"] - sum(s["cpu_seconds"] for s in stages[1:]), 0.0), 3
            ),
            "exit_code": run["exit_code"],
            "peak_tree_rss_mb": None,
            "max_process_rss_mb": None,
            "log": run["log"],
        }
    )
    for stage in stages:
        log(
            "  "
            + _("{stage}: {status} in {seconds} s").format(
                stage=stage_label(stage["name"]),
                status=status_label(stage["status"]),
                seconds=number(stage["seconds"], 1),
            )
        )
    rows = (record.get("chargement") or {}).get("lignes_chargees")
    for stage in stages:
        seconds = stage["seconds"]
        stage["rows_per_second"] = round(rows / seconds) if rows and seconds else None

    archives = sorted(export_dir.glob("*.7z")) if export_dir.is_dir() else []
    complete = run["exit_code"] == 0 and all(s["status"] == "ok" for s in stages) and bool(archives)
    raw_bytes = folder_bytes(extraction, exclude=("ground_truth", "manifest.json"))
    total_seconds = round(run["seconds"], 2)
    measured_floor = None
    if floor and complete:
        log("  " + _("floor: reading, hashing and writing the same volumes"))
        manifest = json.loads(
            (export_dir / f"pipase_{date_text}.manifest.json").read_text(encoding="utf-8")
        )
        measured_floor = measure_floor(extraction, manifest["tables"], folder / "floor")
        measured_floor["ratio"] = (
            round(total_seconds / measured_floor["total_seconds"], 2)
            if measured_floor["total_seconds"]
            else None
        )
        log(
            "  "
            + _("floor: {seconds} s; pipase takes {ratio} times the floor").format(
                seconds=number(measured_floor["total_seconds"], 1),
                ratio=number(measured_floor["ratio"], 1),
            )
        )
    return {
        "youths": youths,
        "seed": seed,
        "folder": str(folder),
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "generation": generation,
        "memory_limit": memory_limit,
        "rows_loaded": rows,
        "raw_files_bytes": raw_bytes,
        "database_bytes": database.stat().st_size if database.is_file() else None,
        "package": (
            {"file": archives[0].name, "bytes": archives[0].stat().st_size} if archives else None
        ),
        "run": {**run, "command": _shown(run_command), "record": str(record_path)},
        "stages": stages,
        "package_built": bool(archives),
        "floor": measured_floor,
        "total": {
            "what": "raw files -> encrypted package: the whole `pipase run` (load, hash-rate "
            "measure, build, export, and its start and record); the parse of a fresh checkout "
            "is once per checkout, reported apart",
            "stages": TOTAL_STAGES,
            "complete": complete,
            "seconds": total_seconds,
            "cpu_seconds": round(run["cpu_seconds"], 2),
            "peak_memory_mb": run["peak_tree_rss_mb"] or run["max_process_rss_mb"],
            "rows_per_second": round(rows / total_seconds) if rows and total_seconds else None,
            "first_run_seconds": round(total_seconds + parse["seconds"], 2),
            "floor_seconds": measured_floor["total_seconds"] if measured_floor else None,
            "floor_ratio": measured_floor["ratio"] if measured_floor else None,
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
