"""Scan everything the project produced for the synthetic canary identities.

What: `pipase synth` plants a few unmistakable identities (ground_truth/canaries.csv: surname
CANARYZORGLUB, first names such as Pipasecanari, a birth date each). This script looks for them
  - in every table and view of the DuckDB database given by --database, in every schema except
    the identifying zone and raw (where identities belong), every column cast to text;
  - in every file under the given paths (target/ with manifest.json, run_results.json, compiled
    and run SQL, catalog.json, the docs' index.html; logs/; data/export/ and the clear manifests
    beside the archives...), Parquet files read through DuckDB, zip/xlsx members and .gz files
    decompressed; DuckDB files are skipped (scan them with --database).
  A name (surname, birth name, first name) matches in any case, accents, spaces or punctuation
  (the text is folded to A-Z: "Canary Zorglub", "canaryzorglub" and CANARYZORGLUB all match); a
  birth date matches in every format the sources use: dd/mm/yyyy, yyyy-mm-dd, ddmmyyyy,
  dd-mm-yyyy, yyyy/dd/mm (digits not touching).
Why: an identity that reaches an output, a log or a compiled query has left the identifying zone;
  the canaries make such a leak visible without reading real data.
When: after the test run's `dbt build` and `dbt docs generate` (make test), on their outputs.

Reports file, table and column, the canary's id and the kind of match (nom, prenom, date),
never the matched text. Exit 0 clean, 1 on any hit, 2 when something could not be read.
"""

from __future__ import annotations

import argparse
import csv
import fnmatch
import gzip
import io
import re
import sys
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

ID_COLUMNS = ("person_uid", "canary_id", "id", "uid")
NAME_COLUMNS = {
    "nom": "nom",
    "nom_naissance": "nom",
    "nom_usage": "nom",
    "nomnai": "nom",
    "prenom": "prenom",
    "prenom2": "prenom",
}
DATE_COLUMNS = ("date_naissance", "dtnai", "birth_date")
DATE_INPUT_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d%m%Y")
# Formats the sources use for birth dates (hashing protocol section 2, contracts).
DATE_OUTPUT_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d%m%Y", "%d-%m-%Y", "%Y/%d/%m")
MIN_NAME_LENGTH = 4
DEFAULT_EXCLUDED_SCHEMAS = ("identifying", "raw")
SYSTEM_SCHEMAS = ("information_schema", "pg_catalog")
SKIPPED_SUFFIXES = (".duckdb", ".duckdb.wal", ".wal", ".db")


