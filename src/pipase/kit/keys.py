"""The kit's key engine: the protocol's keys for a batch of rows, standard library only.

Each distinct name is normalised once (`protocol.normalised_bytes`: `normalise_name` as
bytes), each distinct birth date parsed once (`protocol.parse_birth_date`), then both messages
of every row are built as ASCII bytes and hashed by `hashlib` (or `hmac.digest`) in one pass
over the batch. The caches are bounded: memory does not grow with the file. Byte-identical to
the scalar functions of `pipase.protocol` on every conformance vector (`pipase hash --verifier`).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

from pipase.protocol import (
    REASON_NO_FIRST_NAME,
    REASON_NO_SURNAME,
    ProtocolError,
    format_birth_date,
    format_birth_month,
    normalised_bytes,
    parse_birth_date,
)

CACHE_LIMIT = 1_000_000  # distinct values kept per cache before it is emptied
# What protocol.normalised_bytes deletes from upper-cased ASCII, keeping the line ends that
# separate the values of one batch.
_ASCII_NOT_A_TO_Z_NOR_NEWLINE = bytes(c for c in range(128) if not (65 <= c <= 90 or c == 10))


@dataclass
class BatchKeys:
    """One batch's keys, reasons and birth months, one entry per row ("" when none)."""

    primary: list[str]
    secondary: list[str]
    reason: list[str]
    month: Sequence[str]  # AAAA-MM, for --mois-naissance
    new_names: set[bytes]  # names (normalised) first seen in this batch: the file's own names


class KeyEngine:
    """Keys of the protocol (plain SHA-256, or HMAC-SHA-256 with `key`) batch after batch."""

    def __init__(self, date_formats: Sequence[str], key: bytes | None = None) -> None:
        self.date_formats = list(date_formats)
        self.key = key
        self._names: dict[object, bytes] = {}
        # JJMMAAAA, MMAAAA, reason, AAAA-MM of each distinct birth date value
        self._date_caches: tuple[dict, dict, dict, dict] = ({}, {}, {}, {})

    def _normalised(self, values: Sequence[object], new: set) -> list[bytes]:
        cache = self._names
        if len(cache) > CACHE_LIMIT:
            cache.clear()
        missing = set(values).difference(cache)
        text = [v for v in missing if type(v) is str and v.isascii() and "\n" not in v]
        if text:  # normalised_bytes of every ASCII value at once: one upper and one delete
            joined = "\n".join(text).encode("ascii").upper()
            normalised = joined.translate(None, _ASCII_NOT_A_TO_Z_NOR_NEWLINE).split(b"\n")
            cache.update(zip(text, normalised, strict=True))
            new.update(normalised)
            missing.difference_update(text)
        for value in missing:  # other scripts, accents, numbers, dates: one by one
            cache[value] = normalised_value = normalised_bytes(value)
            new.add(normalised_value)
        return list(map(cache.__getitem__, values))

    def _dates(self, values: Sequence[object]) -> tuple[list, list, list, list]:
        """JJMMAAAA, MMAAAA (bytes), the reason ("" when read) and AAAA-MM of each value."""
        days, months, reasons, year_months = self._date_caches
        if len(days) > CACHE_LIMIT:
            for cache in self._date_caches:
                cache.clear()
        for value in set(values).difference(days):
            try:
                born = parse_birth_date(value, self.date_formats)
            except ProtocolError as error:
                days[value], months[value], year_months[value] = b"", b"", ""
                reasons[value] = error.message
            else:
                days[value] = format_birth_date(born).encode("ascii")
                months[value] = format_birth_month(born).encode("ascii")
                year_months[value] = f"{born.year:04d}-{born.month:02d}"
                reasons[value] = ""
        # one C-level map per part (cheaper than unzipping tuples of a batch)
        return tuple(list(map(cache.__getitem__, values)) for cache in self._date_caches)

    def batch(
        self,
        nom: Sequence[object],
        prenom: Sequence[object],
        date_naissance: Sequence[object],
        nom_naissance: Sequence[object] | None = None,
    ) -> BatchKeys:
        """Keys of one batch; the four sequences have one value per row (None or "" = empty)."""
        new: set = set()
        names = self._normalised(nom, new)
        if nom_naissance is not None:  # section 1, rule 1: the birth name where it has letters
            birth = self._normalised(nom_naissance, new)
            names = [b or n for b, n in zip(birth, names, strict=True)]
        firsts = self._normalised(prenom, new)
        days, months, reasons, year_months = self._dates(date_naissance)
        # One comprehension per key: measured faster than chained C-level maps (the
        # comprehension's per-row work is what map(methodcaller("hexdigest")) costs anyway).
        key = self.key
        if key is None:
            sha = hashlib.sha256
            primary = [
                sha(n + f + d).hexdigest() if n and f and d else ""
                for n, f, d in zip(names, firsts, days, strict=True)
            ]
            secondary = [
                sha(n + m).hexdigest() if n and m else ""
                for n, m in zip(names, months, strict=True)
            ]
        else:
            mac = partial(hmac.digest, key, digest="sha256")
            primary = [
                mac(n + f + d).hex() if n and f and d else ""
                for n, f, d in zip(names, firsts, days, strict=True)
            ]
            secondary = [
                mac(n + m).hex() if n and m else "" for n, m in zip(names, months, strict=True)
            ]
        # nom_vide first, then the birth date's reason, then prenom_vide (as the SQL macro)
        reason = [
            REASON_NO_SURNAME if not n else (r or ("" if f else REASON_NO_FIRST_NAME))
            for n, f, r in zip(names, firsts, reasons, strict=True)
        ]
        return BatchKeys(primary, secondary, reason, year_months, new)
