"""The hashing protocol (annex 1 of the convention, closed by shared/spec/hashing_protocol.md).

Two layers:

* scalar functions (`normalise_name`, `primary_key`, ...) that state each rule once, readable
  and used as the reference in tests;
* `compute_keys`, the vectorised path used by `pipase hash` and the loaders: names are
  normalised once per distinct value, and digests are computed set-based in DuckDB.

Normalisation uses the letter map `protocol_data/ref_letter_map.csv` (generated from Unicode by
`scripts/generate_letter_map.py`), the same table that the SQL macros read as the dbt seed
`ref_letter_map`, so that SQL and Python cannot drift apart.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

import duckdb
import pandas as pd

from pipase.paths import PROTOCOL_DATA_DIR

HASH_KEY_ENV = "PIPASE_HASH_KEY"
CODE_KEY_ENV = "PIPASE_CODE_KEY"  # secret of the stable codes (macro stable_code)
LETTER_MAP_FILE = PROTOCOL_DATA_DIR / "ref_letter_map.csv"
_NOT_A_TO_Z = re.compile("[^A-Z]+")
_BLOCK = 64  # SHA-256 block size, for HMAC

# Reasons a row gets no key (column motif_sans_cle), shared with the SQL macro unkeyable_reason.
REASON_NO_SURNAME = "nom_vide"
REASON_NO_FIRST_NAME = "prenom_vide"
REASON_NO_BIRTH_DATE = "date_naissance_absente"
REASON_BAD_BIRTH_DATE = "date_naissance_invalide"


class ProtocolError(ValueError):
    """A value that the protocol cannot key (the message never contains the value)."""


@lru_cache(maxsize=1)
def _translation_table() -> dict[int, str]:
    with LETTER_MAP_FILE.open(encoding="utf-8", newline="") as handle:
        return {ord(row["caractere"]): row["lettres"] for row in csv.DictReader(handle)}


def normalise_name(value: str | None) -> str | None:
    """Section 1: NFKD, fold, drop marks, upper-case, keep A-Z. Empty gives None."""
    if value is None or (isinstance(value, float) and value != value):  # None or NaN
        return None
    result = _NOT_A_TO_Z.sub("", str(value).translate(_translation_table()))
    return result or None


def surname(nom_naissance: str | None, nom_usage: str | None) -> str | None:
    """Section 1, rule 1: the birth name where it normalises to something, else the usage name."""
    return normalise_name(nom_naissance) or normalise_name(nom_usage)


def parse_birth_date(value: str | date | None, formats: Sequence[str]) -> date:
    """Section 2: read a date with the declared formats; never guess between two readings."""
    if value is None or (isinstance(value, float) and value != value):
        raise ProtocolError(REASON_NO_BIRTH_DATE)
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if not text:
        raise ProtocolError(REASON_NO_BIRTH_DATE)
    readings = set()
    for fmt in formats:
        try:
            readings.add(datetime.strptime(text, fmt).date())
        except ValueError:
            continue
    if len(readings) != 1:
        raise ProtocolError(REASON_BAD_BIRTH_DATE)
    return readings.pop()


def format_birth_date(value: date) -> str:
    """JJMMAAAA, e.g. 31122002."""
    return f"{value.day:02d}{value.month:02d}{value.year:04d}"


def format_birth_month(value: date) -> str:
    """MMAAAA, the secondary key's date part, e.g. 122002."""
    return f"{value.month:02d}{value.year:04d}"


def digest(message: str, key: bytes | None = None) -> str:
    """SHA-256 (or HMAC-SHA-256 with `key`) of the ASCII message, 64 lower-case hex digits."""
    data = message.encode("ascii")
    if key is None:
        return hashlib.sha256(data).hexdigest()
    return hmac.new(key, data, hashlib.sha256).hexdigest()


def primary_key(
    nom: str | None,
    prenom: str | None,
    date_naissance: date | None,
    *,
    nom_naissance: str | None = None,
    key: bytes | None = None,
) -> str | None:
    """Section 3: SHA-256 of NOM + PRENOM + JJMMAAAA; None when a part is missing."""
    name, first = surname(nom_naissance, nom), normalise_name(prenom)
    if name is None or first is None or date_naissance is None:
        return None
    return digest(name + first + format_birth_date(date_naissance), key)


def secondary_key(
    nom: str | None,
    date_naissance: date | None,
    *,
    nom_naissance: str | None = None,
    key: bytes | None = None,
) -> str | None:
    """Section 3: SHA-256 of NOM + MM + AAAA; None when a part is missing."""
    name = surname(nom_naissance, nom)
    if name is None or date_naissance is None:
        return None
    return digest(name + format_birth_month(date_naissance), key)


