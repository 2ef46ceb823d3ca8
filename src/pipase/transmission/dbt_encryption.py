"""dbt-duckdb plugin: let dbt work on an AES-256 encrypted DuckDB database.

dbt-duckdb opens the profile's `path` with `duckdb.connect`, which cannot take a key, and anything
written in `profiles.yml` with `env_var()` can end up in dbt's artifacts. This plugin attaches the
database itself, with the key read from the environment (PIPASE_DB_KEY) when dbt opens its
connection, and passed to DuckDB as a statement parameter: the key never appears in
`profiles.yml`, compiled SQL, `target/` or `logs/`.

Profile (the connection's own database is in memory; the encrypted file is attached under the
name dbt uses for the target database, and dbt's own `ATTACH IF NOT EXISTS` for that entry then
does nothing because the plugin, which runs first, has already attached it):

    pipase:
      target: duckdb_encrypted
      outputs:
        duckdb_encrypted:
          type: duckdb
          path: ":memory:"
          database: pipase
          attach:
            - path: "{{ env_var('PIPASE_DUCKDB_PATH', 'data/pipase.duckdb') }}"
              alias: pipase
          config_options:
            autoinstall_known_extensions: false
            autoload_known_extensions: false
          plugins:
            - module: pipase.transmission.dbt_encryption
              alias: pipase_encryption
            - module: pipase.dbt_plugin
              alias: pipase

Plugin settings (optional, under `config:`): `key_env` (default PIPASE_DB_KEY) and
`require_key` (default true: without the key, dbt stops instead of creating or opening an
unencrypted file).
"""

from __future__ import annotations

from pathlib import Path

from dbt.adapters.duckdb.plugins import BasePlugin

from pipase.transmission import encryption


class Plugin(BasePlugin):
    def initialize(self, plugin_config):
        self._key_env = plugin_config.get("key_env", encryption.DB_KEY_ENV)
        self._require_key = bool(plugin_config.get("require_key", True))

    def _target(self) -> tuple[str, str]:
        """(path, alias) of the profile's attach entry named like the target database."""
        creds = self.creds
        database = getattr(creds, "database", None)
        for attachment in getattr(creds, "attach", None) or []:
            if attachment.alias == database:
                return attachment.path, attachment.alias
        raise encryption.EncryptionError(
            "pipase.transmission.dbt_encryption: the profile needs path ':memory:', a database "
            f"name and an attach entry whose alias is that name (database is {database!r})"
        )

    def configure_connection(self, conn):
        path, alias = self._target()
        key = encryption.key_from_environment(self._key_env)
        if key is None and self._require_key:
            raise encryption.EncryptionError(
                f"the environment variable {self._key_env} is not set: dbt will not open "
                f"{path} unencrypted"
            )
        if key is not None:
            encryption.load_httpfs(conn)
            conn.execute("SET temp_file_encryption = true")
        # what the build spills (its own queries, the probabilistic pass) goes beside the
        # database, like a plain file's (DuckDB's default for an in-memory connection is .tmp
        # in the working folder)
        temp_dir = str(Path(path).with_name(Path(path).name + ".tmp"))
        conn.execute("SET temp_directory = '" + temp_dir.replace("'", "''") + "'")
        encryption.attach(conn, path, alias, key)
        conn.execute(f"USE {alias}")

    def configure_cursor(self, cursor):
        # Cursors share the database instance (and the attached file) but not the USE setting.
        path, alias = self._target()
        cursor.execute(f"USE {alias}")
