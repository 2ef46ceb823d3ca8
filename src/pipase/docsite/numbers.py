"""Numbers written the French way: a narrow no-break space between thousands, a decimal comma.

The committee's site (:mod:`pipase.docsite.build`) and `pipase bench`'s French tables use
them. No dependency beyond the standard library, so that a pipeline-only install can import it.
"""

from __future__ import annotations

import math


def fr_int(value) -> str:
    if value is None:
        return "—"
    return f"{int(value):,}".replace(",", "\u202f")


def fr_num(value, decimals: int = 1, scientific_from: float = 1e9) -> str:
    """`decimals` after the comma; from `scientific_from` on, a mantissa and a power of ten."""
    if value is None:
        return "—"
    number = float(value)
    if math.isnan(number):
        return "—"
    if abs(number) >= scientific_from:
        exponent = math.floor(math.log10(abs(number)))
        mantissa = f"{number / 10**exponent:.1f}".replace(".", ",")
        digits = str(exponent).translate(str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹"))
        return f"{mantissa} × 10{digits}"
    return f"{number:,.{decimals}f}".replace(",", "\u202f").replace(".", ",")
