"""Load an extraction folder into the `raw` schema: all of it, or nothing.

Every file of every chosen source is checked and read (csv_source / xlsx_source), typed in SQL
(rules) into a temporary table, then written to a staging table of its own in `raw`
(``_pipase_stage__<token>__<source>__<table>``, rejects in ``..._load_rejects``), each in its
own short autocommit step: memory holds one file at a time, and nothing the dbt project reads
changes. A table the contract declares split (`parts`) has one such file per part, all feeding
the same staging table. A source declared absent (``absent=[...]``, ``pipase load --without``)
gets empty staging tables with the contract's columns.

Only when every file passed does one short transaction swap the staging tables in (drop the old
raw table, rename the staging one: metadata only), append the rejects, and write the bookkeeping
rows. Any whole-file problem (every file is still checked, so that the user sees all of them),
any unexpected failure (a bug, a disk full, Ctrl-C) or a failure inside that transaction rolls
back, drops the staging tables, and leaves `raw` exactly as before the load; the failed attempt
is then recorded (status `failed`) in a transaction of its own. No run is ever left `running`
in the database: its row is written only once the outcome is known. Staging tables of a run
killed outright (SIGKILL, power cut) are dropped by the next load.

Bookkeeping tables (created if needed, appended to, never replaced):

* `raw.load_extractions` (one row per run; status `loaded` or `failed`),
* `raw.load_sources` (one row per chosen source of a successful run; status `loaded` or
  `absent`, with its files and row counts),
* `raw.load_report` (one row per file per run; `detail` says why a file was not loaded; a
  source declared absent has one row per contract file, status `absent`, 0 rows),
* `raw.load_rejects` (one row per rejected value; no value of an identifying column).

A column the contract declares `if_invalid: empty` (the birth date of an identity table) never
rejects its row: a value breaking a rule is loaded empty with its reason in `motif_<column>`,
and the row is counted in `rows_with_warnings` (load_report, load_sources), a part of
`rows_loaded`: rows_read = rows_loaded + rows_rejected still holds.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import secrets
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import duckdb

from pipase import paths
from pipase.connection_secrets import MEMORY_LIMIT_ENV, apply_memory_limit, memory_limit_from_env
from pipase.i18n import _, number
from pipase.load.contract import Contract, FileSpec, read_contracts
from pipase.load.csv_source import StagedFile, stage_csv
from pipase.load.errors import LoadError, os_reason, shows_as_file_name, unreadable_file
from pipase.load.progress import Progress
from pipase.load.rules import (
    any_error,
    any_warning,
    duplicate_updates,
    loaded_select,
    rejects_select,
    typed_select,
)
from pipase.load.sql import quote_ident
from pipase.load.xlsx_source import SheetPrefetcher, stage_xlsx

SCHEMA = "raw"
TYPED_TABLE = "_pipase_typed"
STAGE_PREFIX = "_pipase_stage__"

STATUS_LOADED = "loaded"
STATUS_REJECTS = "loaded_with_rejects"
STATUS_FAILED = "failed"
STATUS_NOT_LOADED = "not_loaded"
STATUS_ABSENT = "absent"
RUN_LOADED = "loaded"
RUN_FAILED = "failed"

DDL = {
    "load_extractions": """
        load_id varchar not null,
        extraction_date date,
        started_at timestamp not null,
        finished_at timestamp,
        status varchar not null
    """,
    "load_sources": """
        load_id varchar not null,
        extraction_date date,
        source varchar not null,
        status varchar not null,
        files integer not null,
        rows_read bigint not null,
        rows_loaded bigint not null,
        rows_rejected bigint not null,
        rows_with_warnings bigint
    """,
    "load_report": """
        load_id varchar not null,
        loaded_at timestamp not null,
        extraction_date date,
        source varchar not null,
        "table" varchar not null,
        file varchar not null,
        file_sha256 varchar,
        rows_read bigint,
        rows_loaded bigint,
        rows_rejected bigint,
        status varchar not null,
        detail varchar,
        rows_with_warnings bigint
    """,
    "load_rejects": """
        load_id varchar not null,
        source varchar not null,
        "table" varchar not null,
        file varchar not null,
        line bigint,
        "column" varchar not null,
        rule varchar not null,
        message varchar not null,
        valeur varchar
    """,
}


@dataclass
class FileReport:
    """One row of raw.load_report."""

    source: str
    table: str
    file: str
    file_sha256: str | None = None
    rows_read: int | None = None
    rows_loaded: int | None = None
    rows_rejected: int | None = None
    rows_with_warnings: int | None = None  # loaded rows with a value emptied (if_invalid: empty)
    status: str = STATUS_NOT_LOADED
    detail: str | None = None
    seconds: float = 0.0


@dataclass
class SourceReport:
    """One row of raw.load_sources: a source loaded or declared absent."""

    source: str
    status: str
    files: int
    rows_read: int
    rows_loaded: int
    rows_rejected: int
    rows_with_warnings: int = 0


@dataclass
class LoadResult:
    """What a run did. `status` is ``loaded`` (every chosen source loaded or declared absent)
    or ``failed`` (nothing changed; the whole-file problems are in `errors`)."""

    load_id: str
    extraction_date: dt.date | None
    started_at: dt.datetime
    finished_at: dt.datetime | None = None
    status: str = "running"
    files: list[FileReport] = field(default_factory=list)
    errors: list[LoadError] = field(default_factory=list)
    sources: list[SourceReport] = field(default_factory=list)
    absent: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the extraction was loaded (row rejects do not make a load fail)."""
        return self.status == RUN_LOADED and not self.errors

    @property
    def dated(self) -> dt.date:
        """The date no recorded event may follow: the extraction date, else the load's day
        (a file cannot have been extracted after it was loaded)."""
        return self.extraction_date or self.started_at.date()

    @property
    def failed_sources(self) -> list[str]:
        return sorted({f.source for f in self.files if f.status == STATUS_FAILED})

    @property
    def rows_rejected(self) -> int:
        return sum(f.rows_rejected or 0 for f in self.files)

    @property
    def rows_with_warnings(self) -> int:
        """Loaded rows with a value emptied by its column's `if_invalid: empty`."""
        return sum(f.rows_with_warnings or 0 for f in self.files)


