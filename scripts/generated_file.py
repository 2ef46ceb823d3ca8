"""The step every generator of a committed file shares: check it (--check) or write it.

A generator (scripts/generate_*.py) renders the content of a file that is committed (the letter
map, the annex 2 schema, the list of frequent first names, the identifier rules' macro) and
calls `main`: with --check, as make lint and pre-commit run it, exit 1 when the committed file
differs from what the script renders now; otherwise write it.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(
    description: str,
    output: Path,
    render: Callable[[], str],
    describe: Callable[[str], str] | None = None,
) -> int:
    """Check or write `output` with `render()`; `describe(content)` adds a detail to messages."""
    parser = argparse.ArgumentParser(description=description.strip().splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the file is out of date")
    args = parser.parse_args()
    content = render()
    detail = f" ({describe(content)})" if describe else ""
    name = output.relative_to(ROOT) if output.is_relative_to(ROOT) else output
    if args.check:
        current = output.read_text(encoding="utf-8") if output.is_file() else ""
        if current != content:
            script = Path(sys.argv[0]).name
            print(f"{name} is out of date{detail}: run python scripts/{script}", file=sys.stderr)
            return 1
        print(f"{name} is up to date{detail}")
        return 0
    output.write_text(content, encoding="utf-8")
    print(f"wrote {name}{detail}")
    return 0
