"""`pipase import`: the Association receives the archive (and the partners' files).

Convention article 4, "Stockage": the data are stored encrypted with AES-256. The archive made
by `pipase export` is opened in memory (no clear file is written), checked against its manifest
(every table present, row count, SHA-256 of each file, columns and types) and loaded into the
Association's own DuckDB database, the pseudonymised zone, separate from the Département's: the
annex 2 tables in schema `annexe2`, one row per table and import in `main.import_log`. With the
key in PIPASE_DB_KEY, the database is encrypted (AES-256, DuckDB database encryption).

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
import socket
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from pipase import paths
from pipase.transmission import TransmissionError, archive, encryption, partners
from pipase.transmission.export_cmd import MANIFEST_FORMAT, MANIFEST_NAME
from pipase.transmission.passwords import archive_password

ANNEX_SCHEMA = "annexe2"
PARTNER_SCHEMA = "partenaires"
ASE_INDIVIDUALS = "annexe2_iodas_ase__individu"
LOG_TABLE = "main.import_log"


def default_database() -> Path:
    return paths.data_dir() / "association" / "pipase_association.duckdb"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "archive",
        nargs="?",
        type=Path,
        help="archive made by `pipase export` (optional with "
        "--partner: partners' files can come alone)",
    )
    parser.add_argument(
        "--database",
        type=Path,
        default=None,
        help="the Association's DuckDB database (default: "
        "data/association/pipase_association.duckdb); encrypted with PIPASE_DB_KEY when set",
    )
    parser.add_argument(
        "--partner",
        type=Path,
        nargs="+",
        action="extend",
        default=[],
        metavar="FILE",
        help="partner file(s) produced by `pipase hash` (CSV or XLSX); put the archive "
        "before --partner",
    )
    parser.add_argument("--partner-sep", default=None, help="CSV delimiter (default: detected)")
    parser.add_argument("--partner-encoding", default="utf-8", help="CSV encoding (utf-8)")
    parser.add_argument(
        "--expected-sha256",
        metavar="HEX",
        help="the archive's SHA-256 printed by `pipase export`: checked before anything else",
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


def _refuse(path: Path, message: str) -> TransmissionError:
    return TransmissionError(f"import refused: {path.name}: {message}")


def check_archive(path: Path, password: str, expected_sha256: str | None = None) -> CheckedArchive:
    """Decrypt in memory and check every table against the manifest."""
    if not path.is_file():
        raise TransmissionError(f"import refused: {path}: no such file")
    digest = archive.sha256_file(path)
    if expected_sha256 and digest != expected_sha256.strip().lower():
        raise _refuse(
            path, "its SHA-256 differs from the one given by the sender (damaged or altered)"
        )
    members = archive.read_archive(path, password)
    if MANIFEST_NAME not in members:
        raise _refuse(path, f"no {MANIFEST_NAME} in the archive")
    try:
        manifest = json.loads(members[MANIFEST_NAME].data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise _refuse(path, f"{MANIFEST_NAME} is not valid JSON") from None
    if manifest.get("format") != MANIFEST_FORMAT or not isinstance(manifest.get("tables"), list):
        raise _refuse(path, f"{MANIFEST_NAME} is not a pipase export manifest")
    listed = {t["file"] for t in manifest["tables"]} | {MANIFEST_NAME}
    problems = []
    for table in manifest["tables"]:
        if table["file"] not in members:
            problems.append(f"table {table['name']}: its file {table['file']} is missing")
    for name in sorted(set(members) - listed):
        problems.append(f"file {name} is not in the manifest")
    if problems:
        raise _refuse(path, "; ".join(problems))

    checked = CheckedArchive(path=path, sha256=digest, manifest=manifest)
    for table in manifest["tables"]:
        member = members[table["file"]]
        if member.sha256 != table["sha256"]:
            problems.append(
                f"table {table['name']}: SHA-256 of {table['file']} differs from the manifest "
                "(altered)"
            )
            continue
        try:
            data = pq.read_table(pa.BufferReader(member.data))
        except (pa.ArrowException, OSError):
            problems.append(
                f"table {table['name']}: {table['file']} is not a readable Parquet file"
            )
            continue
        if data.num_rows != table["rows"]:
            problems.append(
                f"table {table['name']}: {data.num_rows} rows, the manifest says {table['rows']}"
            )
            continue
        checked.tables.append(
            CheckedTable(name=table["name"], rows=data.num_rows, sha256=member.sha256, data=data)
        )
    if problems:
        raise _refuse(path, "; ".join(problems))
    return checked


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


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
    marks = ", ".join("?" for _ in values)
    con.execute(f"insert into {LOG_TABLE} ({columns}) values ({marks})", list(values.values()))


def _operator() -> dict[str, str]:
    try:
        user = os.environ.get("USER") or getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return {"operator": user, "host": socket.gethostname()}


def load_archive(con: duckdb.DuckDBPyConnection, checked: CheckedArchive) -> None:
    """Replace the annex 2 tables with the archive's, checking columns and types once loaded."""
    manifest = checked.manifest
    con.execute(f"create schema if not exists {ANNEX_SCHEMA}")
    now = datetime.now(UTC)
    by_name = {t["name"]: t for t in manifest["tables"]}
    for table in checked.tables:
        view = "_pipase_import_data"
        con.register(view, table.data)
        try:
            con.execute(
                f"create or replace table {ANNEX_SCHEMA}.{_quote(table.name)} as "
                f"select * from {view}"
            )
        finally:
            con.unregister(view)
        loaded = con.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_catalog = current_database() and table_schema = ? and table_name = ? "
            "order by ordinal_position",
            [ANNEX_SCHEMA, table.name],
        ).fetchall()
        expected = [(c["name"], c["type"]) for c in by_name[table.name]["columns"]]
        if loaded != expected:
            raise _refuse(
                checked.path,
                f"table {table.name}: columns and types differ from the manifest "
                f"(loaded {loaded}, manifest {expected})",
            )
        _log(
            con,
            imported_at=now,
            kind="departement",
            source_file=checked.path.name,
            source_sha256=checked.sha256,
            extraction_date=manifest.get("extraction_date"),
            keys=manifest.get("keys"),
            pipase_version=manifest.get("pipase_version"),
            protocol_version=manifest.get("protocol_version"),
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
        return (
            f"{partner.path.name}: no table {ANNEX_SCHEMA}.{ASE_INDIVIDUALS} yet: the view "
            f"{partner.table}__lien is not created (import the Département's archive, then this "
            "file again)"
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
        raise TransmissionError("nothing to import: give an archive and/or --partner files")
    # Everything is checked before the database is opened: a refusal writes nothing.
    checked_partners = [
        partners.check_partner_file(p, sep=partner_sep, encoding=partner_encoding)
        for p in partner_files
    ]
    names = [p.table for p in checked_partners]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise TransmissionError(f"two partner files give the same table name: {duplicates}")
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
                f"{database} is not encrypted: set PIPASE_DB_KEY (convention article 4: AES-256 "
                "storage), or keep it on an AES-256 encrypted volume"
            )
        con.execute("begin transaction")
        try:
            _ensure_log(con)
            if checked is not None:
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


def run(args: argparse.Namespace) -> int:
    database = (args.database or default_database()).resolve()
    try:
        report = import_all(
            archive_path=args.archive.resolve() if args.archive else None,
            database=database,
            partner_files=[p.resolve() for p in args.partner],
            expected_sha256=args.expected_sha256,
            partner_sep=args.partner_sep,
            partner_encoding=args.partner_encoding,
        )
    except (TransmissionError, encryption.EncryptionError, duckdb.Error, OSError) as error:
        print(f"pipase import: error: {error}", file=sys.stderr)
        return 2
    for warning in report.warnings:
        print(f"pipase import: warning: {warning}", file=sys.stderr)
    state = "encrypted (AES-256)" if report.encrypted else "NOT encrypted"
    print(f"database: {report.database} ({state})")
    if report.archive:
        manifest = report.archive.manifest
        print(
            f"archive {report.archive.path.name}: extraction of {manifest.get('extraction_date')}, "
            f"keys {manifest.get('keys')}, protocol {manifest.get('protocol_version')}"
        )
        for table in report.archive.tables:
            print(f"  {ANNEX_SCHEMA}.{table.name}: {table.rows} rows (SHA-256 checked)")
    for partner, count in report.partners:
        link = f", {count} linked to an ASE individual" if count is not None else ""
        print(f"  {PARTNER_SCHEMA}.{partner.table}: {partner.rows} rows{link}")
    return 0