def new_load_id(now: dt.datetime) -> str:
    """Sortable and unique: UTC time plus 6 random hex digits."""
    return now.strftime("%Y%m%dT%H%M%S") + "-" + secrets.token_hex(3)


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """The schema and the bookkeeping tables (`create ... if not exists`: older databases
    gain the tables they lack)."""
    con.execute(f"create schema if not exists {SCHEMA}")
    for table, columns in DDL.items():
        con.execute(f"create table if not exists {SCHEMA}.{table} ({columns})")
    # databases written before rows_with_warnings existed gain it (last column, as in DDL)
    for table in ("load_sources", "load_report"):
        con.execute(
            f"alter table {SCHEMA}.{table} add column if not exists rows_with_warnings bigint"
        )


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _report_values(result: LoadResult, report: FileReport, at: dt.datetime) -> list[object]:
    return [
        result.load_id,
        at,
        result.extraction_date,
        report.source,
        report.table,
        report.file,
        report.file_sha256,
        report.rows_read,
        report.rows_loaded,
        report.rows_rejected,
        report.status,
        report.detail,
        report.rows_with_warnings,
    ]


def _raw(name: str) -> str:
    return f"{SCHEMA}.{quote_ident(name)}"


@dataclass
class _Prepared:
    """A file read and typed into a temporary table, waiting to be staged."""

    spec: FileSpec
    report: FileReport
    staged: StagedFile
    typed_table: str
    number: int = 1  # part number: 1 for the contract's `file`, 2, 3, ... for its parts
    typed_from: str = ""
    line: str = ""


@dataclass
class _Part:
    """One file of a table: the contract's `file` (number 1) or a part of a split export."""

    spec: FileSpec
    number: int
    path: Path
    report: FileReport
    error: LoadError | None = None  # known before reading (a part missing before others)
    read: bool = True  # False: not read (it follows a missing part)


def table_parts(spec: FileSpec, folder: Path) -> tuple[list[int], int | None, list[str]]:
    """The parts of a table present in `folder` (the source's folder): the numbers to load
    (1, then 2, 3, ... while the files exist), the first missing number if later parts exist
    (a gap), and the names of those later parts."""
    numbers = [1]
    if spec.parts is None:
        return numbers, None, []
    while (folder / spec.part_file(numbers[-1] + 1)).is_file():
        numbers.append(numbers[-1] + 1)
    try:
        names = [entry.name for entry in folder.iterdir() if entry.is_file()]
    except OSError:
        names = []
    later = sorted((n, name) for name in names if (n := spec.part_number(name) or 0) > numbers[-1])
    if not later:
        return numbers, None, []
    return numbers, numbers[-1] + 1, [name for _, name in later]


# what an extraction folder may hold beside its sources' files: the generator's description
# and truth (synthetic extractions), never read by the load
NOT_SOURCE_FILES = frozenset({"manifest.json", "ground_truth"})


# Left by operating systems in any folder: never data.
SYSTEM_FILES = frozenset({".DS_Store", "Thumbs.db", "desktop.ini"})


def _ignored(name: str) -> bool:
    return name in SYSTEM_FILES or name.startswith("._")


def unknown_files(extraction_dir: Path) -> list[str]:
    """Files and folders of the extraction that no contract names (a table's file or one of
    its parts), hidden ones too: the load never reads them, so their rows are in no count. An
    adversarial tester's `individus_complement.csv`, `personnes (2).csv` and a folder
    `iodas_pa/` went unmentioned, with exit 0. A name is shown only when it has the shape of a
    file name (`shows_as_file_name`): a file named after a person ("DUPONT Marie née le
    ...csv") is named by its folder alone."""
    contracts = read_contracts()
    known = {name.split("_")[0] for name in contracts}  # iodas, webrsa, nova
    for contract in contracts.values():
        known |= {spec.table for spec in contract.files}
        known |= {spec.file.rsplit(".", 1)[0] for spec in contract.files}
    found = []
    for entry in sorted(extraction_dir.iterdir()):
        if entry.name in NOT_SOURCE_FILES or _ignored(entry.name):
            continue
        contract = contracts.get(entry.name)
        if contract is None or not entry.is_dir():
            found.append(_entry_label("", entry, known))
            continue
        for item in sorted(entry.iterdir()):
            if not _ignored(item.name) and not _named_by(contract, item.name):
                found.append(_entry_label(entry.name + "/", item, known))
    return found


