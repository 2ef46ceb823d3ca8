"""`pipase hash`: the partners' kit. Replace a file's identities by the protocol's keys.

Reads a CSV (or XLSX) extract strictly (every line one row, or an error naming the line),
computes the primary key (`cle_hachage`) and the secondary key (`cle_hachage_secondaire`) of
every row with the hashing protocol, and writes the rows in input order without the identity
columns; a row that cannot be keyed keeps empty keys and gets its reason in `motif_sans_cle`.
A remaining column that is identifying (by its name or its content) stops the run unless it is
removed (--drop) or declared harmless (--garder). Nothing identifying is ever printed.

The work is done by `pipase.kit` (standard library and openpyxl only); this module is the
command line: arguments, the French summary, the conformance check (--verifier).
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path

from pipase.errors import EXIT_OK, EXIT_REFUSED
from pipase.i18n import _
from pipase.kit import hashing, verify
from pipase.kit.hashing import KitError, Options, Report  # noqa: F401 (public names)
from pipase.kit.reader import separator_label

SEPARATOR_ALIASES = {"tab": "\t", "\\t": "\t", "tabulation": "\t", "pv": ";"}


def description() -> str:
    return _(
        "Partners' kit: replace the names, first names and birth dates of a CSV or XLSX file by "
        "the keys of the hashing protocol (convention, articles 3 and 4.2).\n\n"
        "Every row of the file gives one row of the output, in the same order; the identity "
        "columns are removed; a row without a key gets its reason in motif_sans_cle. A column "
        "that looks identifying (by its name or its values) stops the run: remove it with "
        "--drop, or declare it harmless with --garder. No value of the file is ever printed.\n\n"
        "Example:\n"
        "  pipase hash extrait.csv -o extrait_hache.csv --nom NOM --prenom PRENOM \\\n"
        "    --date-naissance DATE_NAISSANCE --format-date %d/%m/%Y\n"
        "  pipase hash --verifier   (checks this installation against the published vectors)"
    )


def _separator(value: str) -> str:
    value = SEPARATOR_ALIASES.get(value.lower(), value)
    if len(value) != 1 or value in "\"'\r\n" or value.isalnum():
        raise argparse.ArgumentTypeError(
            _("one character: ; , | or tab (got {count} characters)").format(count=len(value))
            if len(value) != 1
            else _("a separator cannot be a letter, a digit, a quote or a line end")
        )
    return value


def _date_format(value: str) -> str:
    """A strptime format that reads a whole birth date: a day (%d), a month (%m, %b or %B) and
    a four-digit year (%Y), every directive known. %m/%Y made up the day, %d/%m/%y the century
    (12/05/62 read as 2062), %d/%m the year (1900), and an unknown directive left every row
    unkeyed with exit 0."""
    sample = datetime(2003, 11, 27)  # no part equal to strptime's defaults (1900-01-01)
    try:
        readable = datetime.strptime(sample.strftime(value), value) == sample
    except ValueError:
        readable = False
    if not readable:
        raise argparse.ArgumentTypeError(
            _("not a date format that reads a day, a month and a year (e.g. %d/%m/%Y)")
        )
    if "%y" in value.replace("%%", ""):
        raise argparse.ArgumentTypeError(
            _("a two-digit year (%y) would guess the century: give a four-digit year (%Y)")
        )
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "input",
        type=Path,
        nargs="?",
        metavar=_("FILE"),
        help=_("CSV or XLSX file with one row per person"),
    )
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        metavar=_("FILE"),
        help=_("file to write (.csv or .xlsx), not the input"),
    )
    column = _("COLUMN")
    parser.add_argument("--nom", metavar=column, help=_("column of the usage name (or the name)"))
    parser.add_argument(
        "--nom-naissance",
        metavar=column,
        help=_("column of the birth name, used where it is not empty"),
    )
    parser.add_argument("--prenom", metavar=column, help=_("column of the first name"))
    parser.add_argument("--date-naissance", metavar=column, help=_("column of the birth date"))
    parser.add_argument(
        "--format-date",
        action="append",
        type=_date_format,
        default=[],
        metavar=_("FORMAT"),
        help=_(
            "birth date format, strptime syntax (%%d/%%m/%%Y); repeat for several; a value that "
            "two formats read differently is refused, never guessed; XLSX date cells need none"
        ),
    )
    parser.add_argument(
        "--sep",
        type=_separator,
        metavar=_("SEPARATOR"),
        help=_("CSV separator: ; , | or tab (default: detected on the header line)"),
    )
    parser.add_argument(
        "--encoding",
        default="utf-8",
        metavar=_("ENCODING"),
        help=_("CSV encoding (default utf-8; Excel: cp1252)"),
    )
    parser.add_argument("--sheet", metavar=_("SHEET"), help=_("XLSX sheet (default: the first)"))
    parser.add_argument(
        "--mois-naissance",
        action="store_true",
        help=_(
            "write the birth month as a column mois_naissance (AAAA-MM), replacing a column of "
            "that name"
        ),
    )
    parser.add_argument(
        "--drop",
        action="append",
        default=[],
        metavar=_("COLUMN"),
        help=_("another column to remove (repeat for several)"),
    )
    parser.add_argument(
        "--garder",
        action="append",
        default=[],
        metavar=_("COLUMN"),
        help=_(
            "keep a column that the checks find identifying, stating that it identifies no one "
            "(recorded in the summary)"
        ),
    )
    parser.add_argument(
        "--keyed",
        action="store_true",
        help=_("HMAC-SHA-256 with the secret in the environment variable PIPASE_HASH_KEY"),
    )
    parser.add_argument(
        "--verifier",
        action="store_true",
        help=_("check this installation against the published conformance vectors, then exit"),
    )
    parser.set_defaults(_hash_parser=parser)


def options_from(args: argparse.Namespace) -> Options:
    """The library's options from the command line's namespace (missing ones take defaults)."""
    return Options(
        input=args.input,
        output=args.output,
        nom=args.nom,
        prenom=args.prenom,
        date_naissance=args.date_naissance,
        format_date=list(getattr(args, "format_date", None) or []),
        nom_naissance=getattr(args, "nom_naissance", None),
        sep=getattr(args, "sep", None),
        encoding=getattr(args, "encoding", None) or "utf-8",
        sheet=getattr(args, "sheet", None),
        mois_naissance=bool(getattr(args, "mois_naissance", False)),
        drop=list(getattr(args, "drop", None) or []),
        garder=list(getattr(args, "garder", None) or []),
        keyed=bool(getattr(args, "keyed", False)),
    )


def hash_file(args: argparse.Namespace) -> Report:
    """Hash args.input into args.output (the command without its printing)."""
    return hashing.hash_file(options_from(args))


def summary(report: Report) -> list[str]:
    """The run's summary, in French: counts and column names only."""
    if report.kind == "csv":
        how = _("separator {separator} ({how}), encoding {encoding}").format(
            separator=separator_label(report.separator),
            how=_("detected") if report.separator_detected else _("given with --sep"),
            encoding=report.encoding + (" (BOM)" if report.bom else ""),
        )
    else:
        how = _("XLSX workbook")
    variant = _("HMAC-SHA-256 (keyed)") if report.keyed else "SHA-256"
    lines = [
        _("read: {file} ({how})").format(file=report.input, how=how),
        _("rows read: {rows_in}; rows written: {rows_out} (every row, in the same order)").format(
            rows_in=report.rows_in, rows_out=report.rows_out
        ),
    ]
    if report.blank_lines:
        lines.append(_("blank lines (no data, not rows): {count}").format(count=report.blank_lines))
    unkeyed = report.rows_in - report.keyed_rows
    lines.append(
        _("keys {variant}: with a primary key {keyed}; without {unkeyed}").format(
            variant=variant, keyed=report.keyed_rows, unkeyed=unkeyed
        )
    )
    if report.secondary_only_rows:
        lines.append(
            _("  of which with the secondary key only: {count}").format(
                count=report.secondary_only_rows
            )
        )
    for reason, count in sorted(report.reasons.items()):
        lines.append(f"    {reason} : {count}")
    lines.append(_("columns removed: {columns}").format(columns=", ".join(report.removed)))
    kept = ", ".join(report.kept) if report.kept else "-"
    lines.append(_("columns kept: {columns}").format(columns=kept))
    if report.declared:
        lines.append(
            _("kept on your statement that they identify no one (--garder): {columns}").format(
                columns=", ".join(report.declared)
            )
        )
    if report.month_replaced:
        lines.append(_("the input's column mois_naissance is replaced (--mois-naissance)"))
    elif report.month_written:
        lines.append(_("birth month written in mois_naissance (AAAA-MM)"))
    lines.append(_("written: {file}").format(file=report.output))
    return lines


