"""Machine facts, the targets, results.json, the chart and the Markdown tables."""

from __future__ import annotations

import json
import math
import os
import platform
import time
from importlib import metadata
from pathlib import Path

# The targets (on 2 cores): reported, never asserted.
DEPARTMENT_YOUTHS = 100_000
DEPARTMENT_SECONDS = 30
DEPARTMENT_FLOOR_RATIO = 3.0  # pipase's total at most this many times the floor, same run
NATIONAL_YOUTHS = 3_000_000
NATIONAL_SECONDS = 12 * 60
NATIONAL_MEMORY_LIMIT = "8GB"  # passed to `pipase run --memory-limit` at national scale
NATIONAL_MEMORY_MB = 8192  # the process tree's peak must stay under it
SQL_VS_SHA256 = 1.5
KIT_VS_NAIVE = 25.0  # the kit as a whole process (CSV in, CSV out) against the naive script


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _ram_bytes() -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def machine_info() -> dict[str, object]:
    ram = _ram_bytes()
    return {
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "cpu_model": _cpu_model(),
        "cores": os.cpu_count(),
        "cores_available": (
            len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
        ),
        "ram_gb": round(ram / 2**30, 1) if ram else None,
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "os": platform.platform(),
        "python": platform.python_version(),
        "duckdb": _version("duckdb"),
        "dbt_core": _version("dbt-core"),
        "dbt_duckdb": _version("dbt-duckdb"),
        "pandas": _version("pandas"),
        "pyarrow": _version("pyarrow"),
        "py7zr": _version("py7zr"),
        "pipase": _version("pipase"),
    }


# --------------------------------------------------------------------------- targets
def _growth_estimate(scales: list[dict], youths: int) -> dict[str, object] | None:
    """Estimate the total time at `youths` from the two largest complete scales.

    Each stage is taken as a fixed cost plus a cost per youth (the line through the two
    measurements, never decreasing); the stages' estimates are summed.
    """
    done = sorted(
        (s for s in scales if s["total"]["complete"] and s["total"]["seconds"] > 0),
        key=lambda s: s["youths"],
    )
    if len(done) < 2:
        return None
    a, b = done[-2], done[-1]
    estimate = 0.0
    for stage in (st for st in b["stages"] if st.get("in_total", True)):
        before = next((s for s in a["stages"] if s["name"] == stage["name"]), None)
        if before is None:
            return None
        per_youth = max(stage["seconds"] - before["seconds"], 0.0) / (b["youths"] - a["youths"])
        estimate += stage["seconds"] + per_youth * (youths - b["youths"])
    slope = math.log(b["total"]["seconds"] / a["total"]["seconds"]) / math.log(
        b["youths"] / a["youths"]
    )
    return {
        "from_youths": [a["youths"], b["youths"]],
        "log_log_slope": round(slope, 3),
        "estimated_seconds": round(estimate, 1),
        "note": "each stage: fixed cost + cost per youth through the two largest scales; "
        "an estimate, not a measurement",
    }


