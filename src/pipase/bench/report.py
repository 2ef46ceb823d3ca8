"""Machine facts, the targets, results.json, the chart and the Markdown tables."""

from __future__ import annotations

import json
import math
import os
import platform
import time
from importlib import metadata
from pathlib import Path

from pipase.i18n import _, number

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
    """Each target, what was measured and whether it holds. In results.json the "target" and
    "measured" texts stay English, whatever the language: readers and scripts compare them; the
    printed table words them in the user's language (:func:`targets_table`)."""
    return _targets(results, _=_as_is, num=_english_number)


def _as_is(message: str) -> str:
    return message


def _targets(results: dict, _=_, num=None) -> list[dict[str, object]]:
    """The targets, worded by `_` (gettext, or the English as is) with numbers by `num`."""
    num = num or number
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
        measured = _("{seconds} s, {ratio}x the floor, peak {peak} MB").format(
            seconds=num(total["seconds"]), ratio=num(ratio, 1), peak=num(total["peak_memory_mb"])
        ) + ("" if total["complete"] else _(" (incomplete: a stage failed)"))
    else:
        holds, measured = None, _("not measured")
    rows.append(
        {
            "target": _(
                "department scale ({youths} youths) raw -> package within {ratio}x the floor "
                "and {seconds} s"
            ).format(
                youths=num(DEPARTMENT_YOUTHS),
                ratio=num(DEPARTMENT_FLOOR_RATIO),
                seconds=DEPARTMENT_SECONDS,
            ),
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
        measured = _(
            "{seconds} s ({minutes} min), {ratio}x the floor, peak {peak} MB, "
            "--memory-limit {limit}"
        ).format(
            seconds=num(total["seconds"]),
            minutes=num(total["seconds"] / 60, 1),
            ratio=num(total.get("floor_ratio"), 1),
            peak=num(peak),
            limit=limit or _("not set"),
        ) + ("" if total["complete"] else _(" (incomplete)"))
    else:
        estimate = _growth_estimate(scales, NATIONAL_YOUTHS)
        holds = None
        measured = (
            _(
                "not measured; estimated {seconds} s ({minutes} min) from the growth of each "
                "stage between {smaller} and {larger} youths"
            ).format(
                seconds=num(estimate["estimated_seconds"]),
                minutes=num(estimate["estimated_seconds"] / 60),
                smaller=num(estimate["from_youths"][0]),
                larger=num(estimate["from_youths"][1]),
            )
            if estimate
            else _("not measured")
        )
    rows.append(
        {
            "target": _(
                "national scale ({youths} youths) within {minutes} min, peak under {gb} GB with "
                "--memory-limit {limit}"
            ).format(
                youths=num(NATIONAL_YOUTHS),
                minutes=NATIONAL_SECONDS // 60,
                gb=NATIONAL_MEMORY_MB // 1024,
                limit=NATIONAL_MEMORY_LIMIT,
            ),
            "measured": measured,
            "holds": holds,
            "estimate": estimate,
        }
    )

    keys = results.get("keys")
    ratios = keys["ratios"] if keys else {}
    rows.append(
        {
            "target": _("SQL key generation within {ratio}x of bare sha256").format(
                ratio=num(SQL_VS_SHA256, 1)
            ),
            "measured": _("{ratio}x").format(ratio=num(ratios["sql_vs_limit"], 2))
            if keys
            else _("not measured"),
            "holds": ratios["sql_vs_limit"] <= SQL_VS_SHA256 if keys else None,
        }
    )
    kit_process = ratios.get("kit_process_speedup_vs_naive_process")
    rows.append(
        {
            "target": _(
                "partners' kit as a whole process (CSV in, CSV out) at least {ratio}x the naive "
                "script"
            ).format(ratio=num(KIT_VS_NAIVE)),
            "measured": _("{ratio}x on {rows} rows (same file, same run)").format(
                ratio=num(kit_process, 2), rows=num(keys["rows"])
            )
            if kit_process is not None
            else _("not measured"),
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

    from pipase.bench.pipeline import stage_label

    scales = results.get("scales", [])
    keys = results.get("keys")
    figure, (left, right) = plt.subplots(1, 2, figsize=(13, 5.5))
    if scales:
        names = [s["name"] for s in scales[0]["stages"]]
        x = [s["youths"] for s in scales]
        for name in names:
            stages = [next(st for st in s["stages"] if st["name"] == name) for s in scales]
            y = [st["seconds"] for st in stages]
            left.plot(x, y, marker="o", label=stage_label(name))
            failed = [(xi, st["seconds"]) for xi, st in zip(x, stages, strict=True)
                      if st["status"] != "ok"]  # fmt: skip
            if failed:
                left.scatter(*zip(*failed, strict=True), marker="x", color="red", s=60, zorder=3)
        left.plot(
            x, [s["total"]["seconds"] for s in scales], marker="s", color="black", lw=2,
            label=_("total (raw -> package)"),
        )  # fmt: skip
        left.axhline(DEPARTMENT_SECONDS, color="grey", ls=":", lw=1)
        left.axhline(NATIONAL_SECONDS, color="grey", ls="--", lw=1)
        left.set_xscale("log")
        left.set_yscale("log")
        left.set_xlabel(_("youths in the synthetic extraction"))
        left.set_ylabel(_("seconds (wall)"))
        left.set_title(_("Main job, stage by stage (dotted 30 s, dashed 12 min; x: failed)"))
        left.legend(fontsize=7, loc="lower right", ncol=2)
        left.grid(True, which="both", alpha=0.3)
    else:
        left.text(0.5, 0.5, _("no scale measured (--keys-only)"), ha="center", va="center")
        left.set_axis_off()
    if keys:
        methods = ["naive", "kit", "sql", "limit"]
        labels = [method_label(m).replace(" (", "\n(") for m in methods]
        speeds = [keys["methods"][m]["rows_per_second"] for m in methods]
        bars = right.bar(labels, speeds, color=["#b0b0b0", "#4c72b0", "#55a868", "#c44e52"])
        for bar, value in zip(bars, speeds, strict=True):
            right.annotate(
                number(value), (bar.get_x() + bar.get_width() / 2, value), ha="center",
                va="bottom", fontsize=8,
            )  # fmt: skip
        right.set_yscale("log")
        right.set_ylabel(_("identity rows per second (both keys)"))
        right.set_title(
            _("Keys on the same {rows} rows (naive: scaled subsample)").format(
                rows=number(keys["rows"])
            )
        )
        right.grid(True, axis="y", which="both", alpha=0.3)
    else:
        right.set_axis_off()
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


# --------------------------------------------------------------------------- tables
def _english_number(value, digits: int = 0) -> str:
    if value is None:
        return "-"
    return f"{value:,.{digits}f}"


def _times(ratio, digits: int = 1) -> str:
    return _("{ratio}x").format(ratio=number(ratio, digits)) if ratio else "-"


def _youths(scale: dict, column: str) -> str:
    return _("{youths} youths: {column}").format(youths=number(scale["youths"]), column=column)


def stage_table(results: dict) -> str:
    from pipase.bench.pipeline import stage_label

    scales = results.get("scales", [])
    if not scales:
        return _("(no scale measured)")
    header = [_("stage")]
    for s in scales:
        header += [_youths(s, "s"), _("rows/s"), _("peak MB")]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    names = [st["name"] for st in scales[0]["stages"]]
    for name in names:
        first = next(st for st in scales[0]["stages"] if st["name"] == name)
        label = stage_label(name)
        cells = [label if first.get("in_total", True)
                 else _("{stage} (once per checkout)").format(stage=label)]  # fmt: skip
        for s in scales:
            stage = next((st for st in s["stages"] if st["name"] == name), None)
            if stage is None:
                cells += ["-", "-", "-"]
                continue
            flag = "" if stage["status"] == "ok" else _(" (failed)")
            peak = stage["peak_tree_rss_mb"] or stage["max_process_rss_mb"]
            cells += [number(stage["seconds"], 1) + flag, number(stage["rows_per_second"]),
                      number(peak)]  # fmt: skip
        lines.append("| " + " | ".join(cells) + " |")
    cells = [_("**total raw -> package** (the whole `pipase run`)")]
    for s in scales:
        total = s["total"]
        flag = "" if total["complete"] else _(" (incomplete)")
        cells += [f"**{number(total['seconds'], 1)}**{flag}", number(total["rows_per_second"]),
                  number(total["peak_memory_mb"])]  # fmt: skip
    lines.append("| " + " | ".join(cells) + " |")
    cells = [_("floor: the least work on the same files (read, keys, Parquet)")]
    for s in scales:
        cells += [number(s["total"].get("floor_seconds"), 1), "", ""]
    lines.append("| " + " | ".join(cells) + " |")
    cells = [_("**pipase / floor**")]
    for s in scales:
        ratio = s["total"].get("floor_ratio")
        cells += [f"**{_times(ratio)}**" if ratio else "-", "", ""]
    lines.append("| " + " | ".join(cells) + " |")
    cells = [_("first run in a fresh checkout (+ parse)")]
    for s in scales:
        cells += [number(s["total"].get("first_run_seconds"), 1), "", ""]
    lines.append("| " + " | ".join(cells) + " |")
    cells = [_("rows loaded")] + sum(([number(s["rows_loaded"]), "", ""] for s in scales), [])
    lines.append("| " + " | ".join(cells) + " |")
    cells = [_("package (MB)")]
    for s in scales:
        package = s.get("package")
        cells += [number(package["bytes"] / 2**20, 1) if package else _("none"), "", ""]
    lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def floor_table(results: dict) -> str:
    """The floor's three steps per scale, and the ratio of pipase's total to it."""
    scales = [s for s in results.get("scales", []) if s.get("floor")]
    if not scales:
        return _("(no floor measured)")
    lines = [
        "| " + _("floor (same files, same run)") + " | "
        + " | ".join(_youths(s, "s") for s in scales)
        + " |",
        "|---|" + "---|" * len(scales),
    ]  # fmt: skip
    steps = [
        (_("read every file (DuckDB)"), "read"),
        (_("normalise and hash the distinct identities once"), "keys"),
        (_("write Parquet of the package's size"), "write"),
    ]
    for label, key in steps:
        cells = [number(s["floor"]["seconds"].get(key), 2) for s in scales]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    cells = [number(s["floor"]["total_seconds"], 2) for s in scales]
    lines.append("| " + _("**floor**") + " | " + " | ".join(f"**{c}**" for c in cells) + " |")
    cells = [_times(s["floor"].get("ratio")) for s in scales]
    lines.append("| " + _("pipase's total / floor") + " | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def layer_table(results: dict) -> str:
    """Inside the dbt build stage: node-seconds and span per layer, for each scale."""
    from pipase.bench.pipeline import layer_label

    scales = [s for s in results.get("scales", []) if _build_layers(s)]
    if not scales:
        return _("(no dbt build measured)")
    header = [_("inside `dbt build`")]
    for s in scales:
        header += [_youths(s, _("nodes")), _("node-s"), _("span s")]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    names: list[str] = []
    for s in scales:
        names += [n for n in _build_layers(s) if n not in names]
    for name in names:
        cells = [layer_label(name)]
        for s in scales:
            entry = _build_layers(s).get(name)
            if entry is None:
                cells += ["-", "-", "-"]
                continue
            cells += [number(entry["nodes"]), number(entry["node_seconds"], 1),
                      number(entry["span_seconds"], 1)]  # fmt: skip
        lines.append("| " + " | ".join(cells) + " |")
    cells = [_("threads; dbt's elapsed time")]
    for s in scales:
        dbt = next(st for st in s["stages"] if st.get("dbt"))["dbt"]
        cells += [number(dbt.get("threads")), "", number(dbt.get("elapsed_seconds"), 1)]
    lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _build_layers(scale: dict) -> dict:
    for stage in scale.get("stages", []):
        if stage.get("dbt"):
            return stage["dbt"].get("layers") or {}
    return {}


def method_label(name: str) -> str:
    """A keys method's name as printed (results.json keeps `name`)."""
    labels = {
        "naive": _("naive (pandas apply)"),
        "kit": _("partners' kit"),
        "sql": _("SQL macros (DuckDB)"),
        "limit": _("bare sha256 (DuckDB)"),
        "python_sha256": _("Python hashlib"),
        "sql_file": _("SQL macros, written to the file"),
        "limit_file": _("bare sha256, written to the file"),
        "naive_process": _("naive script"),
        "kit_process": _("partners' kit"),
    }
    return labels.get(name, name)


def keys_table(results: dict) -> str:
    keys = results.get("keys")
    if not keys:
        return _("(keys not measured)")
    agree = _("yes") if keys["all_methods_agree"] else _("**no**")
    lines = [
        _("Keys on {rows} identity rows ({names} distinct name values); all methods agree: "
          "{agree}").format(
            rows=number(keys["rows"]),
            names=number(keys["inputs"]["distinct_name_values"]),
            agree=agree,
        ),
        "",
        "| " + " | ".join([_("method"), _("rows measured"), _("seconds"), _("CPU s"),
                           _("rows/s"), _("speed-up vs naive"), _("x bare sha256")]) + " |",
        "|---|---|---|---|---|---|---|",
    ]  # fmt: skip
    naive = keys["methods"]["naive"]["seconds"]
    limit = keys["methods"]["limit"]["seconds"]
    for name in ("naive", "kit", "sql", "limit", "python_sha256", "sql_file", "limit_file"):
        entry = keys["methods"].get(name)  # the whole processes have their own table below
        if entry is None:
            continue
        seconds = entry["seconds"]
        label = method_label(name) + (_(" (scaled)") if entry.get("extrapolated") else "")
        cells = [label, number(entry["rows_measured"]), number(seconds, 2),
                 number(entry.get("cpu_seconds"), 2), number(entry["rows_per_second"]),
                 number(naive / seconds, 1), number(seconds / limit, 2)]  # fmt: skip
        lines.append("| " + " | ".join(cells) + " |")
    whole = keys.get("processes")
    if whole:
        lines += [
            "",
            _("Whole processes on the same {rows}-row CSV ({mb} MB), same run: the kit is "
              "{speedup} faster (CPU: {cpu})").format(
                rows=number(keys["rows"]), mb=number(whole["file_mb"], 1),
                speedup=_times(whole["speedup"], 2), cpu=_times(whole["cpu_speedup"], 2),
            ),
            "",
            "| " + " | ".join([_("process"), _("command"), _("seconds"), _("CPU s"),
                               _("rows/s"), _("peak MB")]) + " |",
            "|---|---|---|---|---|---|",
        ]  # fmt: skip
        for name in ("naive_process", "kit_process"):
            entry = whole[name]
            cells = [method_label(name), f"`{entry['command']}`", number(entry["seconds"], 2),
                     number(entry.get("cpu_seconds"), 2), number(entry["rows_per_second"]),
                     number(entry["max_process_rss_mb"])]  # fmt: skip
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def targets_table(results: dict) -> str:
    """The targets in the user's language, worded from the measurements (not from the English
    texts of results.json); whether each holds is the same."""
    lines = ["| " + " | ".join([_("target"), _("measured"), _("holds")]) + " |", "|---|---|---|"]
    for row in _targets(results):
        holds = {True: _("yes"), False: _("**no**"), None: "-"}[row["holds"]]
        lines.append(f"| {row['target']} | {row['measured']} | {holds} |")
    return "\n".join(lines)


def markdown(results: dict) -> str:
    machine = results["machine"]
    load = machine["load_average_at_start"][0]
    parts = [
        _("## pipase bench ({date})").format(date=machine["date"]),
        "",
        _("{cpu}, {cores} cores, {ram} GB RAM; Python {python}, DuckDB {duckdb}, dbt {dbt} "
          "(dbt-duckdb {dbt_duckdb}); load average at start {load}").format(
            cpu=machine["cpu_model"], cores=machine["cores"],
            ram=number(machine["ram_gb"], 1) if machine["ram_gb"] is not None else "-",
            python=machine["python"], duckdb=machine["duckdb"], dbt=machine["dbt_core"],
            dbt_duckdb=machine["dbt_duckdb"], load=number(load, 2),
        ),
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
    ]  # fmt: skip
    return "\n".join(parts)
