"""DuckDB databases encrypted at rest (AES-256, DuckDB database encryption).

The convention (article 4, "Stockage") asks for the pseudonymised data to be stored encrypted with
AES-256; the identifying zone deserves the same. DuckDB 1.5 encrypts a database file (blocks, WAL
and, with `temp_file_encryption`, spilled temporary files) when it is attached with an
`ENCRYPTION_KEY`; it writes encrypted files only with the httpfs extension loaded (OpenSSL), which
the `duckdb_extension_httpfs` package ships for offline machines. This module:

* finds that extension file with importlib and loads it by path, with the automatic install and
  load of extensions switched off (an offline machine would otherwise stall on a download);
* attaches the database with the key passed as a prepared-statement parameter, so the key is never
  part of an SQL string (DuckDB echoes the statement in some error messages);
* reads the key from an environment variable (PIPASE_DB_KEY by default), never from an argument.

Without the key set, `connect` attaches the file unencrypted, as DuckDB does by default; an
encrypted file then fails with a clear error. The key is never printed, logged or put in a message.
"""

from __future__ import annotations

import importlib.util
import os
import re
from pathlib import Path

import duckdb

from pipase.errors import PipaseError

DB_KEY_ENV = "PIPASE_DB_KEY"
MIN_KEY_LENGTH = 16
# Offline machines: never download an extension (FACTS.md: an encrypted write stalled 40 s).
BASE_CONFIG = {
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
}


class EncryptionError(PipaseError, RuntimeError):
    """A database that cannot be opened as asked (the message never contains the key)."""


def httpfs_extension_path() -> Path:
    """The httpfs extension file shipped by the `duckdb_extension_httpfs` package.

    Its version folder must equal DuckDB's own version: the two packages are pinned together.
    """
    spec = importlib.util.find_spec("duckdb_extension_httpfs")
    if spec is None or not spec.submodule_search_locations:
        raise EncryptionError(
            "the package duckdb-extension-httpfs is not installed: DuckDB cannot write encrypted "
            "databases without it (pip install duckdb-extension-httpfs==" + duckdb.__version__ + ")"
        )
    package_dir = Path(next(iter(spec.submodule_search_locations)))
    path = package_dir / "extensions" / f"v{duckdb.__version__}" / "httpfs.duckdb_extension"
    if not path.is_file():
        found = sorted(p.name for p in (package_dir / "extensions").glob("v*"))
        raise EncryptionError(
            f"no httpfs extension for DuckDB {duckdb.__version__} in {package_dir} "
            f"(found: {', '.join(found) or 'none'}); install duckdb-extension-httpfs=="
            f"{duckdb.__version__}"
        )
    return path


def load_httpfs(con: duckdb.DuckDBPyConnection) -> None:
    """LOAD the packaged httpfs extension by path (no download, no autoload)."""
    path = str(httpfs_extension_path())
    con.execute("LOAD '" + path.replace("'", "''") + "'")


def key_from_environment(key_env: str = DB_KEY_ENV) -> str | None:
    """The database key from the environment, or None when the variable is unset or empty."""
    key = os.environ.get(key_env, "")
    if not key:
        return None
    if len(key) < MIN_KEY_LENGTH:
        raise EncryptionError(
            f"the database key in {key_env} is shorter than {MIN_KEY_LENGTH} characters"
        )
    return key


def catalog_name(path: Path | str) -> str:
    """The name DuckDB would give the database (file stem), made a safe SQL identifier."""
    stem = Path(path).name.lstrip(".").split(".")[0]
    name = re.sub(r"[^0-9A-Za-z_]", "_", stem) or "db"
    if name[0].isdigit():
        name = "db_" + name
    if name.lower() in {"memory", "system", "temp", "main"}:
        name = "db_" + name
    return name


def attach(
    con: duckdb.DuckDBPyConnection,
    path: Path | str,
    alias: str,
    key: str | None,
    *,
    read_only: bool = False,
) -> None:
    """ATTACH `path` AS `alias`, encrypted with `key` when given (key passed as a parameter)."""
    if not re.fullmatch(r"[A-Za-z_][0-9A-Za-z_]*", alias):
        raise EncryptionError(f"invalid database alias {alias!r}")
    options = ["READ_ONLY"] if read_only else []
    quoted_path = "'" + str(path).replace("'", "''") + "'"
    try:
        if key is None:
            suffix = f" ({', '.join(options)})" if options else ""
            con.execute(f"ATTACH {quoted_path} AS {alias}{suffix}")
        else:
            options.append("ENCRYPTION_KEY ?")
            con.execute(f"ATTACH {quoted_path} AS {alias} ({', '.join(options)})", [key])
    except duckdb.Error as error:
        raise EncryptionError(_attach_message(path, error, key is not None)) from None


