"""`pipase load EXTRACTION_DIR`: argument parsing and console output (counts only)."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from pipase import paths
from pipase.load.errors import LoadError
from pipase.load.loader import LoadResult, load_extraction, report_rows

EXIT_OK = 0
EXIT_LOAD_FAILED = 1  # at least one source had a whole-file problem (others were loaded)
EXIT_USAGE = 2  # bad arguments, contract problem, missing extraction folder


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a YYYY-MM-DD date: {text!r}") from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = parser.description or (
        "Load an extraction folder (one sub-folder per source, files named by the contracts) "
        "into the DuckDB schema raw, one transaction per source. Row problems go to "
        "raw.load_rejects; a whole-file problem leaves its source unchanged and the command "
        "exits 1 after loading the other sources."
    )
    parser.add_argument(
        "extraction_dir",
        type=Path,
        metavar="EXTRACTION_DIR",
        help="folder with one sub-folder per source",
    )
    parser.add_argument(
        "--database",
        type=Path,
        default=None,
        metavar="PATH",
        help="DuckDB file (default: PIPASE_DUCKDB_PATH or data/pipase.duckdb)",
    )
    parser.add_argument(
        "--source",
        dest="sources",
        action="append",
        nargs="+",
        metavar="NAME",
        help="load only these sources (repeatable; default: every contract)",
    )
    parser.add_argument(
        "--contracts",
        type=Path,
        default=None,
        metavar="DIR",
        help="folder of contract YAML files (default: the package's src/pipase/contracts)",
    )
    parser.add_argument(
        "--extraction-date",
        type=_date,
        default=None,
        metavar="YYYY-MM-DD",
        help="date the Department extracted the files (recorded in raw.load_report)",
    )


def format_table(rows: list[dict[str, object]]) -> str:
    """A plain text table; numbers right-aligned with thousands separators."""
    if not rows:
        return "(no file)"
    headers = list(rows[0])

    def cell(value: object) -> str:
        if value is None:
            return "-"
        if isinstance(value, int):
            return f"{value:,}"
        return str(value)

    body = [[cell(r[h]) for h in headers] for r in rows]
    widths = [max(len(h), *(len(line[i]) for line in body)) for i, h in enumerate(headers)]
    numeric = [all(isinstance(r[h], int) or r[h] is None for r in rows) for h in headers]

    def line(values: list[str]) -> str:
        return "  ".join(
            v.rjust(w) if n else v.ljust(w) for v, w, n in zip(values, widths, numeric, strict=True)
        ).rstrip()

    out = [line(headers), line(["-" * w for w in widths])]
    out += [line(values) for values in body]
    return "\n".join(out)


def summary(result: LoadResult) -> str:
    totals = {
        "read": sum(f.rows_read or 0 for f in result.files),
        "loaded": sum(f.rows_loaded or 0 for f in result.files),
        "rejected": result.rows_rejected,
    }
    text = (
        f"load {result.load_id}: {result.status}; {totals['read']:,} rows read, "
        f"{totals['loaded']:,} loaded, {totals['rejected']:,} rejected"
    )
    if totals["rejected"]:
        text += f" (see raw.load_rejects where load_id = '{result.load_id}')"
    return text


def run(args: argparse.Namespace) -> int:
    sources = [name for group in (args.sources or []) for name in group] or None
    database = args.database if args.database is not None else paths.database_path()
    try:
        result = load_extraction(
            args.extraction_dir,
            database,
            sources=sources,
            contracts_dir=args.contracts,
            extraction_date=args.extraction_date,
            progress=sys.stderr,
        )
    except (LoadError, ValueError) as exc:
        print(f"pipase load: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print(format_table(report_rows(result)))
    print(summary(result))
    for error in result.errors:
        print(f"pipase load: error: {error}", file=sys.stderr)
    if result.errors:
        failed = ", ".join(result.failed_sources)
        print(f"pipase load: source(s) not loaded, left unchanged: {failed}", file=sys.stderr)
        return EXIT_LOAD_FAILED
    return EXIT_OK
