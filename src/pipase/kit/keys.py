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
from itertools import compress
from operator import not_

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
    names: list[list[bytes]]  # the batch's names, normalised (the file's own names)


def empty_positions(values: Sequence) -> list[int]:
    """Indices of the empty (false) values, selected in C (itertools.compress)."""
    return list(compress(range(len(values)), map(not_, values)))


class KeyEngine:
    """Keys of the protocol (plain SHA-256, or HMAC-SHA-256 with `key`) batch after batch."""

    def __init__(
        self, date_formats: Sequence[str], key: bytes | None = None, *, text_only: bool = False
    ) -> None:
        self.date_formats = list(date_formats)
        self.key = key
        self.text_only = text_only  # every value is a str without line break (a CSV)
        self._names: dict[object, bytes] = {}
        # JJMMAAAA, MMAAAA, reason, AAAA-MM of each distinct birth date value
        self._dates_cache: dict[object, tuple[bytes, bytes, str, str]] = {}

    def _normalised(self, values: Sequence[object]) -> list[bytes]:
        """normalised_bytes of each value.

        Text from a CSV (`text_only`): the whole column is upper-cased and stripped of
        everything outside A-Z in a few C-level operations on its bytes (for ASCII text that is
        the protocol's rule, see protocol.normalised_bytes); values with other characters are
        then normalised once per distinct value through the cache. Otherwise (XLSX cells of any
        type) every distinct value goes through the cache."""
        if self.text_only and values:
            joined = "\n".join(values)
            result = (
                joined.encode("ascii", "replace")  # one "?" per other character: deleted below
                .upper()
                .translate(None, _ASCII_NOT_A_TO_Z_NOR_NEWLINE)
                .split(b"\n")
            )
            if not joined.isascii():
                others = empty_positions(list(map(str.isascii, values)))
                patched = self._cached([values[i] for i in others])
                for index, value in zip(others, patched, strict=True):
                    result[index] = value
            return result
        return self._cached(values)

    def _cached(self, values: Sequence[object]) -> list[bytes]:
        """normalised_bytes of each value, computed once per distinct value."""
        cache = self._names
        if len(cache) > CACHE_LIMIT:
            cache.clear()
        for value in set(values).difference(cache):
            cache[value] = normalised_bytes(value)
        return list(map(cache.__getitem__, values))

    def _dates(
        self, values: Sequence[object], with_months: bool = True
    ) -> tuple[list, list, list, list]:
        """JJMMAAAA, MMAAAA (bytes), the reason ("" when read) and AAAA-MM (when
        `with_months`, else []) of each value; each distinct value parsed once."""
        cache = self._dates_cache
        if len(cache) > CACHE_LIMIT:
            cache.clear()
        distinct = list(set(values))
        for value in set(distinct).difference(cache):
            try:
                born = parse_birth_date(value, self.date_formats)
            except ProtocolError as error:
                cache[value] = (b"", b"", error.message, "")
            else:
                cache[value] = (
                    format_birth_date(born).encode("ascii"),
                    format_birth_month(born).encode("ascii"),
                    "",
                    f"{born.year:04d}-{born.month:02d}",
                )
        # each row's position among the batch's distinct values, then one list per part
        codes = list(map({v: i for i, v in enumerate(distinct)}.__getitem__, values))
        entries = list(map(cache.__getitem__, distinct))
        parts = []
        for part in range(4 if with_months else 3):
            by_code = [entry[part] for entry in entries]
            parts.append(list(map(by_code.__getitem__, codes)))
        if not with_months:
            parts.append([])
        return tuple(parts)

    def batch(
        self,
        nom: Sequence[object],
        prenom: Sequence[object],
        date_naissance: Sequence[object],
        nom_naissance: Sequence[object] | None = None,
        *,
        with_months: bool = True,
    ) -> BatchKeys:
        """Keys of one batch; the four sequences have one value per row (None or "" = empty)."""
        names = self._normalised(nom)
        name_lists = [names]
        if nom_naissance is not None:  # section 1, rule 1: the birth name where it has letters
            birth = self._normalised(nom_naissance)
            name_lists.append(birth)
            names = list(names)
            for index in compress(range(len(birth)), birth):  # the rows with a birth name
                names[index] = birth[index]
        firsts = self._normalised(prenom)
        name_lists.append(firsts)
        days, months, reasons, year_months = self._dates(date_naissance, with_months)
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
        # nom_vide first, then the birth date's reason, then prenom_vide (as the SQL macro);
        # unkeyable rows are few: start from the dates' reasons and patch the others
        reason = list(reasons)
        for index in empty_positions(firsts):
            if not reason[index]:
                reason[index] = REASON_NO_FIRST_NAME
        for index in empty_positions(names):
            reason[index] = REASON_NO_SURNAME
        return BatchKeys(primary, secondary, reason, year_months, name_lists)
