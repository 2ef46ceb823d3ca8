"""`pipase purge`: delete a study's data, and only that, and write the deletion record.

Convention, "3.3. Suppression des données": at the end of the convention the personal data are
deleted and the Département is notified "via un document spécifiant : la date de la suppression ;
le détail des bases de données supprimées". This command empties the study folder (DuckDB
databases and their .wal, exports .7z and Parquet, extraction folders, temporary files), removes
the `target/` and `logs/` folders of the study's dbt project(s) and any `--also` path, then
writes that document, the "procès-verbal de suppression", outside the purged folders, as JSON and
as French text (Markdown), under a name of its own (date, time and a random suffix: two purges
in the same second write two records, and a record is never overwritten):

* date and time, operator (USER), host, the folders purged;
* each deleted file: path, size, SHA-256 computed before deletion; each symbolic link: the link
  and the target it pointed to, which is kept;
* each database: its tables with their row counts, read before deletion (encrypted databases
  are read with PIPASE_DB_KEY when set; otherwise marked unreadable);
* what could not be deleted, and the check, after deletion, that nothing listed remains. Any
  failure makes the record say "suppression incomplète" and the command exit with code 1.

What the purge owns, and nothing else:

* the study folder, which must exist, must not be a symbolic link (give its target), and must not
  be `/`, a system folder, the home folder or one of its parents, the repository the command is
  run from or one of its parents, nor hold a repository or a project (`.git`, `dbt_project.yml`,
  `pyproject.toml`...): a study folder holds data, never code;
* `<dbt project>/target` and `<dbt project>/logs`;
* each `--also` path, which must exist and, unless it is inside the study folder, must not be
  inside a repository or a project.

Nothing is followed: the folders are walked with `os.scandir` without following links; a
symbolic link (a `target/` that is a link, a link inside a folder, an `--also` link) is removed
as a link and its target is left alone; each entry is checked again just before it is removed
(same file, same real folder). Everything is checked before anything is deleted.

The files are unlinked, not overwritten: on SSDs and journaled or copy-on-write file systems an
overwrite does not reach the old blocks; the protection of what remains on disk is the volume's
encryption (convention article 4: AES-256 storage).

Refused without --yes when the standard input is not a terminal; in a terminal, asks to type
the word SUPPRIMER.
"""

from __future__ import annotations

import argparse
import getpass
import hashlib
import json
import os
import secrets
import socket
import stat
import sys
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from pipase import paths
from pipase.errors import PipaseError
from pipase.i18n import _
from pipase.transmission import TransmissionError, encryption

DATABASE_SUFFIXES = (".duckdb", ".db")
CONFIRMATION_WORD = "SUPPRIMER"
RECORD_PREFIX = "proces_verbal_suppression_pipase"
# Names that mark a repository or a project: a folder holding one is never purged.
PROJECT_MARKERS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "dbt_project.yml",
        "pyproject.toml",
        "setup.py",
        "setup.cfg",
        "profiles.yml",
        "packages.yml",
    }
)
SYSTEM_FOLDERS = frozenset(
    Path(p)
    for p in (
        "/",
        "/bin",
        "/boot",
        "/dev",
        "/etc",
        "/home",
        "/lib",
        "/lib64",
        "/media",
        "/mnt",
        "/opt",
        "/proc",
        "/root",
        "/run",
        "/sbin",
        "/srv",
        "/sys",
        "/tmp",  # noqa: S108 - a folder a purge must never empty, not a file written
        "/usr",
        "/var",
    )
)
# Trees no study folder is ever inside (the study's data live under /home, /srv, /data, /mnt,
# /tmp...): an adversarial tester's purge of /etc/ssl passed every check but --yes.
SYSTEM_TREES = tuple(
    Path(p) for p in ("/bin", "/boot", "/dev", "/etc", "/lib", "/lib64", "/proc", "/run",
                      "/sbin", "/sys", "/usr", "/var/lib", "/var/cache", "/var/log")
)  # fmt: skip
STATUS_RUNNING = "en cours"
STATUS_DONE = "suppression complète"
STATUS_PARTIAL = "suppression incomplète"
RULE = "purge"