def _named_by(contract: Contract, name: str) -> bool:
    """Whether a file name is one of the contract's files or of their parts."""
    return any(
        name == spec.file or (spec.parts is not None and spec.part_number(name) is not None)
        for spec in contract.files
    )


def _entry_label(folder: str, entry: Path, known: set[str]) -> str:
    slash = "/" if entry.is_dir() else ""
    if shows_as_file_name(entry.name, known):
        return f"{folder}{entry.name}{slash}"
    return folder + _("(a name not shown: it may hold an identity)") + slash


def _file_error(exc: OSError, path: Path, display: str) -> LoadError:
    """An OSError while reading a file: the file cannot be read, or (another path named) its
    private temporary copy cannot be written."""
    if exc.filename is None or Path(exc.filename) == path:
        return unreadable_file(display, exc)
    return LoadError(
        display,
        None,
        None,
        "work_files",
        _("cannot write the file's temporary copy ({reason})").format(reason=os_reason(exc)),
    )


def unexpected_error(exc: BaseException, where: str, writing: bool = False) -> LoadError:
    """A failure that is no whole-file problem (a bug, memory, the disk), named by its kind
    only: the text of DuckDB's errors may quote a line of a file."""
    kind = type(exc).__name__
    unchanged = _("nothing was changed: the database is as before this load")
    if isinstance(exc, duckdb.OutOfMemoryException | MemoryError):
        rule = "memory"
        message = _(
            "out of memory ({kind}); {unchanged}. Close other programs or set {variable} "
            "(e.g. 3GB) so that DuckDB spills to disk"
        ).format(kind=kind, unchanged=unchanged, variable=MEMORY_LIMIT_ENV)
    elif isinstance(exc, OSError):
        rule = "system"
        message = _("system error ({reason}); {unchanged}").format(
            reason=os_reason(exc), unchanged=unchanged
        )
    elif isinstance(exc, duckdb.IOException):
        rule = "database"
        message = _("the database could not be written ({kind}: disk full?); {unchanged}").format(
            kind=kind, unchanged=unchanged
        )
    else:
        rule = "internal_error"
        task = _("writing the database") if writing else _("loading this file")
        message = _(
            "unexpected failure ({kind}) while {task}; {unchanged}. Please report it"
        ).format(kind=kind, task=task, unchanged=unchanged)
    return LoadError(where, None, None, rule, message)


