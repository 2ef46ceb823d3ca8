"""`pipase import`: the Association receives the archive (and the partners' files).

Convention article 4, "Stockage": the data are stored encrypted with AES-256. The archive made
by `pipase export` is opened in memory (no clear file is written), checked, and loaded into the
Association's own DuckDB database, the pseudonymised zone, separate from the Département's: the
annex 2 tables in schema `annexe2`, one row per table and import in `main.import_log`. With the
key in PIPASE_DB_KEY, the database is encrypted (AES-256, DuckDB database encryption).

The archive must hold annex 2 and nothing else (convention annex 2; the schema shipped with the
package, `pipase.transmission.annex2_schema`, generated from the leaving models' enforced dbt
contracts). Checked in this order, all before the database is opened:

1. the manifest: each table entry has a `name`, `file`, `rows`, `sha256` and `columns` of the
   right kind (rule `manifest`);
2. the table names: snake_case (`^[a-z][a-z0-9_]*$`) and annex 2 tables, each once, all of them
   (rule `annexe2_table`), before any name reaches SQL;
3. each file: present, SHA-256 and row count as in the manifest, readable Parquet (`integrite`);
4. each table's columns, in order, and their DuckDB types equal the contract's (rules
   `annexe2_colonne`, `annexe2_type`), in the file and in the manifest;
5. the values' shape: keys are 64 lower-case hexadecimal digits, months `AAAA-MM`, the columns
   the contract declares not null have a value (rule `annexe2_valeur`). A bad value refuses the
   whole archive (it is counted in the message, never shown): a key that is not a key may be a
   name that was not hashed.

Partners' files (convention 4.2), produced by `pipase hash`, go with --partner into schema
`partenaires` (table named after the file), refused if a column looks identifying or a key is
not a SHA-256; a view `partenaires.<table>__lien` links each row to the ASE individuals
(`annexe2.annexe2_iodas_ase__individu`) by the primary key, else by the secondary key when it
designates one individual only.

Any refusal leaves the database as it was (one transaction). Password: PIPASE_ARCHIVE_PASSWORD,
else asked at the terminal.

The Association's dbt project reads this database as sources:

    # profiles.yml (the Association's project): its own database, the import attached read-only
    association:
      target: dev
      outputs:
        dev:
          type: duckdb
          path: ":memory:"
          database: pipase_association
          attach:
            - path: "{{ env_var('PIPASE_ASSOCIATION_DB') }}"  # the file pipase import wrote
              alias: pipase_association
          config_options: {autoinstall_known_extensions: false, autoload_known_extensions: false}
          plugins:
            - module: pipase.transmission.dbt_encryption   # attaches it with PIPASE_DB_KEY
              alias: pipase_encryption

    # models/sources.yml
    sources:
      - name: annexe2
        database: pipase_association
        schema: annexe2
        tables: [{name: annexe2_iodas_ase__individu}, {name: annexe2_iodas_ase__placement}, ...]
      - name: partenaires
        database: pipase_association
        schema: partenaires
        tables: [{name: france_travail}, {name: france_travail__lien}]

(Without encryption, `path:` can name the file directly and the plugin is not needed.)
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import re
import socket
import sys
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from pipase import paths
from pipase.cli_types import database_argument
from pipase.errors import PipaseError
from pipase.i18n import _
from pipase.run.record import append_to_record, read_record
from pipase.transmission import TransmissionError, archive, encryption, partners
from pipase.transmission.annex2_schema import IDENTIFIER, SHAPES, ExpectedColumn, expected_tables
from pipase.transmission.export_cmd import MANIFEST_FORMAT, MANIFEST_NAME
from pipase.transmission.passwords import archive_password

ANNEX_SCHEMA = "annexe2"
PARTNER_SCHEMA = "partenaires"
ASE_INDIVIDUALS = "annexe2_iodas_ase__individu"
LOG_TABLE = "main.import_log"
SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")
MAX_PROBLEMS_SHOWN = 20

# Rules named in the refusals (PipaseError.rule).
RULE_MANIFEST = "manifest"
RULE_TABLE = "annexe2_table"
RULE_COLUMN = "annexe2_colonne"
RULE_TYPE = "annexe2_type"
RULE_VALUE = "annexe2_valeur"
RULE_INTEGRITY = "integrite"


def description() -> str:
    return _(
        "Association: check the archive made by `pipase export` (annex 2 tables only, their "
        "columns and types, SHA-256 and row counts) and the partners' files, then load them into "
        "the Association's own DuckDB database. Nothing is written when a check fails."
    )


def default_database() -> Path:
    return paths.data_dir() / "association" / "pipase_association.duckdb"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "archive",
        nargs="?",
        type=Path,
        help=_(
            "archive made by `pipase export` (optional with --partner: partners' files can come "
            "alone)"
        ),
    )
    database_argument(
        parser,
        _(
            "the Association's DuckDB database (default: "
            "data/association/pipase_association.duckdb); encrypted with PIPASE_DB_KEY when set"
        ),
    )
    parser.add_argument(
        "--partner",
        type=Path,
        nargs="+",
        action="extend",
        default=[],
        metavar=_("FILE"),
        help=_(
            "partner file(s) produced by `pipase hash` (CSV or XLSX); put the archive before "
            "--partner"
        ),
    )
    parser.add_argument(
        "--partner-sep", default=None, metavar=";", help=_("CSV delimiter (default: detected)")
    )
    parser.add_argument(
        "--partner-encoding",
        default="utf-8",
        metavar=_("ENCODING"),
        help=_("CSV encoding (default: utf-8)"),
    )
    parser.add_argument(
        "--expected-sha256",
        metavar="HEX",
        help=_("the archive's SHA-256 printed by `pipase export`: checked before anything else"),
    )
    parser.add_argument(
        "--registre",
        type=Path,
        default=None,
        metavar=_("FILE"),
        help=_("a run record (pipase_<date>.run.json) to which this import's check is added"),
    )


# --------------------------------------------------------------------------- archive
@dataclass
class CheckedTable:
    name: str
    rows: int
    sha256: str
    data: pa.Table


@dataclass
class CheckedArchive:
    path: Path
    sha256: str
    manifest: dict
    tables: list[CheckedTable] = field(default_factory=list)


@dataclass
class Problem:
    """One reason to refuse: the rule, a sentence (names only, never a value), the column."""

    rule: str
    message: str
    column: str | None = None


def _refusal(path: Path, problems: list[Problem]) -> PipaseError:
    """One error for all the problems found (the first one's rule and column)."""
    first = problems[0]
    if len(problems) == 1:
        message = first.message
    else:
        shown = [p.message for p in problems[:MAX_PROBLEMS_SHOWN]]
        if len(problems) > MAX_PROBLEMS_SHOWN:
            shown.append(_("... and {n} more").format(n=len(problems) - MAX_PROBLEMS_SHOWN))
        message = _("{n} problems: ").format(n=len(problems)) + "; ".join(shown)
    return TransmissionError(
        _("import refused: {reason}").format(reason=message),
        rule=first.rule,
        file=path.name,
        column=first.column if len(problems) == 1 else None,
    )


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _is_text(value: object) -> bool:
    return isinstance(value, str) and value != ""


def _is_iso_date(value: object) -> bool:
    try:
        return isinstance(value, str) and date.fromisoformat(value).isoformat() == value
    except ValueError:
        return False


def _is_columns(value: object) -> bool:
    return isinstance(value, list) and all(
        isinstance(c, dict) and _is_text(c.get("name")) and _is_text(c.get("type")) for c in value
    )


def _is_sha256(value: object) -> bool:
    return isinstance(value, str) and bool(SHA256_HEX.match(value))


# field -> test: the table entries as `pipase export` writes them
_ENTRY_FIELDS = {
    "name": _is_text,
    "file": _is_text,
    "rows": _is_count,
    "sha256": _is_sha256,
    "columns": _is_columns,
}


def _entry_field_kind(name: str) -> str:
    """What a manifest field must be, in the user's language."""
    return {
        "name": _("a non-empty text"),
        "file": _("a non-empty text"),
        "rows": _("a whole number, 0 or more"),
        "sha256": _("64 lower-case hexadecimal digits"),
        "columns": _("a list of {name, type}"),
    }[name]


def check_manifest(path: Path, manifest: object) -> list[dict]:
    """The manifest's table entries, each with the fields of the right kind (rule manifest)."""
    if (
        not isinstance(manifest, dict)
        or manifest.get("format") != MANIFEST_FORMAT
        or not isinstance(manifest.get("tables"), list)
    ):
        raise _refusal(
            path,
            [
                Problem(
                    RULE_MANIFEST,
                    _("{manifest} is not a pipase export manifest").format(manifest=MANIFEST_NAME),
                )
            ],
        )
    problems = []
    extraction_date = manifest.get("extraction_date")
    if extraction_date is not None and not _is_iso_date(extraction_date):
        problems.append(
            Problem(
                RULE_MANIFEST,
                _("{manifest}: field extraction_date must be a date AAAA-MM-JJ").format(
                    manifest=MANIFEST_NAME
                ),
            )
        )
    for index, entry in enumerate(manifest["tables"], start=1):
        if not isinstance(entry, dict):
            problems.append(
                Problem(
                    RULE_MANIFEST,
                    _("{manifest}: table entry {index} is not an object").format(
                        manifest=MANIFEST_NAME, index=index
                    ),
                )
            )
            continue
        for name, test in _ENTRY_FIELDS.items():
            if name not in entry:
                problems.append(
                    Problem(
                        RULE_MANIFEST,
                        _("{manifest}: table entry {index}: field {field} is missing").format(
                            manifest=MANIFEST_NAME, index=index, field=name
                        ),
                    )
                )
            elif not test(entry[name]):
                problems.append(
                    Problem(
                        RULE_MANIFEST,
                        _("{manifest}: table entry {index}: field {field} must be {kind}").format(
                            manifest=MANIFEST_NAME,
                            index=index,
                            field=name,
                            kind=_entry_field_kind(name),
                        ),
                    )
                )
    if problems:
        raise _refusal(path, problems)
    return manifest["tables"]


def check_table_names(entries: list[dict]) -> list[Problem]:
    """Annex 2 tables, each once, all of them; a name that is not snake_case is never shown."""
    expected = expected_tables()
    problems = []
    if not entries:
        problems.append(Problem(RULE_TABLE, _("the archive holds no table")))
    seen: set[str] = set()
    for index, entry in enumerate(entries, start=1):
        name = entry["name"]
        if not IDENTIFIER.match(name):
            problems.append(
                Problem(
                    RULE_TABLE,
                    _(
                        "table entry {index}: its name is not a lower-case identifier "
                        "(letters a-z, digits, _): not an annex 2 table"
                    ).format(index=index),
                )
            )
        elif name not in expected:
            problems.append(
                Problem(RULE_TABLE, _("table {table} is not an annex 2 table").format(table=name))
            )
        elif name in seen:
            problems.append(
                Problem(RULE_TABLE, _("table {table} is listed twice").format(table=name))
            )
        seen.add(name)
    if entries:
        for name in sorted(set(expected) - seen):
            problems.append(
                Problem(
                    RULE_TABLE,
                    _("annex 2 table {table} is missing from the archive").format(table=name),
                )
            )
    return problems


def check_files(entries: list[dict], members: dict[str, archive.Member]) -> list[Problem]:
    """Each table in its own file `<name>.parquet`, present; no file outside the manifest."""
    problems = []
    for entry in entries:
        expected_file = f"{entry['name']}.parquet"
        if entry["file"] != expected_file:
            problems.append(
                Problem(
                    RULE_MANIFEST,
                    _("table {table}: its file must be {file}").format(
                        table=entry["name"], file=expected_file
                    ),
                )
            )
        elif entry["file"] not in members:
            problems.append(
                Problem(
                    RULE_INTEGRITY,
                    _("table {table}: its file {file} is missing from the archive").format(
                        table=entry["name"], file=entry["file"]
                    ),
                )
            )
    listed = {entry["file"] for entry in entries} | {MANIFEST_NAME}
    extra = set(members) - listed
    if extra:
        problems.append(
            Problem(
                RULE_INTEGRITY,
                _("{n} file(s) of the archive are not in the manifest").format(n=len(extra)),
            )
        )
    return problems


def read_table(entry: dict, member: archive.Member) -> tuple[pa.Table | None, list[Problem]]:
    """The Parquet file of one table, checked against its manifest entry (SHA-256, rows)."""
    table = entry["name"]
    if member.sha256 != entry["sha256"]:
        return None, [
            Problem(
                RULE_INTEGRITY,
                _("table {table}: SHA-256 of its file differs from the manifest (altered)").format(
                    table=table
                ),
            )
        ]
    try:
        data = pq.read_table(pa.BufferReader(member.data))
    except (pa.ArrowException, OSError):
        return None, [
            Problem(
                RULE_INTEGRITY,
                _("table {table}: its file is not a readable Parquet file").format(table=table),
            )
        ]
    if data.num_rows != entry["rows"]:
        return None, [
            Problem(
                RULE_INTEGRITY,
                _("table {table}: {rows} rows, the manifest says {expected}").format(
                    table=table, rows=data.num_rows, expected=entry["rows"]
                ),
            )
        ]
    return data, []


def compare_columns(
    table: str,
    actual: list[tuple[str, str]],
    expected: tuple[ExpectedColumn, ...],
    *,
    where: str,
    rule_column: str = RULE_COLUMN,
    rule_type: str = RULE_TYPE,
) -> list[Problem]:
    """Columns (names, order) and DuckDB types against annex 2; `where` names what was read."""
    problems = []
    wanted = {c.name: c for c in expected}
    names = [name for name, _type in actual]
    for position, name in enumerate(names, start=1):
        if not IDENTIFIER.match(name):
            problems.append(
                Problem(
                    rule_column,
                    _(
                        "table {table} ({where}): column {position} has a name that is not a "
                        "lower-case identifier: not an annex 2 column"
                    ).format(table=table, where=where, position=position),
                )
            )
        elif name not in wanted:
            problems.append(
                Problem(
                    rule_column,
                    _("table {table} ({where}): column {column} is not in annex 2").format(
                        table=table, where=where, column=name
                    ),
                    column=name,
                )
            )
    for column in expected:
        if column.name not in names:
            problems.append(
                Problem(
                    rule_column,
                    _("table {table} ({where}): annex 2 column {column} is missing").format(
                        table=table, where=where, column=column.name
                    ),
                    column=column.name,
                )
            )
    if len(set(names)) != len(names):
        problems.append(
            Problem(
                rule_column,
                _("table {table} ({where}): a column appears twice").format(
                    table=table, where=where
                ),
            )
        )
    if problems:
        return problems
    if names != [c.name for c in expected]:
        problems.append(
            Problem(
                rule_column,
                _(
                    "table {table} ({where}): the columns are not in the annex 2 order ({order})"
                ).format(table=table, where=where, order=", ".join(c.name for c in expected)),
            )
        )
    for name, data_type in actual:
        if data_type != wanted[name].data_type:
            problems.append(
                Problem(
                    rule_type,
                    _(
                        "table {table} ({where}): column {column} is of type {actual}, annex 2 "
                        "says {expected}"
                    ).format(
                        table=table,
                        where=where,
                        column=name,
                        actual=data_type,
                        expected=wanted[name].data_type,
                    ),
                    column=name,
                )
            )
    return problems


def _checking_connection() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB, only to read the tables' types and values before anything is written."""
    return duckdb.connect(
        ":memory:",
        config={"autoinstall_known_extensions": False, "autoload_known_extensions": False},
    )


_VIEW = "_pipase_checked_table"


def duckdb_columns(con: duckdb.DuckDBPyConnection, data: pa.Table) -> list[tuple[str, str]]:
    """(name, DuckDB type) of an Arrow table, as DuckDB will store it."""
    relation = con.from_arrow(data)
    return [
        (name, str(dtype)) for name, dtype in zip(relation.columns, relation.types, strict=True)
    ]


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def check_values(
    con: duckdb.DuckDBPyConnection,
    table: str,
    data: pa.Table,
    expected: tuple[ExpectedColumn, ...],
) -> list[Problem]:
    """Shapes of the values (keys, months) and the contract's not null; counts, never values.

    Called only once the columns equal annex 2: every name here comes from the shipped schema.
    """
    checks = []
    for column in expected:
        quoted = _quote(column.name)
        if column.shape:
            checks.append(
                (
                    column,
                    "shape",
                    f"count(*) filter (where {quoted} is not null and not "
                    f"regexp_full_match({quoted}, '{SHAPES[column.shape]}'))",
                )
            )
        if column.not_null:
            checks.append((column, "null", f"count(*) filter (where {quoted} is null)"))
    if not checks:
        return []
    con.register(_VIEW, data)
    try:
        counts = con.execute(
            "select " + ", ".join(sql for _c, _k, sql in checks) + f" from {_VIEW}"
        ).fetchone()
    finally:
        con.unregister(_VIEW)
    problems = []
    shape_words = {
        "sha256": _("a key of 64 lower-case hexadecimal digits"),
        "month": _("a month AAAA-MM"),
    }
    for (column, kind, _sql), count in zip(checks, counts, strict=True):
        if not count:
            continue
        if kind == "shape":
            message = _("table {table}: column {column}: {n} value(s) are not {shape}").format(
                table=table, column=column.name, n=count, shape=shape_words[column.shape]
            )
        else:
            message = _(
                "table {table}: column {column}: {n} empty value(s), annex 2 requires one"
            ).format(table=table, column=column.name, n=count)
        problems.append(Problem(RULE_VALUE, message, column=column.name))
    return problems


def check_archive(path: Path, password: str, expected_sha256: str | None = None) -> CheckedArchive:
    """Decrypt in memory and check everything against the manifest and annex 2 (module doc)."""
    if not path.is_file():
        raise TransmissionError(
            _("import refused: no such file"), rule="fichier_absent", file=str(path)
        )
    digest = archive.sha256_file(path)
    if expected_sha256 and digest != expected_sha256.strip().lower():
        raise _refusal(
            path,
            [
                Problem(
                    RULE_INTEGRITY,
                    _("its SHA-256 differs from the one given by the sender (damaged or altered)"),
                )
            ],
        )
    members = archive.read_archive(path, password)
    if MANIFEST_NAME not in members:
        raise _refusal(
            path,
            [
                Problem(
                    RULE_MANIFEST, _("no {manifest} in the archive").format(manifest=MANIFEST_NAME)
                )
            ],
        )
    try:
        manifest = json.loads(members[MANIFEST_NAME].data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise _refusal(
            path,
            [
                Problem(
                    RULE_MANIFEST, _("{manifest} is not valid JSON").format(manifest=MANIFEST_NAME)
                )
            ],
        ) from None
    entries = check_manifest(path, manifest)
    # Names first: nothing below uses a name that is not an annex 2 table's.
    problems = check_table_names(entries)
    if problems:
        raise _refusal(path, problems)
    problems = check_files(entries, members)
    if problems:
        raise _refusal(path, problems)

    expected = expected_tables()
    checked = CheckedArchive(path=path, sha256=digest, manifest=manifest)
    con = _checking_connection()
    try:
        for entry in entries:
            name = entry["name"]
            data, found = read_table(entry, members[entry["file"]])
            if data is None:
                problems += found
                continue
            found = compare_columns(
                name, duckdb_columns(con, data), expected[name], where=_("Parquet file")
            )
            if not found:
                declared = [(c["name"], c["type"]) for c in entry["columns"]]
                found = compare_columns(
                    name,
                    declared,
                    expected[name],
                    where=MANIFEST_NAME,
                    rule_column=RULE_MANIFEST,
                    rule_type=RULE_MANIFEST,
                )
            if not found:
                found = check_values(con, name, data, expected[name])
            if found:
                problems += found
                continue
            checked.tables.append(
                CheckedTable(
                    name=name, rows=data.num_rows, sha256=members[entry["file"]].sha256, data=data
                )
            )
    finally:
        con.close()
    if problems:
        raise _refusal(path, problems)
    return checked


def _ensure_log(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        f"""
        create table if not exists {LOG_TABLE} (
            imported_at timestamptz,
            kind varchar,          -- departement (archive) or partenaire (file)
            source_file varchar,
            source_sha256 varchar,
            extraction_date date,
            keys varchar,          -- plain or keyed (archive), as declared by the sender
            pipase_version varchar,
            protocol_version varchar,
            schema_name varchar,
            table_name varchar,
            rows bigint,
            operator varchar,
            host varchar,
            details json
        )
        """
    )


def _log(con: duckdb.DuckDBPyConnection, **values) -> None:
    columns = ", ".join(values)
    marks = ", ".join("?" for _value in values)
    con.execute(f"insert into {LOG_TABLE} ({columns}) values ({marks})", list(values.values()))


def _operator() -> dict[str, str]:
    try:
        user = os.environ.get("USER") or getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return {"operator": user, "host": socket.gethostname()}


def _text_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _refuse_an_older_extraction(con: duckdb.DuckDBPyConnection, checked: CheckedArchive) -> None:
    """An archive of an extraction older than the one the database holds would replace the
    newer tables without a word (an adversarial tester's manifest dated 2020-01-01)."""
    incoming = _text_or_none(checked.manifest.get("extraction_date"))
    held = con.execute(
        f"select max(extraction_date) from {LOG_TABLE} where kind = 'departement'"
    ).fetchone()[0]
    if incoming is None or held is None or date.fromisoformat(incoming) >= held:
        return
    raise TransmissionError(
        _(
            "the database holds the extraction of {held}; this archive is of {incoming}, an "
            "older one: import it into another database (--database)"
        ).format(held=held.isoformat(), incoming=incoming),
        rule="extraction_anterieure",
        file=str(checked.path),
    )


def load_archive(con: duckdb.DuckDBPyConnection, checked: CheckedArchive) -> None:
    """Replace the annex 2 tables with the archive's (checked: names and columns are annex 2's)."""
    manifest = checked.manifest
    expected = expected_tables()
    con.execute(f"create schema if not exists {ANNEX_SCHEMA}")
    now = datetime.now(UTC)
    extraction_date = _text_or_none(manifest.get("extraction_date"))
    for table in checked.tables:
        if table.name not in expected:  # check_archive made sure; never a name from elsewhere
            raise TransmissionError(
                _("table {table} is not an annex 2 table").format(table=table.name),
                rule=RULE_TABLE,
            )
        columns = ", ".join(_quote(c.name) for c in expected[table.name])
        view = "_pipase_import_data"
        con.register(view, table.data)
        try:
            con.execute(
                f"create or replace table {ANNEX_SCHEMA}.{_quote(table.name)} as "
                f"select {columns} from {view}"
            )
        finally:
            con.unregister(view)
        loaded = con.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_catalog = current_database() and table_schema = ? and table_name = ? "
            "order by ordinal_position",
            [ANNEX_SCHEMA, table.name],
        ).fetchall()
        problems = compare_columns(
            table.name, loaded, expected[table.name], where=_("loaded table")
        )
        if problems:  # the checks above make this unreachable; kept as the last guard
            raise _refusal(checked.path, problems)
        _log(
            con,
            imported_at=now,
            kind="departement",
            source_file=checked.path.name,
            source_sha256=checked.sha256,
            extraction_date=extraction_date,
            keys=_text_or_none(manifest.get("keys")),
            pipase_version=_text_or_none(manifest.get("pipase_version")),
            protocol_version=_text_or_none(manifest.get("protocol_version")),
            schema_name=ANNEX_SCHEMA,
            table_name=table.name,
            rows=table.rows,
            details=json.dumps(
                {
                    "created_at": manifest.get("created_at"),
                    "tests": manifest.get("tests"),
                    "table_sha256": table.sha256,
                }
            ),
            **_operator(),
        )


# --------------------------------------------------------------------------- partners
def _has_table(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> list[str]:
    """Column names of schema.name ([] when the table does not exist)."""
    return [
        row[0]
        for row in con.execute(
            "select column_name from information_schema.columns "
            "where table_catalog = current_database() and table_schema = ? and table_name = ?",
            [schema, name],
        ).fetchall()
    ]


def link_view_sql(table: str, ase_has_secondary: bool) -> str:
    """The view partenaires.<table>__lien: each partner row with the ASE individual it matches.

    First the primary key; failing that, the secondary key when it designates exactly one ASE
    individual and, in the partner's file, rows of one primary key only (a secondary key shared
    by two people on either side links no one). `methode_lien` says which key matched.
    """
    partner = f"{PARTNER_SCHEMA}.{_quote(table)}"
    ase = f"{ANNEX_SCHEMA}.{ASE_INDIVIDUALS}"
    if not ase_has_secondary:
        return f"""
create or replace view {PARTNER_SCHEMA}.{_quote(table + "__lien")} as
with ase_primary as (select distinct cle_hachage from {ase} where cle_hachage is not null)
select
    partner.*,
    ase_primary.cle_hachage as cle_hachage_ase,
    case when ase_primary.cle_hachage is not null then 'cle_hachage' end as methode_lien
from {partner} as partner
left join ase_primary on partner.cle_hachage = ase_primary.cle_hachage
"""
    return f"""
create or replace view {PARTNER_SCHEMA}.{_quote(table + "__lien")} as
with
ase_primary as (
    select distinct cle_hachage from {ase} where cle_hachage is not null
),
ase_secondary_unique as (
    select cle_hachage_secondaire, min(cle_hachage) as cle_hachage
    from {ase}
    where cle_hachage_secondaire is not null and cle_hachage is not null
    group by cle_hachage_secondaire
    having count(distinct cle_hachage) = 1
),
partner_secondary_unique as (
    select cle_hachage_secondaire
    from {partner}
    where cle_hachage_secondaire is not null
    group by cle_hachage_secondaire
    having count(distinct coalesce(cle_hachage, '')) = 1
),
linked as (
    select
        partner.*,
        ase_primary.cle_hachage as lien_primaire,
        case
            when partner_secondary_unique.cle_hachage_secondaire is not null
                then ase_secondary_unique.cle_hachage
        end as lien_secondaire
    from {partner} as partner
    left join ase_primary on partner.cle_hachage = ase_primary.cle_hachage
    left join ase_secondary_unique
        on partner.cle_hachage_secondaire = ase_secondary_unique.cle_hachage_secondaire
    left join partner_secondary_unique
        on partner.cle_hachage_secondaire = partner_secondary_unique.cle_hachage_secondaire
)
select
    * exclude (lien_primaire, lien_secondaire),
    coalesce(lien_primaire, lien_secondaire) as cle_hachage_ase,
    case
        when lien_primaire is not null then 'cle_hachage'
        when lien_secondaire is not null then 'cle_hachage_secondaire_unique'
    end as methode_lien
from linked
"""


def load_partner(con: duckdb.DuckDBPyConnection, partner: partners.PartnerFile) -> str | None:
    """Load one checked partner file and its link view; returns a warning or None."""
    con.execute(f"create schema if not exists {PARTNER_SCHEMA}")
    view = "_pipase_partner_data"
    frame = partner.frame
    text_columns = [c for c in frame.columns if c != "_ligne"]
    casts = ", ".join(
        [f"{_quote(c)}::varchar as {_quote(c)}" for c in text_columns]
        + ["_ligne::integer as _ligne"]
    )
    con.register(view, frame)
    try:
        con.execute(
            f"create or replace table {PARTNER_SCHEMA}.{_quote(partner.table)} as "
            f"select {casts} from {view}"
        )
    finally:
        con.unregister(view)
    _log(
        con,
        imported_at=datetime.now(UTC),
        kind="partenaire",
        source_file=partner.path.name,
        source_sha256=archive.sha256_file(partner.path),
        schema_name=PARTNER_SCHEMA,
        table_name=partner.table,
        rows=partner.rows,
        details=json.dumps({"keyed_rows": partner.keyed_rows}),
        **_operator(),
    )
    ase_columns = _has_table(con, ANNEX_SCHEMA, ASE_INDIVIDUALS)
    if "cle_hachage" not in ase_columns:
        con.execute(f"drop view if exists {PARTNER_SCHEMA}.{_quote(partner.table + '__lien')}")
        return _(
            "{file}: no table {schema}.{table} yet: the view {view} is not created (import the "
            "Département's archive, then this file again)"
        ).format(
            file=partner.path.name,
            schema=ANNEX_SCHEMA,
            table=ASE_INDIVIDUALS,
            view=partner.table + "__lien",
        )
    con.execute(link_view_sql(partner.table, "cle_hachage_secondaire" in ase_columns))
    return None


# --------------------------------------------------------------------------- command
@dataclass
class ImportReport:
    database: Path
    encrypted: bool
    archive: CheckedArchive | None
    partners: list[tuple[partners.PartnerFile, int | None]]  # (file, linked rows)
    warnings: list[str]


def import_all(
    *,
    archive_path: Path | None,
    database: Path,
    partner_files: list[Path],
    password: str | None = None,
    expected_sha256: str | None = None,
    partner_sep: str | None = None,
    partner_encoding: str = "utf-8",
) -> ImportReport:
    if archive_path is None and not partner_files:
        raise TransmissionError(
            _("nothing to import: give an archive and/or --partner files"), rule="usage"
        )
    # Everything is checked before the database is opened: a refusal writes nothing.
    checked_partners = [
        partners.check_partner_file(p, sep=partner_sep, encoding=partner_encoding)
        for p in partner_files
    ]
    names = [p.table for p in checked_partners]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise TransmissionError(
            _("two partner files give the same table name: {names}").format(
                names=", ".join(duplicates)
            ),
            rule="partenaire",
        )
    checked = None
    if archive_path is not None:
        if password is None:
            password = archive_password(confirm=False, check_length=False)
        checked = check_archive(archive_path, password, expected_sha256)

    con = encryption.connect(database)
    warnings = []
    linked: list[tuple[partners.PartnerFile, int | None]] = []
    try:
        encrypted = encryption.is_encrypted(con)
        if not encrypted:
            warnings.append(
                _(
                    "{database} is not encrypted: set PIPASE_DB_KEY (convention article 4: "
                    "AES-256 storage), or keep it on an AES-256 encrypted volume"
                ).format(database=database)
            )
        con.execute("begin transaction")
        try:
            _ensure_log(con)
            if checked is not None:
                _refuse_an_older_extraction(con, checked)
                load_archive(con, checked)
            for partner in checked_partners:
                warning = load_partner(con, partner)
                if warning:
                    warnings.append(warning)
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
        for partner in checked_partners:
            view = f"{PARTNER_SCHEMA}.{_quote(partner.table + '__lien')}"
            exists = con.execute(
                "select count(*) from duckdb_views() where database_name = current_database() "
                "and schema_name = ? and view_name = ?",
                [PARTNER_SCHEMA, partner.table + "__lien"],
            ).fetchone()[0]
            count = (
                con.execute(
                    f"select count(*) from {view} where cle_hachage_ase is not null"
                ).fetchone()[0]
                if exists
                else None
            )
            linked.append((partner, count))
    finally:
        con.close()
    return ImportReport(
        database=database, encrypted=encrypted, archive=checked, partners=linked, warnings=warnings
    )


def _shown(value: object) -> str:
    """A manifest's text as printed: printable characters only, 40 at most. An adversarial
    tester's `keys` held terminal escapes that cleared the screen and printed « TOUT EST OK »."""
    text = "".join(c for c in str(value) if c.isprintable())
    return text[:40] + ("…" if len(text) > 40 else "")


def run(args: argparse.Namespace) -> int:
    """Refusals are PipaseError (printed by the CLI on one line, exit code 1)."""
    database = (args.database or default_database()).resolve()
    if args.registre is not None:
        read_record(args.registre)  # a wrong path is refused before anything is imported
    try:
        report = import_all(
            archive_path=args.archive.resolve() if args.archive else None,
            database=database,
            partner_files=[p.resolve() for p in args.partner],
            expected_sha256=args.expected_sha256,
            partner_sep=args.partner_sep,
            partner_encoding=args.partner_encoding,
        )
    except encryption.EncryptionError as error:
        raise PipaseError(str(error), rule="chiffrement", file=str(database)) from None
    except duckdb.Error as error:
        raise PipaseError(
            _(
                "the Association's database could not be written ({error}); nothing was imported"
            ).format(error=type(error).__name__),
            rule="base",
            file=str(database),
        ) from None
    except OSError as error:
        raise PipaseError(
            _("cannot read or write a file ({error})").format(error=error.strerror or error),
            rule="fichier",
            file=error.filename and str(error.filename),
        ) from None
    if report.archive and not args.expected_sha256:
        report.warnings.append(
            _(
                "the archive's SHA-256 was not compared with the one the sender printed "
                "(--expected-sha256): anyone who knows the password can make an archive"
            )
        )
    for warning in report.warnings:
        print(_("pipase import: warning: {warning}").format(warning=warning), file=sys.stderr)
    state = _("encrypted (AES-256)") if report.encrypted else _("NOT encrypted")
    print(_("database: {database} ({state})").format(database=report.database, state=state))
    if report.archive:
        manifest = report.archive.manifest
        print(
            _("archive {archive}: extraction of {date}, keys {keys}, protocol {protocol}").format(
                archive=report.archive.path.name,
                date=_shown(manifest.get("extraction_date")),
                keys=_shown(manifest.get("keys")),
                protocol=_shown(manifest.get("protocol_version")),
            )
        )
        for table in report.archive.tables:
            print(
                _("  {schema}.{table}: {rows} rows (annex 2 columns and SHA-256 checked)").format(
                    schema=ANNEX_SCHEMA, table=table.name, rows=table.rows
                )
            )
    for partner, count in report.partners:
        if count is None:
            print(
                _("  {schema}.{table}: {rows} rows").format(
                    schema=PARTNER_SCHEMA, table=partner.table, rows=partner.rows
                )
            )
        else:
            print(
                _("  {schema}.{table}: {rows} rows, {linked} linked to an ASE individual").format(
                    schema=PARTNER_SCHEMA, table=partner.table, rows=partner.rows, linked=count
                )
            )
    if args.registre is not None:
        append_to_record(args.registre, "import", _record_entry(report))
        print(_("added to the run record: {path}").format(path=args.registre))
    return 0


def _record_entry(report: ImportReport) -> dict:
    """The import's check as a run record keeps it: names, counts, digests (no value)."""
    entry: dict = {"base": str(report.database), "base_chiffree": report.encrypted}
    if report.archive:
        entry["archive"] = {
            "fichier": report.archive.path.name,
            "sha256": report.archive.sha256,
            "date_extraction": _shown(report.archive.manifest.get("extraction_date")),
            "tables": {t.name: t.rows for t in report.archive.tables},
        }
    entry["partenaires"] = {p.table: p.rows for p, _count in report.partners}
    return entry