def _attach_message(path: Path | str, error: duckdb.Error, with_key: bool) -> str:
    text = str(error)
    if "without a key" in text:
        return f"{path}: the database is encrypted; set its key in the environment ({DB_KEY_ENV})"
    if "Wrong encryption key" in text:
        return f"{path}: wrong database key"
    if "is not encrypted" in text:
        return (
            f"{path}: a key is set but this database is not encrypted; unset the key to open it, "
            "or convert it with pipase.transmission.encryption.encrypt_copy"
        )
    reason = type(error).__name__
    detail = text.splitlines()[0] if not with_key else "see DuckDB's documentation"
    return f"{path}: cannot attach the database ({reason}: {detail})"


def connect(
    path: Path | str,
    key_env: str = DB_KEY_ENV,
    *,
    read_only: bool = False,
    require_key: bool = False,
    plain: bool = False,
) -> duckdb.DuckDBPyConnection:
    """A connection whose default database is the file `path`, encrypted when the key is set.

    The connection's own database is in memory; the file is attached under its stem (like
    `duckdb.connect(path)` would name it) and selected with USE, so unqualified names resolve in
    it. With the key in `key_env`, the file is attached with AES-256 encryption (a new file is
    created encrypted; an existing one must have been written with the same key) and temporary
    files are encrypted too. `require_key=True` refuses to work unencrypted; `plain=True`
    ignores the key (to read a database known to be unencrypted).
    """
    key = None if plain else key_from_environment(key_env)
    if key is None and require_key:
        raise EncryptionError(
            f"the environment variable {key_env} is not set: refusing to open {path} unencrypted"
        )
    path = Path(path)
    if read_only and not path.exists():
        raise EncryptionError(f"{path}: no such database")
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(":memory:", config=dict(BASE_CONFIG))
    try:
        if key is not None:
            load_httpfs(con)
            con.execute("SET temp_file_encryption = true")
        temp_dir = str(path.with_name(path.name + ".tmp"))
        con.execute("SET temp_directory = '" + temp_dir.replace("'", "''") + "'")
        alias = catalog_name(path)
        attach(con, path, alias, key, read_only=read_only)
        con.execute(f"USE {alias}")
    except BaseException:
        con.close()
        raise
    return con


def is_encrypted(con: duckdb.DuckDBPyConnection, alias: str | None = None) -> bool:
    """Whether the connection's current (or named) database is encrypted."""
    if alias is None:
        alias = con.execute("select current_database()").fetchone()[0]
    row = con.execute(
        "select encrypted from duckdb_databases() where database_name = ?", [alias]
    ).fetchone()
    return bool(row and row[0])


def encrypt_copy(source: Path | str, destination: Path | str, key_env: str = DB_KEY_ENV) -> None:
    """Copy an unencrypted database into a new encrypted one (COPY FROM DATABASE).

    For turning an existing identifying-zone database into an encrypted one; the source is left
    in place (delete it with `pipase purge` once the copy is checked).
    """
    key = key_from_environment(key_env)
    if key is None:
        raise EncryptionError(f"set the key in the environment variable {key_env} first")
    destination = Path(destination)
    if destination.exists():
        raise EncryptionError(f"{destination} already exists")
    con = duckdb.connect(":memory:", config=dict(BASE_CONFIG))
    try:
        load_httpfs(con)
        con.execute("SET temp_file_encryption = true")
        attach(con, source, "plain_source", None, read_only=True)
        attach(con, destination, "encrypted_target", key)
        con.execute("COPY FROM DATABASE plain_source TO encrypted_target")
    finally:
        con.close()


def has_table(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    """The connection's own database has schema.table (an older build, a test's or a partial
    one may not)."""
    return bool(
        con.execute(
            "select count(*) from information_schema.tables where table_catalog = "
            "current_database() and table_schema = ? and table_name = ?",
            [schema, table],
        ).fetchone()[0]
    )