class _Loader:
    """Loads one extraction: every file is read, typed and written to its staging table (see
    the module docstring); `commit` swaps them in, `abandon` drops them."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        extraction_dir: Path,
        work_dir: Path,
        result: LoadResult,
        progress: Progress,
    ) -> None:
        self.con = con
        self.extraction_dir = extraction_dir
        self.work_dir = work_dir
        self.result = result
        self.progress = progress
        self.prefetcher: SheetPrefetcher | None = None
        self.token = secrets.token_hex(4)
        self.rejects_table = f"{STAGE_PREFIX}{self.token}__load_rejects"
        self.staged: dict[str, str] = {}  # raw table -> its staging table
        self.current: str | None = None  # the file being worked on, for an unexpected error

    # ------------------------------------------------------------------ staging area

    def _stage_name(self, raw_table: str) -> str:
        return f"{STAGE_PREFIX}{self.token}__{raw_table}"

    def drop_leftovers(self) -> None:
        """Staging tables of an earlier run that was killed before it could drop them."""
        rows = self.con.execute(
            "select table_name from duckdb_tables() where database_name = current_database() "
            "and schema_name = ? and starts_with(table_name, ?)",
            [SCHEMA, STAGE_PREFIX],
        ).fetchall()
        for (name,) in rows:
            self.con.execute(f"drop table if exists {_raw(name)}")

    def open_staging(self) -> None:
        self.con.execute(f"create schema if not exists {SCHEMA}")
        self.con.execute(f"create table {_raw(self.rejects_table)} ({DDL['load_rejects']})")

    def abandon(self) -> None:
        """Drop every staging table of this run (best effort: the next load drops leftovers)."""
        for name in [*self.staged.values(), self.rejects_table]:
            with contextlib.suppress(duckdb.Error):
                self.con.execute(f"drop table if exists {_raw(name)}")
        self.staged.clear()

    # ------------------------------------------------------------------ one file

    def _prepare(self, part: _Part, tag: str) -> _Prepared:
        spec, report, path, display = part.spec, part.report, part.path, part.report.file
        if spec.type == "xlsx":
            staged = stage_xlsx(self.con, path, spec, display, tag, prefetcher=self.prefetcher)
        else:
            staged = stage_csv(
                self.con, path, spec, display, self.work_dir, tag, self.progress.update
            )
        report.file_sha256 = staged.sha256
        prepared = _Prepared(spec, report, staged, f"{TYPED_TABLE}_{tag}", part.number)
        con = self.con
        try:
            self.progress.phase(_("reading and typing"))
            con.execute(f"drop table if exists temp.main.{prepared.typed_table}")
            select = typed_select(
                spec, staged.relation, self.result.dated, staged.native, staged.ordinal
            )
            try:
                con.execute(f"create temp table {prepared.typed_table} as {select}")
            except duckdb.OutOfMemoryException:
                raise
            except duckdb.Error as exc:
                # DuckDB's message may quote a line of the file (a name, a birth date): only
                # its kind is shown. Reproduce by hand on the file to see the details.
                raise LoadError(
                    display,
                    None,
                    None,
                    "unreadable_file",
                    _(
                        "DuckDB could not read the file ({kind}; its message is withheld "
                        "because it may quote the file's content)"
                    ).format(kind=type(exc).__name__),
                ) from None
            for statement in duplicate_updates(spec, f"temp.main.{prepared.typed_table}"):
                con.execute(statement)
            rows_read, rows_rejected, rows_warned = con.execute(
                f"select count(*), count(*) filter (where {any_error(spec)}), "
                f"count(*) filter (where not ({any_error(spec)}) and ({any_warning(spec)})) "
                f"from {prepared.typed_table}"
            ).fetchone()
            join, prepared.line = staged.resolve_lines(rows_read)  # may raise LoadError
        except BaseException:
            self._discard(prepared)
            raise
        prepared.typed_from = f"{prepared.typed_table} t{join}"
        report.rows_read = rows_read
        report.rows_rejected = rows_rejected
        report.rows_with_warnings = rows_warned
        return prepared

    def _discard(self, prepared: _Prepared) -> None:
        self.con.execute(f"drop table if exists temp.main.{prepared.typed_table}")
        prepared.staged.cleanup()

    def _write(self, prepared: _Prepared) -> None:
        """Rejects, then the rows, into the staging tables (the first part creates the table,
        the others append); check the counts of the file."""
        con, spec, report = self.con, prepared.spec, prepared.report
        file_name = spec.part_file(prepared.number)
        constants = {
            "load_id": self.result.load_id,
            "source": spec.source,
            "table": spec.table,
            "file": report.file,
        }
        rejects = rejects_select(
            spec, prepared.typed_from, prepared.line, constants, self.result.dated
        )
        if rejects is not None:
            con.execute(
                f'insert into {_raw(self.rejects_table)} (load_id, source, "table", file, line, '
                f'"column", rule, message, valeur) {rejects}'
            )
        stage = self._stage_name(spec.raw_table)
        select = loaded_select(
            spec,
            prepared.typed_from,
            prepared.line,
            file_name,
            sort=" join " in prepared.typed_from,
        )
        if spec.raw_table not in self.staged:
            con.execute(f"create table {_raw(stage)} as {select}")
            self.staged[spec.raw_table] = stage
        else:
            con.execute(f"insert into {_raw(stage)} {select}")
        rows_loaded = con.execute(
            f"select count(*) from {_raw(stage)} where _fichier = ?", [file_name]
        ).fetchone()[0]
        rejected_lines = con.execute(
            f"select count(distinct line) from {_raw(self.rejects_table)} where source = ? "
            'and "table" = ? and file = ?',
            [spec.source, spec.table, report.file],
        ).fetchone()[0]
        # Counts must reconcile; a mismatch is a bug in the loader, never a data problem.
        if (
            report.rows_read != rows_loaded + report.rows_rejected
            or rejected_lines != report.rows_rejected
        ):
            raise RuntimeError(
                f"{report.file}: rows_read {report.rows_read} != rows_loaded "
                f"{rows_loaded} + rows_rejected {report.rows_rejected} "
                f"(rejected lines {rejected_lines})"
            )
        report.rows_loaded = rows_loaded
        report.status = STATUS_REJECTS if report.rows_rejected else STATUS_LOADED

    # ------------------------------------------------------------------ one source

    def parts(self, contract: Contract) -> list[_Part]:
        """Every file of the source to report on, in contract order, each table's parts in
        number order; a part missing before others carries its error."""
        folder = self.extraction_dir / contract.source
        out: list[_Part] = []
        for spec in contract.files:

            def part(n: int, spec: FileSpec = spec) -> _Part:
                report = FileReport(spec.source, spec.table, spec.part_display_name(n))
                return _Part(spec, n, folder / spec.part_file(n), report)

            numbers, missing, later = table_parts(spec, folder)
            out.extend(part(n) for n in numbers)
            if missing is None:
                continue
            gap = part(missing)
            gap.error = LoadError(
                gap.report.file,
                None,
                None,
                "missing_part",
                _(
                    "file not found, but later parts of the table are present ({names}): "
                    "parts are numbered 2, 3, ... without a gap"
                ).format(names=", ".join(later)),
            )
            out.append(gap)
            for name in later:
                skipped = part(spec.part_number(name) or 0)
                skipped.read = False
                out.append(skipped)
        return out

    def load(self, parts: list[_Part]) -> None:
        """Check, read and stage the source's files, `parts(contract)`. Once any file of the
        extraction has a whole-file problem, later files are still checked (the user sees every
        problem at once) but no longer staged."""
        for index, part in enumerate(parts):
            report = part.report
            if not part.read:
                continue  # a part after a missing one: reported as not loaded
            self.current = report.file
            self.progress.start_file(report.file, _size(part.path))
            started = time.perf_counter()
            try:
                if part.error is not None:
                    raise part.error
                try:
                    prepared = self._prepare(part, f"{part.spec.source}_{index}")
                except OSError as exc:
                    raise _file_error(exc, part.path, report.file) from None
            except LoadError as exc:
                self.result.errors.append(exc)
                report.status = STATUS_FAILED
                report.detail = str(exc)
                self.progress.end_file(None, _("failed [{rule}]").format(rule=exc.rule))
                report.seconds = time.perf_counter() - started
                continue
            try:
                if not self.result.errors:
                    self.progress.phase(_("staging"))
                    self._write(prepared)
            finally:
                self._discard(prepared)
            report.seconds = time.perf_counter() - started
            self.progress.end_file(
                report.rows_read,
                _("{n} rejected").format(n=number(report.rows_rejected)),
            )
        self.current = None

    def absent(self, contract: Contract, reports: list[FileReport]) -> None:
        """A source the Department does not have: empty staging tables with the contract's
        columns (dbt builds on them), reports with status absent and no row."""
        for spec, report in zip(contract.files, reports, strict=True):
            columns = [f"{quote_ident(name)} {kind}" for name, kind in spec.raw_columns]
            columns += ["_fichier varchar", "_ligne integer"]
            stage = self._stage_name(spec.raw_table)
            self.con.execute(f"create table {_raw(stage)} ({', '.join(columns)})")
            self.staged[spec.raw_table] = stage
            report.rows_read = report.rows_loaded = report.rows_rejected = 0
            report.rows_with_warnings = 0
            report.status = STATUS_ABSENT
            report.detail = _("source declared absent (pipase load --without {source})").format(
                source=spec.source
            )

    # ------------------------------------------------------------------ the swap

    def commit(self, sources: list[SourceReport]) -> None:
        """One short transaction: swap the staging tables in, append rejects and bookkeeping."""
        con, result = self.con, self.result
        con.execute("begin transaction")
        try:
            ensure_tables(con)
            for raw_table, stage in self.staged.items():
                con.execute(f"drop table if exists {_raw(raw_table)}")
                con.execute(f"alter table {_raw(stage)} rename to {quote_ident(raw_table)}")
            rejects = _raw(self.rejects_table)
            con.execute(f"insert into {SCHEMA}.load_rejects select * from {rejects}")
            con.execute(f"drop table {_raw(self.rejects_table)}")
            at = result.finished_at
            con.executemany(
                f"insert into {SCHEMA}.load_report values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [_report_values(result, report, at) for report in result.files],
            )
            con.executemany(
                f"insert into {SCHEMA}.load_sources values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                _source_values(result, sources),
            )
            con.execute(
                f"insert into {SCHEMA}.load_extractions values (?, ?, ?, ?, ?)",
                [result.load_id, result.extraction_date, result.started_at, at, RUN_LOADED],
            )
            con.execute("commit")
        except BaseException:
            with contextlib.suppress(duckdb.Error):
                con.execute("rollback")
            raise
        self.staged.clear()


def _source_values(result: LoadResult, sources: list[SourceReport]) -> list[list[object]]:
    return [
        [
            result.load_id,
            result.extraction_date,
            s.source,
            s.status,
            s.files,
            s.rows_read,
            s.rows_loaded,
            s.rows_rejected,
            s.rows_with_warnings,
        ]
        for s in sources
    ]


def record_failure(con: duckdb.DuckDBPyConnection, result: LoadResult) -> bool:
    """After a rollback: the failed run (status failed) and its files, in a transaction of
    their own. Best effort (False when the database cannot be written either)."""
    try:
        con.execute("begin transaction")
        ensure_tables(con)
        at = result.finished_at or _utcnow()
        if result.files:
            con.executemany(
                f"insert into {SCHEMA}.load_report values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [_report_values(result, report, at) for report in result.files],
            )
        con.execute(
            f"insert into {SCHEMA}.load_extractions values (?, ?, ?, ?, ?)",
            [result.load_id, result.extraction_date, result.started_at, at, RUN_FAILED],
        )
        con.execute("commit")
    except Exception:  # best effort: the failure being reported matters more
        with contextlib.suppress(duckdb.Error):
            con.execute("rollback")
        return False
    return True


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _database_dir(con: duckdb.DuckDBPyConnection) -> Path | None:
    """Folder of the connection's current database file (None in memory)."""
    row = con.execute(
        "select path from duckdb_databases() where database_name = current_database()"
    ).fetchone()
    if row and row[0] and row[0] != ":memory:":
        folder = Path(row[0]).resolve().parent
        if folder.is_dir():
            return folder
    return None


