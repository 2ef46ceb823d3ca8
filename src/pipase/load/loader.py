"""Load an extraction folder into the `raw` schema, one DuckDB transaction per source.

For each source (contract), every file is checked and read (csv_source / xlsx_source) and typed
in SQL (rules) into a temporary table; a table split into parts (contract key `parts`) has one
such file per part, in number order, all feeding the same raw table. Only when every file of
the source passed the whole-file checks does one transaction replace the tables
`raw.<source>__<table>` and append the rows of `raw.load_rejects` and `raw.load_report`. A
whole-file problem in any file of a source leaves the whole source as the previous load left it
(a failure inside the transaction rolls back). The other sources are still loaded, and the run
ends with status `partial`.

Bookkeeping tables (created if needed, appended to, never replaced):

* `raw.load_extractions` (one row per run),
* `raw.load_report` (one row per file per run; `detail` says why a file was not loaded),
* `raw.load_rejects` (one row per rejected value; no value of an identifying column).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import secrets
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import duckdb

from pipase import paths
from pipase.connection_secrets import MEMORY_LIMIT_ENV, apply_memory_limit
from pipase.load.contract import Contract, FileSpec, read_contracts
from pipase.load.csv_source import StagedFile, stage_csv
from pipase.load.errors import LoadError
from pipase.load.progress import Progress
from pipase.load.rules import any_error, loaded_select, rejects_select, typed_select
from pipase.load.sql import quote_ident
from pipase.load.xlsx_source import SheetPrefetcher, stage_xlsx

SCHEMA = "raw"
TYPED_TABLE = "_pipase_typed"

STATUS_LOADED = "loaded"
STATUS_REJECTS = "loaded_with_rejects"
STATUS_FAILED = "failed"
STATUS_NOT_LOADED = "not_loaded"

DDL = {
    "load_extractions": """
        load_id varchar not null,
        extraction_date date,
        started_at timestamp not null,
        finished_at timestamp,
        status varchar not null
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
        detail varchar
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
    status: str = STATUS_NOT_LOADED
    detail: str | None = None
    seconds: float = 0.0


