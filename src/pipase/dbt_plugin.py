"""dbt-duckdb plugin: hands the pipeline's secrets to DuckDB without writing them in SQL.

dbt writes every compiled statement under target/ and logs/, so a secret read with env_var()
in a model would land there in clear. This plugin instead reads PIPASE_HASH_KEY from the
environment when dbt opens a connection (and each cursor, since DuckDB variables belong to a
connection) and sets the HMAC pads as DuckDB variables, which the macro `hash_message` reads with
getvariable(); likewise PIPASE_CODE_KEY for the macro `stable_code`. When
PIPASE_DUCKDB_MEMORY_LIMIT is set (e.g. 3GB, on a machine with little RAM), it sets DuckDB's
memory_limit on the database. profiles.yml names the plugin; nothing else is configured.
"""

from __future__ import annotations

import os

from dbt.adapters.duckdb.plugins import BasePlugin

from pipase.connection_secrets import (
    CODE_KEY_ENV,
    HASH_KEY_ENV,
    apply_memory_limit,
    hmac_pads,
    register_reference_hmac,
    set_hmac_key,
)


def _secret(name: str) -> bytes | None:
    value = os.environ.get(name, "")
    return value.encode("utf-8") if value else None


class Plugin(BasePlugin):
    def initialize(self, plugin_config):
        self._hash_key = _secret(HASH_KEY_ENV)
        self._code_key = _secret(CODE_KEY_ENV)
        # the pads once per dbt process, set on every connection and cursor
        self._hash_pads = hmac_pads(self._hash_key) if self._hash_key else None
        self._code_pads = hmac_pads(self._code_key) if self._code_key else None

    def _configure(self, connection):
        set_hmac_key(connection, self._hash_key, "pipase_hmac", self._hash_pads)
        set_hmac_key(connection, self._code_key, "pipase_code", self._code_pads)

    def configure_connection(self, conn):
        apply_memory_limit(conn)  # PIPASE_DUCKDB_MEMORY_LIMIT, when set
        self._configure(conn)
        register_reference_hmac(conn, self._hash_key)  # the keyed conformance test's reference

    def configure_cursor(self, cursor):
        self._configure(cursor)
