"""The kit streams: its peak memory does not grow with the number of rows.

`pipase hash` runs as a process on two files of the same kind, one five times longer than the
other (both several read blocks); the kernel's high-water mark of resident memory (ru_maxrss) of the
longer run stays within a few megabytes of the shorter one. A mutation reads the whole file at
once (one block) and the same check sees memory grow. (10,000,000 rows were measured by hand:
README, `pipase hash` section.)
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

ARGS = [
    "--nom", "nom", "--prenom", "prenom", "--date-naissance", "ddn", "--format-date", "%d/%m/%Y",
]  # fmt: skip
# Runs the kit in a child process (optionally with the block size changed), then prints the
# child's peak resident memory in KB.
RUNNER = """
import json, resource, subprocess, sys
block, args = sys.argv[1], sys.argv[2:]
code = (
    "import sys; from pipase.kit import reader; "
    f"reader.BLOCK_BYTES = {block}; from pipase.cli import main; sys.exit(main(sys.argv[1:]))"
)
result = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True)
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"code": result.returncode, "peak_kb": peak, "err": result.stderr[-500:]}))
"""


def partner_file(path: Path, rows: int) -> Path:
    rng = random.Random(rows)
    names = [f"Nom{i}" for i in range(500)]
    firsts = [f"Prenom{i}" for i in range(200)]
    lines = ["nom;prenom;ddn;situation;commentaire"]
    for _row in range(rows):
        lines.append(
            f"{rng.choice(names)};{rng.choice(firsts)};{rng.randint(1, 28):02d}/"
            f"{rng.randint(1, 12):02d}/{rng.randint(1990, 2010)};emploi;ras"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def peak_kb(source: Path, output: Path, block: int) -> int:
    result = subprocess.run(
        [sys.executable, "-c", RUNNER, str(block), "hash", str(source), "-o", str(output), *ARGS],
        capture_output=True,
        text=True,
        check=True,
    )
    measured = json.loads(result.stdout)
    assert measured["code"] == 0, measured["err"]
    return measured["peak_kb"]


def test_peak_memory_does_not_grow_with_the_rows(tmp_path):
    small = partner_file(tmp_path / "small.csv", 120_000)  # about 4.5 MB: three 2 MB blocks
    large = partner_file(tmp_path / "large.csv", 600_000)  # about 22 MB: eleven blocks
    block = 2 * 2**20
    small_peak = peak_kb(small, tmp_path / "o1.csv", block)
    large_peak = peak_kb(large, tmp_path / "o2.csv", block)
    assert large_peak - small_peak < 25 * 1024, (small_peak, large_peak)
    # mutation: the whole file in one block, as a reader that is not streamed
    whole_peak = peak_kb(large, tmp_path / "o3.csv", 2**31)
    assert whole_peak - small_peak > 50 * 1024, (small_peak, whole_peak)