def targets(results: dict) -> list[dict[str, object]]:
    scales = results.get("scales", [])
    by_youths = {s["youths"]: s for s in scales}
    rows: list[dict[str, object]] = []

    department = by_youths.get(DEPARTMENT_YOUTHS)
    if department:
        total = department["total"]
        ratio = total.get("floor_ratio")
        holds = (
            total["complete"]
            and total["seconds"] <= DEPARTMENT_SECONDS
            and ratio is not None
            and ratio <= DEPARTMENT_FLOOR_RATIO
        )
        measured = (
            f"{total['seconds']:.0f} s, {ratio}x the floor, peak {total['peak_memory_mb']:.0f} MB"
            + ("" if total["complete"] else " (incomplete: a stage failed)")
        )
    else:
        holds, measured = None, "not measured"
    rows.append(
        {
            "target": f"department scale ({DEPARTMENT_YOUTHS:,} youths) raw -> package within "
            f"{DEPARTMENT_FLOOR_RATIO:g}x the floor and {DEPARTMENT_SECONDS} s",
            "measured": measured,
            "holds": holds,
        }
    )

    national = by_youths.get(NATIONAL_YOUTHS)
    estimate = None
    if national:
        total = national["total"]
        limit = national.get("memory_limit")
        peak = total["peak_memory_mb"] or 0
        holds = (
            total["complete"]
            and total["seconds"] <= NATIONAL_SECONDS
            and limit is not None
            and peak <= NATIONAL_MEMORY_MB
        )
        measured = (
            f"{total['seconds']:.0f} s ({total['seconds'] / 60:.1f} min), "
            f"{total.get('floor_ratio')}x the floor, peak {peak:.0f} MB, "
            f"--memory-limit {limit or 'not set'}" + ("" if total["complete"] else " (incomplete)")
        )
    else:
        estimate = _growth_estimate(scales, NATIONAL_YOUTHS)
        holds = None
        measured = (
            f"not measured; estimated {estimate['estimated_seconds']:.0f} s "
            f"({estimate['estimated_seconds'] / 60:.0f} min) from the growth of each stage "
            f"between {estimate['from_youths'][0]:,} and {estimate['from_youths'][1]:,} youths"
            if estimate
            else "not measured"
        )
    rows.append(
        {
            "target": f"national scale ({NATIONAL_YOUTHS:,} youths) within "
            f"{NATIONAL_SECONDS // 60} min, peak under {NATIONAL_MEMORY_MB // 1024} GB with "
            f"--memory-limit {NATIONAL_MEMORY_LIMIT}",
            "measured": measured,
            "holds": holds,
            "estimate": estimate,
        }
    )

    keys = results.get("keys")
    ratios = keys["ratios"] if keys else {}
    rows.append(
        {
            "target": f"SQL key generation within {SQL_VS_SHA256:g}x of bare sha256",
            "measured": f"{ratios['sql_vs_limit']}x" if keys else "not measured",
            "holds": ratios["sql_vs_limit"] <= SQL_VS_SHA256 if keys else None,
        }
    )
    kit_process = ratios.get("kit_process_speedup_vs_naive_process")
    rows.append(
        {
            "target": f"partners' kit as a whole process (CSV in, CSV out) at least "
            f"{KIT_VS_NAIVE:g}x the naive script",
            "measured": f"{kit_process}x on {keys['rows']:,} rows (same file, same run)"
            if kit_process is not None
            else "not measured",
            "holds": kit_process >= KIT_VS_NAIVE if kit_process is not None else None,
        }
    )
    return rows


# --------------------------------------------------------------------------- results
def merge(previous: dict | None, current: dict) -> dict:
    """Keep earlier scales (same seed) that this run did not measure again, and earlier keys
    results when this run skipped them; each entry keeps its own measurement date."""
    if not previous:
        return current
    measured = {s["youths"] for s in current.get("scales", [])}
    same_stages = previous.get("format_version") == current.get("format_version")
    kept = [
        s
        for s in previous.get("scales", [])
        if same_stages
        and s["youths"] not in measured
        and s.get("seed") == current["settings"]["seed"]
    ]
    current["scales"] = sorted(kept + current.get("scales", []), key=lambda s: s["youths"])
    if current.get("keys") is None and previous.get("keys") is not None:
        current["keys"] = previous["keys"]
    return current