def _check_autocommit(con: duckdb.DuckDBPyConnection) -> None:
    """The loader opens its own transactions (and relies on autocommit for file order)."""
    try:
        con.execute("begin transaction")
    except duckdb.TransactionException:
        raise ValueError(
            "the connection is inside a transaction: commit or roll back before loading"
        ) from None
    con.execute("rollback")


def _choose_sources(
    contracts: dict[str, Contract], sources: list[str] | None, absent: list[str] | None
) -> tuple[list[Contract], set[str]]:
    """The contracts to load, in contract order (the sources given, else all, plus those
    declared absent), and the names declared absent."""
    asked = list(dict.fromkeys([*(sources or []), *(absent or [])]))
    unknown = [s for s in asked if s not in contracts]
    if unknown:
        raise LoadError(
            ", ".join(unknown),
            None,
            None,
            "unknown_source",
            _("unknown source(s); the contracts are {names}").format(names=", ".join(contracts)),
        )
    wanted = set(asked) if sources else set(contracts)
    return [c for name, c in contracts.items() if name in wanted], set(absent or [])


def _has_entries(folder: Path) -> bool:
    try:
        return any(True for _entry in folder.iterdir())
    except OSError:
        return True  # cannot tell: treat as holding files


def check_folders(extraction_dir: Path, chosen: list[Contract], absent: set[str]) -> None:
    """Before anything is written (the database is not even opened): the extraction folder
    exists, holds the folder of every chosen source that is not declared absent, and no folder
    with files for a source declared absent (a mistake in --without would empty a source)."""
    where = str(extraction_dir)
    if not extraction_dir.is_dir():
        why = _("not a folder") if extraction_dir.exists() else _("no such folder")
        raise LoadError(where, None, None, "missing_folder", why)
    for contract in chosen:
        folder = extraction_dir / contract.source
        if contract.source in absent and folder.is_dir() and _has_entries(folder):
            raise LoadError(
                f"{where}/{contract.source}",
                None,
                None,
                "absent_source_present",
                _(
                    "the source {source} is declared absent (--without {source}) but its folder "
                    "holds files: remove the folder or the --without"
                ).format(source=contract.source),
            )
    needed = [c.source for c in chosen if c.source not in absent]
    for name in needed:
        folder = extraction_dir / name
        try:
            next(iter(folder.iterdir()), None)
        except FileNotFoundError:
            continue  # missing: said below
        except OSError as exc:  # a file of that name, or a folder that cannot be listed
            raise LoadError(
                f"{where}/{name}",
                None,
                None,
                "unreadable_folder",
                _("the source's folder cannot be read ({reason})").format(reason=os_reason(exc)),
            ) from None
    if not needed:
        raise LoadError(
            where,
            None,
            None,
            "no_source",
            _("every source is declared absent: there is nothing to load"),
        )
    missing = [name for name in needed if not (extraction_dir / name).is_dir()]
    if missing and len(missing) == len(needed):
        raise LoadError(
            where,
            None,
            None,
            "no_source",
            _(
                "this folder holds no source folder ({expected}): is it the extraction folder?"
            ).format(expected=", ".join(f"{name}/" for name in needed)),
        )
    if missing:
        raise LoadError(
            where,
            None,
            None,
            "missing_folder",
            _(
                "the extraction has no folder {folders}; a source the Department does not have "
                "is declared with --without {name}"
            ).format(folders=", ".join(f"{name}/" for name in missing), name=missing[0]),
        )


