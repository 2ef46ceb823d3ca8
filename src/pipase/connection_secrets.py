"""HMAC pads and the memory limit handed to DuckDB connections (standard library only).

Imported by the dbt-duckdb plugin `pipase.dbt_plugin` in every dbt process, so it stays light:
no pandas, numpy or pyarrow (importing `pipase.protocol` costs about a second). The protocol
module re-exports these names.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from collections.abc import Mapping
from typing import Protocol

HASH_KEY_ENV = "PIPASE_HASH_KEY"
CODE_KEY_ENV = "PIPASE_CODE_KEY"  # secret of the stable codes (macro stable_code)
BLOCK = 64  # SHA-256 block size, for HMAC


class _Executes(Protocol):
    def execute(self, query: str, parameters: object = ...) -> object: ...


def hmac_pads(key: bytes) -> tuple[bytes, bytes]:
    """The inner and outer padded keys of HMAC-SHA-256 (RFC 2104), for the SQL implementation."""
    if len(key) > BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(BLOCK, b"\0")
    return bytes(b ^ 0x36 for b in key), bytes(b ^ 0x5C for b in key)


def set_hmac_key(
    connection: _Executes,
    key: bytes | None,
    name: str = "pipase_hmac",
    pads: tuple[bytes, bytes] | None = None,
) -> None:
    """Make the keyed variant available to SQL on this connection, never in the SQL text.

    The macro `hash_message` reads the pads with getvariable(); without a key they are NULL and
    the keyed variant fails with a clear error instead of hashing without the key. `pads`, when
    given, are hmac_pads(key) computed once by the caller.
    """
    if key is None:
        connection.execute(f"set variable {name}_ipad = null::blob")
        connection.execute(f"set variable {name}_opad = null::blob")
        return
    inner, outer = pads or hmac_pads(key)
    connection.execute(f"set variable {name}_ipad = ?::blob", [inner])
    connection.execute(f"set variable {name}_opad = ?::blob", [outer])


REFERENCE_HMAC_FUNCTION = "pipase_reference_hmac"


def register_reference_hmac(connection: object, key: bytes | None) -> None:
    """Python's own HMAC-SHA-256 under the run's key, as a SQL function for the keyed
    conformance test: the SQL macros' keys are compared with it, so a keyed build proves
    SQL = Python with its own key, which is never written in SQL, target/ or the logs
    (it lives in this closure). Without a key the function is not registered."""
    if key is None:
        return

    def reference_hmac(message: str) -> str:
        return hmac.new(key, message.encode("ascii"), hashlib.sha256).hexdigest()

    try:
        connection.create_function(  # type: ignore[attr-defined]
            REFERENCE_HMAC_FUNCTION, reference_hmac, ["VARCHAR"], "VARCHAR", side_effects=False
        )
    except Exception as error:  # noqa: BLE001  already registered on this database instance
        if "already" not in str(error).lower():
            raise


MEMORY_LIMIT_ENV = "PIPASE_DUCKDB_MEMORY_LIMIT"
_MEMORY_LIMIT = re.compile(r"\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)")


def memory_limit_from_env(environ: Mapping[str, str] | None = None) -> str | None:
    """The DuckDB memory limit asked for in PIPASE_DUCKDB_MEMORY_LIMIT (e.g. 3GB), or None
    (DuckDB's default: 80 % of the RAM). A malformed value stops with a ValueError naming the
    variable and the expected form."""
    value = (os.environ if environ is None else environ).get(MEMORY_LIMIT_ENV, "").strip()
    if not value:
        return None
    if not _MEMORY_LIMIT.fullmatch(value):
        raise ValueError(
            f"{MEMORY_LIMIT_ENV}={value!r}: expected a size such as 3GB or 3500MiB "
            "(units KB, MB, GB, TB, KiB, MiB, GiB, TiB)"
        )
    return value


# `pipase run --memory-limit SIZE` is the budget of the whole run (its process tree: Python,
# dbt, Splink and DuckDB); DuckDB's buffer manager gets this share of it, the rest is left to
# what DuckDB's memory_limit does not bound. Measured at 3,000,000 youths: DuckDB limited to
# 8 GB, the process tree peaked at 8,859 MB; the probabilistic pass alone (its two nodes in one
# dbt process) peaked at 8,207 MB with DuckDB limited to 5,722 MiB (three quarters of 8 GB), and
# at 5,259 MB (prediction) and 5,212 MB (training) with 4,000 MiB
# (docs/croisement_probabiliste.md, "At 3,000,000 youths").
DUCKDB_SHARE_OF_BUDGET = 0.6
_UNIT_BYTES = {
    "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12,
    "KiB": 2**10, "MiB": 2**20, "GiB": 2**30, "TiB": 2**40,
}  # fmt: skip


def duckdb_share(budget: str) -> str:
    """DuckDB's memory limit within a run's memory budget (e.g. 8GB -> 5722MiB): the budget's
    DUCKDB_SHARE_OF_BUDGET, in whole MiB. A malformed budget raises ValueError."""
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)", budget.strip())
    if match is None:
        raise ValueError(f"{budget!r}: expected a size such as 8GB or 3500MiB")
    share = float(match[1]) * _UNIT_BYTES[match[2]] * DUCKDB_SHARE_OF_BUDGET
    return f"{max(1, int(share // 2**20))}MiB"


def apply_memory_limit(connection: _Executes, environ: Mapping[str, str] | None = None) -> None:
    """Set DuckDB's memory_limit on the database of `connection` when the environment asks for
    one (a machine with little RAM: DuckDB then spills to its temporary directory)."""
    limit = memory_limit_from_env(environ)
    if limit is not None:
        connection.execute(f"set memory_limit = '{limit}'")
