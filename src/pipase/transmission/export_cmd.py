"""`pipase export`: the leaving tables in an encrypted 7-zip archive for the Association.

Convention article 4, "Transmission": the pseudonymised data are encrypted with 7-zip before
being sent through TransfertPro. Each table of the `leaving` zone (the annex 2 tables, listed by
dbt's target/manifest.json) is written to Parquet (zstd), described in a manifest.json (row
counts, columns and types, SHA-256 of each file, pipase and protocol versions, plain or keyed
keys, extraction date, summary of the dbt test results) and packed into
`pipase_<extraction-date>.7z`, encrypted with AES-256 with its file names hidden.

The export is refused (exit code 1), naming every reason, unless the gate (`pipase.gate`)
holds: every node and test of the build passed, the structural privacy check passes on its
manifest, the tables come from one complete load of the requested extraction (every source
loaded or declared absent, none empty, no file with more rejected rows than the threshold unless
accepted by name), the cohort is not empty; and unless every leaving table is in the database
with its model's columns and the database was not written after the build.

Password: environment variable PIPASE_ARCHIVE_PASSWORD, else asked twice at the terminal; at
least 12 characters. Send it to the Association by another channel than the archive.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

import pipase
from pipase import gate, paths
from pipase.cli_types import (
    DATE_METAVAR,
    database_argument,
    extraction_day,
    human_size,
    percent,
)
from pipase.errors import PipaseError
from pipase.i18n import _
from pipase.transmission import TransmissionError, archive, encryption
from pipase.transmission.artifacts import DbtArtifacts, LeavingTable
from pipase.transmission.passwords import MIN_PASSWORD_LENGTH, archive_password

MANIFEST_NAME = "manifest.json"
MANIFEST_FORMAT = "pipase-export"
MANIFEST_FORMAT_VERSION = 1
# DuckDB checkpoints the database when dbt closes it, just after run_results.json is written:
# the file's modification time may follow the results by a moment without anything new in it.
STALE_GRACE_SECONDS = 120


def description() -> str:
    return _(
        "The leaving tables (annex 2) in an encrypted 7-zip archive for the Association: one "
        "Parquet file per table, a manifest (rows, columns, SHA-256, versions, plain or keyed "
        "keys, the test results), AES-256 with the file names hidden. Refused, with every "
        "reason, unless every node and test of the build passed, the structural privacy check "
        "passes, the tables come from one complete load of this extraction and the cohort is "
        "not empty. Password: PIPASE_ARCHIVE_PASSWORD, else asked twice; at least 12 "
        "characters. `pipase run` does the whole job, this export included."
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    database_argument(
        parser,
        _(
            "DuckDB database holding the leaving tables (default: PIPASE_DUCKDB_PATH or "
            "data/pipase.duckdb); encrypted ones need PIPASE_DB_KEY"
        ),
    )
    parser.add_argument(
        "--target-dir",
        type=Path,
        default=None,
        metavar=_("DIR"),
        help=_("dbt's target folder with manifest.json and run_results.json (default: target)"),
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar=_("DIR"),
        help=_("folder of the archive (default: data/export)"),
    )
    parser.add_argument(
        "--extraction-date",
        type=extraction_day,
        default=None,
        metavar=DATE_METAVAR,
        help=_("date of the extraction (default: today); names the archive"),
    )
    parser.add_argument(
        "--overwrite", action="store_true", help=_("replace an archive of the same name")
    )
    parser.add_argument(
        "--accept-rejects",
        action="append",
        default=[],
        metavar=_("FILE"),
        help=_(
            "accept the rejected rows of this file of the load (as named in raw.load_report, "
            "e.g. iodas_ase/individus.csv) above the threshold; repeatable; recorded in the "
            "manifest"
        ),
    )
    parser.add_argument(
        "--reject-threshold",
        type=percent,
        default=gate.DEFAULT_REJECT_THRESHOLD,
        metavar=_("PERCENT"),
        help=_(
            "largest share of a file's rows that may be rejected without --accept-rejects "
            "(default 1)"
        ),
    )


@dataclass
class ExportedTable:
    name: str
    file: str
    rows: int
    columns: list[dict[str, str]]
    sha256: str
    bytes: int


@dataclass
class ExportReport:
    archive: Path
    manifest_copy: Path
    archive_bytes: int
    archive_sha256: str
    tables: list[ExportedTable]
    warnings: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- checks
def check_test_results(artifacts: DbtArtifacts, tables: list[LeavingTable]) -> None:
    """Refuse unless every leaving model was built (if it was in the run) and every test of a
    leaving model or tagged privacy passed in the last dbt invocation."""
    problems = []
    for name, status in sorted(artifacts.model_results().items()):
        if status != "success":
            problems.append(_("model {name}: {status}").format(name=name, status=status))
    gating = artifacts.gating_tests()
    for test in gating:
        if test.status != "pass":
            where = ", ".join(test.models + (["privacy"] if test.privacy else []))
            problems.append(
                _("test {name} ({where}): {status}").format(
                    name=test.name, where=where, status=test.status or _("not run")
                )
            )
    tested = {model for test in gating for model in test.models}
    for table in tables:
        if table.name not in tested:
            problems.append(_("model {name}: no test in the manifest").format(name=table.name))
    if problems:
        shown = problems[:20] + (
            [_("... and {n} more").format(n=len(problems) - 20)] if len(problems) > 20 else []
        )
        raise TransmissionError(
            _("export refused: the leaving tables are not all built and tested ({path}):").format(
                path=artifacts.target_dir / "run_results.json"
            )
            + "\n  "
            + "\n  ".join(shown)
            + "\n"
            + _("Fix the failures, run `dbt build`, then export again.")
        )


def check_fresh(artifacts: DbtArtifacts, database: Path) -> None:
    """Refuse when the database was written after the tests ran (their results are stale)."""
    tested_at = artifacts.generated_at.timestamp()
    newest = max(
        p.stat().st_mtime
        for p in (database, database.with_name(database.name + ".wal"))
        if p.exists()
    )
    if newest > tested_at + STALE_GRACE_SECONDS:
        written = datetime.fromtimestamp(newest, UTC).isoformat(timespec="seconds")
        raise TransmissionError(
            _(
                "export refused: {database} was modified at {written}, after the test results "
                "of {tested} (run_results.json): the tables may not be the tested ones. Run "
                "`dbt build` again, then export."
            ).format(
                database=database, written=written, tested=artifacts.invocation["generated_at"]
            )
        )


# written by the on-run-end hook (macros/transmission/record_leaving_fingerprints.sql)
FINGERPRINTS = "pipase_build.empreintes_sortantes"


def fingerprint(con: duckdb.DuckDBPyConnection, table: LeavingTable) -> tuple[int, str]:
    """(rows, fingerprint) of a leaving table: the query of the dbt macro
    leaving_fingerprint_sql (count and sum of the rows' hashes), which the build records."""
    rows, value = con.execute(
        "select count(*), cast(coalesce(sum(hash(t)), 0) as varchar) "
        f"from {_quote(table.schema)}.{_quote(table.name)} as t"
    ).fetchone()
    return int(rows), str(value)


def check_fingerprints(con: duckdb.DuckDBPyConnection, tables: list[LeavingTable]) -> None:
    """Refuse a leaving table whose content is not the one its build recorded (the on-run-end
    hook): a value changed, a row added or removed after `dbt build`, whatever the file's
    modification time says."""
    if not encryption.has_table(con, "pipase_build", "empreintes_sortantes"):
        raise TransmissionError(
            _(
                "export refused: the build recorded no fingerprint of the leaving tables "
                "({table}): build again with this project's dbt, then export"
            ).format(table=FINGERPRINTS)
        )
    recorded = {
        name: (int(rows), str(value))
        for name, rows, value in con.execute(
            f"select modele, lignes, empreinte from {FINGERPRINTS}"
        ).fetchall()
    }
    changed = []
    for table in tables:
        built = recorded.get(table.name)
        if built is None:
            message = _("{table}: no fingerprint recorded by the build")
            changed.append(message.format(table=table.name))
            continue
        rows, value = fingerprint(con, table)
        if (rows, value) != built:
            changed.append(
                _("{table}: {rows} rows now, {built} when built and tested; or values changed")
                .format(table=table.name, rows=rows, built=built[0])
            )  # fmt: skip
    if changed:
        raise TransmissionError(
            _(
                "export refused: leaving tables changed since the build that tested them (a "
                "value typed by hand?); run `dbt build` again, then export:"
            )
            + "\n  "
            + "\n  ".join(changed)
        )


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def check_tables(con: duckdb.DuckDBPyConnection, tables: list[LeavingTable]) -> list[str]:
    """Refuse when a leaving table is missing or its columns differ from the model's; returns
    warnings (tables of the leaving schemas that dbt does not list, which are not exported)."""
    present = {
        (schema.lower(), name.lower()): name
        for schema, name in con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_catalog = current_database()"
        ).fetchall()
    }
    missing = [t for t in tables if (t.schema.lower(), t.name.lower()) not in present]
    if missing:
        raise TransmissionError(
            _(
                "export refused: leaving table(s) listed by dbt but missing from the database: "
                "{tables}. Run `dbt build` against this database."
            ).format(tables=", ".join(f"{t.schema}.{t.name}" for t in missing))
        )
    problems = []
    for table in tables:
        declared = {c.lower() for c in table.declared_columns}
        if not declared:
            continue
        actual = {c.lower() for c, _ in _columns(con, table)}
        if actual != declared:
            extra, lacking = sorted(actual - declared), sorted(declared - actual)
            problems.append(
                _(
                    "{table}: columns not in the model: {extra}; model columns not in the "
                    "table: {lacking}"
                ).format(
                    table=table.name,
                    extra=", ".join(extra) or "-",
                    lacking=", ".join(lacking) or "-",
                )
            )
    if problems:
        raise TransmissionError(
            _("export refused: tables differ from their dbt models (stale tables?):")
            + "\n  "
            + "\n  ".join(problems)
        )
    schemas = {t.schema.lower() for t in tables}
    listed = {(t.schema.lower(), t.name.lower()) for t in tables}
    return [
        _(
            "table {schema}.{name} is in the database but not in dbt's manifest: not exported"
        ).format(schema=schema, name=name)
        for (schema, name) in sorted(present)
        if schema in schemas and (schema, name) not in listed
    ]


