"""Partners' files (convention 4.2): checked before they enter the pseudonymised zone.

A partner sends the Association a file produced by `pipase hash`: the keys `cle_hachage` and
`cle_hachage_secondaire`, the reason `motif_sans_cle` for rows without a key, and its own
attributes. "L'Association s'engage à ne demander aucune donnée directement identifiante (nom,
prénom(s), date de naissance) aux partenaires": a file is refused when a column looks
identifying, by its name (names, first names, birth date, address, NIR, e-mail, phone) or by its
values (full dates, e-mail addresses, phone numbers, NIR), or when a key is not 64 lower-case
hexadecimal characters. Messages give file, line, column and rule, never a value.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipase import hashkit
from pipase.transmission import TransmissionError

KEY_COLUMNS = ("cle_hachage", "cle_hachage_secondaire")
REASON_COLUMN = "motif_sans_cle"
REQUIRED_COLUMNS = (*KEY_COLUMNS, REASON_COLUMN)
LINEAGE_COLUMNS = ("_fichier", "_ligne")
KEY_PATTERN = re.compile(r"[0-9a-f]{64}")

# Beyond hashkit.IDENTIFIER_NAME (the kit's own warning list): spellings met in partners' files,
# on names normalised to ASCII snake_case (so "Prénom1" is "prenom1", "dateNaissance"
# "date_naissance"). The month of birth (mois_naissance) and the year are allowed: the kit keeps
# them on purpose.
EXTRA_IDENTIFIER_NAME = re.compile(
    r"(^|_)("
    r"(nom|prenom)s?\d*|nomnai|nomusage|nomnaissance|patronyme|nom_?jeune_?fille|"
    r"lastname|givenname|forename|"
    r"date_?(de_)?naissance|datenais|dt_?nai(ss?)?|jour_naissance|ddn|dob|birth\w*|"
    r"adresses?\d*|addresses?|lieu_?dit|libelle_voie|"
    r"nir|nss|securite_sociale|num_?secu|secu|"
    r"e_?mail|mail|courriel|"
    r"tel|tels|telephone|portable|mobile|phone|gsm|fax"
    r")(_|$)"
)
VALUE_RULES = {
    "full date (day, month and year): keep the month (AAAA-MM) instead": re.compile(
        r"\s*(\d{1,2}[/.-]\d{1,2}[/.-]\d{4}|\d{4}[-/]\d{1,2}[-/]\d{1,2})"
        r"([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\S*)?\s*"
    ),
    "e-mail address": re.compile(r"\s*[^@\s]+@[^@\s]+\.[A-Za-z]{2,}\s*"),
    "phone number": re.compile(r"\s*(\+33|0033|0)\s?[1-9]([\s.-]?\d{2}){4}\s*"),
    "social security number (NIR)": re.compile(
        r"\s*[12]\s?\d{2}\s?(0[1-9]|1[0-2]|[2-9]\d)\s?(\d{2}|2[ABab])\s?\d{3}\s?\d{3}(\s?\d{2})?\s*"
    ),
}


@dataclass
class PartnerFile:
    path: Path
    table: str  # table name in the schema partenaires
    frame: pd.DataFrame  # normalised column names, empty cells as None, lineage columns
    rows: int
    keyed_rows: int


def normalise_identifier(text: str) -> str:
    """ASCII snake_case: accents dropped, camelCase split, anything else an underscore."""
    text = unicodedata.normalize("NFKD", str(text))
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", text)
    text = re.sub(r"[^0-9A-Za-z]+", "_", text).strip("_").lower()
    return re.sub(r"_+", "_", text)


def looks_identifying(column: str) -> bool:
    """Whether a column name (normalised) denotes a direct identifier."""
    name = normalise_identifier(column)
    if name in REQUIRED_COLUMNS:
        return False
    return bool(hashkit.IDENTIFIER_NAME.search(name) or EXTRA_IDENTIFIER_NAME.search(name))


def table_name(path: Path) -> str:
    name = normalise_identifier(path.stem)
    if not name:
        raise TransmissionError(f"{path}: cannot make a table name of the file name")
    if name[0].isdigit():
        name = "partenaire_" + name
    if name.endswith("__lien"):
        raise TransmissionError(f"{path}: a file name may not end with __lien (reserved)")
    return name


def _read(path: Path, sep: str | None, encoding: str) -> pd.DataFrame:
    if not path.is_file():
        raise TransmissionError(f"{path}: no such file")
    if path.suffix.lower() in {".xlsx", ".xlsm"}:
        return pd.read_excel(path, dtype=str, keep_default_na=False)
    try:
        if sep is None:
            with path.open(encoding=encoding, newline="") as handle:
                header = handle.readline()
            counts = {s: header.count(s) for s in (";", ",", "\t", "|")}
            sep = max(counts, key=counts.get) if any(counts.values()) else ";"
        return pd.read_csv(
            path,
            sep=sep,
            encoding=encoding,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            quoting=csv.QUOTE_MINIMAL,
        )
    except UnicodeDecodeError as error:
        raise TransmissionError(
            f"{path}: not readable as {encoding} (byte offset {error.start})"
        ) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise TransmissionError(
            f"{path}: not a readable CSV file ({type(error).__name__})"
        ) from None


def _first_line(mask: pd.Series) -> int:
    """File line of the first flagged row (header = line 1, first data row = line 2)."""
    return int(mask.to_numpy().nonzero()[0][0]) + 2


def check_partner_file(
    path: Path, *, sep: str | None = None, encoding: str = "utf-8"
) -> PartnerFile:
    """Read and check a partner's file; TransmissionError listing every problem otherwise."""
    raw = _read(path, sep, encoding)
    original = [str(c) for c in raw.columns]
    names = [normalise_identifier(c) for c in original]
    problems: list[str] = []

    seen: dict[str, str] = {}
    for before, after in zip(original, names, strict=True):
        if not after:
            problems.append(f"column {before!r}: empty name")
        elif after in seen:
            problems.append(f"columns {seen[after]!r} and {before!r} have the same name {after}")
        elif after in LINEAGE_COLUMNS:
            problems.append(f"column {before!r}: reserved name")
        seen.setdefault(after, before)
    missing = [c for c in REQUIRED_COLUMNS if c not in names]
    if missing:
        problems.append(
            f"column(s) {', '.join(missing)} missing: the file must be produced by `pipase hash`"
        )
    identifying = [
        before
        for before, after in zip(original, names, strict=True)
        if after and looks_identifying(after)
    ]
    if identifying:
        problems.append(
            "column(s) looking identifying by their name (names, first names, birth date, "
            "address, NIR, e-mail, phone): "
            + ", ".join(identifying)
            + "; remove them (pipase hash --drop), or rename a column that holds no personal "
            "identifier"
        )
    frame = raw.copy()
    frame.columns = names
    text = frame.astype(str).apply(lambda s: s.str.strip())

    flagged_by_name = {normalise_identifier(c) for c in identifying}
    for column in names:
        if column in REQUIRED_COLUMNS or not column or column in flagged_by_name:
            continue
        for rule, pattern in VALUE_RULES.items():
            flagged = text[column].str.fullmatch(pattern.pattern, na=False)
            count = int(flagged.sum())
            if count:
                problems.append(
                    f"column {column}: {count} value(s) look like a {rule} "
                    f"(first at line {_first_line(flagged)})"
                )
    for column in KEY_COLUMNS:
        if column not in names:
            continue
        values = text[column]
        bad = (values != "") & ~values.str.fullmatch(KEY_PATTERN.pattern, na=False)
        if bad.any():
            problems.append(
                f"column {column}: {int(bad.sum())} key(s) are not 64 lower-case hexadecimal "
                f"characters (SHA-256) (first at line {_first_line(bad)})"
            )
    if REASON_COLUMN in names and "cle_hachage" in names:
        unexplained = (text["cle_hachage"] == "") & (text[REASON_COLUMN] == "")
        if unexplained.any():
            problems.append(
                f"column cle_hachage: {int(unexplained.sum())} row(s) without a key and without "
                f"{REASON_COLUMN} (first at line {_first_line(unexplained)})"
            )
    if problems:
        raise TransmissionError(f"partner file {path} refused:\n  " + "\n  ".join(problems))

    frame = frame.replace({"": None})
    for column in frame.columns:
        frame[column] = frame[column].where(frame[column].notna(), None)
    frame["_fichier"] = path.name
    frame["_ligne"] = range(2, len(frame) + 2)
    return PartnerFile(
        path=path,
        table=table_name(path),
        frame=frame,
        rows=len(frame),
        keyed_rows=int(frame["cle_hachage"].notna().sum()),
    )