def description() -> str:
    return _(
        "End of the study (convention article 3.3): delete the study folder's content, the dbt "
        "projects' target/ and logs/ and the --also paths, never following a symbolic link, and "
        "write the deletion record (procès-verbal de suppression) with each deleted file's size "
        "and SHA-256 and each database's tables."
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--study-dir",
        type=Path,
        default=None,
        help=_("the study's data folder, emptied entirely (default: PIPASE_DATA_DIR or data)"),
    )
    parser.add_argument(
        "--dbt-project",
        type=Path,
        action="append",
        default=None,
        metavar="DIR",
        help=_(
            "dbt project whose target/ and logs/ are deleted too (default: the pipase project; "
            "repeat for several)"
        ),
    )
    parser.add_argument(
        "--no-dbt",
        action="store_true",
        help=_("leave the dbt projects' target/ and logs/ alone"),
    )
    parser.add_argument(
        "--also",
        type=Path,
        action="append",
        default=[],
        metavar="PATH",
        help=_(
            "another file or folder of the study to delete (an export kept elsewhere...); a "
            "symbolic link is removed, not its target"
        ),
    )
    parser.add_argument(
        "--record-dir",
        type=Path,
        default=None,
        help=_(
            "where to write the deletion record, outside the purged folders "
            "(default: ~/pipase_suppressions)"
        ),
    )
    parser.add_argument(
        "--registre",
        type=Path,
        default=None,
        metavar=_("FILE"),
        help=_(
            "a run record (pipase_<date>.run.json), outside the purged folders, to which the "
            "deletion is added"
        ),
    )
    parser.add_argument("--yes", action="store_true", help=_("do not ask for confirmation"))


# --------------------------------------------------------------------------- record types
@dataclass
class DeletedEntry:
    chemin: str
    nature: str  # fichier, lien symbolique, autre
    octets: int
    sha256: str | None  # None for a link, or a file that could not be read (see note)
    cible_lien: str | None = None  # a link's target, kept
    note: str | None = None
    supprime: bool = False  # set after the deletion: the entry is gone


@dataclass
class TableCount:
    schema: str
    table: str
    lignes: int


@dataclass
class DatabaseDetail:
    chemin: str
    lisible: bool
    chiffree: bool | None
    tables: list[TableCount] = field(default_factory=list)
    note: str | None = None


@dataclass
class Failure:
    chemin: str
    raison: str


@dataclass
class PurgeRecord:
    document: str
    date_suppression: str
    operateur: str
    machine: str
    dossiers: list[str]
    fichiers: list[DeletedEntry]
    dossiers_supprimes: list[str]
    bases_de_donnees: list[DatabaseDetail]
    echecs: list[Failure]
    restants: list[str]
    statut: str
    octets_total: int = 0


# --------------------------------------------------------------------------- owned roots
@dataclass
class Root:
    path: Path  # absolute; its parent resolved, its last component not followed
    keep: bool  # the study folder is emptied and kept; the others are removed


@dataclass
class _Entry:
    path: Path
    is_dir: bool
    is_link: bool
    dev: int
    ino: int
    real_parent: str
    size: int
    links: int = 1  # names of a regular file's content (st_nlink)


def _refuse(message: str, path: Path | None = None) -> TransmissionError:
    return TransmissionError(
        _("purge refused: {reason}").format(reason=message),
        rule=RULE,
        file=str(path) if path is not None else None,
    )


def _unfollowed(path: Path) -> Path:
    """Absolute path with every parent resolved but the last component itself not followed."""
    path = Path(os.path.abspath(path))
    return path.parent.resolve() / path.name if path.name else path


def _inside(path: Path, folder: Path) -> bool:
    """Whether `path` is `folder` or below it (both absolute, already resolved as needed)."""
    return path == folder or folder in path.parents


def _repository_of(folder: Path) -> Path | None:
    """The nearest folder at or above `folder` holding a project marker (.git, pyproject...)."""
    for candidate in (folder, *folder.parents):
        try:
            if any((candidate / marker).exists() for marker in (".git", ".hg", ".svn")):
                return candidate
        except OSError:
            return None
    return None