@dataclass
class LoadResult:
    load_id: str
    extraction_date: dt.date | None
    started_at: dt.datetime
    finished_at: dt.datetime | None = None
    status: str = "running"
    files: list[FileReport] = field(default_factory=list)
    errors: list[LoadError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every source was loaded (row rejects do not make a load fail)."""
        return not self.errors

    @property
    def failed_sources(self) -> list[str]:
        return sorted({f.source for f in self.files if f.status == STATUS_FAILED})

    @property
    def rows_rejected(self) -> int:
        return sum(f.rows_rejected or 0 for f in self.files)


def new_load_id(now: dt.datetime) -> str:
    """Sortable and unique: UTC time plus 6 random hex digits."""
    return now.strftime("%Y%m%dT%H%M%S") + "-" + secrets.token_hex(3)


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"create schema if not exists {SCHEMA}")
    for table, columns in DDL.items():
        con.execute(f"create table if not exists {SCHEMA}.{table} ({columns})")


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _insert_report(
    con: duckdb.DuckDBPyConnection, result: LoadResult, report: FileReport, at: dt.datetime
) -> None:
    con.execute(
        f"insert into {SCHEMA}.load_report values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
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
        ],
    )


@dataclass
class _Prepared:
    """A file read and typed into a temporary table, waiting for its source's transaction."""

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


class _SourceLoader:
    """Loads one source: read and type every file (outside any transaction, so that the typed
    tables' rowids follow the file order), then, if no file has a whole-file problem, replace
    the raw tables and append rejects and report rows in one transaction."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        extraction_dir: Path,
        work_dir: Path,
        result: LoadResult,
        progress: Progress,
        prefetcher: SheetPrefetcher | None = None,
    ) -> None:
        self.con = con
        self.extraction_dir = extraction_dir
        self.work_dir = work_dir
        self.result = result
        self.progress = progress
        self.prefetcher = prefetcher

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
            self.progress.phase("reading and typing")
            con.execute(f"drop table if exists temp.main.{prepared.typed_table}")
            select = typed_select(spec, staged.relation, staged.native, staged.ordinal)
            try:
                con.execute(f"create temp table {prepared.typed_table} as {select}")
            except duckdb.Error as exc:
                # DuckDB's message may quote a line of the file (a name, a birth date): only
                # its kind is shown. Reproduce by hand on the file to see the details.
                raise LoadError(
                    display,
                    None,
                    None,
                    "unreadable_file",
                    f"DuckDB could not read the file ({type(exc).__name__}; its message is "
                    "withheld because it may quote the file's content)",
                ) from None
            rows_read, rows_rejected = con.execute(
                f"select count(*), count(*) filter (where {any_error(spec)}) "
                f"from {prepared.typed_table}"
            ).fetchone()
            join, prepared.line = staged.resolve_lines(rows_read)  # may raise LoadError
        except BaseException:
            self._discard(prepared)
            raise
        prepared.typed_from = f"{prepared.typed_table} t{join}"
        report.rows_read = rows_read
        report.rows_rejected = rows_rejected
        return prepared

    def _discard(self, prepared: _Prepared) -> None:
        self.con.execute(f"drop table if exists temp.main.{prepared.typed_table}")
        prepared.staged.cleanup()

    def _write(self, prepared: _Prepared) -> None:
        """Inside the source's transaction: rejects, then the raw table (created by the first
        part, appended to by the others); check the counts of the file."""
        con, spec, report = self.con, prepared.spec, prepared.report
        file_name = spec.part_file(prepared.number)
        constants = {
            "load_id": self.result.load_id,
            "source": spec.source,
            "table": spec.table,
            "file": report.file,
        }
        rejects = rejects_select(spec, prepared.typed_from, prepared.line, constants)
        if rejects is not None:
            con.execute(
                f'insert into {SCHEMA}.load_rejects (load_id, source, "table", file, line, '
                f'"column", rule, message, valeur) {rejects}'
            )
        target = f"{SCHEMA}.{quote_ident(spec.raw_table)}"
        select = loaded_select(
            spec,
            prepared.typed_from,
            prepared.line,
            file_name,
            sort=" join " in prepared.typed_from,
        )
        if prepared.number == 1:
            con.execute(f"create or replace table {target} as {select}")
        else:
            con.execute(f"insert into {target} {select}")
        rows_loaded = con.execute(
            f"select count(*) from {target} where _fichier = ?", [file_name]
        ).fetchone()[0]
        rejected_lines = con.execute(
            f"select count(distinct line) from {SCHEMA}.load_rejects where load_id = ? "
            'and source = ? and "table" = ? and file = ?',
            [self.result.load_id, spec.source, spec.table, report.file],
        ).fetchone()[0]
        # Counts must reconcile; a mismatch is a bug in the loader, never a data problem.
        if (
            report.rows_read != rows_loaded + report.rows_rejected
            or rejected_lines != report.rows_rejected
        ):
            raise AssertionError(
                f"{report.file}: rows_read {report.rows_read} != rows_loaded "
                f"{rows_loaded} + rows_rejected {report.rows_rejected} "
                f"(rejected lines {rejected_lines})"
            )
        report.rows_loaded = rows_loaded
        report.status = STATUS_REJECTS if report.rows_rejected else STATUS_LOADED

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
                f"file not found, but later parts of the table are present "
                f"({', '.join(later)}): parts are numbered 2, 3, ... without a gap",
            )
            out.append(gap)
            for name in later:
                skipped = part(spec.part_number(name) or 0)
                skipped.read = False
                out.append(skipped)
        return out

    def load(self, contract: Contract, parts: list[_Part]) -> list[FileReport]:
        """Load the source's files, `parts(contract)`."""
        reports = [part.report for part in parts]
        errors: list[LoadError] = []
        prepared: list[_Prepared] = []
        in_transaction = False
        try:
            for index, part in enumerate(parts):
                report = part.report
                if not part.read:
                    continue  # a part after a missing one: reported as not loaded
                self.progress.start_file(report.file, _size(part.path))
                started = time.perf_counter()
                try:
                    if part.error is not None:
                        raise part.error
                    prepared.append(self._prepare(part, str(index)))
                except LoadError as exc:
                    errors.append(exc)
                    report.status = STATUS_FAILED
                    report.detail = str(exc)
                    self.progress.end_file(None, f"failed [{exc.rule}]")
                else:
                    self.progress.end_file(report.rows_read, f"{report.rows_rejected:,} rejected")
                report.seconds = time.perf_counter() - started
            at = _utcnow()
            if errors:
                for report in reports:
                    if report.status != STATUS_FAILED:
                        report.status = STATUS_NOT_LOADED
                        report.detail = (
                            f"source {contract.source} not loaded: another file has a "
                            "whole-file error"
                        )
                    report.rows_read = report.rows_loaded = report.rows_rejected = None
                    _insert_report(self.con, self.result, report, at)
            else:
                self.con.execute("begin transaction")
                in_transaction = True
                for item in prepared:
                    self._write(item)
                for report in reports:
                    _insert_report(self.con, self.result, report, at)
                self.con.execute("commit")
                in_transaction = False
        except BaseException:
            if in_transaction:
                with contextlib.suppress(duckdb.Error):
                    self.con.execute("rollback")
            raise
        finally:
            for item in prepared:
                self._discard(item)
        self.result.errors.extend(errors)
        return reports


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


