"""Read the source contracts (src/pipase/contracts/*.yml) into typed, validated objects: the one
contract reader, for the loader (`pipase load`) and the generator (`pipase synth`).

A contract is checked when it is read, so that a typo in a contract (an unknown type, a date
format the loader cannot check) fails before any file is opened.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from pipase.load.errors import ContractError
from pipase.paths import CONTRACTS_DIR

#: contract type -> DuckDB type of the raw column
DUCKDB_TYPES = {
    "varchar": "VARCHAR",
    "integer": "INTEGER",
    "decimal": "DECIMAL(12,2)",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
    "boolean": "BOOLEAN",
}
FILE_TYPES = ("csv", "xlsx")
FORMAT_KEYS = (
    "type",
    "delimiter",
    "encoding",
    "quote",
    "decimal_separator",
    "date_formats",
    "final_line_end",
)
# `final_line_end` of a CSV format: `required` (default), a last line without a line end is a
# file cut short (a copy interrupted, a disk full: its last value may be cut); `optional`, for
# an exporter that never ends its last line.
FINAL_LINE_END = ("required", "optional")
_NAME = re.compile(r"[a-z][a-z0-9_]*")
PART_NUMBER = "{n}"  # where a part's number goes in the `parts` pattern
# `if_invalid` of a column: what a value breaking a rule does to its row. `reject` (default):
# the row is rejected. `empty`: the row is loaded with the value empty and the rule's reason in
# the column `motif_<column>` (a birth date of an identity table: the row can still be linked
# on its names); only a direct identifier of type date may say so.
IF_INVALID = ("reject", "empty")
COLUMN_KEYS = {
    "name",
    "type",
    "required",
    "identifying",
    "formats",
    "accepted_values",
    "description",
    "if_invalid",
    "not_after_extraction",
    "unique",
}
REASON_PREFIX = "motif_"

# strptime directive -> RE2 pattern of what it may read. A value that fits a format's pattern
# but that try_strptime refuses "looks like a date but is not one" (rule date_impossible).
_DIRECTIVES = {
    "d": "[0-9]{1,2}",
    "m": "[0-9]{1,2}",
    "H": "[0-9]{1,2}",
    "I": "[0-9]{1,2}",
    "M": "[0-9]{1,2}",
    "S": "[0-9]{1,2}",
    "Y": "[0-9]{4}",
    "y": "[0-9]{2}",
    "j": "[0-9]{1,3}",
    "f": "[0-9]{1,6}",
    "p": "(?i:AM|PM)",
    "b": r"\pL+\.?",
    "B": r"\pL+",
    "a": r"\pL+\.?",
    "A": r"\pL+",
    "%": "%",
}
_RE_SPECIAL = set("\\.^$|?*+()[]{}")


def format_pattern(fmt: str) -> str:
    """The RE2 pattern (full match) of the strings a strptime format can read."""
    out: list[str] = []
    i = 0
    while i < len(fmt):
        char = fmt[i]
        if char == "%":
            if i + 1 >= len(fmt) or fmt[i + 1] not in _DIRECTIVES:
                raise ValueError(f"unsupported strptime directive in {fmt!r}")
            out.append(_DIRECTIVES[fmt[i + 1]])
            i += 2
            continue
        out.append("\\" + char if char in _RE_SPECIAL else char)
        i += 1
    return "".join(out)


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    required: bool = False
    identifying: bool = False
    formats: tuple[str, ...] = ()
    accepted_values: tuple[str, ...] | None = None
    description: str = ""
    if_invalid: str = "reject"
    # An event the extraction records as past (a birth, a decision, a payment): a value after
    # the extraction date is refused (rule date_after_extraction). Planned ends, scheduled
    # appointments and rights opening next month are not declared so.
    not_after_extraction: bool = False
    # An id the rows must not share (the person tables' ids, which every later table joins):
    # rows sharing it with different contents are all rejected (duplicate_id: none is chosen),
    # a row repeated as is keeps its first copy (the others: duplicate_row).
    unique: bool = False

    @property
    def duckdb_type(self) -> str:
        return DUCKDB_TYPES[self.type]

    @property
    def keeps_row(self) -> bool:
        """A value breaking a rule is loaded empty, with its reason, instead of rejecting."""
        return self.if_invalid == "empty"

    @property
    def reason_column(self) -> str | None:
        """The raw column holding why the value was loaded empty (keeps_row columns only)."""
        return reason_column_name(self.name) if self.keeps_row else None


def reason_column_name(column: str) -> str:
    """Name of the reason column of a column declared `if_invalid: empty`."""
    return REASON_PREFIX + column


@dataclass(frozen=True)
class FileSpec:
    source: str
    table: str
    file: str
    type: str
    columns: tuple[Column, ...]
    sheet: str | None = None
    delimiter: str = ";"
    encoding: str = "utf-8"
    quote: str = '"'
    decimal_separator: str = ","
    parts: str | None = None  # a split export: file names of parts 2, 3, ... ("{n}" = number)
    final_line_end: str = "required"  # FINAL_LINE_END

    @property
    def raw_table(self) -> str:
        """Table name inside the `raw` schema."""
        return f"{self.source}__{self.table}"

    @property
    def display_name(self) -> str:
        """How the file is named in messages and reports: relative to the extraction folder."""
        return f"{self.source}/{self.file}"

    def part_file(self, n: int) -> str:
        """File name of part `n` of the table: part 1 is `file`, parts 2, 3, ... follow the
        `parts` pattern (a split export, e.g. a table above Excel's row limit)."""
        if n == 1:
            return self.file
        if self.parts is None:
            raise ValueError(f"{self.display_name}: the contract declares no parts")
        return self.parts.replace(PART_NUMBER, str(n))

    def part_display_name(self, n: int) -> str:
        """Part `n` as messages and reports name it: relative to the extraction folder."""
        return f"{self.source}/{self.part_file(n)}"

    def part_number(self, name: str) -> int | None:
        """The number n >= 2 if `name` is a part file name of the pattern, else None."""
        if self.parts is None:
            return None
        before, after = self.parts.split(PART_NUMBER)
        match = re.fullmatch(re.escape(before) + "([1-9][0-9]*)" + re.escape(after), name)
        if match is None or int(match.group(1)) < 2:
            return None
        return int(match.group(1))

    @property
    def column_names(self) -> list[str]:
        return [column.name for column in self.columns]

    @property
    def raw_columns(self) -> list[tuple[str, str]]:
        """(name, DuckDB type) of the raw table's data columns, in order: each contract column,
        followed by its reason column when it is declared `if_invalid: empty`."""
        out: list[tuple[str, str]] = []
        for column in self.columns:
            out.append((column.name, column.duckdb_type))
            if column.reason_column is not None:
                out.append((column.reason_column, "VARCHAR"))
        return out

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)


