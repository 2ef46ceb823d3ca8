"""Hand-built extraction files for the loader tests, derived from the contracts.

Each column gets a valid text value computed from its contract entry (type, formats, accepted
values, decimal separator), together with the Python value the loader must produce, so the
tests compare the database with values computed here, not with the loader's own output.
Nothing here imports the loader's parsing code: only the contract reader.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from pipase.load.contract import Column, Contract, FileSpec, read_contracts

BASE_DATE = dt.date(2001, 2, 3)


@dataclass
class Row:
    """One data row: the text written to the file and the value expected after loading."""

    text: dict[str, str]
    expected: dict[str, object]


def contracts(contracts_dir: Path | None = None) -> dict[str, Contract]:
    return read_contracts(contracts_dir)


def spec_of(source: str, table: str, contracts_dir: Path | None = None) -> FileSpec:
    for spec in contracts(contracts_dir)[source].files:
        if spec.table == table:
            return spec
    raise KeyError(f"{source}.{table}")


def value_for(column: Column, spec: FileSpec, i: int, seed: int = 0) -> tuple[str, object]:
    """(text, expected typed value) of row i for a column, valid by construction."""
    k = i + seed
    if column.accepted_values:
        text = column.accepted_values[k % len(column.accepted_values)]
        return text, int(text) if column.type == "integer" else text
    if column.type == "varchar":
        text = f"{column.name}-{k}"
        return text, text
    if column.type == "integer":
        return str(1000 + k), 1000 + k
    if column.type == "decimal":
        euros, cents = 1200 + 37 * k, (7 * k) % 100
        value = Decimal(f"{euros}.{cents:02d}")
        if spec.decimal_separator == ",":  # French style, with a thousands space
            text = f"{euros // 1000} {euros % 1000:03d},{cents:02d}"
        else:
            text = f"{euros}.{cents:02d}"
        return text, value
    if column.type == "boolean":
        return ("oui", True) if k % 2 == 0 else ("non", False)
    day = BASE_DATE + dt.timedelta(days=37 * k)
    if column.type == "date":
        return day.strftime(column.formats[0]), day
    moment = dt.datetime.combine(day, dt.time(9 + k % 8, 15 * (k % 4)))
    fmt = column.formats[0]
    expected = moment if "%H" in fmt else dt.datetime.combine(day, dt.time())
    return moment.strftime(fmt), expected


def make_rows(spec: FileSpec, n: int, seed: int = 0) -> list[Row]:
    rows = []
    for i in range(n):
        text, expected = {}, {}
        for column in spec.columns:
            text[column.name], expected[column.name] = value_for(column, spec, i, seed)
        rows.append(Row(text, expected))
    return rows


def csv_bytes(
    spec: FileSpec,
    rows: Iterable[dict[str, str]],
    *,
    header: list[str] | None = None,
    delimiter: str | None = None,
    encoding: str | None = None,
    newline: str = "\n",
    quote_all: bool = False,
) -> bytes:
    """A CSV file as the contract describes it (or deliberately not, through the options)."""
    header = header if header is not None else [c.name for c in spec.columns]
    buffer = io.StringIO()
    writer = csv.writer(
        buffer,
        delimiter=delimiter or spec.delimiter,
        quotechar=spec.quote,
        lineterminator=newline,
        quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL,
    )
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(name, "") for name in header])
    encoding = encoding or spec.encoding
    return buffer.getvalue().encode(encoding)


def write_csv(path: Path, spec: FileSpec, rows: Iterable[dict[str, str]], **options) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(csv_bytes(spec, rows, **options))
    return path


def write_xlsx(
    path: Path,
    spec: FileSpec,
    rows: Iterable[dict[str, object]],
    *,
    sheet: str | None = None,
    header: list[str] | None = None,
    blank_rows_before: dict[int, int] | None = None,
) -> Path:
    """A workbook whose sheet holds the rows (values may be str, numbers, dates)."""
    import openpyxl

    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = openpyxl.Workbook()
    worksheet = workbook.active
    worksheet.title = sheet or spec.sheet or "Sheet1"
    header = header if header is not None else [c.name for c in spec.columns]
    worksheet.append(header)
    for index, row in enumerate(rows):
        for _ in range((blank_rows_before or {}).get(index, 0)):
            worksheet.append([])
        worksheet.append([row.get(name) for name in header])
    workbook.save(path)
    return path


def write_source(
    extraction_dir: Path, contract: Contract, n: int = 3, seed: int = 0
) -> dict[str, list[Row]]:
    """Valid files for every table of a source; returns the rows by table."""
    written = {}
    for spec in contract.files:
        rows = make_rows(spec, n, seed)
        path = extraction_dir / spec.source / spec.file
        if spec.type == "xlsx":
            write_xlsx(path, spec, [r.text for r in rows])
        else:
            write_csv(path, spec, [r.text for r in rows])
        written[spec.table] = rows
    return written


def write_extraction(
    extraction_dir: Path,
    n: int = 3,
    seed: int = 0,
    sources: list[str] | None = None,
    contracts_dir: Path | None = None,
) -> dict[str, dict[str, list[Row]]]:
    out = {}
    for name, contract in contracts(contracts_dir).items():
        if sources is None or name in sources:
            out[name] = write_source(extraction_dir, contract, n, seed)
    return out


def edited_contracts(folder: Path, old: str, new: str = "", only: str | None = None) -> Path:
    """Copies of the contracts in `folder` with `old` replaced by `new` (in the file `only`, or
    in all): a contract rule removed or changed, for a mutation test. Returns `folder`."""
    from pipase.paths import CONTRACTS_DIR

    folder.mkdir(parents=True, exist_ok=True)
    for path in CONTRACTS_DIR.glob("*.yml"):
        text = path.read_text(encoding="utf-8")
        if only is None or path.name == only:
            assert old in text or only is None, f"{old!r} not in {path.name}"
            text = text.replace(old, new)
        (folder / path.name).write_text(text, encoding="utf-8")
    return folder


def extraction_texts(
    extraction_dir: Path, source: str, table: str, rows: int, n: int = 1
) -> tuple[FileSpec, list[dict[str, str]]]:
    """A valid extraction of `source` (n rows per table), then the spec of `table` and the
    texts of `rows` rows of it, to change and write again: the opening of most tests that plant
    one mistake in one file."""
    write_extraction(extraction_dir, n=n, sources=[source])
    spec = spec_of(source, table)
    return spec, [dict(r.text) for r in make_rows(spec, rows)]


def snapshot(con, exclude: tuple[str, ...] = ("load_report", "load_extractions")) -> dict:
    """Every table of schema raw (but the bookkeeping ones), as sorted rows with columns."""
    tables = [
        name
        for (name,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'raw' "
            "order by table_name"
        ).fetchall()
        if name not in exclude
    ]
    out = {}
    for name in tables:
        rel = con.execute(f'select * from raw."{name}"')
        columns = [d[0] for d in rel.description]
        rows = sorted(rel.fetchall(), key=repr)
        out[name] = (columns, rows)
    return out


def write_benchmark_extraction(extraction_dir: Path, rows: int = 1_000_000) -> None:
    """Valid files for iodas_ase and webrsa, with `rows` rows in iodas_ase/individus.csv
    (cp1252, CRLF, quoted labels, œ and ’ in names) and in webrsa/personnes.csv (UTF-8).

        .venv/bin/python tests/python/load_fixtures.py DIR [ROWS]
        time .venv/bin/pipase load DIR --database DIR/bench.duckdb --source iodas_ase webrsa
    """
    import random

    write_extraction(extraction_dir, n=1, sources=["iodas_ase", "webrsa"])
    rnd = random.Random(1)
    surnames = ["Œuvray", "D’Artagnan", "Lefèvre", "Dupont", "Müller", "N'Diaye", "Cœurdevey"]
    firsts = ["Zoé", "Chloé", "Noël", "Anaïs", "Loïc"]
    lines = [
        "id_individu;num_dossier_familial;nom_usage;nom_naissance;prenom;date_naissance;sexe;"
        "statut_mna;nationalite;circonscription"
    ]
    for i in range(rows):
        born = f"{rnd.randint(1, 28):02d}/{rnd.randint(1, 12):02d}/{rnd.randint(1990, 2020)}"
        lines.append(
            f"I{i};F{i // 3};{rnd.choice(surnames)};;{rnd.choice(firsts)};{born};"
            f'{rnd.choice(["Masculin", "Féminin"])};Non;Française;"ASE 07 - Saint-Denis"'
        )
    path = extraction_dir / "iodas_ase" / "individus.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    lines = ["id;foyer_id;qual;nom;nomnai;prenom;prenom2;dtnai;typedtnai;sexe;nati;nir"]
    for i in range(rows):
        born = f"{rnd.randint(1950, 2005)}-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}"
        lines.append(f"{i + 1};{i // 2 + 1};MME;Lefèvre;Martin;Zoé;;{born};N;2;F;2{i:012d}")
    path = extraction_dir / "webrsa" / "personnes.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    import sys

    write_benchmark_extraction(
        Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
    )