def write_json(path: Path, results: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def read_json(path: Path) -> dict | None:
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return None


# --------------------------------------------------------------------------- chart
def chart(results: dict, path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    scales = results.get("scales", [])
    keys = results.get("keys")
    figure, (left, right) = plt.subplots(1, 2, figsize=(13, 5.5))
    if scales:
        names = [s["name"] for s in scales[0]["stages"]]
        x = [s["youths"] for s in scales]
        for name in names:
            stages = [next(st for st in s["stages"] if st["name"] == name) for s in scales]
            y = [st["seconds"] for st in stages]
            left.plot(x, y, marker="o", label=name)
            failed = [(xi, st["seconds"]) for xi, st in zip(x, stages, strict=True)
                      if st["status"] != "ok"]  # fmt: skip
            if failed:
                left.scatter(*zip(*failed, strict=True), marker="x", color="red", s=60, zorder=3)
        left.plot(
            x, [s["total"]["seconds"] for s in scales], marker="s", color="black", lw=2,
            label="total (raw -> package)",
        )  # fmt: skip
        left.axhline(DEPARTMENT_SECONDS, color="grey", ls=":", lw=1)
        left.axhline(NATIONAL_SECONDS, color="grey", ls="--", lw=1)
        left.set_xscale("log")
        left.set_yscale("log")
        left.set_xlabel("youths in the synthetic extraction")
        left.set_ylabel("seconds (wall)")
        left.set_title("Main job, stage by stage (dotted 30 s, dashed 12 min; x: failed)")
        left.legend(fontsize=7, loc="lower right", ncol=2)
        left.grid(True, which="both", alpha=0.3)
    else:
        left.text(0.5, 0.5, "no scale measured (--keys-only)", ha="center", va="center")
        left.set_axis_off()
    if keys:
        methods = ["naive", "kit", "sql", "limit"]
        labels = [
            "naive\n(pandas apply)",
            "partners' kit",
            "SQL macros\n(DuckDB)",
            "bare sha256\n(DuckDB)",
        ]
        speeds = [keys["methods"][m]["rows_per_second"] for m in methods]
        bars = right.bar(labels, speeds, color=["#b0b0b0", "#4c72b0", "#55a868", "#c44e52"])
        for bar, value in zip(bars, speeds, strict=True):
            right.annotate(
                f"{value:,}", (bar.get_x() + bar.get_width() / 2, value), ha="center",
                va="bottom", fontsize=8,
            )  # fmt: skip
        right.set_yscale("log")
        right.set_ylabel("identity rows per second (both keys)")
        right.set_title(f"Keys on the same {keys['rows']:,} rows (naive: scaled subsample)")
        right.grid(True, axis="y", which="both", alpha=0.3)
    else:
        right.set_axis_off()
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


# --------------------------------------------------------------------------- tables
def _number(value, digits: int = 0) -> str:
    if value is None:
        return "-"
    return f"{value:,.{digits}f}"


def stage_table(results: dict) -> str:
    scales = results.get("scales", [])
    if not scales:
        return "(no scale measured)"
    header = ["stage"]
    for s in scales:
        header += [f"{s['youths']:,} youths: s", "rows/s", "peak MB"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    names = [st["name"] for st in scales[0]["stages"]]
    for name in names:
        first = next(st for st in scales[0]["stages"] if st["name"] == name)
        cells = [name if first.get("in_total", True) else f"{name} (once per checkout)"]
        for s in scales:
            stage = next((st for st in s["stages"] if st["name"] == name), None)
            if stage is None:
                cells += ["-", "-", "-"]
                continue
            flag = "" if stage["status"] == "ok" else " (failed)"
            peak = stage["peak_tree_rss_mb"] or stage["max_process_rss_mb"]
            cells += [_number(stage["seconds"], 1) + flag, _number(stage["rows_per_second"]),
                      _number(peak)]  # fmt: skip
        lines.append("| " + " | ".join(cells) + " |")
    cells = ["**total raw -> package** (the whole `pipase run`)"]
    for s in scales:
        total = s["total"]
        flag = "" if total["complete"] else " (incomplete)"
        cells += [f"**{_number(total['seconds'], 1)}**{flag}", _number(total["rows_per_second"]),
                  _number(total["peak_memory_mb"])]  # fmt: skip
    lines.append("| " + " | ".join(cells) + " |")
    cells = ["floor: the least work on the same files (read, keys, Parquet)"]
    for s in scales:
        cells += [_number(s["total"].get("floor_seconds"), 1), "", ""]
    lines.append("| " + " | ".join(cells) + " |")
    cells = ["**pipase / floor**"]
    for s in scales:
        ratio = s["total"].get("floor_ratio")
        cells += [f"**{ratio:.1f}x**" if ratio else "-", "", ""]
    lines.append("| " + " | ".join(cells) + " |")
    cells = ["first run in a fresh checkout (+ parse)"]
    for s in scales:
        cells += [_number(s["total"].get("first_run_seconds"), 1), "", ""]
    lines.append("| " + " | ".join(cells) + " |")
    cells = ["rows loaded"] + sum(([_number(s["rows_loaded"]), "", ""] for s in scales), [])
    lines.append("| " + " | ".join(cells) + " |")
    cells = ["package (MB)"]
    for s in scales:
        package = s.get("package")
        cells += [_number(package["bytes"] / 2**20, 1) if package else "none", "", ""]
    lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def floor_table(results: dict) -> str:
    """The floor's three steps per scale, and the ratio of pipase's total to it."""
    scales = [s for s in results.get("scales", []) if s.get("floor")]
    if not scales:
        return "(no floor measured)"
    lines = [
        "| floor (same files, same run) | "
        + " | ".join(f"{s['youths']:,} youths: s" for s in scales)
        + " |",
        "|---|" + "---|" * len(scales),
    ]
    steps = [
        ("read every file (DuckDB)", "read"),
        ("normalise and hash the distinct identities once", "keys"),
        ("write Parquet of the package's size", "write"),
    ]
    for label, key in steps:
        cells = [_number(s["floor"]["seconds"].get(key), 2) for s in scales]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    cells = [_number(s["floor"]["total_seconds"], 2) for s in scales]
    lines.append("| **floor** | " + " | ".join(f"**{c}**" for c in cells) + " |")
    cells = [f"{s['floor']['ratio']:.1f}x" if s["floor"].get("ratio") else "-" for s in scales]
    lines.append("| pipase's total / floor | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def layer_table(results: dict) -> str:
    """Inside the dbt build stage: node-seconds and span per layer, for each scale."""
    scales = [s for s in results.get("scales", []) if _build_layers(s)]
    if not scales:
        return "(no dbt build measured)"
    header = ["inside `dbt build`"]
    for s in scales:
        header += [f"{s['youths']:,} youths: nodes", "node-s", "span s"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    names: list[str] = []
    for s in scales:
        names += [n for n in _build_layers(s) if n not in names]
    for name in names:
        cells = [name]
        for s in scales:
            entry = _build_layers(s).get(name)
            if entry is None:
                cells += ["-", "-", "-"]
                continue
            cells += [_number(entry["nodes"]), _number(entry["node_seconds"], 1),
                      _number(entry["span_seconds"], 1)]  # fmt: skip
        lines.append("| " + " | ".join(cells) + " |")
    cells = ["threads; dbt's elapsed time"]
    for s in scales:
        dbt = next(st for st in s["stages"] if st.get("dbt"))["dbt"]
        cells += [_number(dbt.get("threads")), "", _number(dbt.get("elapsed_seconds"), 1)]
    lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _build_layers(scale: dict) -> dict:
    for stage in scale.get("stages", []):
        if stage.get("dbt"):
            return stage["dbt"].get("layers") or {}
    return {}


def keys_table(results: dict) -> str:
    keys = results.get("keys")
    if not keys:
        return "(keys not measured)"
    lines = [
        f"Keys on {keys['rows']:,} identity rows "
        f"({keys['inputs']['distinct_name_values']:,} distinct name values); "
        f"all methods agree: {keys['all_methods_agree']}",
        "",
        "| method | rows measured | seconds | CPU s | rows/s | speed-up vs naive | x bare sha256 |",
        "|---|---|---|---|---|---|---|",
    ]
    naive = keys["methods"]["naive"]["seconds"]
    limit = keys["methods"]["limit"]["seconds"]
    for name in ("naive", "kit", "sql", "limit", "python_sha256", "sql_file", "limit_file"):
        entry = keys["methods"].get(name)  # the whole processes have their own table below
        if entry is None:
            continue
        seconds = entry["seconds"]
        label = name + (" (scaled)" if entry.get("extrapolated") else "")
        lines.append(
            f"| {label} | {entry['rows_measured']:,} | {seconds:.2f} | "
            f"{_number(entry.get('cpu_seconds'), 2)} | {_number(entry['rows_per_second'])} | "
            f"{naive / seconds:.1f} | {seconds / limit:.2f} |"
        )
    whole = keys.get("processes")
    if whole:
        lines += [
            "",
            f"Whole processes on the same {keys['rows']:,}-row CSV ({whole['file_mb']} MB), "
            f"same run: the kit is {whole['speedup']}x faster (CPU: {whole['cpu_speedup']}x)",
            "",
            "| process | command | seconds | CPU s | rows/s | peak MB |",
            "|---|---|---|---|---|---|",
        ]
        for name in ("naive_process", "kit_process"):
            entry = whole[name]
            lines.append(
                f"| {name} | `{entry['command']}` | {entry['seconds']:.2f} | "
                f"{_number(entry.get('cpu_seconds'), 2)} | {_number(entry['rows_per_second'])} | "
                f"{entry['max_process_rss_mb']} |"
            )
    return "\n".join(lines)


def targets_table(results: dict) -> str:
    lines = ["| target | measured | holds |", "|---|---|---|"]
    for row in results.get("targets", []):
        holds = {True: "yes", False: "**no**", None: "-"}[row["holds"]]
        lines.append(f"| {row['target']} | {row['measured']} | {holds} |")
    return "\n".join(lines)


def markdown(results: dict) -> str:
    machine = results["machine"]
    parts = [
        f"## pipase bench ({machine['date']})",
        "",
        f"{machine['cpu_model']}, {machine['cores']} cores, {machine['ram_gb']} GB RAM; "
        f"Python {machine['python']}, DuckDB {machine['duckdb']}, dbt {machine['dbt_core']} "
        f"(dbt-duckdb {machine['dbt_duckdb']}); load average at start "
        f"{machine['load_average_at_start'][0]}",
        "",
        stage_table(results),
        "",
        floor_table(results),
        "",
        layer_table(results),
        "",
        keys_table(results),
        "",
        targets_table(results),
    ]
    return "\n".join(parts)
