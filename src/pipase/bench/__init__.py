"""`pipase bench`: time the main job at department and national scale, and the keys four ways.

    pipase bench [--youths 100000] [--scales 10000,100000,1000000,3000000] [--out data/bench]
                 [--keys-only | --skip-keys] [--keys-rows 1000000] [--naive-rows 50000]
                 [--seed 93] [--skip-generate] [--no-memory-check]

For each scale (number of ASE youths), a synthetic extraction is generated (`pipase synth`, not
timed; reused when present for the same youths and seed), then the main job runs as the data
office runs it, three commands each in a subprocess with its wall time, CPU time and peak memory
(whole process tree): `pipase load`, one `dbt build --selector main_job` (selectors.yml: the
unit tests of non-leaving models run in CI only), `pipase export` to the
encrypted package. Inside the dbt build, the time of every node is grouped by layer (start and
parse, seeds, identifying, crossing, leaving, reports, privacy tests, other data tests) from
dbt's run_results.json. Then the keys are computed four ways on the same
synthetic identity rows (naive pandas apply, the partners' kit, the dbt macros on DuckDB, bare
sha256) and checked to be identical.

Writes OUT/results.json (with the machine: CPU, cores, RAM, versions, date; earlier scales of the
same seed are kept), OUT/bench.png (time against scale per stage, log-log; keys throughput) and
prints Markdown tables with the targets: department scale (100,000 youths) raw -> package within
60 s and 4 GB, national scale (3,000,000) within 15 min, SQL keys within 2x bare sha256, the kit
at least 20x the naive baseline. Targets are reported, never asserted: the exit code is 0 when
every measurement ran and every method gave the same keys.

Synthetic data only. The archive password is random and never shown; nothing identifying is
printed.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from pipase import paths

DEFAULT_YOUTHS = 100_000
DEFAULT_KEYS_ROWS = 1_000_000
DEFAULT_NAIVE_ROWS = 50_000
DEFAULT_SEED = 93


def _scales(text: str) -> list[int]:
    try:
        values = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError("expected numbers separated by commas") from None
    if not values or any(v <= 0 for v in values):
        raise argparse.ArgumentTypeError("expected positive numbers of youths")
    return sorted(set(values))


def _positive(text: str) -> int:
    value = int(text.replace("_", ""))
    if value <= 0:
        raise argparse.ArgumentTypeError("expected a positive number")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--youths",
        type=_positive,
        default=DEFAULT_YOUTHS,
        help=f"one scale, in ASE youths (default {DEFAULT_YOUTHS:,}: the department)",
    )
    parser.add_argument(
        "--scales",
        type=_scales,
        default=None,
        metavar="N,N,...",
        help="several scales, e.g. 10000,100000,1000000,3000000 (replaces --youths)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="folder for extractions, databases, results.json and bench.png (default: data/bench)",
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed (default 93)")
    parser.add_argument(
        "--keys-only", action="store_true", help="only compare the keys' implementations"
    )
    parser.add_argument(
        "--skip-keys", action="store_true", help="only time the main job, not the keys"
    )
    parser.add_argument(
        "--keys-rows",
        "--rows",
        dest="keys_rows",
        type=_positive,
        default=DEFAULT_KEYS_ROWS,
        help=f"identity rows for the keys comparison (default {DEFAULT_KEYS_ROWS:,})",
    )
    parser.add_argument(
        "--naive-rows",
        type=_positive,
        default=DEFAULT_NAIVE_ROWS,
        help="subsample for the naive baseline, scaled linearly to --keys-rows "
        f"(default {DEFAULT_NAIVE_ROWS:,})",
    )
    parser.add_argument(
        "--no-memory-check",
        dest="memory_check",
        action="store_false",
        help="generate even when pipase synth would need more memory or disk than is available",
    )
    parser.add_argument(
        "--skip-generate",
        action="store_true",
        help="never generate: use the extractions already under --out (error if missing)",
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
    return " ".join(parts)


def run(args: argparse.Namespace) -> int:
    from pipase.bench import keys, pipeline, report

    if args.keys_only and args.skip_keys:
        print("pipase bench: error: --keys-only excludes --skip-keys", file=sys.stderr)
        return 2
    out = (args.out or paths.data_dir() / "bench").resolve()
    out.mkdir(parents=True, exist_ok=True)
    scales = [] if args.keys_only else (args.scales or [args.youths])
    started = time.perf_counter()

    def log(message: str) -> None:
        print(f"[{time.perf_counter() - started:7.1f} s] {message}", flush=True)

    results: dict = {
        "benchmark": "pipase bench",
        "format_version": 2,  # 2: one dbt build, layers from run_results
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
            )
        except (FileNotFoundError, RuntimeError) as error:
            print(f"pipase bench: error: {error}", file=sys.stderr)
            failures.append(f"scale {youths}: {error}")
            continue
        results["scales"].append(measured)
        if not measured["total"]["complete"]:
            failed = [s["name"] for s in measured["stages"] if s["status"] != "ok"]
            failures.append(f"scale {youths}: stage(s) failed: {', '.join(failed) or 'export'}")
    if not args.skip_keys:
        try:
            results["keys"] = keys.compare_keys(
                args.keys_rows, args.naive_rows, out / "keys", seed=args.seed, log=log
            )
        except RuntimeError as error:
            print(f"pipase bench: error: {error}", file=sys.stderr)
            failures.append(f"keys: {error}")
        else:
            if not results["keys"]["all_methods_agree"]:
                failures.append(f"keys: the methods disagree: {results['keys']['disagreements']}")

    results = report.merge(report.read_json(out / "results.json"), results)
    results["targets"] = report.targets(results)
    results["failures"] = failures
    report.write_json(out / "results.json", results)
    try:
        report.chart(results, out / "bench.png")
    except ImportError:  # matplotlib is a dev dependency
        print("pipase bench: no chart: matplotlib is not installed", file=sys.stderr)
    print()
    print(report.markdown(results))
    print()
    print(f"results: {out / 'results.json'}; chart: {out / 'bench.png'}")
    for failure in failures:
        print(f"pipase bench: {failure}", file=sys.stderr)
    return 1 if failures else 0


__all__ = ["add_arguments", "run"]