def _project_above(path: Path) -> Path | None:
    """The nearest parent of `path` that is a repository or a project (any marker)."""
    for candidate in path.parents:
        try:
            if any(os.path.lexists(candidate / marker) for marker in PROJECT_MARKERS):
                return candidate
        except OSError:
            return None
    return None


def _refuse_inside_project(path: Path, shown: Path, message: str) -> None:
    """Refuse a path below a repository or project (`message` names it as {project})."""
    above = _project_above(path)
    if above is not None:
        raise _refuse(message.format(project=above), shown)


def protected_folders() -> list[tuple[Path, str]]:
    """Folders a purge root may neither be nor contain: (folder, why)."""
    home = Path.home().resolve()
    protected = [(home, _("the home folder"))]
    cwd = Path.cwd().resolve()
    repository = _repository_of(cwd)
    if repository is not None:
        protected.append((repository, _("the repository the command is run from")))
    project = paths.project_dir().resolve()
    if (project / "dbt_project.yml").exists() or (project / "pyproject.toml").exists():
        protected.append((project, _("the pipase project")))
    return protected


def check_root_folder(folder: Path) -> None:
    """Refuse a folder that is a system folder, or is or contains a protected folder."""
    if folder in SYSTEM_FOLDERS or len(folder.parts) < 2:
        raise _refuse(_("it is a system folder"), folder)
    for protected, why in protected_folders():
        if _inside(protected, folder):
            raise _refuse(
                _("it is or contains {what} ({path})").format(what=why, path=protected), folder
            )


def study_root(study_dir: Path) -> Root:
    """The study folder: it exists, it is a folder, not a link, and not a protected place."""
    if ".." in Path(study_dir).parts:
        # abspath drops "x/.." without looking, the system follows x when it is a link: the two
        # name different folders (an adversarial tester's ws/current/.. emptied ws/)
        raise _refuse(_("give the study folder without '..'"), Path(study_dir))
    given = Path(os.path.abspath(study_dir))
    if not os.path.lexists(given):
        raise _refuse(_("the study folder does not exist (nothing deleted)"), given)
    folder = _unfollowed(given)
    if folder.is_symlink():
        raise _refuse(
            _(
                "the study folder is a symbolic link to {target}: give that folder itself "
                "(nothing deleted)"
            ).format(target=os.path.realpath(folder)),
            given,
        )
    if not folder.is_dir():
        raise _refuse(_("the study folder is not a folder"), given)
    check_root_folder(folder)
    _refuse_inside_project(
        folder,
        given,
        _(
            "the study folder is inside a repository or project ({project}): its code, not the "
            "study's data (nothing deleted)"
        ),
    )
    inside = next((f for f in SYSTEM_TREES if _inside(folder, f)), None)
    if inside is not None:
        raise _refuse(
            _("the study folder is inside the system folder {folder}").format(folder=inside),
            given,
        )
    return Root(path=folder, keep=True)


def other_roots(study: Root, dbt_projects: list[Path], also: list[Path]) -> list[Root]:
    """dbt's target/ and logs/ of each project, and the --also paths (see the module doc)."""
    roots = []
    for project in dbt_projects:
        project = Path(os.path.abspath(project))
        if not project.is_dir():
            raise _refuse(_("the dbt project folder does not exist"), project)
        if not (project / "dbt_project.yml").is_file():
            # its target/ and logs/ are someone else's (an adversarial tester's home folder
            # lost ~/target/thesis and ~/logs)
            raise _refuse(
                _("not a dbt project (no dbt_project.yml): its target/ and logs/ are not dbt's"),
                project,
            )
        for name in ("target", "logs"):
            path = _unfollowed(project.resolve() / name)
            if os.path.lexists(path):
                roots.append(Root(path=path, keep=False))
    for extra in also:
        path = _unfollowed(extra)
        if not os.path.lexists(path):
            raise _refuse(_("--also: no such file or folder (nothing deleted)"), path)
        if _inside(study.path, path):
            raise _refuse(_("--also: it contains the study folder"), path)
        if not _inside(path, study.path):
            _refuse_inside_project(
                path,
                path,
                _(
                    "--also: it is inside a repository or project ({project}), outside the "
                    "study folder"
                ),
            )
        if path.is_dir() and not path.is_symlink():
            check_root_folder(path)
        roots.append(Root(path=path, keep=False))
    return roots


