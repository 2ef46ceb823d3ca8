"""The protocol's keys for pandas columns (the `pipeline` extra): the kit's engine, framed.

`compute_keys(frame, KeyColumns(...), formats)` gives one row per input row with
`cle_hachage`, `cle_hachage_secondaire` and `motif_sans_cle` (missing values as NA), through
the same engine as `pipase hash` (`pipase.kit.keys.KeyEngine`): one implementation of the
protocol in Python. Reachable as `pipase.protocol.compute_keys` too.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd

from pipase import protocol
from pipase.kit.keys import KeyEngine

_TEXT = "string[pyarrow]"


@dataclass(frozen=True)
class KeyColumns:
    """Names of the identifying columns of a partner's file."""

    nom: str
    prenom: str
    date_naissance: str
    nom_naissance: str | None = None


def _values(series: pd.Series) -> list[object]:
    """The column's values, a missing one (None, NaN, NA) as None."""
    return [None if v is None or v is pd.NA or v != v else v for v in series.tolist()]


def _text(series: pd.Series) -> list[str]:
    """A name column as text, "" for a missing value (the engine's CSV path)."""
    return ["" if v is None else str(v) for v in _values(series)]


def _key_series(values: Sequence[str], index: pd.Index) -> pd.Series:
    return pd.Series(pd.array([v or None for v in values], dtype=_TEXT), index=index)


def compute_keys(
    frame: pd.DataFrame,
    columns: KeyColumns,
    date_formats: Sequence[str],
    key: bytes | None = None,
) -> pd.DataFrame:
    """Primary key, secondary key and the reason for a missing key, one row per input row."""
    names = [_text(frame[c]) for c in (columns.nom, columns.prenom, columns.nom_naissance) if c]
    one_line = all("\n" not in "".join(values) for values in names)
    keys = KeyEngine(date_formats, key, text_only=one_line).batch(
        names[0],
        names[1],
        _values(frame[columns.date_naissance]),
        names[2] if columns.nom_naissance else None,
    )
    return pd.DataFrame(
        {
            "cle_hachage": _key_series(keys.primary, frame.index),
            "cle_hachage_secondaire": _key_series(keys.secondary, frame.index),
            "motif_sans_cle": _key_series(keys.reason, frame.index),
        },
        index=frame.index,
    )


def normalise_series(values: pd.Series) -> pd.Series:
    """Normalise a column, once per distinct value."""
    distinct = {v: protocol.normalise_name(v) for v in set(_values(values))}
    return pd.Series(
        pd.array([distinct[v] for v in _values(values)], dtype=_TEXT),
        index=values.index,
        name=values.name,
    )


def digest_many(messages: Iterable[str | None], key: bytes | None = None) -> list[str | None]:
    """Digest each message (None stays None), in input order."""
    return [None if m is None else protocol.digest(m, key) for m in messages]