def _columns(con: duckdb.DuckDBPyConnection, table: LeavingTable) -> list[tuple[str, str]]:
    return con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_catalog = current_database() and lower(table_schema) = lower(?) "
        "and lower(table_name) = lower(?) order by ordinal_position",
        [table.schema, table.name],
    ).fetchall()


# --------------------------------------------------------------------------- export
def write_parquet(
    con: duckdb.DuckDBPyConnection, table: LeavingTable, folder: Path
) -> ExportedTable:
    file_name = f"{table.name}.parquet"
    path = folder / file_name
    con.execute(
        f"COPY (SELECT * FROM {_quote(table.schema)}.{_quote(table.name)}) "
        f"TO {_literal(str(path))} (FORMAT parquet, COMPRESSION zstd)"
    )
    rows = con.execute(
        f"SELECT count(*) FROM {_quote(table.schema)}.{_quote(table.name)}"
    ).fetchone()[0]
    parquet = f"read_parquet({_literal(str(path))})"
    written = con.execute(f"SELECT count(*) FROM {parquet}").fetchone()[0]
    if written != rows:
        raise TransmissionError(
            _("{table}: {written} rows written to Parquet, {rows} in the table").format(
                table=table.name, written=written, rows=rows
            )
        )
    # The types as the Association will read them back: refuse a lossy conversion (Parquet has
    # no HUGEINT, for one) rather than send values that differ from the tested ones.
    columns = [
        (row[0], row[1]) for row in con.execute(f"DESCRIBE SELECT * FROM {parquet}").fetchall()
    ]
    changed = [
        f"{name} {before} -> {after}"
        for (name, before), (_, after) in zip(_columns(con, table), columns, strict=True)
        if before != after
    ]
    if changed:
        raise TransmissionError(
            _(
                "export refused: {table}: Parquet would change these column types: {changed}; "
                "cast them in the model"
            ).format(table=table.name, changed=", ".join(changed))
        )
    return ExportedTable(
        name=table.name,
        file=file_name,
        rows=int(rows),
        columns=[{"name": c, "type": t} for c, t in columns],
        sha256=archive.sha256_file(path),
        bytes=path.stat().st_size,
    )