@dataclass(frozen=True)
class Contract:
    source: str
    description: str
    files: tuple[FileSpec, ...]
    path: Path


def _as_tuple(value, where: str, column: str | None) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
        raise ContractError(where, column, "expected a list of strings")
    return tuple(str(v) for v in value)


def _normalise_encoding(encoding: str, where: str) -> str:
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise ContractError(where, None, f"unknown encoding {encoding!r}") from None
    if name.startswith(("utf-16", "utf-32")):
        raise ContractError(where, None, f"encoding {encoding!r} is not supported (use utf-8)")
    if name in ("utf-8", "utf-8-sig"):
        return name
    if codecs.lookup(name).incrementaldecoder is None:  # pragma: no cover - all codecs have one
        raise ContractError(where, None, f"encoding {encoding!r} cannot be streamed")
    # A multi-byte encoding whose bytes may contain "\n" or the delimiter cannot be split on
    # lines: accept single-byte encodings only (cp1252, latin-1, iso8859-15...).
    if len("\n".encode(name)) != 1 or len("é".encode(name, errors="replace")) != 1:
        raise ContractError(where, None, f"encoding {encoding!r} is not a single-byte encoding")
    return name


def _parts(raw_file: dict, file: str, where: str) -> str | None:
    """The `parts` pattern of a file entry, checked: one "{n}", the extension of `file`, a file
    name (no folder)."""
    if raw_file.get("parts") in (None, ""):
        return None
    parts = raw_file["parts"]
    if not isinstance(parts, str):
        raise ContractError(where, None, "parts: expected a file name pattern such as 'x_{n}.csv'")
    if parts.count(PART_NUMBER) != 1:
        raise ContractError(
            where, None, f"parts: {parts!r} must contain {PART_NUMBER} (the part number) once"
        )
    if "/" in parts or "\\" in parts:
        raise ContractError(where, None, f"parts: {parts!r} is a file name, without a folder")
    extension = Path(file).suffix.lower()
    if Path(parts.replace(PART_NUMBER, "2")).suffix.lower() != extension or not extension:
        raise ContractError(
            where, None, f"parts: {parts!r} must have the extension of file {file!r}"
        )
    return parts


