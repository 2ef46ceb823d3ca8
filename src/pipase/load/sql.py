"""Small helpers to write SQL text safely (identifiers and literals come from contracts)."""

from __future__ import annotations


def quote_ident(name: str) -> str:
    """A double-quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def sql_literal(value: str | None) -> str:
    """A single-quoted SQL string literal (or NULL)."""
    if value is None:
        return "NULL"
    return "'" + str(value).replace("'", "''") + "'"
