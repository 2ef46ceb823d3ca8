"""Run one command in a subprocess; its wall time, CPU time and peak memory.

Two memory figures, both for the whole process tree of the command:

* `peak_tree_rss_mb`: the largest sum of the resident memory of every process of the tree,
  sampled every `poll` seconds with psutil (what the machine must hold at once; a peak shorter
  than the sampling interval can be missed);
* `max_process_rss_mb`: the kernel's high-water mark (ru_maxrss) of the largest single process
  of the tree, exact, read by a small wrapper process with getrusage(RUSAGE_CHILDREN).

Without psutil, only the second is given (and said so in `memory_method`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

try:
    import psutil
except ImportError:  # pragma: no cover - psutil is in the venv; the fallback is documented
    psutil = None

# Runs the command, then writes its children's resource usage (the command and its own
# children, all waited for) as JSON to the file given first.
_WRAPPER = """
import json, resource, subprocess, sys
code = subprocess.call(sys.argv[2:])
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
with open(sys.argv[1], "w") as handle:
    json.dump({"exit_code": code, "max_rss_kb": usage.ru_maxrss,
               "user_seconds": usage.ru_utime, "system_seconds": usage.ru_stime}, handle)
sys.exit(code)
"""


def _tree_rss(process) -> int:
    """Resident bytes of the wrapper's descendants (the wrapper itself is not counted)."""
    total = 0
    try:
        children = process.children(recursive=True)
    except psutil.Error:
        return 0
    for child in children:
        try:
            total += child.memory_info().rss
        except psutil.Error:
            continue
    return total


def run_measured(
    command: list[str],
    *,
    env: dict[str, str],
    cwd: Path,
    log_path: Path,
    poll: float = 0.1,
) -> dict[str, object]:
    """Run `command` (output to `log_path`); wall/CPU seconds, memory, exit code, load."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    handle, usage_file = tempfile.mkstemp(prefix="pipase-bench-", suffix=".json")
    os.close(handle)
    load_before = os.getloadavg()[0]
    peak = 0
    started = time.perf_counter()
    try:
        with log_path.open("w", encoding="utf-8") as log:
            wrapper = [sys.executable, "-c", _WRAPPER, usage_file, *command]
            if psutil is not None:
                process = psutil.Popen(
                    wrapper, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT
                )
                while process.poll() is None:
                    peak = max(peak, _tree_rss(process))
                    time.sleep(poll)
            else:
                process = subprocess.Popen(
                    wrapper, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT
                )
                process.wait()
        seconds = time.perf_counter() - started
        try:
            usage = json.loads(Path(usage_file).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            usage = {"exit_code": process.returncode}
    finally:
        Path(usage_file).unlink(missing_ok=True)
    return {
        "seconds": round(seconds, 3),
        "cpu_seconds": round(usage.get("user_seconds", 0) + usage.get("system_seconds", 0), 3),
        "exit_code": usage.get("exit_code", process.returncode),
        "peak_tree_rss_mb": round(peak / 2**20, 1) if psutil is not None else None,
        "max_process_rss_mb": round(usage.get("max_rss_kb", 0) / 1024, 1),
        "memory_method": (
            f"psutil tree RSS sampled every {poll} s + ru_maxrss of the largest process"
            if psutil is not None
            else "ru_maxrss of the largest process only (psutil not installed)"
        ),
        "load_average_before": round(load_before, 2),
        "load_average_after": round(os.getloadavg()[0], 2),
        "log": str(log_path),
    }