def _column(raw: dict, default_formats: tuple[str, ...], where: str) -> Column:
    if not isinstance(raw, dict) or "name" not in raw or "type" not in raw:
        raise ContractError(where, None, "each column needs a name and a type")
    name = str(raw["name"])
    if not _NAME.fullmatch(name):
        raise ContractError(where, name, "column names are lower-case ASCII snake_case")
    type_ = str(raw["type"])
    if type_ not in DUCKDB_TYPES:
        raise ContractError(where, name, f"unknown type {type_!r} ({', '.join(DUCKDB_TYPES)})")
    identifying = raw.get("identifying")
    if identifying not in (None, "direct"):
        raise ContractError(where, name, "identifying must be 'direct' or absent")
    formats: tuple[str, ...] = ()
    if type_ in ("date", "timestamp"):
        formats = _as_tuple(raw.get("formats", list(default_formats)), where, name)
        if not formats:
            raise ContractError(where, name, "a date column needs at least one format")
        for fmt in formats:
            try:
                format_pattern(fmt)
            except ValueError as exc:
                raise ContractError(where, name, str(exc)) from None
    elif "formats" in raw:
        raise ContractError(where, name, "formats only apply to date and timestamp columns")
    accepted = raw.get("accepted_values")
    if accepted is not None:
        accepted = _as_tuple(accepted, where, name)
        if type_ not in ("varchar", "integer"):
            raise ContractError(where, name, "accepted_values only apply to varchar and integer")
    if_invalid = str(raw.get("if_invalid", "reject"))
    if if_invalid not in IF_INVALID:
        raise ContractError(where, name, f"if_invalid must be one of {', '.join(IF_INVALID)}")
    if if_invalid == "empty" and (type_ != "date" or identifying != "direct"):
        raise ContractError(
            where, name, "if_invalid: empty applies only to a birth date (type date, identifying)"
        )
    not_after = raw.get("not_after_extraction", False)
    if not isinstance(not_after, bool):
        raise ContractError(where, name, "not_after_extraction is true or false")
    if not_after and type_ not in ("date", "timestamp"):
        raise ContractError(
            where, name, "not_after_extraction only applies to date and timestamp columns"
        )
    unique = raw.get("unique", False)
    if not isinstance(unique, bool):
        raise ContractError(where, name, "unique is true or false")
    unknown = sorted(set(raw) - COLUMN_KEYS)
    if unknown:
        raise ContractError(where, name, f"unknown key(s) {', '.join(unknown)}")
    return Column(
        name=name,
        type=type_,
        required=bool(raw.get("required", False)),
        identifying=identifying == "direct",
        formats=formats,
        accepted_values=accepted,
        description=str(raw.get("description", "")),
        if_invalid=if_invalid,
        not_after_extraction=not_after,
        unique=unique,
    )


