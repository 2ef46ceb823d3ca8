"""`pipase bench`: time the main job at department and national scale, and the keys four ways.

    pipase bench [--youths 100000] [--scales 10000,100000,1000000,3000000] [--out data/bench]
                 [--keys-only | --skip-keys] [--keys-rows 1000000] [--naive-rows 50000]
                 [--seed 93] [--skip-generate] [--no-memory-check]

For each scale (number of ASE youths), a synthetic extraction is generated (`pipase synth`, not
timed; reused when present for the same youths and seed), then the main job runs as the data
office runs it: `pipase run` in a subprocess with its wall time, CPU time and peak memory (whole
process tree), each of its stages (load, hash-rate measure, one `dbt build --selector main_job`,
gate and package) timed by `pipase.run.run_main_job` itself (the run record). Inside the dbt
build, the time of every node is grouped by layer (start and parse, seeds, identifying,
crossing, leaving, reports, privacy tests, other data tests) from dbt's run_results.json. The
floor (`pipase.bench.floor`: DuckDB reading every file, the distinct identities hashed once,
Parquet of the package's size) is timed on the same files, and the total is printed as a
multiple of it. Then the keys are computed four ways on the same
synthetic identity rows (naive pandas apply, the partners' kit, the dbt macros on DuckDB, bare
sha256) and checked to be identical.

Writes OUT/results.json (with the machine: CPU, cores, RAM, versions, date; earlier scales of the
same seed are kept), OUT/bench.png (time against scale per stage, log-log; keys throughput) and
prints Markdown tables with the targets (on 2 cores): department scale (100,000 youths) raw ->
package within 3x the floor and 30 s; national scale (3,000,000) within 12 min with
`--memory-limit 8GB` (passed to `pipase run` at that scale unless --memory-limit says otherwise)
and the process tree's peak under 8 GB; SQL keys within 1.5x bare sha256; the kit, as a whole
process, at least 25x the naive script. Targets are reported, never asserted: the exit code is
0 when every measurement ran and every method gave the same keys.

Synthetic data only. The archive password is random and never shown; nothing identifying is
printed.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from pipase import paths
from pipase.i18n import _

DEFAULT_YOUTHS = 100_000
DEFAULT_KEYS_ROWS = 1_000_000
DEFAULT_NAIVE_ROWS = 50_000
DEFAULT_SEED = 93


def description() -> str:
    return _(
        "Time the main job at several scales on synthetic extractions: `pipase run` stage by "
        "stage (load, hash-rate measure, dbt build by layer, gate and package), its peak "
        "memory, and the floor (the least work on the same files) it is compared with; then "
        "the keys computed four ways on the same rows. Writes OUT/results.json and "
        "OUT/bench.png and prints the tables. Targets are reported, never asserted. Synthetic "
        "data only."
    )


def _scales(text: str) -> list[int]:
    try:
        values = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(_("expected numbers separated by commas")) from None
    if not values or any(v <= 0 for v in values):
        raise argparse.ArgumentTypeError(_("expected positive numbers of youths"))
    return sorted(set(values))


def _positive(text: str) -> int:
    from pipase.cli_types import positive_int

    return positive_int(text)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from pipase.bench import report

    parser.add_argument(
        "--youths",
        type=_positive,
        default=DEFAULT_YOUTHS,
        metavar="N",
        help=_("one scale, in ASE youths (default {n}: the department)").format(
            n=f"{DEFAULT_YOUTHS:,}"
        ),
    )
    parser.add_argument(
        "--scales",
        type=_scales,
        default=None,
        metavar="N,N,...",
        help=_("several scales, e.g. 10000,100000,1000000,3000000 (replaces --youths)"),
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar=_("DIR"),
        help=_(
            "folder for extractions, databases, results.json and bench.png (default: data/bench)"
        ),
    )
    parser.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help=_("random seed (default {n})").format(n=93)
    )
    parser.add_argument(
        "--keys-only", action="store_true", help=_("only compare the keys' implementations")
    )
    parser.add_argument(
        "--skip-keys", action="store_true", help=_("only time the main job, not the keys")
    )
    parser.add_argument(
        "--keys-rows",
        "--rows",
        dest="keys_rows",
        type=_positive,
        default=DEFAULT_KEYS_ROWS,
        metavar="N",
        help=_("identity rows for the keys comparison (default {n})").format(
            n=f"{DEFAULT_KEYS_ROWS:,}"
        ),
    )
    parser.add_argument(
        "--naive-rows",
        type=_positive,
        default=DEFAULT_NAIVE_ROWS,
        metavar="N",
        help=_(
            "subsample for the naive baseline, scaled linearly to --keys-rows (default {n})"
        ).format(n=f"{DEFAULT_NAIVE_ROWS:,}"),
    )
    parser.add_argument(
        "--no-memory-check",
        dest="memory_check",
        action="store_false",
        help=_("generate even when pipase synth would need more memory or disk than is available"),
    )
    parser.add_argument(
        "--memory-limit",
        default=None,
        metavar=_("SIZE"),
        help=_(
            "passed to pipase run at every scale (default: {limit} at {youths} youths and more, "
            "none below)"
        ).format(limit=report.NATIONAL_MEMORY_LIMIT, youths=f"{report.NATIONAL_YOUTHS:,}"),
    )
    parser.add_argument(
        "--skip-generate",
        action="store_true",
        help=_("never generate: use the extractions already under --out (error if missing)"),
    )


def _command_line(args: argparse.Namespace) -> str:
    parts = ["pipase", "bench"]
    if args.keys_only:
        parts.append("--keys-only")
    else:
        parts += ["--scales", ",".join(str(s) for s in (args.scales or [args.youths]))]
    if not args.skip_keys:
        parts += ["--keys-rows", str(args.keys_rows), "--naive-rows", str(args.naive_rows)]
    else:
        parts.append("--skip-keys")
    parts += ["--seed", str(args.seed)]
    if args.out:
        parts += ["--out", str(args.out)]
    if args.skip_generate:
        parts.append("--skip-generate")
    if args.memory_limit:
        parts += ["--memory-limit", args.memory_limit]
    return " ".join(parts)


def run(args: argparse.Namespace) -> int:
    from pipase.bench import keys, pipeline, report
    from pipase.run.progress import elapsed

    if args.keys_only and args.skip_keys:
        print(_("pipase bench: error: --keys-only excludes --skip-keys"), file=sys.stderr)
        return 2
    out = (args.out or paths.data_dir() / "bench").resolve()
    out.mkdir(parents=True, exist_ok=True)
    scales = [] if args.keys_only else (args.scales or [args.youths])
    started = time.perf_counter()

    def log(message: str) -> None:
        print(f"[{elapsed(time.perf_counter() - started):>12}] {message}", flush=True)

    results: dict = {
        "benchmark": "pipase bench",
        "format_version": 3,  # 3: `pipase run` stage by stage, and the floor
        "command": _command_line(args),
        "machine": report.machine_info(),
        "settings": {
            "scales": scales,
            "seed": args.seed,
            "keys_rows": None if args.skip_keys else args.keys_rows,
            "naive_rows": None if args.skip_keys else min(args.naive_rows, args.keys_rows),
            "stages": pipeline.STAGES,
        },
        "scales": [],
        "keys": None,
    }
    failures = []
    for youths in scales:
        try:
            measured = pipeline.run_scale(
                youths,
                args.seed,
                out,
                skip_generate=args.skip_generate,
                log=log,
                memory_check=args.memory_check,
                memory_limit=args.memory_limit
                or (report.NATIONAL_MEMORY_LIMIT if youths >= report.NATIONAL_YOUTHS else None),
            )
        except (FileNotFoundError, RuntimeError) as error:
            print(_("pipase bench: error: {error}").format(error=error), file=sys.stderr)
            failures.append(_("scale {youths}: {error}").format(youths=youths, error=error))
            continue
        results["scales"].append(measured)
        if not measured["total"]["complete"]:
            failed = [s["name"] for s in measured["stages"] if s["status"] != "ok"]
            failures.append(
                _("scale {youths}: stage(s) failed: {stages} (log: {log})").format(
                    youths=youths,
                    stages=", ".join(pipeline.stage_label(name) for name in failed or ["export"]),
                    log=measured["run"]["log"],
                )
            )
    if not args.skip_keys:
        try:
            results["keys"] = keys.compare_keys(
                args.keys_rows, args.naive_rows, out / "keys", seed=args.seed, log=log
            )
        except RuntimeError as error:
            print(_("pipase bench: error: {error}").format(error=error), file=sys.stderr)
            failures.append(_("keys: {error}").format(error=error))
        else:
            if not results["keys"]["all_methods_agree"]:
                failures.append(
                    _("keys: the methods disagree: {counts}").format(
                        counts=results["keys"]["disagreements"]
                    )
                )

    results = report.merge(report.read_json(out / "results.json"), results)
    results["targets"] = report.targets(results)
    results["failures"] = failures
    report.write_json(out / "results.json", results)
    try:
        report.chart(results, out / "bench.png")
    except ImportError:  # matplotlib is a dev dependency
        print(_("pipase bench: no chart: matplotlib is not installed"), file=sys.stderr)
    print()
    print(report.markdown(results))
    print()
    print(
        _("results: {results}; chart: {chart}").format(
            results=out / "results.json", chart=out / "bench.png"
        )
    )
    for failure in failures:
        print(_("pipase bench: {failure}").format(failure=failure), file=sys.stderr)
    return 1 if failures else 0


__all__ = ["add_arguments", "description", "run"]
