"""Load an extraction folder into the DuckDB schema `raw`, through the source contracts.

    pipase load EXTRACTION_DIR [--database PATH] [--source NAME ...] [--contracts DIR]
                               [--extraction-date YYYY-MM-DD]

EXTRACTION_DIR holds one folder per source (iodas_ase/, webrsa/, nova_dpas/, iodas_dpas/,
iodas_mdph/) with the files the contracts (src/pipase/contracts/*.yml) name. Each file becomes
raw.<source>__<table>: the contract's columns, typed, in contract order, plus _fichier (file
name) and _ligne (line in the file, header = line 1; spreadsheet row for XLSX). A table the
contract declares split (`parts: name_{n}.xlsx`, as an export above Excel's row limit comes)
continues in the files numbered n = 2, 3, ..., read while they exist, one at a time: their rows
join the same raw table, each with its own _fichier and _ligne, and each file has its own row of
raw.load_report. A part missing while a later one is present stops the source (missing_part).

Whole-file problems stop the file's source, which stays as the previous load left it, and the
command exits 1 after loading the other sources: missing file or sheet, empty file, wrong
delimiter, wrong encoding (with its line), missing, duplicated or undeclared column (an extra
column is an error: declare it in the contract), a line with too many or too few fields
(truncated file), an unterminated quote. Quoted values may span lines: _ligne is the line where
the record starts.

Row problems reject the row, not the file: required, date_format, date_impossible,
date_ambiguous, integer, decimal, boolean, accepted_values. Each goes to raw.load_rejects with
file, line, column and rule (and the value, unless the column is identifying). Every run appends
raw.load_extractions and, per file, raw.load_report (rows_read = rows_loaded + rows_rejected).

Python: `load_extraction(extraction_dir, database, sources, contracts_dir, extraction_date,
connection=...)` returns a `LoadResult`; whole-file problems are `LoadError(file, line, column,
rule, message)` in `result.errors`.
"""

from __future__ import annotations

from pipase.load.command import add_arguments, run
from pipase.load.errors import ContractError, LoadError
from pipase.load.loader import FileReport, LoadResult, load_extraction

__all__ = [
    "ContractError",
    "FileReport",
    "LoadError",
    "LoadResult",
    "add_arguments",
    "load_extraction",
    "run",
]
