"""`pipase hash`: the partners' kit. Replace a file's identities by the protocol's keys.

Reads a CSV (or XLSX) extract, computes the primary key (`cle_hachage`) and the secondary key
(`cle_hachage_secondaire`) of every row with the hashing protocol, and writes the file back
without the identifying columns (names, first names, full birth date). Every input row appears
in the output, in input order; a row that cannot be keyed keeps empty keys and gets its reason
in `motif_sans_cle`. Nothing identifying is ever printed: the summary gives counts only.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import pandas as pd

from pipase import protocol

# Column names that denote a direct identifier: warned about when they stay in the output.
IDENTIFIER_NAME = re.compile(
    r"(^|_)(nom|noms|prenom|prenoms|name|firstname|surname|adresse|address|rue|voie|nir|"
    r"telephone|tel|email|courriel|date_naissance|dtnai|birth)(_|$)",
    re.IGNORECASE,
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("input", type=Path, help="CSV or XLSX file with one row per person")
    parser.add_argument("-o", "--output", type=Path, required=True, help="file to write")
    parser.add_argument("--nom", required=True, help="column of the usage name (or the name)")
    parser.add_argument("--nom-naissance", help="column of the birth name, used when not empty")
    parser.add_argument("--prenom", required=True, help="column of the first name")
    parser.add_argument("--date-naissance", required=True, help="column of the birth date")
    parser.add_argument(
        "--format-date",
        action="append",
        required=True,
        metavar="FMT",
        help="birth date format, strptime syntax (%%d/%%m/%%Y); repeat for several; a value "
        "that two formats read differently is refused, never guessed",
    )
    parser.add_argument("--sep", default=";", help="CSV delimiter (default ;)")
    parser.add_argument("--encoding", default="utf-8", help="CSV encoding (default utf-8)")
    parser.add_argument("--sheet", help="XLSX sheet (default: the first)")
    parser.add_argument(
        "--mois-naissance",
        action="store_true",
        help="keep the birth month and year as a column mois_naissance (AAAA-MM)",
    )
    parser.add_argument(
        "--drop", action="append", default=[], metavar="COL", help="another column to remove"
    )
    parser.add_argument(
        "--keyed",
        action="store_true",
        help="HMAC-SHA-256 with the secret in the environment variable PIPASE_HASH_KEY",
    )


def _read(path: Path, args: argparse.Namespace) -> pd.DataFrame:
    if path.suffix.lower() in {".xlsx", ".xlsm"}:
        return pd.read_excel(path, sheet_name=args.sheet or 0, dtype=str, keep_default_na=False)
    return pd.read_csv(
        path,
        sep=args.sep,
        encoding=args.encoding,
        dtype=str,
        keep_default_na=False,
        na_filter=False,
    )


def _write(frame: pd.DataFrame, path: Path, args: argparse.Namespace) -> None:
    if path.suffix.lower() == ".xlsx":
        frame.to_excel(path, index=False)
    else:
        frame.to_csv(path, sep=args.sep, encoding=args.encoding, index=False)


def hash_file(args: argparse.Namespace) -> dict[str, int]:
    """Hash args.input into args.output; returns counts (rows, keyed, reasons)."""
    key = protocol.key_from_environment() if args.keyed else None
    frame = _read(args.input, args)
    identity_columns = [args.nom, args.prenom, args.date_naissance]
    if args.nom_naissance:
        identity_columns.append(args.nom_naissance)
    missing = [c for c in identity_columns + args.drop if c not in frame.columns]
    if missing:
        raise protocol.ProtocolError(
            f"{args.input}: column(s) {', '.join(missing)} not found in the header "
            f"(columns: {', '.join(map(str, frame.columns))})"
        )
    blank_to_na = frame[identity_columns].replace(r"^\s*$", pd.NA, regex=True)
    keys = protocol.compute_keys(
        blank_to_na,
        protocol.KeyColumns(
            nom=args.nom,
            prenom=args.prenom,
            date_naissance=args.date_naissance,
            nom_naissance=args.nom_naissance,
        ),
        args.format_date,
        key,
    )
    output = frame.drop(columns=identity_columns + args.drop)
    for column in ("cle_hachage", "cle_hachage_secondaire", "motif_sans_cle", "mois_naissance"):
        if column in output.columns:
            raise protocol.ProtocolError(f"{args.input}: the input already has a column {column}")
    output.insert(0, "cle_hachage", keys["cle_hachage"].fillna(""))
    output.insert(1, "cle_hachage_secondaire", keys["cle_hachage_secondaire"].fillna(""))
    output.insert(2, "motif_sans_cle", keys["motif_sans_cle"].fillna(""))
    if args.mois_naissance:
        months = blank_to_na[args.date_naissance].map(
            _month_reader(args.format_date), na_action="ignore"
        )
        output.insert(3, "mois_naissance", months.fillna(""))
    _write(output, args.output, args)
    counts = {"rows": len(frame), "keyed": int(keys["cle_hachage"].notna().sum())}
    for reason, count in keys["motif_sans_cle"].value_counts().items():
        counts[f"sans_cle:{reason}"] = int(count)
    leftover = [c for c in output.columns if IDENTIFIER_NAME.search(str(c))]
    counts["identifier_like_columns"] = len(leftover)
    if leftover:
        print(
            "warning: these columns look identifying and are still in the output "
            f"(remove them with --drop): {', '.join(map(str, leftover))}",
            file=sys.stderr,
        )
    return counts


def _month_reader(formats: list[str]):
    def read(value: str) -> str | None:
        try:
            return protocol.parse_birth_date(value, formats).strftime("%Y-%m")
        except protocol.ProtocolError:
            return None

    return read


def run(args: argparse.Namespace) -> int:
    try:
        counts = hash_file(args)
    except (protocol.ProtocolError, FileNotFoundError, UnicodeDecodeError) as error:
        reason = str(error)
        if isinstance(error, UnicodeDecodeError):
            reason = (
                f"{args.input}: not readable as {args.encoding} "
                f"(byte offset {error.start}); pass --encoding"
            )
        print(f"pipase hash: error: {reason}", file=sys.stderr)
        return 2
    unkeyed = counts["rows"] - counts["keyed"]
    variant = "HMAC-SHA-256 (keyed)" if args.keyed else "SHA-256"
    print(f"{counts['rows']} rows hashed with {variant} into {args.output}")
    print(f"  with a primary key: {counts['keyed']}; without: {unkeyed}")
    for name, count in sorted(counts.items()):
        if name.startswith("sans_cle:"):
            print(f"    {name.removeprefix('sans_cle:')}: {count}")
    return 0
