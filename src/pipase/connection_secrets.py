"""HMAC pads handed to DuckDB as connection variables (standard library only).

Imported by the dbt-duckdb plugin `pipase.dbt_plugin` in every dbt process, so it stays light:
no pandas, numpy or pyarrow (importing `pipase.protocol` costs about a second). The protocol
module re-exports these names.
"""

from __future__ import annotations

import hashlib
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
