"""dbt-duckdb plugin: hands the pipeline's secrets to DuckDB without writing them in SQL.

dbt writes every compiled statement under target/ and logs/, so a secret read with env_var()
in a model would land there in clear. This plugin instead reads PIPASE_HASH_KEY from the
environment when dbt opens a connection (and each cursor, since DuckDB variables belong to a
connection) and sets the HMAC pads as DuckDB variables, which the macro `hash_message` reads with
getvariable(). profiles.yml names the plugin; nothing else is configured.
"""

from __future__ import annotations

import os

from dbt.adapters.duckdb.plugins import BasePlugin

from pipase.protocol import HASH_KEY_ENV, set_hmac_key


def _key() -> bytes | None:
    secret = os.environ.get(HASH_KEY_ENV, "")
    return secret.encode("utf-8") if secret else None


class Plugin(BasePlugin):
    def initialize(self, plugin_config):  # noqa: D401 - dbt-duckdb hook
        self._secret = _key()

    def configure_connection(self, conn):
        set_hmac_key(conn, self._secret)

    def configure_cursor(self, cursor):
        set_hmac_key(cursor, self._secret)
