"""The partners' kit (protocol.compute_keys) before and after the issue 9 rewrite, side by side.

"Before" is src/pipase/protocol.py as committed in BEFORE_COMMIT (read with `git show`, run as a
module of its own); "after" is the working copy. Both run on the same synthetic identity rows
as `pipase bench` (text columns typed as `pipase hash` reads a CSV), their outputs must be equal
(pandas.testing.assert_frame_equal), and their wall and CPU times are printed, with the naive
baseline of `pipase bench` on a subsample for scale. --profile prints cProfile's top functions.

Usage: .venv/bin/python scripts/bench_kit_before_after.py [--rows 1000000] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import importlib.util
import pstats
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from pipase import paths, protocol
from pipase.bench import keys
from pipase.bench.identities import DATE_FORMAT, identity_frame

BEFORE_COMMIT = "cb0c865"  # the foundation's compute_keys (pandas map + digest_many)


def load_before(commit: str):
    source = subprocess.run(
        ["git", "show", f"{commit}:src/pipase/protocol.py"],
        cwd=paths.project_dir(),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    folder = Path(tempfile.mkdtemp(prefix="pipase-kit-before-"))
    path = folder / "protocol_before.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("protocol_before", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["protocol_before"] = module
    spec.loader.exec_module(module)
    return module


def timed(function, *args):
    wall, cpu = time.perf_counter(), time.process_time()
    result = function(*args)
    return result, time.perf_counter() - wall, time.process_time() - cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--naive-rows", type=int, default=50_000)
    parser.add_argument("--commit", default=BEFORE_COMMIT)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()

    before = load_before(args.commit)
    frame = identity_frame(args.rows)
    columns = {"nom": "nom", "prenom": "prenom", "date_naissance": "date_naissance"}
    columns["nom_naissance"] = "nom_naissance"
    rows = {}
    outputs = {}
    for name, module in (("before", before), ("after", protocol)):
        key_columns = module.KeyColumns(**columns)
        outputs[name], wall, cpu = timed(module.compute_keys, frame, key_columns, [DATE_FORMAT])
        rows[name] = (wall, cpu)
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            module.compute_keys(frame, key_columns, [DATE_FORMAT])
            profiler.disable()
            print(f"--- cProfile, {name}")
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(15)
    pd.testing.assert_frame_equal(outputs["before"], outputs["after"])

    naive_rows = min(args.naive_rows, args.rows)
    subsample = frame.sample(n=naive_rows, random_state=93).sort_index()
    _, wall, cpu = timed(keys.naive_keys, subsample)
    scale = args.rows / naive_rows
    rows["naive (scaled)"] = (wall * scale, cpu * scale)

    naive_wall, naive_cpu = rows["naive (scaled)"]
    print(f"{args.rows:,} identity rows; outputs of before and after are equal")
    print("| compute_keys | seconds | CPU s | rows/s | x naive (wall) | x naive (CPU) |")
    print("|---|---|---|---|---|---|")
    for name, (wall, cpu) in rows.items():
        print(
            f"| {name} | {wall:.2f} | {cpu:.2f} | {args.rows / wall:,.0f} | "
            f"{naive_wall / wall:.1f} | {naive_cpu / cpu:.1f} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