def build_manifest(
    artifacts: DbtArtifacts,
    tables: list[ExportedTable],
    extraction_date: date,
    checked: gate.GateReport | None = None,
) -> dict:
    keyed = artifacts.keyed()
    return {
        "format": MANIFEST_FORMAT,
        "format_version": MANIFEST_FORMAT_VERSION,
        "pipase_version": pipase.__version__,
        "protocol_version": pipase.PROTOCOL_VERSION,
        "keys": "keyed" if keyed else "plain",
        "key_algorithm": "HMAC-SHA-256" if keyed else "SHA-256",
        "extraction_date": extraction_date.isoformat(),
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "dbt": artifacts.invocation,
        "tests": artifacts.test_summary(),
        "privacy_tests": [
            {"name": t.name, "models": t.models, "privacy_tag": t.privacy, "status": t.status}
            for t in artifacts.gating_tests()
        ],
        "construction": checked.build if checked else None,
        "controle_structurel": "ok" if checked else None,
        "chargement": checked.load.as_manifest() if checked else None,
        "avertissements": checked.warnings if checked else [],
        "tables": [
            {
                "name": t.name,
                "file": t.file,
                "rows": t.rows,
                "columns": t.columns,
                "sha256": t.sha256,
                "bytes": t.bytes,
            }
            for t in tables
        ],
    }


