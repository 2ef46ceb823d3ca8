"""The floor: the least work the main job needs, on the same files, timed in the same run.

Whatever pipase does, turning an extraction into the package needs at least:

1. **read**: every file of the extraction read by DuckDB into a table of a database file (CSV
   with `read_csv`, every column as text, the contract's delimiter and quote; a windows-1252
   file is first transcoded to UTF-8 in 16 MB blocks, since DuckDB reads UTF-8 and latin-1 but
   not windows-1252; workbooks through python-calamine, the fastest reader installed);
2. **keys**: the distinct identities (surname, first name, birth date) of every table that
   holds them, normalised once (accents stripped, upper case, A-Z only: a lower bound of the
   protocol's rules) and hashed once (the primary and the secondary SHA-256);
3. **write**: Parquet (zstd) of the annex 2 size: for each table of the package the same number
   of rows and the same column types, filled from the keys.

No checks, no rejects, no linkage, no minimisation, no tests, no encryption: a floor, not a
second pipeline. `pipase bench` prints pipase's total as a multiple of this floor. Timings only;
nothing of the files is printed or kept (the working database is deleted).
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import duckdb

from pipase.load.contract import FileSpec, read_contracts

_CONFIG = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}
SURNAMES = ("nom_naissance", "nomnai", "nom_usage", "nom")  # birth name first
FIRST_NAMES = ("prenom",)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _utf8(paths: list[Path], encoding: str, work: Path) -> list[Path]:
    """The files as DuckDB can read them: UTF-8 ones as they are, others transcoded."""
    if encoding.lower().replace("_", "-") in ("utf-8", "utf8", "utf-8-sig"):
        return paths
    out = []
    for path in paths:
        target = work / f"{len(list(work.iterdir()))}.csv"
        with (
            path.open(encoding=encoding, newline="") as source,
            target.open("w", encoding="utf-8", newline="") as sink,
        ):
            while block := source.read(1 << 24):
                sink.write(block)
        out.append(target)
    return out


def _parts(spec: FileSpec, folder: Path) -> list[Path]:
    first = folder / spec.file
    paths = [first] if first.is_file() else []
    if spec.parts:
        n = 2
        while (folder / spec.parts.format(n=n)).is_file():
            paths.append(folder / spec.parts.format(n=n))
            n += 1
    return paths


def _read_csv(con: duckdb.DuckDBPyConnection, table: str, paths: list[Path], spec: FileSpec):
    files = "[" + ", ".join(_literal(str(p)) for p in paths) + "]"
    con.execute(
        f"create table {_quote(table)} as select * from read_csv({files}, header = true, "
        f"all_varchar = true, delim = {_literal(spec.delimiter)}, quote = {_literal(spec.quote)})"
    )


def _read_xlsx(con: duckdb.DuckDBPyConnection, table: str, paths: list[Path], spec: FileSpec):
    import pyarrow as pa
    from python_calamine import CalamineWorkbook

    batches = []
    for path in paths:
        workbook = CalamineWorkbook.from_path(str(path))
        sheet = (
            workbook.get_sheet_by_name(spec.sheet) if spec.sheet else workbook.get_sheet_by_index(0)
        )
        rows = sheet.to_python()
        header = [str(h) for h in rows[0]]
        columns = list(zip(*rows[1:], strict=True)) if len(rows) > 1 else [()] * len(header)
        batches.append(
            pa.table(
                {
                    name: pa.array(
                        [None if v in (None, "") else str(v) for v in values], pa.string()
                    )  # fmt: skip
                    for name, values in zip(header, columns, strict=True)
                }
            )
        )
    arrow = pa.concat_tables(batches)
    con.register("_floor_sheet", arrow)
    try:
        con.execute(f"create table {_quote(table)} as select * from _floor_sheet")
    finally:
        con.unregister("_floor_sheet")


def _identity_select(table: str, spec: FileSpec) -> str | None:
    """surname, first name and birth date of a table that has all three, else None."""
    names = {c.name: c for c in spec.columns if c.identifying}
    surname = next((n for n in SURNAMES if n in names), None)
    first = next((n for n in FIRST_NAMES if n in names), None)
    born = next((c for c in names.values() if c.type == "date"), None)
    if not (surname and first and born):
        return None
    formats = born.formats or ("%Y-%m-%d",)
    parsed = ", ".join(f"try_strptime({_quote(born.name)}, {_literal(f)})::date" for f in formats)
    return (
        f"select {_quote(surname)} as nom, {_quote(first)} as prenom, "
        f"coalesce({parsed}, try_cast(left({_quote(born.name)}, 10) as date)) as naissance "
        f"from {_quote(table)}"
    )


def _column_expression(name: str, kind: str) -> str:
    kind = kind.upper()
    if kind == "VARCHAR":
        return "k.cle_primaire" if name.startswith("cle") else "'C' || cast(r.i % 97 as varchar)"
    if kind == "DATE":
        return "date '2000-01-01' + cast(r.i % 9000 as integer)"
    if kind in ("BIGINT", "INTEGER", "SMALLINT", "TINYINT", "HUGEINT", "UBIGINT", "UINTEGER"):
        return f"cast(r.i % 1000 as {kind})"
    if kind.startswith(("DOUBLE", "FLOAT", "DECIMAL", "REAL")):
        return f"cast((r.i % 1000) / 10 as {kind})"
    if kind == "BOOLEAN":
        return "r.i % 2 = 0"
    return f"cast(null as {kind})"


def measure_floor(
    extraction: Path,
    package_tables: list[dict],
    work: Path,
    contracts_dir: Path | None = None,
) -> dict[str, object]:
    """Time the three steps on `extraction`; `package_tables` are the package manifest's tables
    (name, rows, columns with name and type). Returns seconds per step, their total and the
    volumes (files, rows read, distinct identities, Parquet bytes)."""
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    database = work / "floor.duckdb"
    con = duckdb.connect(str(database), config=dict(_CONFIG))
    timings: dict[str, float] = {}
    try:
        con.execute("set enable_progress_bar = false")
        started = time.perf_counter()
        transcoded = work / "utf8"
        transcoded.mkdir()
        tables: list[tuple[str, FileSpec]] = []
        files = 0
        for source, contract in read_contracts(contracts_dir).items():
            for spec in contract.files:
                paths = _parts(spec, extraction / source)
                if not paths:
                    continue
                table = f"{source}__{spec.table}"
                if spec.type == "xlsx":
                    _read_xlsx(con, table, paths, spec)
                else:
                    _read_csv(con, table, _utf8(paths, spec.encoding, transcoded), spec)
                tables.append((table, spec))
                files += len(paths)
        rows_read = sum(
            con.execute(f"select count(*) from {_quote(t)}").fetchone()[0] for t, _ in tables
        )
        timings["read"] = time.perf_counter() - started

        started = time.perf_counter()
        selects = [s for t, spec in tables if (s := _identity_select(t, spec))]
        con.execute(
            "create table identites as select distinct nom, prenom, naissance from ("
            + " union all ".join(selects)
            + ")"
        )
        con.execute(
            """
            create table cles as
            with normalised as (
                select
                    regexp_replace(upper(strip_accents(nom)), '[^A-Z]', '', 'g') as nom,
                    regexp_replace(upper(strip_accents(prenom)), '[^A-Z]', '', 'g') as prenom,
                    naissance
                from identites
                where naissance is not null
            )
            select
                row_number() over () - 1 as n,
                sha256(nom || prenom || strftime(naissance, '%d%m%Y')) as cle_primaire,
                sha256(nom || strftime(naissance, '%m%Y')) as cle_secondaire
            from normalised
            where nom <> ''
            """
        )
        identities = con.execute("select count(*) from identites").fetchone()[0]
        keys = con.execute("select count(*) from cles").fetchone()[0]
        timings["keys"] = time.perf_counter() - started

        started = time.perf_counter()
        written = 0
        out = work / "parquet"
        out.mkdir()
        for table in package_tables:
            rows = int(table.get("rows") or 0)
            columns = table.get("columns") or []
            if not columns:
                continue
            exprs = ", ".join(
                f"{_column_expression(c['name'], c['type'])} as {_quote(c['name'])}"
                for c in columns
            )
            path = out / f"{table['name']}.parquet"
            con.execute(
                f"copy (select {exprs} from range({rows}) as r (i) "
                f"left join cles as k on k.n = r.i % {max(keys, 1)}) "
                f"to {_literal(str(path))} (format parquet, compression zstd)"
            )
            written += path.stat().st_size
        timings["write"] = time.perf_counter() - started
    finally:
        con.close()
        shutil.rmtree(work, ignore_errors=True)
    return {
        "what": "DuckDB reads every file; distinct identities normalised and hashed once; "
        "Parquet of the annex 2 size (rows and column types of the package)",
        "seconds": {name: round(value, 3) for name, value in timings.items()},
        "total_seconds": round(sum(timings.values()), 3),
        "files": files,
        "rows_read": int(rows_read),
        "distinct_identities": int(identities),
        "keys": int(keys),
        "parquet_bytes": written,
        "package_rows": sum(int(t.get("rows") or 0) for t in package_tables),
    }
