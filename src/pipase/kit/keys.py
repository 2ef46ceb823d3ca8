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


@dataclass
class BatchKeys:
    """One batch's keys, reasons and birth months, one entry per row ("" when none)."""

    primary: list[str]
    secondary: list[str]
    reason: list[str]
    month: list[str]  # AAAA-MM, for --mois-naissance
    new_names: set  # the distinct raw name values first seen in this batch


class KeyEngine:
    """Keys of the protocol (plain SHA-256, or HMAC-SHA-256 with `key`) batch after batch."""

    def __init__(self, date_formats: Sequence[str], key: bytes | None = None) -> None:
        self.date_formats = list(date_formats)
        self.key = key
        self._names: dict[object, bytes] = {}
        self._days: dict[object, bytes] = {}
        self._months: dict[object, bytes] = {}
        self._reasons: dict[object, str] = {}
        self._year_months: dict[object, str] = {}

    def _normalised(self, values: Sequence[object], new: set) -> list[bytes]:
        cache = self._names
        if len(cache) > CACHE_LIMIT:
            cache.clear()
        missing = set(values).difference(cache)
        for value in missing:
            cache[value] = normalised_bytes(value)
        new |= missing
        return list(map(cache.__getitem__, values))

    def _dates(self, values: Sequence[object]) -> tuple[list, list, list, list]:
        days, months, reasons, year_months = (
            self._days,
            self._months,
            self._reasons,
            self._year_months,
        )
        if len(days) > CACHE_LIMIT:
            for cache in (days, months, reasons, year_months):
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
        return (
            list(map(days.__getitem__, values)),
            list(map(months.__getitem__, values)),
            list(map(reasons.__getitem__, values)),
            list(map(year_months.__getitem__, values)),
        )

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
            mac = hmac.digest
            primary = [
                mac(key, n + f + d, "sha256").hex() if n and f and d else ""
                for n, f, d in zip(names, firsts, days, strict=True)
            ]
            secondary = [
                mac(key, n + m, "sha256").hex() if n and m else ""
                for n, m in zip(names, months, strict=True)
            ]
        # nom_vide first, then the birth date's reason, then prenom_vide (as the SQL macro)
        reason = [
            REASON_NO_SURNAME if not n else (r or ("" if f else REASON_NO_FIRST_NAME))
            for n, f, r in zip(names, firsts, reasons, strict=True)
        ]
        return BatchKeys(primary, secondary, reason, year_months, new)
