"""The hashing protocol: annex 1 of the convention and the rules that close it
(docs/protocole_hachage.md, whose section numbers the comments cite).

Standard library only: the partners' kit (`pipase hash`, installed alone with `pip install
pipase`) and the dbt-duckdb plugin import it. Each rule is stated once, as a scalar function
(`normalise_name`, `parse_birth_date`, `primary_key`, ...); the kit's streaming engine
(`pipase.kit.keys`) calls these once per distinct value and hashes with `hashlib`.

Normalisation uses the letter map `protocol_data/ref_letter_map.csv` (generated from Unicode by
`scripts/generate_letter_map.py`), the same table that the SQL macros read as the dbt seed
`ref_letter_map`, so that SQL and Python cannot drift apart.

`compute_keys`, `KeyColumns`, `normalise_series` and `digest_many` (pandas in, pandas out) live
in `pipase.protocol_frames` (the `pipeline` extra) and are still reachable here by name, imported
on first use.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import os
import re
from collections.abc import Sequence
from datetime import date, datetime
from functools import lru_cache

from pipase.connection_secrets import (  # noqa: F401 (re-exported)
    CODE_KEY_ENV,
    HASH_KEY_ENV,
    hmac_pads,
    set_hmac_key,
)
from pipase.errors import PipaseError
from pipase.i18n import _
from pipase.paths import PROTOCOL_DATA_DIR

LETTER_MAP_FILE = PROTOCOL_DATA_DIR / "ref_letter_map.csv"
_NOT_A_TO_Z = re.compile("[^A-Z]+")

# Reasons a row gets no key (column motif_sans_cle), shared with the SQL macro unkeyable_reason.
REASON_NO_SURNAME = "nom_vide"
REASON_NO_FIRST_NAME = "prenom_vide"
REASON_NO_BIRTH_DATE = "date_naissance_absente"
REASON_BAD_BIRTH_DATE = "date_naissance_invalide"


class ProtocolError(PipaseError, ValueError):
    """A value that the protocol cannot key (the message never contains the value).

    Raised by `parse_birth_date` with one of the REASON_* codes as its message (the kit writes
    it in `motif_sans_cle`), and by `key_from_environment` when the secret is missing.
    """


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


# Every ASCII byte but A-Z: what normalised_bytes deletes after upper-casing ASCII text.
_ASCII_NOT_A_TO_Z = bytes(c for c in range(128) if not 65 <= c <= 90)


def normalised_bytes(value: object) -> bytes:
    """normalise_name(value) as ASCII bytes, b"" where it gives None: the kit's path, once per
    distinct value. For ASCII text the letter map only upper-cases a-z (it gives no letter for
    any other ASCII character), so upper-casing the bytes and deleting everything outside A-Z
    is the same rule, done in C; any other text goes through normalise_name."""
    if value is None or (isinstance(value, float) and value != value):
        return b""
    text = value if isinstance(value, str) else str(value)
    if text.isascii():
        return text.encode("ascii").upper().translate(None, _ASCII_NOT_A_TO_Z)
    result = normalise_name(text)
    return result.encode("ascii") if result else b""


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
            _(
                "the keyed variant needs the secret in the environment variable {variable}, "
                "which is not set"
            ).format(variable=HASH_KEY_ENV),
            rule="missing_secret",
        )
    return secret.encode("utf-8")


# Names kept here for the callers of the vectorised path (bench, scripts): imported on first use,
# so that importing this module never imports pandas.
_FRAME_NAMES = ("compute_keys", "KeyColumns", "normalise_series", "digest_many")


def __getattr__(name: str):
    if name in _FRAME_NAMES:
        from pipase import protocol_frames

        return getattr(protocol_frames, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
