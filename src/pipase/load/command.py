"""`pipase load EXTRACTION_DIR`: argument parsing and console output (counts only)."""

from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path

from pipase import paths
from pipase.cli_types import DATE_METAVAR, database_argument, extraction_day
from pipase.errors import EXIT_OK, EXIT_REFUSED, PipaseError
from pipase.i18n import _, number
from pipase.load.loader import LoadResult, load_extraction, report_rows, unknown_files

EXIT_LOAD_FAILED = EXIT_REFUSED  # the load changed nothing: a whole-file problem, a failure
EXIT_INTERRUPTED = 130  # Ctrl-C: rolled back too


def description() -> str:
    """The command's help text, translated, wrapped (the CLI keeps descriptions as written)."""
    return textwrap.fill(_description(), 88)


def _description() -> str:
    return _(
        "Load an extraction folder (one sub-folder per source, files named by the contracts) "
        "into the DuckDB schema raw, all or nothing: row problems go to raw.load_rejects; any "
        "whole-file problem or failure leaves the database as it was and exits 1. A source the "
        "Department does not have is declared with --without NAME (its tables are then empty)."
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = parser.description or description()
    parser.add_argument(
        "extraction_dir",
        type=Path,
        metavar=_("EXTRACTION_DIR"),
        help=_("folder with one sub-folder per source"),
    )
    database_argument(
        parser,
        _("DuckDB file (default: PIPASE_DUCKDB_PATH or data/pipase.duckdb)"),
    )
    parser.add_argument(
        "--source",
        dest="sources",
        action="append",
        nargs="+",
        metavar="SOURCE",
        help=_("load only these sources (repeatable; default: every contract)"),
    )
    parser.add_argument(
        "--without",
        dest="absent",
        action="append",
        metavar="SOURCE",
        help=_(
            "a source the Department does not have (repeatable): recorded as absent, its raw "
            "tables empty"
        ),
    )
    parser.add_argument(
        "--contracts",
        type=Path,
        default=None,
        metavar=_("DIR"),
        help=_("folder of contract YAML files (default: the package's src/pipase/contracts)"),
    )
    parser.add_argument(
        "--extraction-date",
        type=extraction_day,
        default=None,
        metavar=DATE_METAVAR,
        help=_("date the Department extracted the files (recorded in raw.load_report)"),
    )


def format_table(rows: list[dict[str, object]]) -> str:
    """A plain text table; numbers right-aligned with thousands separators."""
    if not rows:
        return _("(no file)")
    headers = list(rows[0])

    def cell(value: object) -> str:
        if value is None:
            return "-"
        if isinstance(value, int):
            return number(value)
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
    read = sum(f.rows_read or 0 for f in result.files)
    loaded = sum(f.rows_loaded or 0 for f in result.files)
    text = _("load {load_id}: {status}; {read} rows read, {loaded} loaded, {rejected} rejected")
    text = text.format(
        load_id=result.load_id,
        status=result.status,
        read=number(read),
        loaded=number(loaded),
        rejected=number(result.rows_rejected),
    )
    if result.rows_with_warnings:
        text += _("; {n} loaded with a birth date left empty (reason in its motif_ column)").format(
            n=number(result.rows_with_warnings)
        )
    if result.absent:
        text += _("; declared absent: {sources}").format(sources=", ".join(result.absent))
    if result.rows_rejected:
        text += _(" (see raw.load_rejects where load_id = '{load_id}')").format(
            load_id=result.load_id
        )
    return text


def _error_line(error: BaseException) -> str:
    return f"pipase load : {_('error')} : {error}"


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
            absent=args.absent,
            progress=sys.stderr,
        )
    except PipaseError as exc:
        print(_error_line(exc), file=sys.stderr)
        return EXIT_LOAD_FAILED
    except KeyboardInterrupt:
        print(_("pipase load: interrupted; nothing was changed"), file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:  # a bug outside the load itself: one line, never a traceback
        # (load_extraction turns any failure during the load into a LoadError after its
        # rollback; what is left here happened before anything was written)
        message = _("unexpected failure ({kind}); nothing was changed. Please report it")
        print(_error_line(message.format(kind=type(exc).__name__)), file=sys.stderr)
        return EXIT_LOAD_FAILED
    if not result.ok:
        for error in result.errors:
            print(_error_line(error), file=sys.stderr)
        print(
            _(
                "pipase load: {n} file(s) with a whole-file problem; nothing was loaded and the "
                "database is as before this load (raw.load_extractions: load {load_id} failed)"
            ).format(n=len(result.errors), load_id=result.load_id),
            file=sys.stderr,
        )
        return EXIT_LOAD_FAILED
    print(format_table(report_rows(result)))
    print(summary(result))
    for name in unknown_files(Path(args.extraction_dir)):  # as `pipase run` warns
        print(
            f"pipase load : {_('warning')} : "
            + _("{file}: a file no contract names, not loaded (its rows are in no count)").format(
                file=name
            ),
            file=sys.stderr,
        )
    return EXIT_OK