WORKDIR_PREFIX = ".pipase_export_"  # the clear Parquet files, while they are packed


def _refuse_links(*paths: Path) -> None:
    """Refuse to write through a symbolic link: an adversarial tester's links in the output
    folder made the export overwrite files elsewhere with the manifest and the archive."""
    for path in paths:
        if path.is_symlink():
            raise TransmissionError(
                _("export refused: {path} is a symbolic link; remove it").format(path=path)
            )


def _remove_leftovers(out_dir: Path) -> None:
    """The clear Parquet folders and partial archives of an export killed outright (SIGKILL,
    a power cut): removed before a new export, never through a link."""
    for entry in out_dir.iterdir():
        if entry.is_symlink():
            continue
        if entry.name.startswith(WORKDIR_PREFIX) and entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
        elif entry.name.startswith(".pipase_") and entry.name.endswith(".7z.partial"):
            entry.unlink(missing_ok=True)


def export(
    *,
    database: Path,
    target_dir: Path,
    out_dir: Path,
    extraction_date: date,
    password: str | None = None,
    overwrite: bool = False,
    accept_rejects: tuple[str, ...] = (),
    reject_threshold: float = gate.DEFAULT_REJECT_THRESHOLD,
) -> ExportReport:
    """Check (the gate), write, pack. `password=None` reads it from the environment or the
    terminal, once every check has passed."""
    artifacts = DbtArtifacts(target_dir)
    tables = artifacts.leaving_tables()
    check_test_results(artifacts, tables)
    if not database.is_file():
        raise TransmissionError(
            _("export refused: no database {database}").format(database=database)
        )
    check_fresh(artifacts, database)
    con = encryption.connect(database, read_only=True)
    try:
        checked = gate.check(
            artifacts,
            con,
            extraction_date,
            accept_rejects=tuple(accept_rejects),
            reject_threshold=reject_threshold,
            sent_dir=out_dir,
        )
        warnings = list(checked.warnings) + check_tables(con, tables)
        check_fingerprints(con, tables)
    finally:
        con.close()
    archive_path = out_dir / f"pipase_{extraction_date.isoformat()}.7z"
    manifest_copy = out_dir / f"pipase_{extraction_date.isoformat()}.manifest.json"
    if archive_path.exists() and not overwrite:
        raise TransmissionError(
            _("{path} already exists (use --overwrite to replace it)").format(path=archive_path)
        )
    if password is None:
        password = archive_password(confirm=True)
    elif len(password) < MIN_PASSWORD_LENGTH:
        raise TransmissionError(
            _("the archive password is shorter than {n} characters").format(n=MIN_PASSWORD_LENGTH)
        )

    out_dir.mkdir(parents=True, exist_ok=True)
    partial = out_dir / f".{archive_path.name}.partial"
    _refuse_links(archive_path, manifest_copy, partial)
    _remove_leftovers(out_dir)
    workdir = Path(tempfile.mkdtemp(prefix=WORKDIR_PREFIX, dir=out_dir))  # mode 0700
    try:
        con = encryption.connect(database, read_only=True)
        try:
            exported = [write_parquet(con, table, workdir) for table in tables]
        finally:
            con.close()
        manifest = build_manifest(artifacts, exported, extraction_date, checked)
        (workdir / MANIFEST_NAME).write_text(
            json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        members = [(workdir / MANIFEST_NAME, MANIFEST_NAME)] + [
            (workdir / t.file, t.file) for t in exported
        ]
        archive.write_archive(partial, members, password)
        partial.replace(archive_path)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        partial.unlink(missing_ok=True)
    size = archive_path.stat().st_size
    digest = archive.sha256_file(archive_path)
    manifest["archive"] = {"file": archive_path.name, "bytes": size, "sha256": digest}
    manifest_copy.write_text(
        json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return ExportReport(
        archive=archive_path,
        manifest_copy=manifest_copy,
        archive_bytes=size,
        archive_sha256=digest,
        tables=exported,
        warnings=warnings,
    )


def run(args: argparse.Namespace) -> int:
    database = (args.database or paths.database_path()).resolve()
    target_dir = (args.target_dir or paths.project_dir() / "target").resolve()
    out_dir = (args.out or paths.data_dir() / "export").resolve()
    extraction_date = args.extraction_date or date.today()
    try:
        report = export(
            database=database,
            target_dir=target_dir,
            out_dir=out_dir,
            extraction_date=extraction_date,
            overwrite=args.overwrite,
            accept_rejects=tuple(args.accept_rejects),
            reject_threshold=args.reject_threshold,
        )
    except PipaseError:
        raise
    except (encryption.EncryptionError, duckdb.Error, OSError) as error:
        raise PipaseError(str(error), rule="export") from None
    for warning in report.warnings:
        print(_("pipase export: warning: {warning}").format(warning=warning), file=sys.stderr)
    width = max(len(t.name) for t in report.tables)
    print(
        _("{n} tables exported (extraction of {date}):").format(
            n=len(report.tables), date=extraction_date.isoformat()
        )
    )
    for table in report.tables:
        print("  " + _("{name} {rows} rows").format(name=f"{table.name:<{width}}",
                                                   rows=f"{table.rows:>10}"))  # fmt: skip
    print(_("{rows} rows in all").format(rows=sum(t.rows for t in report.tables)))
    print(
        _("Package: {path} ({size}, AES-256, file names hidden)").format(
            path=report.archive, size=human_size(report.archive_bytes)
        )
    )
    print(_("SHA-256: {digest}").format(digest=report.archive_sha256))
    print(_("manifest (no secret): {path}").format(path=report.manifest_copy))
    print(_("Send the password to the Association by another channel than the archive."))
    return 0