def _open_database(database: Path) -> duckdb.DuckDBPyConnection:
    where = str(database)
    try:
        database.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise LoadError(
            where,
            None,
            None,
            "database",
            _("cannot create the database's folder ({reason})").format(reason=os_reason(exc)),
        ) from None
    try:  # checked before the file is created: a refused setting leaves no database
        limit = memory_limit_from_env()
    except ValueError as error:
        raise LoadError(MEMORY_LIMIT_ENV, None, None, "setting", str(error)) from None
    try:
        connection = duckdb.connect(str(database))
    except duckdb.Error as exc:
        raise LoadError(
            where,
            None,
            None,
            "database",
            _(
                "cannot open the database ({kind}): is another program (dbt, a DuckDB client) "
                "using it, or is it not a DuckDB file?"
            ).format(kind=type(exc).__name__),
        ) from None
    if limit is not None:
        apply_memory_limit(connection)
    return connection


def load_extraction(
    extraction_dir: Path,
    database: Path | None = None,
    sources: list[str] | None = None,
    contracts_dir: Path | None = None,
    extraction_date: dt.date | None = None,
    *,
    absent: list[str] | None = None,
    connection: duckdb.DuckDBPyConnection | None = None,
    progress: TextIO | None = None,
    work_dir: Path | None = None,
) -> LoadResult:
    """Load the files of `extraction_dir` (one folder per source) into `raw`, all or nothing.

    Give either `database` (a DuckDB file, default `pipase.paths.database_path()`) or an open
    `connection` (e.g. with an encrypted database attached and selected by USE): tables go to
    the schema `raw` of the connection's current database. The connection must not be inside
    a transaction; it is left open. `sources` restricts the load to some sources; `absent`
    names sources the Department does not have (their raw tables become empty). `progress`
    receives progress lines (e.g. sys.stderr). `work_dir` holds the temporary UTF-8 copies of
    non-UTF-8 or CR-only files (they hold identities: by default a private folder next to the
    database file, or the system's temporary folder for an in-memory database); they are
    deleted as soon as their file is typed.

    Whole-file problems do not raise: they are in `result.errors` (one LoadError per file),
    `result.status` is ``failed`` and `raw` is as before. A contract problem, an unknown source,
    a missing folder or an empty extraction raise LoadError before the database is opened
    (a database file is then not created). An unexpected failure rolls back, records the run
    as failed and raises LoadError (rule internal_error, memory, system or database) chained
    to its cause.
    """
    extraction_dir = Path(extraction_dir)
    contracts = read_contracts(contracts_dir)
    chosen, absent_set = _choose_sources(contracts, sources, absent)
    check_folders(extraction_dir, chosen, absent_set)
    own_connection = connection is None
    if own_connection:
        database = Path(database) if database is not None else paths.database_path()
        connection = _open_database(database)
    con = connection
    try:
        _check_autocommit(con)
        if work_dir is None:
            work_dir = Path(tempfile.mkdtemp(prefix=".pipase-load-", dir=_database_dir(con)))
            remove_work_dir = True
        else:
            work_dir = Path(work_dir)
            work_dir.mkdir(parents=True, exist_ok=True)
            remove_work_dir = False
        try:
            return _run(
                con, extraction_dir, chosen, absent_set, extraction_date, work_dir, progress
            )
        finally:
            if remove_work_dir:
                shutil.rmtree(work_dir, ignore_errors=True)
    finally:
        if own_connection:
            con.close()