def _without_nested(roots: list[Root]) -> list[Root]:
    """A root inside another one is purged through it (the study folder stays first)."""
    kept: list[Root] = []
    for root in roots:
        if any(_inside(root.path, other.path) for other in kept):
            continue
        kept = [other for other in kept if not _inside(other.path, root.path) or other.keep]
        kept.append(root)
    return kept


# --------------------------------------------------------------------------- inventory
def _entry(path: Path, st: os.stat_result) -> _Entry:
    return _Entry(
        path=path,
        is_dir=stat.S_ISDIR(st.st_mode),
        is_link=stat.S_ISLNK(st.st_mode),
        dev=st.st_dev,
        ino=st.st_ino,
        real_parent=os.path.realpath(path.parent),
        size=st.st_size if stat.S_ISREG(st.st_mode) else 0,
        links=st.st_nlink if stat.S_ISREG(st.st_mode) else 1,
    )


def inventory(root: Root) -> list[_Entry]:
    """Every entry under the root, children before their folder, no link followed.

    Refuses (before anything is deleted) a folder it cannot read, and any project marker.
    """
    top = os.lstat(root.path)
    if not stat.S_ISDIR(top.st_mode):  # a file or a link given as a root
        return [_entry(root.path, top)]
    entries: list[_Entry] = []
    folders: list[_Entry] = []
    stack = [root.path]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as listing:
                children = list(listing)
        except OSError as error:
            raise _refuse(
                _("cannot list a folder ({error}): nothing deleted").format(
                    error=error.strerror or error
                ),
                folder,
            ) from None
        for child in children:
            path = Path(child.path)
            if child.name in PROJECT_MARKERS:
                raise _refuse(
                    _(
                        "{name} found: the folder holds a repository or a project, not only the "
                        "study's data (nothing deleted)"
                    ).format(name=child.name),
                    path,
                )
            entry = _entry(path, child.stat(follow_symlinks=False))
            if entry.is_dir:
                folders.append(entry)
                stack.append(path)
            else:
                entries.append(entry)
    if not root.keep:
        folders.insert(0, _entry(root.path, top))
    # deepest folders last, so that each folder is removed after its content
    folders.sort(key=lambda e: len(e.path.parts))
    return sorted(entries, key=lambda e: str(e.path)) + list(reversed(folders))


def _sha256_no_follow(path: Path) -> str:
    digest = hashlib.sha256()
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    with os.fdopen(fd, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def describe_entry(entry: _Entry) -> DeletedEntry:
    if entry.is_link:
        try:
            target = os.readlink(entry.path)
        except OSError:
            target = None
        return DeletedEntry(
            chemin=str(entry.path),
            nature="lien symbolique",
            octets=0,
            sha256=None,
            cible_lien=target,
            note="lien supprimé, cible conservée",
        )
    if not _is_regular(entry.path):
        # a FIFO, a socket, a device: never opened (reading a FIFO blocks the purge forever)
        return DeletedEntry(
            chemin=str(entry.path), nature="autre", octets=0, sha256=None,
            note="ni fichier ni dossier : supprimé sans être lu",
        )  # fmt: skip
    try:
        digest, note = _sha256_no_follow(entry.path), None
    except OSError as error:
        digest, note = None, f"SHA-256 non calculé ({error.strerror or type(error).__name__})"
    if entry.links > 1:
        note = (
            f"lien physique : le contenu a {entry.links} noms, les autres hors de la purge "
            "le gardent"
        )
    return DeletedEntry(
        chemin=str(entry.path), nature="fichier", octets=entry.size, sha256=digest, note=note
    )


def _is_regular(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


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
        return DatabaseDetail(chemin=str(path), lisible=False, chiffree=None, note=reason)
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
                lignes=int(
                    con.execute(
                        f'select count(*) from "{schema.replace(chr(34), chr(34) * 2)}".'
                        f'"{name.replace(chr(34), chr(34) * 2)}"'
                    ).fetchone()[0]
                ),
            )
            for schema, name in tables
        ]
        return DatabaseDetail(chemin=str(path), lisible=True, chiffree=encrypted, tables=counts)
    except duckdb.Error as error:
        return DatabaseDetail(
            chemin=str(path), lisible=False, chiffree=None, note=type(error).__name__
        )
    finally:
        con.close()


