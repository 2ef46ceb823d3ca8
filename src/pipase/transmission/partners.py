"""Partners' files (convention 4.2): checked before they enter the pseudonymised zone.

A partner sends the Association a file produced by `pipase hash`: the keys `cle_hachage` and
`cle_hachage_secondaire`, the reason `motif_sans_cle` for rows without a key, and its own
attributes. "L'Association s'engage à ne demander aucune donnée directement identifiante (nom,
prénom(s), date de naissance) aux partenaires": the file is read as strictly as the kit reads
(`pipase.kit.reader`: every line one row, a quote that does not close on its line refused), and
refused when a column is identifying by its name or its content, with the same rules as the
kit (`pipase.identifiers`: full dates in any written form, JJMMAAAA dates, names and first
names, e-mail, phone, NIR), or when a key is not 64 lower-case hexadecimal characters. Messages
give file, line, column and rule, never a value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipase import identifiers
from pipase.errors import PipaseError
from pipase.i18n import _
from pipase.kit.reader import cell_text, open_source
from pipase.transmission import TransmissionError

KEY_COLUMNS = ("cle_hachage", "cle_hachage_secondaire")
REASON_COLUMN = "motif_sans_cle"
REQUIRED_COLUMNS = (*KEY_COLUMNS, REASON_COLUMN)
LINEAGE_COLUMNS = ("_fichier", "_ligne")
KEY_PATTERN = re.compile(r"[0-9a-f]{64}")


@dataclass
class PartnerFile:
    path: Path
    table: str  # table name in the schema partenaires
    frame: pd.DataFrame  # normalised column names, empty cells as None, lineage columns
    rows: int
    keyed_rows: int


def normalise_identifier(text: str) -> str:
    """ASCII snake_case: accents dropped, camelCase split, anything else an underscore."""
    return identifiers.normalise_column_name(text)


def looks_identifying(column: str) -> bool:
    """Whether a column name denotes a direct identifier (pipase.identifiers' one list)."""
    if normalise_identifier(column) in REQUIRED_COLUMNS:
        return False
    return identifiers.column_name_rule(column) is not None


def table_name(path: Path) -> str:
    name = normalise_identifier(path.stem)
    if not name:
        raise TransmissionError(
            _("{file}: cannot make a table name of the file name").format(file=path)
        )
    if name[0].isdigit():
        name = "partenaire_" + name
    if name.endswith("__lien"):
        raise TransmissionError(
            _("{file}: a file name may not end with __lien (reserved)").format(file=path)
        )
    return name


class _Rows:
    """The whole file, by column, with each row's line (partners' files are small)."""

    def __init__(self, header: list[str]) -> None:
        self.header = header
        self.columns: list[list[str]] = [[] for _ in header]
        self.lines: list[int] = []


def _read(path: Path, sep: str | None, encoding: str) -> _Rows:
    try:
        source = open_source(path, encoding=encoding, separator=sep)
    except PipaseError as error:
        raise TransmissionError(_("partner file refused: {reason}").format(reason=error)) from None
    try:
        rows = _Rows(list(source.header))
        xlsx = source.kind == "xlsx"
        for batch in source.batches():
            for target, values in zip(rows.columns, batch.columns, strict=True):
                target.extend(map(cell_text, values) if xlsx else values)
            rows.lines.extend(batch.lines)
    except PipaseError as error:
        raise TransmissionError(_("partner file refused: {reason}").format(reason=error)) from None
    finally:
        source.close()
    return rows


def check_partner_file(
    path: Path, *, sep: str | None = None, encoding: str = "utf-8"
) -> PartnerFile:
    """Read and check a partner's file; TransmissionError listing every problem otherwise."""
    rows = _read(path, sep, encoding)
    original = rows.header
    names = [normalise_identifier(c) for c in original]
    problems: list[str] = []

    seen: dict[str, str] = {}
    for before, after in zip(original, names, strict=True):
        if not after:
            problems.append(_("column {column}: empty name").format(column=before))
        elif after in seen:
            problems.append(
                _("columns {first} and {second} have the same name {name}").format(
                    first=seen[after], second=before, name=after
                )
            )
        elif after in LINEAGE_COLUMNS:
            problems.append(_("column {column}: reserved name").format(column=before))
        seen.setdefault(after, before)
    missing = [c for c in REQUIRED_COLUMNS if c not in names]
    if missing:
        problems.append(
            _("column(s) {columns} missing: the file must be produced by `pipase hash`").format(
                columns=", ".join(missing)
            )
        )
    checked = [
        (position, before)
        for position, (before, after) in enumerate(zip(original, names, strict=True))
        if after and after not in REQUIRED_COLUMNS
    ]
    by_name = identifiers.name_findings([before for _position, before in checked])
    problems.extend(f.describe() for f in by_name)
    flagged = {f.column for f in by_name}
    content = [(p, c) for p, c in checked if c not in flagged]
    detector = identifiers.ContentDetector([c for _p, c in content])
    for index, (position, _column) in enumerate(content):
        detector.feed(index, rows.columns[position], rows.lines)
    problems.extend(f.describe() for f in detector.findings())
    if by_name or detector.findings():
        problems.append(
            _(
                "a partner's file holds no name, first name or birth date (convention 4.2): "
                "the partner removes these columns (pipase hash --drop) and sends the file again"
            )
        )

    text = {name: [v.strip() for v in rows.columns[i]] for i, name in enumerate(names) if name}
    for column in KEY_COLUMNS:
        if column not in text:
            continue
        values = text[column]
        bad = [v != "" and not KEY_PATTERN.fullmatch(v) for v in values]
        if any(bad):
            line = next(n for n, b in zip(rows.lines, bad, strict=True) if b)
            problems.append(
                _(
                    "column {column}: {count} key(s) are not 64 lower-case hexadecimal "
                    "characters (SHA-256) (first at line {line})"
                ).format(column=column, count=sum(bad), line=line)
            )
    if REASON_COLUMN in text and "cle_hachage" in text:
        unexplained = [
            k == "" and r == ""
            for k, r in zip(text["cle_hachage"], text[REASON_COLUMN], strict=True)
        ]
        if any(unexplained):
            line = next(n for n, b in zip(rows.lines, unexplained, strict=True) if b)
            problems.append(
                _(
                    "column cle_hachage: {count} row(s) without a key and without {reason} "
                    "(first at line {line})"
                ).format(count=sum(unexplained), reason=REASON_COLUMN, line=line)
            )
    if problems:
        raise TransmissionError(
            _("partner file {file} refused:").format(file=path) + "\n  " + "\n  ".join(problems)
        )

    frame = pd.DataFrame(
        {name: [v if v != "" else None for v in rows.columns[i]] for i, name in enumerate(names)},
        dtype=object,
    )
    frame["_fichier"] = path.name
    frame["_ligne"] = rows.lines
    return PartnerFile(
        path=path,
        table=table_name(path),
        frame=frame,
        rows=len(frame),
        keyed_rows=int(frame["cle_hachage"].notna().sum()),
    )