def _run(
    con: duckdb.DuckDBPyConnection,
    extraction_dir: Path,
    chosen: list[Contract],
    absent: set[str],
    extraction_date: dt.date | None,
    work_dir: Path,
    progress: TextIO | None,
) -> LoadResult:
    previous_bar = con.execute("select current_setting('enable_progress_bar')").fetchone()[0]
    previous_order = con.execute("select current_setting('preserve_insertion_order')").fetchone()[0]
    started = _utcnow()
    result = LoadResult(new_load_id(started), extraction_date, started)
    result.absent = [c.source for c in chosen if c.source in absent]
    loader = _Loader(con, extraction_dir, work_dir, result, Progress(progress))
    try:
        con.execute("set enable_progress_bar = false")  # ours is on stderr, counts only
        con.execute("set preserve_insertion_order = true")  # typed rowids follow file order
        # Every file's report first, in contract order: a run that stops early still reports
        # each file (not_loaded).
        parts = {c.source: loader.parts(c) for c in chosen if c.source not in absent}
        absent_reports = {
            c.source: [FileReport(s.source, s.table, s.display_name) for s in c.files]
            for c in chosen
            if c.source in absent
        }
        for contract in chosen:
            if contract.source in absent:
                result.files.extend(absent_reports[contract.source])
            else:
                result.files.extend(part.report for part in parts[contract.source])
        _stage_everything(loader, chosen, parts, absent_reports)
        result.errors.extend(_copied_parts(result.files))
        for spec, error in misnamed_files(extraction_dir, chosen, absent):
            result.errors.append(error)
            report = next(
                r for r in result.files if (r.source, r.table) == (spec.source, spec.table)
            )
            report.status, report.detail = STATUS_FAILED, str(error)
        result.finished_at = _utcnow()
        if result.errors:
            raise _WholeFileErrors
        loader.commit(_source_reports(chosen, result))
        result.status = RUN_LOADED
        return result
    except BaseException as exc:
        result.status = RUN_FAILED
        result.finished_at = _utcnow()
        error = None
        if not isinstance(exc, _WholeFileErrors | KeyboardInterrupt | SystemExit):
            error = unexpected_error(
                exc, loader.current or str(extraction_dir), writing=loader.current is None
            )
        with contextlib.suppress(duckdb.Error):
            con.execute("rollback")  # a no-op error when no transaction is open
        loader.abandon()
        _mark_not_loaded(result, loader.current, error)
        record_failure(con, result)
        if isinstance(exc, _WholeFileErrors):
            return result
        if error is not None:
            result.errors.append(error)
            raise error from exc
        raise
    finally:
        with contextlib.suppress(duckdb.Error):
            con.execute(f"set enable_progress_bar = {str(bool(previous_bar)).lower()}")
            con.execute(f"set preserve_insertion_order = {str(bool(previous_order)).lower()}")


class _WholeFileErrors(Exception):
    """Internal: some files have whole-file problems (in result.errors); roll everything back."""