def _operator() -> str:
    try:
        return os.environ.get("USER") or getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _now() -> datetime:
    return datetime.now().astimezone()


# --------------------------------------------------------------------------- record
def record_markdown(record: PurgeRecord) -> str:
    lines = [
        "# Procès-verbal de suppression des données — étude PIPASE",
        "",
        "Convention, article 3.3 « Suppression des données » : date de la suppression et détail "
        "des bases de données supprimées.",
        "",
        f"- Date de la suppression : {record.date_suppression}",
        f"- Opérateur : {record.operateur}",
        f"- Machine : {record.machine}",
        f"- Dossiers traités : {', '.join(record.dossiers) or 'aucun'}",
        f"- Fichiers supprimés : {sum(f.supprime for f in record.fichiers)} sur "
        f"{len(record.fichiers)} ({record.octets_total} octets inventoriés)",
        f"- Dossiers supprimés : {len(record.dossiers_supprimes)}",
        f"- Résultat : **{record.statut}**",
        "",
        "## Bases de données supprimées",
        "",
    ]
    if not record.bases_de_donnees:
        lines += ["Aucune base de données DuckDB.", ""]
    for database in record.bases_de_donnees:
        lines.append(f"### {database.chemin}")
        lines.append("")
        if not database.lisible:
            lines.append(f"Contenu non lisible avant suppression ({database.note}).")
        else:
            state = "chiffrée (AES-256)" if database.chiffree else "non chiffrée"
            lines.append(f"Base {state}, {len(database.tables)} tables :")
            lines.append("")
            lines.append("| schéma | table | lignes |")
            lines.append("|---|---|---:|")
            lines += [f"| {t.schema} | {t.table} | {t.lignes} |" for t in database.tables]
        lines.append("")
    lines += [
        "## Fichiers supprimés",
        "",
        "| fichier | nature | octets | SHA-256 (avant suppression) | supprimé |",
        "|---|---|---:|---|---|",
    ]
    for entry in record.fichiers:
        if entry.nature == "lien symbolique":
            detail = f"lien vers `{entry.cible_lien}` (cible conservée)"
        elif entry.sha256:
            detail = f"`{entry.sha256}`"
        else:
            detail = entry.note or ""
        done = "oui" if entry.supprime else "non"
        lines.append(f"| {entry.chemin} | {entry.nature} | {entry.octets} | {detail} | {done} |")
    lines.append("")
    if record.echecs:
        lines += ["## Échecs", ""]
        lines += [f"- {f.chemin} : {f.raison}" for f in record.echecs]
        lines.append("")
    if record.statut == STATUS_RUNNING:
        lines += ["Suppression en cours : ce document est remplacé à la fin de la suppression.", ""]
    elif record.restants:
        lines += ["## Éléments restants (suppression incomplète)", ""]
        lines += [f"- {path}" for path in record.restants]
        lines.append("")
    elif record.statut == STATUS_DONE:
        lines += ["Vérification après suppression : aucun des éléments listés ne subsiste.", ""]
    return "\n".join(lines)


def reserve_record(record_dir: Path, started: datetime) -> tuple[Path, Path]:
    """Two new files (.json, .md) under a name no other record has: never overwrite one."""
    record_dir.mkdir(parents=True, exist_ok=True)
    for _attempt in range(20):
        stem = f"{RECORD_PREFIX}_{started.strftime('%Y%m%dT%H%M%S')}_{secrets.token_hex(4)}"
        json_path, md_path = record_dir / f"{stem}.json", record_dir / f"{stem}.md"
        try:
            with json_path.open("x", encoding="utf-8"):
                pass
        except FileExistsError:
            continue
        try:
            with md_path.open("x", encoding="utf-8"):
                pass
        except FileExistsError:
            json_path.unlink()
            continue
        return json_path, md_path
    raise _refuse(_("cannot find a free name for the record"), record_dir)