def _verify() -> int:
    count, difference = verify.first_difference()
    if difference is None:
        print(
            _(
                "OK: the {count} conformance vectors give the expected keys (SHA-256 and "
                "HMAC-SHA-256), through the protocol and through the kit"
            ).format(count=count)
        )
        return EXIT_OK
    print(
        _(
            "DIFFERENCE: vector line {line}, column {column} ({path}): expected {expected}, "
            "found {found}"
        ).format(
            line=difference.line,
            column=difference.column,
            path=difference.path,
            expected=difference.expected,
            found=difference.found or "-",
        ),
        file=sys.stderr,
    )
    return EXIT_REFUSED


REQUIRED = (
    ("input", "FILE"),  # the metavar, translated when shown
    ("output", "-o/--output"),
    ("nom", "--nom"),
    ("prenom", "--prenom"),
    ("date_naissance", "--date-naissance"),
)


def run(args: argparse.Namespace) -> int:
    if getattr(args, "verifier", False):
        return _verify()
    missing = [
        _(flag) if name == "input" else flag
        for name, flag in REQUIRED
        if getattr(args, name, None) in (None, "")
    ]
    if missing:
        parser = getattr(args, "_hash_parser", None)
        message = _("the following arguments are required: %s") % ", ".join(missing)
        if parser is not None:
            parser.error(message)  # exit code 2, usage printed
        raise KitError(message, rule="usage")
    report = hash_file(args)
    for line in summary(report):
        print(line)
    return EXIT_OK
