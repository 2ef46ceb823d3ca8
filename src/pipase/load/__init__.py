"""Load an extraction folder into the DuckDB schema `raw`, through the source contracts.

    pipase load EXTRACTION_DIR [--database PATH] [--source NAME ...] [--without NAME]...
                               [--contracts DIR] [--extraction-date YYYY-MM-DD]

EXTRACTION_DIR holds one folder per source (iodas_ase/, webrsa/, nova_dpas/, iodas_dpas/,
iodas_mdph/) with the files the contracts (src/pipase/contracts/*.yml) name. Each file becomes
raw.<source>__<table>: the contract's columns, typed, in contract order, plus _fichier (file
name) and _ligne (line in the file, header = line 1; spreadsheet row for XLSX). A table the
contract declares split (`parts: name_{n}.xlsx`, as an export above Excel's row limit comes)
continues in the files numbered n = 2, 3, ..., read while they exist, one at a time: their rows
join the same raw table, each with its own _fichier and _ligne, and each file has its own row of
raw.load_report. A part missing while a later one is present is a whole-file problem
(missing_part). CSV files may end their lines with LF, CRLF or CR alone (old Mac exports).

All or nothing. A load changes the database only if every file of every chosen source passes
the whole-file checks; otherwise nothing changes (not one table, not one reject) and the command
exits 1 after naming every problem. Whole-file problems: missing file, sheet or folder,
unreadable file (permission, a folder in its place), empty file, wrong delimiter, wrong encoding
(with its line), mixed line ends, missing, duplicated or undeclared column (an extra column is
an error: declare it in the contract), a line with too many or too few fields (truncated file),
an unterminated or stray quote, a workbook cell of a contract column holding an error value
(#N/A, #REF!: cell_error) or a formula never computed (uncomputed_formula), both of which read
as empty, a number cell above 2^53 in a text column (imprecise_number), a table continued on
another sheet (rows_on_other_sheet), a file named like a contract file or part but not exactly
(misnamed_file), the header repeated inside a CSV file (header_repeated) or below a title
line, a byte-order mark inside it, a cp1252 file with lines in UTF-8 (mixed_encoding), a last
line without a line end (truncated, unless the contract says final_line_end: optional). An
unexpected failure (a bug, memory, disk, Ctrl-C) rolls back the same
way. Messages name the file, line, column and rule, never a value read from a file: a header
cell is named only if it has the shape of a column name, else by its position ("an unexpected
value in the header, column 9"). Nothing is written before the extraction folder is checked: an
empty folder, one without any source folder, or a source folder missing without --without stops
with one line and creates no database file.

A source the Department does not have is declared with `--without NAME` (repeatable; Python:
`absent=[...]`): its raw tables are replaced by empty ones with the contract's columns (the dbt
project builds on them, and every model fed only by it has 0 rows), raw.load_report has one row
per contract file with status `absent` and 0 rows, raw.load_sources says `absent`. A folder with
files for a source declared absent is refused (a slip of --without would empty a source).

Row problems reject the row, not the file: required, date_format, date_impossible,
date_ambiguous, date_out_of_range (outside 1900-2099), date_after_extraction (an event after
the extraction date, in a column declared so), integer, decimal, boolean, accepted_values.
Each goes to raw.load_rejects with file, line, column and rule (and the value, unless the
column is identifying; never printed).

Interface of the bookkeeping tables (what an export gate reads; appended to, never replaced;
created with `create table if not exists`, so older databases gain the new ones):

* raw.load_extractions(load_id varchar, extraction_date date, started_at timestamp,
  finished_at timestamp, status varchar): one row per run, written once its outcome is known,
  status `loaded` (every chosen source loaded or declared absent) or `failed` (rolled back:
  nothing else changed). Never `running`.
* raw.load_sources(load_id varchar, extraction_date date, source varchar, status varchar,
  files integer, rows_read bigint, rows_loaded bigint, rows_rejected bigint, rows_with_warnings
  bigint): one row per chosen source of a `loaded` run, status `loaded` or `absent` (files =
  files loaded, parts included).
* raw.load_report(load_id, loaded_at, extraction_date, source, table, file, file_sha256,
  rows_read, rows_loaded, rows_rejected, status, detail, rows_with_warnings): one row per file
  per run (rows_with_warnings: loaded rows whose birth date, declared `if_invalid: empty`, was
  loaded empty with its reason in `motif_<column>`), status
  `loaded`, `loaded_with_rejects`, `absent` (0 rows), or, in a failed run, `failed` (detail: the
  problem, no value) or `not_loaded` (no counts).
* raw.load_rejects(load_id, source, table, file, line, column, rule, message, valeur).

Python: `load_extraction(extraction_dir, database, sources, contracts_dir, extraction_date,
absent=..., connection=...)` returns a `LoadResult` (status `loaded` or `failed`); whole-file
problems are `LoadError(file, line, column, rule, message)` in `result.errors`; a folder or
contract problem, or an unexpected failure (after the rollback), raises `LoadError`, a
`pipase.errors.PipaseError`.
"""

from __future__ import annotations

from pipase.load.command import add_arguments, description, run
from pipase.load.errors import ContractError, LoadError
from pipase.load.loader import FileReport, LoadResult, SourceReport, load_extraction

__all__ = [
    "ContractError",
    "FileReport",
    "LoadError",
    "LoadResult",
    "SourceReport",
    "add_arguments",
    "description",
    "load_extraction",
    "run",
]
