"""`pipase purge`: delete a study's data and write the deletion record.

Convention, "3.3. Suppression des données": at the end of the convention the personal data are
deleted and the Département is notified "via un document spécifiant : la date de la suppression ;
le détail des bases de données supprimées". This command deletes everything under the study
folder (DuckDB databases and their .wal, exports .7z and Parquet, extraction folders, temporary
files) and the `target/` and `logs/` folders of the study's dbt project(s), then writes that
document, outside the purged folders, as JSON and as a short French text (Markdown):

* date and time, operator (USER), host;
* each deleted file: path, size, SHA-256 computed before deletion;
* each database: its tables with their row counts, read before deletion (encrypted databases
  are read with PIPASE_DB_KEY when set; otherwise marked unreadable);
* the check, after deletion, that nothing listed remains.

The files are unlinked, not overwritten: on SSDs and journaled or copy-on-write file systems an
overwrite does not reach the old blocks; the protection of what remains on disk is the volume's
encryption (convention article 4: AES-256 storage).

Refused without --yes when the standard input is not a terminal; in a terminal, asks to type
the word DELETE.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import socket
import sys
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from pipase import paths
from pipase.transmission import TransmissionError, archive, encryption

DATABASE_SUFFIXES = (".duckdb", ".db")
CONFIRMATION_WORD = "DELETE"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--study-dir",
        type=Path,
        default=None,
        help="the study's data folder, emptied entirely (default: PIPASE_DATA_DIR or data)",
    )
    parser.add_argument(
        "--dbt-project",
        type=Path,
        action="append",
        default=None,
        metavar="DIR",
        help="dbt project whose target/ and logs/ are deleted too (default: the pipase project; "
        "repeat for several)",
    )
    parser.add_argument(
        "--no-dbt", action="store_true", help="leave the dbt projects' target/ and logs/ alone"
    )
    parser.add_argument(
        "--also",
        type=Path,
        action="append",
        default=[],
        metavar="PATH",
        help="another file or folder of the study to delete (an export kept elsewhere...)",
    )
    parser.add_argument(
        "--record-dir",
        type=Path,
        default=None,
        help="where to write the deletion record, outside the purged folders "
        "(default: ~/pipase_suppressions)",
    )
    parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")


@dataclass
class DeletedFile:
    path: str
    bytes: int
    sha256: str


@dataclass
class TableCount:
    schema: str
    table: str
    rows: int


@dataclass
class DatabaseDetail:
    path: str
    readable: bool
    encrypted: bool | None
    tables: list[TableCount] = field(default_factory=list)
    note: str | None = None


@dataclass
class PurgeRecord:
    date: str
    operator: str
    host: str
    roots: list[str]
    files: list[DeletedFile]
    databases: list[DatabaseDetail]
    remaining: list[str]
    status: str
    total_bytes: int = 0


# --------------------------------------------------------------------------- inventory
def _is_inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except ValueError:
        return False


def roots_to_purge(study_dir: Path, dbt_projects: list[Path], also: list[Path]) -> list[Path]:
    roots = [study_dir]
    for project in dbt_projects:
        roots += [project / "target", project / "logs"]
    roots += also
    unique: list[Path] = []
    for root in (r.resolve() for r in roots):
        if root.exists() and root not in unique:
            unique.append(root)
    # A folder inside another one is listed once, through its parent.
    return [r for r in unique if not any(r != o and _is_inside(r, o) for o in unique)]


def files_under(roots: list[Path]) -> list[Path]:
    files = []
    for root in roots:
        if root.is_file() or root.is_symlink():
            files.append(root)
            continue
        for folder, dirs, names in os.walk(root):
            files += [Path(folder) / name for name in names]
            # os.walk does not enter a link to a folder: the link itself is deleted, not its target
            files += [Path(folder) / name for name in dirs if (Path(folder) / name).is_symlink()]
    return sorted(files)


def describe_database(path: Path) -> DatabaseDetail:
    """Tables and row counts, read-only; a database that cannot be read is recorded as such."""
    try:
        try:
            con = encryption.connect(path, read_only=True)
        except encryption.EncryptionError as error:
            if "is not encrypted" not in str(error):
                raise
            con = encryption.connect(path, read_only=True, plain=True)
    except (encryption.EncryptionError, duckdb.Error) as error:
        reason = (
            str(error) if isinstance(error, encryption.EncryptionError) else type(error).__name__
        )
        return DatabaseDetail(path=str(path), readable=False, encrypted=None, note=reason)
    try:
        encrypted = encryption.is_encrypted(con)
        tables = con.execute(
            "select schema_name, table_name from duckdb_tables() "
            "where database_name = current_database() order by schema_name, table_name"
        ).fetchall()
        counts = [
            TableCount(
                schema=schema,
                table=name,
                rows=int(
                    con.execute(
                        f'select count(*) from "{schema}"."{name.replace(chr(34), chr(34) * 2)}"'
                    ).fetchone()[0]
                ),
            )
            for schema, name in tables
        ]
        return DatabaseDetail(path=str(path), readable=True, encrypted=encrypted, tables=counts)
    except duckdb.Error as error:
        return DatabaseDetail(
            path=str(path), readable=False, encrypted=None, note=type(error).__name__
        )
    finally:
        con.close()


def _operator() -> str:
    try:
        return os.environ.get("USER") or getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


# --------------------------------------------------------------------------- record
def record_markdown(record: PurgeRecord) -> str:
    lines = [
        "# Attestation de suppression des données — étude PIPASE",
        "",
        "Convention, article 3.3 « Suppression des données » : date de la suppression et détail "
        "des bases de données supprimées.",
        "",
        f"- Date de la suppression : {record.date}",
        f"- Opérateur : {record.operator}",
        f"- Machine : {record.host}",
        f"- Dossiers supprimés : {', '.join(record.roots)}",
        f"- Fichiers supprimés : {len(record.files)} ({record.total_bytes} octets)",
        f"- Résultat : {record.status}",
        "",
        "## Bases de données supprimées",
        "",
    ]
    if not record.databases:
        lines.append("Aucune base de données DuckDB.")
    for database in record.databases:
        lines.append(f"### {database.path}")
        lines.append("")
        if not database.readable:
            lines.append(f"Contenu non lisible avant suppression ({database.note}).")
        else:
            state = "chiffrée (AES-256)" if database.encrypted else "non chiffrée"
            lines.append(f"Base {state}, {len(database.tables)} tables :")
            lines.append("")
            lines.append("| schéma | table | lignes |")
            lines.append("|---|---|---:|")
            lines += [f"| {t.schema} | {t.table} | {t.rows} |" for t in database.tables]
        lines.append("")
    lines += [
        "## Fichiers supprimés",
        "",
        "| fichier | octets | SHA-256 (avant suppression) |",
        "|---|---:|---|",
    ]
    lines += [f"| {f.path} | {f.bytes} | `{f.sha256}` |" for f in record.files]
    lines.append("")
    if record.remaining:
        lines += ["## Éléments restants (suppression incomplète)", ""]
        lines += [f"- {path}" for path in record.remaining]
        lines.append("")
    else:
        lines += ["Vérification après suppression : aucun des fichiers listés ne subsiste.", ""]
    return "\n".join(lines)


def write_record(record: PurgeRecord, record_dir: Path, stem: str) -> tuple[Path, Path]:
    json_path = record_dir / f"{stem}.json"
    md_path = record_dir / f"{stem}.md"
    json_path.write_text(
        json.dumps(asdict(record), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    md_path.write_text(record_markdown(record), encoding="utf-8")
    return json_path, md_path


# --------------------------------------------------------------------------- purge
def _confirm(yes: bool, count: int, roots: list[Path]) -> None:
    if yes:
        return
    if not sys.stdin.isatty():
        raise TransmissionError(
            "refusing to delete without --yes when the standard input is not a terminal"
        )
    print(f"{count} files will be deleted under: {', '.join(map(str, roots))}")
    answer = input(f"Type {CONFIRMATION_WORD} to confirm: ")
    if answer.strip() != CONFIRMATION_WORD:
        raise TransmissionError("not confirmed: nothing deleted")


def purge(
    *,
    study_dir: Path,
    dbt_projects: list[Path],
    also: list[Path],
    record_dir: Path,
    yes: bool,
) -> tuple[PurgeRecord, Path, Path]:
    study_dir = study_dir.resolve()
    record_dir = record_dir.resolve()
    if study_dir in (Path("/"), Path.home().resolve()):
        raise TransmissionError(f"refusing to purge {study_dir}")
    roots = roots_to_purge(study_dir, dbt_projects, also)
    if any(_is_inside(record_dir, root) for root in roots):
        raise TransmissionError(
            f"the record folder {record_dir} is inside a folder to purge: choose --record-dir "
            "elsewhere"
        )
    files = files_under(roots)
    _confirm(yes, len(files), roots)

    # The record folder must be writable before anything is deleted.
    record_dir.mkdir(parents=True, exist_ok=True)
    started = datetime.now().astimezone()
    stem = f"suppression_pipase_{started.strftime('%Y%m%dT%H%M%S')}"
    deleted = [
        DeletedFile(path=str(f), bytes=0, sha256="lien symbolique (cible non supprimée)")
        if f.is_symlink()
        else DeletedFile(path=str(f), bytes=f.stat().st_size, sha256=archive.sha256_file(f))
        for f in files
    ]
    databases = [
        describe_database(f)
        for f in files
        if f.suffix.lower() in DATABASE_SUFFIXES and not f.is_symlink()
    ]
    record = PurgeRecord(
        date=started.isoformat(timespec="seconds"),
        operator=_operator(),
        host=socket.gethostname(),
        roots=[str(r) for r in roots],
        files=deleted,
        databases=databases,
        remaining=[],
        status="en cours",
        total_bytes=sum(f.bytes for f in deleted),
    )
    write_record(record, record_dir, stem)  # a trace even if the deletion stops half-way

    for path in files:
        path.unlink(missing_ok=True)
    for root in roots:
        if root.is_dir():
            for folder, _dirs, _names in sorted(os.walk(root), key=lambda w: -len(w[0])):
                if Path(folder) != study_dir:
                    Path(folder).rmdir()
    remaining = [str(f) for f in files if f.exists() or f.is_symlink()]
    remaining += [str(f) for f in files_under([r for r in roots if r.exists()])]
    record.remaining = sorted(set(remaining))
    record.status = "suppression complète" if not record.remaining else "suppression incomplète"
    json_path, md_path = write_record(record, record_dir, stem)
    return record, json_path, md_path


def run(args: argparse.Namespace) -> int:
    study_dir = args.study_dir or paths.data_dir()
    projects = [] if args.no_dbt else (args.dbt_project or [paths.project_dir()])
    record_dir = args.record_dir or Path.home() / "pipase_suppressions"
    try:
        record, json_path, md_path = purge(
            study_dir=study_dir,
            dbt_projects=projects,
            also=args.also,
            record_dir=record_dir,
            yes=args.yes,
        )
    except (TransmissionError, OSError) as error:
        print(f"pipase purge: error: {error}", file=sys.stderr)
        return 2
    print(
        f"{len(record.files)} files deleted ({record.total_bytes} bytes), "
        f"{len(record.databases)} databases:"
    )
    for database in record.databases:
        rows = sum(t.rows for t in database.tables)
        detail = (
            f"{len(database.tables)} tables, {rows} rows" if database.readable else "unreadable"
        )
        print(f"  {database.path}: {detail}")
    print(f"deletion record: {md_path} and {json_path}")
    if record.remaining:
        print(f"pipase purge: error: {len(record.remaining)} file(s) remain:", file=sys.stderr)
        for path in record.remaining:
            print(f"  {path}", file=sys.stderr)
        return 1
    return 0