def _stage_everything(
    loader: _Loader,
    chosen: list[Contract],
    parts: dict[str, list[_Part]],
    absent_reports: dict[str, list[FileReport]],
) -> None:
    loader.drop_leftovers()
    loader.open_staging()
    for contract in chosen:
        if contract.source in absent_reports:
            loader.absent(contract, absent_reports[contract.source])
    # Sources with workbooks last, their sheets read ahead in a thread meanwhile (reading XLSX
    # is Python work, DuckDB's CSV reading runs outside the GIL); the report keeps the
    # contracts' order.
    order = sorted(
        (c for c in chosen if c.source in parts),
        key=lambda c: any(spec.type == "xlsx" for spec in c.files),
    )
    loader.prefetcher = SheetPrefetcher(
        [
            (part.path, part.spec, part.report.file)
            for contract in order
            for part in parts[contract.source]
            if part.spec.type == "xlsx" and part.read and part.error is None
        ]
    )
    try:
        for contract in order:
            loader.load(parts[contract.source])
    finally:
        loader.prefetcher.close()


def _as_contract_name(name: str) -> str:
    """A file name as a person may have typed a contract's: lower case, "x (2).csv" as
    "x_2.csv", part numbers without leading zeros ("x_02.csv" as "x_2.csv")."""
    text = name.strip().lower()
    text = re.sub(r"\s*\(([0-9]+)\)(?=\.[^.]+$|$)", r"_\1", text)
    return re.sub(r"_0+([0-9])", r"_\1", text)


def misnamed_files(
    extraction_dir: Path, chosen: list[Contract], absent: set[str]
) -> list[tuple[FileSpec, LoadError]]:
    """Files of a source's folder named like one of its contract's files or parts but not
    exactly (`Individus.CSV`, `aides_financieres_02.xlsx`, `aides_financieres (2).xlsx`): the
    load would leave their rows out, so each is a whole-file problem (rule misnamed_file). The
    name differs from a contract's only by case, spaces or zeros: it is shown."""
    errors = []
    for contract in chosen:
        folder = extraction_dir / contract.source
        if contract.source in absent or not folder.is_dir():
            continue
        for item in sorted(folder.iterdir()):
            if _named_by(contract, item.name):
                continue
            typed = _as_contract_name(item.name)
            for spec in contract.files:
                number = spec.part_number(typed) if spec.parts else None
                expected = spec.part_file(number) if number else spec.file
                if typed != expected:
                    continue
                errors.append(
                    (
                        spec,
                        LoadError(
                            f"{contract.source}/{item.name}",
                            None,
                            None,
                            "misnamed_file",
                            _(
                                "named like {expected} but not exactly (case, spaces or zeros): "
                                "rename it {expected}, or remove it if it is a copy; the load "
                                "would leave its rows out"
                            ).format(expected=expected),
                        ),
                    )
                )
    return errors


def _copied_parts(files: list[FileReport]) -> list[LoadError]:
    """A table's file whose bytes are those of another of its files (the same SHA-256): a part
    copied under a second name (aides_financieres_2.xlsx) was loaded twice, and the crossing
    changed (its duplicate rows made matches ambiguous)."""
    first: dict[tuple[str, str, str], str] = {}
    errors = []
    for report in files:
        if not report.file_sha256:
            continue
        key = (report.source, report.table, report.file_sha256)
        if key in first:
            errors.append(
                LoadError(
                    report.file,
                    None,
                    None,
                    "duplicate_part",
                    _(
                        "the same bytes as {other} (same SHA-256): a part copied twice; remove "
                        "the copy"
                    ).format(other=first[key]),
                )
            )
        else:
            first[key] = report.file
    return errors


def _source_reports(chosen: list[Contract], result: LoadResult) -> list[SourceReport]:
    out = []
    for contract in chosen:
        files = [f for f in result.files if f.source == contract.source]
        loaded = [f for f in files if f.status in (STATUS_LOADED, STATUS_REJECTS)]
        out.append(
            SourceReport(
                contract.source,
                STATUS_ABSENT if contract.source in result.absent else STATUS_LOADED,
                len(loaded),
                sum(f.rows_read or 0 for f in files),
                sum(f.rows_loaded or 0 for f in files),
                sum(f.rows_rejected or 0 for f in files),
                sum(f.rows_with_warnings or 0 for f in files),
            )
        )
    result.sources = out
    return out


def _mark_not_loaded(result: LoadResult, current: str | None, error: LoadError | None) -> None:
    """A failed run: the file that failed unexpectedly says why, every other file that has no
    whole-file problem of its own is not_loaded; no counts (nothing was loaded)."""
    for report in result.files:
        if error is not None and report.file == current:
            report.status = STATUS_FAILED
            report.detail = str(error)
        elif report.status != STATUS_FAILED:
            report.status = STATUS_NOT_LOADED
            report.detail = _("not loaded: the load stopped, nothing was changed")
        report.rows_read = report.rows_loaded = report.rows_rejected = None
        report.rows_with_warnings = None


def report_rows(result: LoadResult) -> list[dict[str, object]]:
    """The load report as dictionaries (what is printed and what raw.load_report holds)."""
    return [
        {
            "source": f.source,
            "table": f.table,
            "file": f.file,
            "rows_read": f.rows_read,
            "rows_loaded": f.rows_loaded,
            "rows_rejected": f.rows_rejected,
            "rows_with_warnings": f.rows_with_warnings,
            "status": f.status,
        }
        for f in result.files
    ]


__all__ = [
    "FileReport",
    "LoadResult",
    "SourceReport",
    "check_folders",
    "load_extraction",
    "report_rows",
]