def key_from_environment() -> bytes:
    """The HMAC secret from PIPASE_HASH_KEY; a clear error when it is unset or empty."""
    secret = os.environ.get(HASH_KEY_ENV, "")
    if not secret:
        raise ProtocolError(
            f"the keyed variant needs the secret in the environment variable {HASH_KEY_ENV}, "
            "which is not set"
        )
    return secret.encode("utf-8")


def hmac_pads(key: bytes) -> tuple[bytes, bytes]:
    """The inner and outer padded keys of HMAC-SHA-256 (RFC 2104), for the SQL implementation."""
    if len(key) > _BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(_BLOCK, b"\0")
    return bytes(b ^ 0x36 for b in key), bytes(b ^ 0x5C for b in key)


def set_hmac_key(
    connection: duckdb.DuckDBPyConnection, key: bytes | None, name: str = "pipase_hmac"
) -> None:
    """Make the keyed variant available to SQL on this connection, never in the SQL text.

    The macro `hash_message` reads the pads with getvariable(); without a key they are NULL and
    the keyed variant fails with a clear error instead of hashing without the key.
    """
    if key is None:
        connection.execute(f"set variable {name}_ipad = null::blob")
        connection.execute(f"set variable {name}_opad = null::blob")
        return
    inner, outer = hmac_pads(key)
    connection.execute(f"set variable {name}_ipad = ?::blob", [inner])
    connection.execute(f"set variable {name}_opad = ?::blob", [outer])


_DIGEST_SQL = "select sha256(message) as digest from messages"
_HMAC_SQL = (
    "select sha256(getvariable('pipase_hmac_opad') "
    "|| unhex(sha256(getvariable('pipase_hmac_ipad') || encode(message)))) as digest "
    "from messages"
)


def digest_many(messages: Iterable[str | None], key: bytes | None = None) -> list[str | None]:
    """Digest a column of messages set-based in DuckDB (None stays None), in input order."""
    frame = pd.DataFrame({"message": pd.Series(list(messages), dtype="string")})
    connection = duckdb.connect()
    try:
        connection.register("messages", frame)
        if key is None:
            result = connection.execute(_DIGEST_SQL).df()
        else:
            set_hmac_key(connection, key)
            result = connection.execute(_HMAC_SQL).df()
    finally:
        connection.close()
    return [None if pd.isna(v) else v for v in result["digest"]]


@dataclass(frozen=True)
class KeyColumns:
    """Names of the identifying columns of a partner's file."""

    nom: str
    prenom: str
    date_naissance: str
    nom_naissance: str | None = None


def normalise_series(values: pd.Series) -> pd.Series:
    """Normalise a column, once per distinct value."""
    distinct = values.dropna().unique()
    mapping = {value: normalise_name(value) for value in distinct}
    return values.map(mapping).astype("string")


def compute_keys(
    frame: pd.DataFrame,
    columns: KeyColumns,
    date_formats: Sequence[str],
    key: bytes | None = None,
) -> pd.DataFrame:
    """Primary key, secondary key and the reason for a missing key, one row per input row."""
    usage = normalise_series(frame[columns.nom])
    if columns.nom_naissance:
        name = normalise_series(frame[columns.nom_naissance]).fillna(usage)
    else:
        name = usage
    first = normalise_series(frame[columns.prenom])

    raw_dates = frame[columns.date_naissance]
    parsed: dict[object, date | str] = {}
    for value in raw_dates.dropna().unique():
        try:
            parsed[value] = parse_birth_date(value, date_formats)
        except ProtocolError as error:
            parsed[value] = str(error)
    dates = raw_dates.map(parsed)
    is_date = dates.map(lambda v: isinstance(v, date))
    day_part = dates.map(lambda v: format_birth_date(v) if isinstance(v, date) else None)
    month_part = dates.map(lambda v: format_birth_month(v) if isinstance(v, date) else None)

    primary_message = name + first + day_part.astype("string")
    secondary_message = name + month_part.astype("string")
    primary = digest_many(primary_message.tolist(), key)
    secondary = digest_many(secondary_message.tolist(), key)

    reason = pd.Series(pd.NA, index=frame.index, dtype="string")
    reason = reason.mask(~is_date, dates.where(~is_date).fillna(REASON_NO_BIRTH_DATE))
    reason = reason.mask(is_date & first.isna(), REASON_NO_FIRST_NAME)
    reason = reason.mask(name.isna(), REASON_NO_SURNAME)
    return pd.DataFrame(
        {
            "cle_hachage": pd.array(primary, dtype="string"),
            "cle_hachage_secondaire": pd.array(secondary, dtype="string"),
            "motif_sans_cle": reason,
        },
        index=frame.index,
    )