def _choose_sources(contracts: dict[str, Contract], sources: list[str] | None) -> list[Contract]:
    if not sources:
        return list(contracts.values())
    unknown = [s for s in sources if s not in contracts]
    if unknown:
        raise ValueError(
            f"unknown source(s) {', '.join(unknown)}; contracts exist for {', '.join(contracts)}"
        )
    return [contracts[s] for s in dict.fromkeys(sources)]


def load_extraction(
    extraction_dir: Path,
    database: Path | None = None,
    sources: list[str] | None = None,
    contracts_dir: Path | None = None,
    extraction_date: dt.date | None = None,
    *,
    connection: duckdb.DuckDBPyConnection | None = None,
    progress: TextIO | None = None,
    work_dir: Path | None = None,
) -> LoadResult:
    """Load the files of `extraction_dir` (one folder per source) into `raw`.

    Give either `database` (a DuckDB file, default `pipase.paths.database_path()`) or an open
    `connection` (e.g. with an encrypted database attached and selected by USE): tables go to
    the schema `raw` of the connection's current database. The connection must not be inside
    a transaction; it is left open. `progress` receives progress lines (e.g. sys.stderr).
    `work_dir` holds the temporary UTF-8 copies of non-UTF-8 files (they hold identities: by
    default a private folder next to the database file, or the system's temporary folder for
    an in-memory database); they are deleted as soon as their file is typed.

    Whole-file problems do not raise: they are in `result.errors` (one LoadError per file)
    and their sources are left unchanged. Only a contract problem, an unknown source or an
    unexpected failure raises.
    """
    extraction_dir = Path(extraction_dir)
    contracts = read_contracts(contracts_dir)
    chosen = _choose_sources(contracts, sources)
    if not extraction_dir.is_dir():
        raise LoadError(str(extraction_dir), None, None, "missing_file", "no such folder")
    own_connection = connection is None
    if own_connection:
        database = Path(database) if database is not None else paths.database_path()
        database.parent.mkdir(parents=True, exist_ok=True)
        connection = duckdb.connect(str(database))
        try:
            apply_memory_limit(connection)  # PIPASE_DUCKDB_MEMORY_LIMIT, when set
        except ValueError as error:
            connection.close()
            raise LoadError(MEMORY_LIMIT_ENV, None, None, "setting", str(error)) from None
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
            return _run(con, extraction_dir, chosen, extraction_date, work_dir, progress)
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
    extraction_date: dt.date | None,
    work_dir: Path,
    progress: TextIO | None,
) -> LoadResult:
    previous_bar = con.execute("select current_setting('enable_progress_bar')").fetchone()[0]
    previous_order = con.execute("select current_setting('preserve_insertion_order')").fetchone()[0]
    try:
        con.execute("set enable_progress_bar = false")  # ours is on stderr, counts only
        con.execute("set preserve_insertion_order = true")  # typed rowids follow file order
        ensure_tables(con)
        started = _utcnow()
        result = LoadResult(new_load_id(started), extraction_date, started)
        con.execute(
            f"insert into {SCHEMA}.load_extractions values (?, ?, ?, NULL, 'running')",
            [result.load_id, extraction_date, started],
        )
        loader = _SourceLoader(con, extraction_dir, work_dir, result, Progress(progress))
        # Sources with workbooks last, their sheets read ahead in a thread meanwhile (reading
        # XLSX is Python work, DuckDB's CSV reading runs outside the GIL); the report keeps
        # the contracts' order.
        order = sorted(chosen, key=lambda c: any(spec.type == "xlsx" for spec in c.files))
        parts = {contract.source: loader.parts(contract) for contract in order}
        loader.prefetcher = SheetPrefetcher(
            [
                (part.path, part.spec, part.report.file)
                for contract in order
                for part in parts[contract.source]
                if part.spec.type == "xlsx" and part.read and part.error is None
            ]
        )
        try:
            files = {
                contract.source: loader.load(contract, parts[contract.source]) for contract in order
            }
        finally:
            loader.prefetcher.close()
        for contract in chosen:
            result.files.extend(files[contract.source])
        failed = set(result.failed_sources)
        if not failed:
            result.status = "loaded"
        elif len(failed) == len(chosen):
            result.status = "failed"
        else:
            result.status = "partial"
        result.finished_at = _utcnow()
        con.execute(
            f"update {SCHEMA}.load_extractions set finished_at = ?, status = ? where load_id = ?",
            [result.finished_at, result.status, result.load_id],
        )
        return result
    finally:
        con.execute(f"set enable_progress_bar = {str(bool(previous_bar)).lower()}")
        con.execute(f"set preserve_insertion_order = {str(bool(previous_order)).lower()}")


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
            "status": f.status,
        }
        for f in result.files
    ]


__all__ = [
    "FileReport",
    "LoadResult",
    "load_extraction",
    "report_rows",
]
