"""The hashing protocol (annex 1 of the convention, closed by docs/protocole_hachage.md).

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
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipase.connection_secrets import (  # noqa: F401 (re-exported)
    CODE_KEY_ENV,
    HASH_KEY_ENV,
    hmac_pads,
    set_hmac_key,
)
from pipase.paths import PROTOCOL_DATA_DIR

LETTER_MAP_FILE = PROTOCOL_DATA_DIR / "ref_letter_map.csv"
_NOT_A_TO_Z = re.compile("[^A-Z]+")

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


def _normalise_distinct(values: Iterable[object]) -> list[str | None]:
    """normalise_name of each value (the scalar path, for values that are not all text)."""
    return [normalise_name(value) for value in values]


def _normalise_distinct_arrow(values: pa.Array) -> pa.Array:
    """normalise_name of each text value, set-based; empty results become null.

    For ASCII text the letter map only upper-cases a-z (no other ASCII character gives letters),
    so Arrow's upper() then removing everything outside A-Z gives the same result in C++; only
    the other values (accents, ligatures, other scripts) go through the letter map in Python.
    """
    values = values.cast(pa.string())
    is_ascii = pc.fill_null(pc.string_is_ascii(values), True)
    result = pc.replace_substring_regex(pc.utf8_upper(values), pattern="[^A-Z]+", replacement="")
    other = pc.invert(is_ascii)
    if pc.any(other).as_py():
        table = _translation_table()
        keep = _NOT_A_TO_Z.sub
        replacements = [
            keep("", value.translate(table)) for value in pc.filter(values, other).to_pylist()
        ]
        result = pc.replace_with_mask(result, other, pa.array(replacements, type=pa.string()))
    return pc.if_else(pc.equal(result, ""), pa.scalar(None, pa.string()), result)


def _codes_and_uniques(values: pd.Series) -> tuple[np.ndarray, list[object] | pd.Index]:
    """Codes (-1 for a missing value) and the distinct values."""
    return pd.factorize(values, use_na_sentinel=True)


def _take(distinct: pa.Array, codes: np.ndarray) -> pa.Array:
    """distinct[code] for each code; null where the code is -1 (a missing value)."""
    return pc.take(distinct, pa.array(codes, mask=codes < 0))


def _normalise_arrow(values: pd.Series) -> pa.Array:
    """The column normalised once per distinct value, as an Arrow string array."""
    codes, uniques = _codes_and_uniques(values)
    try:
        distinct = pa.array(uniques, type=pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # not all text: the scalar path, str(value)
        distinct = pa.array(_normalise_distinct(list(uniques)), type=pa.string())
    else:
        distinct = _normalise_distinct_arrow(distinct)
    return _take(distinct, codes)


def _as_series(values: pa.Array, index: pd.Index, name=None) -> pd.Series:
    return pd.Series(
        pd.arrays.ArrowStringArray(pa.chunked_array([values], type=pa.string())),
        index=index,
        name=name,
    )


def normalise_series(values: pd.Series) -> pd.Series:
    """Normalise a column, once per distinct value."""
    return _as_series(_normalise_arrow(values), values.index, values.name)


_PAIR_DIGEST_SQL = "select sha256(primaire) as primaire, sha256(secondaire) as secondaire from m"
_PAIR_HMAC_SQL = "select {p} as primaire, {s} as secondaire from m".format(
    **{
        column[0]: "sha256(getvariable('pipase_hmac_opad') || unhex(sha256("
        f"getvariable('pipase_hmac_ipad') || encode({column}))))"
        for column in ("primaire", "secondaire")
    }
)


# DuckDB scans an Arrow table one record batch per task: one 1,000,000-row batch is hashed by
# one thread; batches of this size let every core work (and cost less CPU even on one core:
# 1M rows, 2.3-2.9 s -> 1.7-1.9 s measured with the second core busy). Order is preserved.
_DIGEST_BATCH_ROWS = 65_536


def _digest_pair(primary: pa.Array, secondary: pa.Array, key: bytes | None) -> pa.Table:
    """Both keys' digests in one set-based DuckDB pass over Arrow columns, in input order."""
    messages = pa.table({"primaire": primary, "secondaire": secondary})
    batches = pa.Table.from_batches(
        messages.to_batches(max_chunksize=_DIGEST_BATCH_ROWS), schema=messages.schema
    )
    connection = duckdb.connect()
    try:
        connection.register("m", batches)
        if key is None:
            return connection.execute(_PAIR_DIGEST_SQL).to_arrow_table()
        set_hmac_key(connection, key)
        return connection.execute(_PAIR_HMAC_SQL).to_arrow_table()
    finally:
        connection.close()


def compute_keys(
    frame: pd.DataFrame,
    columns: KeyColumns,
    date_formats: Sequence[str],
    key: bytes | None = None,
) -> pd.DataFrame:
    """Primary key, secondary key and the reason for a missing key, one row per input row."""
    name = _normalise_arrow(frame[columns.nom])
    if columns.nom_naissance:
        name = pc.coalesce(_normalise_arrow(frame[columns.nom_naissance]), name)
    first = _normalise_arrow(frame[columns.prenom])

    # Birth dates: parsed and formatted once per distinct value, spread back by code.
    codes, uniques = _codes_and_uniques(frame[columns.date_naissance])
    day_parts: list[str | None] = []
    month_parts: list[str | None] = []
    reasons: list[str | None] = []
    for value in uniques:
        try:
            born = parse_birth_date(value, date_formats)
        except ProtocolError as error:
            day_parts.append(None)
            month_parts.append(None)
            reasons.append(str(error))
        else:
            day_parts.append(format_birth_date(born))
            month_parts.append(format_birth_month(born))
            reasons.append(None)
    day = _take(pa.array(day_parts, type=pa.string()), codes)
    month = _take(pa.array(month_parts, type=pa.string()), codes)
    reason = _take(pa.array(reasons, type=pa.string()), codes)
    reason = pc.if_else(pc.less(pa.array(codes), 0), REASON_NO_BIRTH_DATE, reason)

    digests = _digest_pair(
        pc.binary_join_element_wise(name, first, day, ""),
        pc.binary_join_element_wise(name, month, ""),
        key,
    )

    is_date = pc.is_valid(day)
    reason = pc.if_else(pc.and_(is_date, pc.is_null(first)), REASON_NO_FIRST_NAME, reason)
    reason = pc.if_else(pc.is_null(name), REASON_NO_SURNAME, reason)
    return pd.DataFrame(
        {
            "cle_hachage": _as_series(digests.column("primaire").combine_chunks(), frame.index),
            "cle_hachage_secondaire": _as_series(
                digests.column("secondaire").combine_chunks(), frame.index
            ),
            "motif_sans_cle": _as_series(reason, frame.index),
        },
        index=frame.index,
    )