def write_record(record: PurgeRecord, json_path: Path, md_path: Path) -> None:
    """Write (again) this purge's own two files, reserved by reserve_record."""
    json_path.write_text(
        json.dumps(asdict(record), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    md_path.write_text(record_markdown(record), encoding="utf-8")


# --------------------------------------------------------------------------- purge
def _confirm(yes: bool, count: int, roots: list[Root]) -> None:
    if yes:
        return
    if not sys.stdin.isatty():
        raise _refuse(
            _("refusing to delete without --yes when the standard input is not a terminal")
        )
    print(
        _("{count} entries will be deleted under: {roots}").format(
            count=count, roots=", ".join(str(r.path) for r in roots)
        )
    )
    answer = input(_("Type {word} to confirm: ").format(word=CONFIRMATION_WORD))
    if answer.strip() != CONFIRMATION_WORD:
        raise _refuse(_("not confirmed: nothing deleted"))


def _remove(entry: _Entry) -> str | None:
    """Remove one entry if it is still the one inventoried; the reason when it is not removed."""
    try:
        now = os.lstat(entry.path)
    except FileNotFoundError:
        return None  # already gone
    except OSError as error:
        return error.strerror or type(error).__name__
    if (now.st_dev, now.st_ino) != (entry.dev, entry.ino) or os.path.realpath(
        entry.path.parent
    ) != entry.real_parent:
        return "modifié depuis l'inventaire : non supprimé"
    try:
        if entry.is_dir:
            os.rmdir(entry.path)
        else:
            os.unlink(entry.path)
    except FileNotFoundError:
        return None
    except OSError as error:
        return error.strerror or type(error).__name__
    return None


def purge(
    *,
    study_dir: Path,
    dbt_projects: list[Path],
    also: list[Path],
    record_dir: Path,
    yes: bool,
    run_record: Path | None = None,
) -> tuple[PurgeRecord, Path, Path]:
    """Check everything, inventory, record, delete, check, record again (module doc)."""
    study = study_root(study_dir)
    roots = _without_nested([study, *other_roots(study, dbt_projects, also)])
    record_dir = Path(os.path.abspath(record_dir)).resolve()
    for root in roots:
        if _inside(record_dir, root.path) or _inside(record_dir, Path(os.path.realpath(root.path))):
            raise _refuse(
                _("the record folder is inside a folder to purge: choose --record-dir elsewhere"),
                record_dir,
            )
        if run_record is not None and _inside(Path(os.path.realpath(run_record)), root.path):
            raise _refuse(
                _("the run record (--registre) is inside a folder to purge: move it first"),
                run_record,
            )
    planned = [(root, inventory(root)) for root in roots]
    entries = [e for _root, listed in planned for e in listed]
    files = [e for e in entries if not e.is_dir]
    _confirm(yes, len(entries), roots)

    started = _now()
    json_path, md_path = reserve_record(record_dir, started)  # before anything is deleted
    deleted = [describe_entry(e) for e in files]
    databases = [
        describe_database(e.path)
        for e in files
        if e.path.suffix.lower() in DATABASE_SUFFIXES and not e.is_link and _is_regular(e.path)
    ]
    record = PurgeRecord(
        document="Procès-verbal de suppression des données (convention PIPASE, article 3.3)",
        date_suppression=started.isoformat(timespec="seconds"),
        operateur=_operator(),
        machine=socket.gethostname(),
        dossiers=[str(r.path) for r in roots],
        fichiers=deleted,
        dossiers_supprimes=[str(e.path) for e in entries if e.is_dir],
        bases_de_donnees=databases,
        echecs=[],
        restants=[],
        statut=STATUS_RUNNING,
        octets_total=sum(f.octets for f in deleted),
    )
    write_record(record, json_path, md_path)  # a trace even if the deletion stops half-way

    failures = []
    for entry in entries:  # files first, then folders deepest first
        reason = _remove(entry)
        if reason is not None:
            failures.append(Failure(chemin=str(entry.path), raison=reason))
    remaining = {str(e.path) for e in entries if os.path.lexists(e.path)}
    for root in roots:  # anything that appeared meanwhile, or was never listed
        if root.keep and os.path.isdir(root.path):
            for folder, dirs, names in os.walk(root.path):
                remaining.update(str(Path(folder) / n) for n in dirs + names)
    for described in record.fichiers:
        described.supprime = not os.path.lexists(described.chemin)
    # the folders actually removed (an rmdir may have failed: the folder is then in restants)
    record.dossiers_supprimes = [d for d in record.dossiers_supprimes if not os.path.lexists(d)]
    record.echecs = failures
    record.restants = sorted(remaining)
    names_inside = Counter((e.dev, e.ino) for e in files)
    for entry in files:  # a content with names outside the purge is not deleted
        if entry.links > names_inside[(entry.dev, entry.ino)]:
            failures.append(
                Failure(
                    chemin=str(entry.path),
                    raison="lien physique : le contenu reste sous un autre nom, hors de la purge",
                )
            )
    record.echecs = failures
    record.statut = STATUS_DONE if not remaining and not failures else STATUS_PARTIAL
    write_record(record, json_path, md_path)
    return record, json_path, md_path


def run(args: argparse.Namespace) -> int:
    """Refusals are PipaseError (exit code 1, nothing deleted); a partial deletion exits 1."""
    study_dir = args.study_dir or paths.data_dir()
    projects = [] if args.no_dbt else (args.dbt_project or [paths.project_dir()])
    record_dir = args.record_dir or Path.home() / "pipase_suppressions"
    if args.registre is not None:
        from pipase.run.record import read_record

        read_record(args.registre)  # refused before anything is deleted
    try:
        record, json_path, md_path = purge(
            study_dir=study_dir,
            dbt_projects=projects,
            also=args.also,
            record_dir=record_dir,
            yes=args.yes,
            run_record=args.registre,
        )
    except OSError as error:
        raise PipaseError(
            _("cannot read or write a file ({error})").format(error=error.strerror or error),
            rule=RULE,
            file=error.filename and str(error.filename),
        ) from None
    print(
        _("{files} files deleted ({bytes} bytes), {databases} databases:").format(
            files=sum(f.supprime for f in record.fichiers),
            bytes=record.octets_total,
            databases=len(record.bases_de_donnees),
        )
    )
    for database in record.bases_de_donnees:
        if database.lisible:
            detail = _("{tables} tables, {rows} rows").format(
                tables=len(database.tables), rows=sum(t.lignes for t in database.tables)
            )
        else:
            detail = _("unreadable")
        print(f"  {database.chemin}: {detail}")
    for entry in record.fichiers:
        if entry.nature == "lien symbolique":
            print(
                _("  {link}: symbolic link removed, its target {target} is kept").format(
                    link=entry.chemin, target=entry.cible_lien
                )
            )
    print(_("deletion record: {md} and {json}").format(md=md_path, json=json_path))
    if args.registre is not None:
        from pipase.run.record import append_to_record

        append_to_record(
            args.registre,
            "purge",
            {
                "statut": record.statut,
                "fichiers_supprimes": sum(f.supprime for f in record.fichiers),
                "octets": record.octets_total,
                "bases_de_donnees": len(record.bases_de_donnees),
                "echecs": len(record.echecs),
                "proces_verbal": str(json_path),
            },
        )
    if record.statut != STATUS_DONE:
        print(
            _(
                "pipase purge: error: incomplete deletion: {failures} failure(s), {remaining} "
                "entry(ies) remain (see the record)"
            ).format(failures=len(record.echecs), remaining=len(record.restants)),
            file=sys.stderr,
        )
        for path in record.restants:
            print(f"  {path}", file=sys.stderr)
        return 1
    return 0
