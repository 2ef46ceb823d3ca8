"""Transmission, storage and deletion: the convention's article 4 and its section "3.3".

* `pipase export` (export_cmd): the leaving tables (annex 2) of the last tested `dbt build`, as
  Parquet files with a manifest, in a 7-zip archive encrypted with AES-256 whose file names are
  hidden (header encryption). Refused when a test of a leaving model or a privacy test did not
  pass, or when the test results do not match the database.
* `pipase import` (import_cmd): the Association's side. Checks the archive against its manifest
  (tables, row counts, SHA-256 of each file) and loads it into a separate DuckDB database, the
  pseudonymised zone, encrypted at rest when PIPASE_DB_KEY is set; also the partners' files
  produced by `pipase hash`.
* `pipase purge` (purge_cmd): deletes a study's databases, exports and working files and writes
  the deletion record the convention asks for (date, detail of the deleted databases).
* encryption: DuckDB database encryption (AES-256) with the key from the environment;
  dbt_encryption: the same for dbt, as a dbt-duckdb plugin.

Secrets (PIPASE_ARCHIVE_PASSWORD, PIPASE_DB_KEY) come from the environment or an interactive
prompt, never from an argument or a file, and are never printed.
"""

from __future__ import annotations

from pipase.errors import PipaseError


class TransmissionError(PipaseError):
    """A refusal with a message for the operator (never a secret, never an identity).

    A :class:`pipase.errors.PipaseError`: the CLI prints it on one line and exits with code 1.
    """