def read_contract(path: Path) -> Contract:
    """Read and check one contract file."""
    where = path.name
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ContractError(where, None, f"cannot read the contract: {exc}") from None
    if not isinstance(data, dict) or "source" not in data or "files" not in data:
        raise ContractError(where, None, "a contract needs 'source' and 'files'")
    source = str(data["source"])
    if not _NAME.fullmatch(source):
        raise ContractError(where, None, "the source name is lower-case ASCII snake_case")
    defaults = data.get("format") or {}
    files: list[FileSpec] = []
    seen_tables: set[str] = set()
    for raw_file in data["files"]:
        overrides = {k: v for k, v in raw_file.items() if k in FORMAT_KEYS}
        fmt = {**defaults, **(raw_file.get("format") or {}), **overrides}
        file_where = f"{where} ({raw_file.get('table', '?')})"
        table = str(raw_file.get("table", ""))
        if not _NAME.fullmatch(table) or table in seen_tables:
            raise ContractError(file_where, None, "each file needs a unique snake_case table")
        seen_tables.add(table)
        file_type = str(fmt.get("type", "csv"))
        if file_type not in FILE_TYPES:
            raise ContractError(file_where, None, f"unknown file type {file_type!r}")
        if file_type == "xlsx" and not raw_file.get("sheet"):
            raise ContractError(file_where, None, "an xlsx file needs a sheet")
        delimiter = str(fmt.get("delimiter", ";"))
        quote = str(fmt.get("quote", '"'))
        if len(delimiter) != 1 or len(quote) != 1 or delimiter == quote or "\n" in delimiter:
            raise ContractError(file_where, None, "delimiter and quote are single characters")
        decimal_separator = str(fmt.get("decimal_separator", ","))
        if decimal_separator not in (",", "."):
            raise ContractError(file_where, None, "decimal_separator is ',' or '.'")
        final_line_end = str(fmt.get("final_line_end", "required"))
        if final_line_end not in FINAL_LINE_END:
            raise ContractError(file_where, None, "final_line_end is 'required' or 'optional'")
        default_formats = _as_tuple(fmt.get("date_formats", ["%Y-%m-%d"]), file_where, None)
        columns = tuple(_column(c, default_formats, file_where) for c in raw_file["columns"])
        names = [c.name for c in columns]
        names += [c.reason_column for c in columns if c.reason_column is not None]
        if len(set(names)) != len(names):
            raise ContractError(file_where, None, "column names must be unique")
        file = str(raw_file.get("file") or "")
        if not file:
            raise ContractError(file_where, None, "each file needs a file name")
        files.append(
            FileSpec(
                source=source,
                table=table,
                file=file,
                type=file_type,
                columns=columns,
                sheet=str(raw_file["sheet"]) if raw_file.get("sheet") else None,
                delimiter=delimiter,
                encoding=_normalise_encoding(str(fmt.get("encoding", "utf-8")), file_where),
                quote=quote,
                decimal_separator=decimal_separator,
                parts=_parts(raw_file, file, file_where),
                final_line_end=final_line_end,
            )
        )
    return Contract(source, str(data.get("description", "")).strip(), tuple(files), path)


def read_contracts(contracts_dir: Path | None = None) -> dict[str, Contract]:
    """Every contract of a folder, by source name, in file-name order."""
    folder = Path(contracts_dir) if contracts_dir is not None else CONTRACTS_DIR
    paths = sorted(folder.glob("*.yml")) + sorted(folder.glob("*.yaml"))
    if not paths:
        raise ContractError(str(folder), None, "no contract (*.yml) in this folder")
    contracts: dict[str, Contract] = {}
    for path in paths:
        contract = read_contract(path)
        if contract.source in contracts:
            raise ContractError(path.name, None, f"source {contract.source!r} declared twice")
        contracts[contract.source] = contract
    return contracts
