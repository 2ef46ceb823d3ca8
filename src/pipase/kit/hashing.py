"""One run of the kit: a partner's file in, the same rows with keys instead of identities out.

Every data row of the input becomes exactly one output row, in input order, or the run fails
and writes nothing. The identity columns (name, birth name, first name, birth date) and the
--drop columns are removed; a remaining column that is identifying by its name or its content
(`pipase.identifiers`) stops the run unless --garder declares it harmless. The report holds
counts and column names only, never a value.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import compress
from pathlib import Path

from pipase import identifiers, protocol
from pipase.errors import PipaseError
from pipase.i18n import _
from pipase.kit.keys import KeyEngine
from pipase.kit.reader import CsvSource, XlsxSource, cell_text, open_source, separator_label
from pipase.kit.writer import CsvWriter, XlsxWriter, neutralise_column

KEY_COLUMNS = ("cle_hachage", "cle_hachage_secondaire", "motif_sans_cle")
MONTH_COLUMN = "mois_naissance"
OUTPUT_XLSX = (".xlsx",)
DEFAULT_XLSX_TO_CSV_SEPARATOR = ";"


@dataclass
class Options:
    """What `pipase hash` was asked (the command line's options, as a library call)."""

    input: Path
    output: Path
    nom: str
    prenom: str
    date_naissance: str
    format_date: list[str] = field(default_factory=list)
    nom_naissance: str | None = None
    sep: str | None = None
    encoding: str = "utf-8"
    sheet: str | None = None
    mois_naissance: bool = False
    drop: list[str] = field(default_factory=list)
    garder: list[str] = field(default_factory=list)
    keyed: bool = False


@dataclass
class Report:
    """What a run did: counts and column names, never a value."""

    input: Path
    output: Path
    kind: str
    separator: str | None
    separator_detected: bool
    encoding: str | None
    bom: bool
    output_separator: str | None
    rows_in: int = 0
    rows_out: int = 0
    blank_lines: int = 0
    keyed_rows: int = 0
    secondary_only_rows: int = 0
    reasons: Counter = field(default_factory=Counter)
    removed: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    declared: list[str] = field(default_factory=list)  # --garder
    month_written: bool = False
    month_replaced: bool = False
    keyed: bool = False


class KitError(PipaseError):
    """A run of the kit refused (the message names file, line, column and rule)."""


def _find_column(header: Sequence[str], wanted: str, option: str, file: str) -> int:
    if wanted in header:
        return header.index(wanted)
    stripped = [h.strip() for h in header]
    if wanted.strip() in stripped:
        return stripped.index(wanted.strip())
    target = identifiers.normalise_column_name(wanted)
    matches = [i for i, h in enumerate(header) if identifiers.normalise_column_name(h) == target]
    if len(matches) == 1 and target:
        return matches[0]
    raise KitError(
        _(
            "column {column} (given with {option}) is not in the header ({count} columns); "
            "the first line must name the columns"
        ).format(column=wanted, option=option, count=len(header)),
        rule="missing_column",
        file=file,
    )


def _header_hint(source: CsvSource | XlsxSource) -> str:
    """Why a column may be missing, without showing a header cell (it may be a person's)."""
    hints = []
    kinds = [identifiers.classify(str(h)) for h in source.header]
    looks_like_data = any(k in (identifiers.FULL_DATE, identifiers.COMPACT_DATE) for k in kinds)
    looks_like_data |= any(
        isinstance(k, tuple) and any(w in identifiers.first_names() for w in k) for k in kinds
    )
    if looks_like_data:
        hints.append(
            _("the first line holds a date or a first name: the file seems to have no header")
        )
    if source.kind == "csv" and len(source.header) < 3:
        hints.append(
            _("only {count} column(s) read with the separator {separator}: give --sep").format(
                count=len(source.header), separator=separator_label(source.separator)
            )
        )
    return (" (" + "; ".join(hints) + ")") if hints else ""


def _check_paths(options: Options) -> None:
    source, target = Path(options.input), Path(options.output)
    if target.suffix.lower() in (".xls", ".ods", ".xlsm"):
        raise KitError(
            _("the output must be a .csv or .xlsx file"), rule="output", file=str(target)
        )
    if not target.parent.resolve().is_dir():
        raise KitError(
            _("the output folder does not exist"), rule="output", file=str(target.parent)
        )
    same = source.resolve() == target.resolve()
    if not same and target.exists() and source.exists():
        same = os.path.samefile(source, target)
    if same:
        raise KitError(
            _("the output is the input file itself: choose another output file name"),
            rule="output_is_input",
            file=str(target),
        )
    if target.is_dir():
        raise KitError(_("the output is a folder"), rule="output", file=str(target))


def hash_file(options: Options) -> Report:
    """Hash `options.input` into `options.output`; a KitError (or PipaseError) when refused."""
    _check_paths(options)
    key = protocol.key_from_environment() if options.keyed else None
    source = open_source(
        Path(options.input), encoding=options.encoding, separator=options.sep, sheet=options.sheet
    )
    file = source.file
    try:
        return _run(options, source, key, file)
    except OSError as error:  # disk full, permission denied, a file removed meanwhile
        raise KitError(
            _("cannot read or write a file: {reason}").format(
                reason=error.strerror or type(error).__name__
            ),
            rule="io",
            file=str(error.filename) if error.filename else None,
        ) from None
    finally:
        source.close()


def _run(options: Options, source, key: bytes | None, file: str) -> Report:
    header = list(source.header)
    if source.kind == "csv" and not options.format_date:
        raise KitError(
            _("give the birth date format with --format-date (e.g. %d/%m/%Y)"),
            rule="missing_format",
        )
    try:
        identity = {
            "nom": _find_column(header, options.nom, "--nom", file),
            "prenom": _find_column(header, options.prenom, "--prenom", file),
            "date_naissance": _find_column(
                header, options.date_naissance, "--date-naissance", file
            ),
        }
        if options.nom_naissance:
            identity["nom_naissance"] = _find_column(
                header, options.nom_naissance, "--nom-naissance", file
            )
        dropped = {_find_column(header, c, "--drop", file) for c in options.drop}
        declared = {_find_column(header, c, "--garder", file) for c in options.garder}
    except KitError as error:
        error.message += _header_hint(source)
        raise
    if declared & set(identity.values()):
        raise KitError(
            _("--garder cannot keep a name, first name or birth date column"),
            rule="garder_identity",
            file=file,
        )
    if declared & dropped:
        raise KitError(
            _("a column is both in --drop and in --garder"), rule="garder_drop", file=file
        )
    removed = set(identity.values()) | dropped
    # the columns the kit writes, found in any case, accents or spacing (the import compares
    # names so: CLE_HACHAGE beside the written cle_hachage made two columns it refused)
    normalised = [identifiers.normalise_column_name(h) for h in header]
    month_index = normalised.index(MONTH_COLUMN) if MONTH_COLUMN in normalised else None
    month_replaced = bool(
        options.mois_naissance and month_index is not None and month_index not in removed
    )
    if month_replaced:
        removed.add(month_index)
    kept = [i for i in range(len(header)) if i not in removed]
    for index in kept:
        if normalised[index] in KEY_COLUMNS or (
            options.mois_naissance and normalised[index] == MONTH_COLUMN
        ):
            raise KitError(
                _(
                    "the file already has a column {column}: was it hashed already? "
                    "(remove it with --drop if not)"
                ).format(column=header[index]),
                rule="already_hashed",
                file=file,
            )
    checked = [i for i in kept if i not in declared]
    refused = identifiers.name_findings([header[i] for i in checked])
    if refused:
        raise _refusal(refused, file)

    output = Path(options.output)
    names = list(KEY_COLUMNS) + ([MONTH_COLUMN] if options.mois_naissance else [])
    names += [header[i] for i in kept]
    if output.suffix.lower() in OUTPUT_XLSX:
        writer = XlsxWriter(output)
        out_separator = None
    else:
        out_separator = source.separator or DEFAULT_XLSX_TO_CSV_SEPARATOR
        writer = CsvWriter(
            output,
            separator=out_separator,
            encoding=source.encoding or "utf-8",
            bom=bool(source.bom),
        )
    report = Report(
        input=Path(options.input),
        output=output,
        kind=source.kind,
        separator=source.separator,
        separator_detected=source.separator_detected,
        encoding=source.encoding,
        bom=bool(source.bom),
        output_separator=out_separator,
        removed=[header[i] for i in sorted(removed)],
        kept=[header[i] for i in kept],
        declared=[header[i] for i in sorted(declared)],
        month_written=options.mois_naissance,
        month_replaced=month_replaced,
        keyed=key is not None,
    )
    try:
        writer.header(names)
        _stream(options, source, writer, report, identity, kept, checked, key, file)
        writer.close()
        if writer.rows != report.rows_in:  # a bug, never a user error: refuse to deliver
            raise RuntimeError(f"rows in {report.rows_in} != rows out {writer.rows}")
        writer.commit()
    except BaseException:
        writer.discard()
        raise
    report.rows_out = writer.rows
    report.blank_lines = source.blank_lines
    return report


def _stream(options, source, writer, report, identity, kept, checked, key, file) -> None:
    engine = KeyEngine(options.format_date, key, text_only=source.kind == "csv")
    detector = identifiers.ContentDetector([source.header[i] for i in checked])
    checked_positions = {index: position for position, index in enumerate(checked)}
    xlsx = source.kind == "xlsx"
    csv_out = isinstance(writer, CsvWriter)
    for batch in source.batches():
        columns = batch.columns
        if xlsx and not options.format_date:
            _refuse_text_dates(columns[identity["date_naissance"]], batch.lines, file)
        keys = engine.batch(
            columns[identity["nom"]],
            columns[identity["prenom"]],
            columns[identity["date_naissance"]],
            columns[identity["nom_naissance"]] if "nom_naissance" in identity else None,
            with_months=options.mois_naissance,
        )
        surnames = [columns[identity["nom"]]]
        if "nom_naissance" in identity:
            surnames.append(columns[identity["nom_naissance"]])
        detector.set_row_names(surnames, [columns[identity["prenom"]]])
        out_columns = [keys.primary, keys.secondary, keys.reason]
        if options.mois_naissance:
            out_columns.append(keys.month)
        for index in kept:
            values = columns[index]
            if xlsx:
                values = [cell_text(v) for v in values]
            if index in checked_positions:
                detector.feed(checked_positions[index], values, batch.lines)
            out_columns.append(neutralise_column(values) if csv_out else values)  # XLSX: text cells
        detector.resolve(keys.names)
        certain = detector.certain()
        if certain:
            raise _refusal(certain, file)
        writer.write(out_columns, batch.lines, batch.plain)
        rows = len(batch)
        report.rows_in += rows
        with_primary = rows - keys.primary.count("")
        report.keyed_rows += with_primary
        report.secondary_only_rows += rows - keys.secondary.count("") - with_primary
        report.reasons.update(compress(keys.reason, keys.reason))  # the non-empty ones
        del batch, columns, keys, out_columns  # one block in memory at a time, not two
    found = detector.findings()
    if found:
        raise _refusal(found, file)


def _refuse_text_dates(values, lines, file: str) -> None:
    """An XLSX birth date column holding dates typed as text (01/02/2003 in a text cell),
    read without --format-date: every row came out unkeyed with exit 0, where a CSV is refused
    until the format is given."""
    for index, value in enumerate(values):
        if isinstance(value, str) and identifiers.classify(value) in (
            identifiers.FULL_DATE,
            identifiers.COMPACT_DATE,
        ):
            raise KitError(
                _(
                    "the birth date column holds dates written as text: give their format with "
                    "--format-date (e.g. %d/%m/%Y)"
                ),
                rule="missing_format",
                file=file,
                line=lines[index],
            )


def _refusal(findings: list[identifiers.Finding], file: str) -> KitError:
    columns = ", ".join(dict.fromkeys(f.column for f in findings))
    lines = "; ".join(f.describe() for f in findings)
    return KitError(
        _(
            "identifying column(s) refused: {details}. Remove them with --drop COLUMN, or, if a "
            "column identifies no one, keep it with --garder COLUMN ({columns})"
        ).format(details=lines, columns=columns),
        rule="identifying_column",
        file=file,
    )