def fold(text: str) -> str:
    """A-Z only: accents stripped (NFKD), upper-cased, everything else removed."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub("[^A-Z]+", "", ascii_text.upper())


@dataclass
class Canary:
    ident: str
    names: dict[str, str] = field(default_factory=dict)  # folded name -> kind
    dates: list[date] = field(default_factory=list)

    def date_pattern(self) -> str | None:
        """One regular expression (Python and RE2 syntax) for every birth date format."""
        parts = []
        for day in self.dates:
            for fmt in DATE_OUTPUT_FORMATS:
                text = re.escape(day.strftime(fmt))
                if fmt == "%d%m%Y":
                    # eight bare digits: not inside a longer run of letters or digits (hashes)
                    parts.append(f"(^|[^0-9A-Za-z]){text}([^0-9A-Za-z]|$)")
                else:
                    parts.append(f"(^|[^0-9]){text}([^0-9]|$)")
        return "|".join(parts) or None

    def date_texts(self) -> list[tuple[str, str]]:
        """(text, characters that must not touch it) for every birth date format."""
        texts = []
        for day in self.dates:
            for fmt in DATE_OUTPUT_FORMATS:
                texts.append((day.strftime(fmt), _ALNUM if fmt == "%d%m%Y" else _DIGITS))
        return texts


_DIGITS = frozenset("0123456789")
_ALNUM = frozenset("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _contains_bounded(text: str, needle: str, forbidden: frozenset[str]) -> bool:
    """needle occurs in text with no character of `forbidden` just before or after it."""
    start = text.find(needle)
    while start != -1:
        end = start + len(needle)
        before = text[start - 1] if start > 0 else ""
        after = text[end] if end < len(text) else ""
        if before not in forbidden and after not in forbidden:
            return True
        start = text.find(needle, start + 1)
    return False


@dataclass(frozen=True)
class Hit:
    where: str
    canary: str
    kind: str
    count: int = 1

    def __str__(self) -> str:
        rows = f" ({self.count} rows)" if self.count > 1 else ""
        return f"{self.where}: canary {self.canary} ({self.kind}){rows}"


def _parse_date(value: str) -> date | None:
    value = value.strip()
    for fmt in DATE_INPUT_FORMATS:
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    return None


def read_canaries(path: Path) -> list[Canary]:
    canaries = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        columns = {c.lower(): c for c in reader.fieldnames or []}
        for number, row in enumerate(reader, start=2):
            id_column = next((columns[c] for c in ID_COLUMNS if c in columns), None)
            canary = Canary(ident=row[id_column] if id_column else f"line {number}")
            for column, kind in NAME_COLUMNS.items():
                value = row.get(columns.get(column, ""), "") or ""
                folded = fold(value)
                if len(folded) >= MIN_NAME_LENGTH:
                    canary.names.setdefault(folded, kind)
                elif folded:
                    sys.stderr.write(
                        f"scan_canaries: {path.name} line {number} column {column}: name too "
                        f"short to scan (< {MIN_NAME_LENGTH} letters), skipped\n"
                    )
            for column in DATE_COLUMNS:
                value = row.get(columns.get(column, ""), "") or ""
                if value.strip():
                    parsed = _parse_date(value)
                    if parsed is None:
                        raise ValueError(f"{path.name} line {number} column {column}: not a date")
                    canary.dates.append(parsed)
            canaries.append(canary)
    if not canaries:
        raise ValueError(f"{path.name}: no canary")
    return canaries


class Scanner:
    def __init__(self, canaries: list[Canary]):
        self.canaries = canaries
        self._date_texts = {c.ident: c.date_texts() for c in canaries}

    def scan_text(self, text: str, where: str) -> list[Hit]:
        folded = fold(text)
        hits = []
        for canary in self.canaries:
            kinds = sorted({kind for name, kind in canary.names.items() if name in folded})
            if any(
                _contains_bounded(text, needle, forbidden)
                for needle, forbidden in self._date_texts[canary.ident]
            ):
                kinds.append("date")
            hits.extend(Hit(where, canary.ident, kind) for kind in kinds)
        return hits

    # ---- files

    def scan_bytes(self, data: bytes, where: str) -> list[Hit]:
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            text = data.decode("utf-16", errors="replace")
        else:
            text = data.decode("utf-8", errors="replace")
        return self.scan_text(text, where)

    def scan_parquet(self, path: Path, where: str) -> list[Hit]:
        import duckdb

        con = duckdb.connect()
        try:
            relation = f"read_parquet('{_sql_string(str(path))}')"
            columns = [
                row[0] for row in con.execute(f"describe select * from {relation}").fetchall()
            ]
            return self._scan_duckdb_relation(con, relation, columns, where)
        finally:
            con.close()

    def scan_file(self, path: Path, shown: str) -> list[Hit]:
        name = path.name.lower()
        if name.endswith(".parquet"):
            return self.scan_parquet(path, f"file {shown}")
        data = path.read_bytes()
        hits = self.scan_bytes(data, f"file {shown}")
        if name.endswith(".gz"):
            hits += self.scan_bytes(gzip.decompress(data), f"file {shown} (decompressed)")
        elif zipfile.is_zipfile(io.BytesIO(data)):
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                for member in archive.infolist():
                    if member.is_dir() or member.flag_bits & 0x1:  # encrypted member: skip
                        continue
                    hits += self.scan_bytes(
                        archive.read(member), f"file {shown} member {member.filename}"
                    )
        return hits

    def scan_paths(
        self, paths: Iterable[Path], excludes: list[str], errors: list[str]
    ) -> Iterator[Hit]:
        for root in paths:
            if not root.exists():
                errors.append(f"{root}: no such file or folder")
                continue
            files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
            for path in files:
                shown = str(path)
                if path.name.lower().endswith(SKIPPED_SUFFIXES):
                    continue
                if any(fnmatch.fnmatch(shown, pattern) for pattern in excludes):
                    continue
                try:
                    yield from self.scan_file(path, shown)
                except Exception as exc:  # noqa: BLE001 - reported, the scan goes on
                    errors.append(f"file {shown}: unreadable ({type(exc).__name__})")

    # ---- database

    def _scan_duckdb_relation(
        self, con, relation: str, columns: list[str], where: str
    ) -> list[Hit]:
        if not columns:
            return []
        aggregates, labels = [], []
        for column in columns:
            quoted = '"' + column.replace('"', '""') + '"'
            text = f"cast({quoted} as varchar)"
            folded = f"regexp_replace(upper(strip_accents({text})), '[^A-Z]+', '', 'g')"
            for canary in self.canaries:
                for name, kind in sorted(canary.names.items()):
                    aggregates.append(f"count(*) filter (where contains({folded}, '{name}'))")
                    labels.append((column, canary.ident, kind))
                pattern = canary.date_pattern()
                if pattern:
                    aggregates.append(
                        f"count(*) filter (where regexp_matches({text}, '{_sql_string(pattern)}'))"
                    )
                    labels.append((column, canary.ident, "date"))
        counts = con.execute(f"select {', '.join(aggregates)} from {relation}").fetchone()
        hits: dict[tuple[str, str, str], int] = {}
        for (column, ident, kind), count in zip(labels, counts, strict=True):
            if count:
                key = (column, ident, kind)
                hits[key] = hits.get(key, 0) + count
        return [
            Hit(f"{where} column {column}", ident, kind, count)
            for (column, ident, kind), count in hits.items()
        ]

    def scan_database(
        self, database: Path, excluded_schemas: list[str], errors: list[str]
    ) -> Iterator[Hit]:
        import duckdb

        con = duckdb.connect(
            str(database),
            read_only=True,
            config={"autoinstall_known_extensions": False, "autoload_known_extensions": False},
        )
        try:
            skipped = {s.lower() for s in (*excluded_schemas, *SYSTEM_SCHEMAS)}
            tables = con.execute(
                "select table_schema, table_name from information_schema.tables "
                "where table_catalog = current_database() order by 1, 2"
            ).fetchall()
            for schema, table in tables:
                if schema.lower() in skipped:
                    continue
                relation = '"{}"."{}"'.format(schema.replace('"', '""'), table.replace('"', '""'))
                try:
                    columns = [
                        row[0]
                        for row in con.execute(
                            "select column_name from information_schema.columns "
                            "where table_catalog = current_database() and table_schema = ? "
                            "and table_name = ? order by ordinal_position",
                            [schema, table],
                        ).fetchall()
                    ]
                    yield from self._scan_duckdb_relation(
                        con, relation, columns, f"table {schema}.{table}"
                    )
                except duckdb.Error as exc:
                    errors.append(f"table {schema}.{table}: unreadable ({type(exc).__name__})")
        finally:
            con.close()


def _sql_string(value: str) -> str:
    return value.replace("'", "''")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--canaries", type=Path, required=True, help="ground_truth/canaries.csv")
    parser.add_argument("--database", type=Path, help="DuckDB database to scan (read only)")
    parser.add_argument(
        "--exclude-schema",
        action="append",
        default=None,
        help=f"schema not to scan (repeatable; default: {', '.join(DEFAULT_EXCLUDED_SCHEMAS)})",
    )
    parser.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="GLOB",
        help="file paths not to scan, e.g. '*/extraction/*' (repeatable)",
    )
    parser.add_argument("paths", nargs="*", type=Path, help="files or folders to scan")
    args = parser.parse_args(argv)
    if args.database is None and not args.paths:
        parser.error("nothing to scan: give --database and/or paths")
    try:
        scanner = Scanner(read_canaries(args.canaries))
    except (OSError, ValueError, KeyError) as exc:
        sys.stderr.write(f"scan_canaries: {exc}\n")
        return 2
    errors: list[str] = []
    hits = list(scanner.scan_paths(args.paths, args.exclude, errors))
    if args.database is not None:
        if args.database.exists():
            excluded = args.exclude_schema or list(DEFAULT_EXCLUDED_SCHEMAS)
            hits += list(scanner.scan_database(args.database, excluded, errors))
        else:
            errors.append(f"database {args.database}: no such file")
    for hit in hits:
        sys.stdout.write(f"{hit}\n")
    for error in errors:
        sys.stderr.write(f"scan_canaries: {error}\n")
    n = len(scanner.canaries)
    if hits:
        sys.stdout.write(f"scan_canaries: {len(hits)} hit(s) for {n} canaries\n")
        return 1
    if errors:
        return 2
    sys.stdout.write(f"scan_canaries: no trace of {n} canaries\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
