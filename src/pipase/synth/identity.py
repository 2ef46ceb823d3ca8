"""How each source writes a person's identity, with planted variants and errors.

Harmless variants (the protocol's normalisation must absorb them) are planted in every source,
the ASE included: case, accents, apostrophes, spaces, ligatures spelt out. Errors that change
the keys (first-name typos, day of birth off or swapped with the month, compound surname cut,
birth name missing while the usage name differs, another birth date for an MNA) are planted
only in the sources other than the ASE, and only on ASE youths, so that the ground truth says
exactly which links a perfect linkage can and cannot make.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from pipase.synth import names as nm
from pipase.synth.parameters import IDENTITY
from pipase.synth.population import Population
from pipase.synth.util import Tags, from_ymd, map_unique, pick, ymd


def _upper(text: str) -> str:
    return text.replace("ß", "\0").upper().replace("\0", "ß")


def _same(text: str) -> str:
    return text


def _upper_fold(text: str) -> str:
    return nm.fold_ascii(text).upper()


@dataclass(frozen=True)
class Style:
    surname: Callable[[str], str]
    first: Callable[[str], str]
    birth_name_empty: float  # share of rows whose birth-name column is empty
    errors: bool  # key-changing errors planted in this source


STYLES = {
    "iodas_ase": Style(_upper, _same, 0.08, False),
    "webrsa": Style(_upper_fold, _upper_fold, 0.06, True),
    "nova_dpas": Style(nm.title_name, _same, 0.45, True),
    "iodas_dpas": Style(_upper, _same, 0.35, True),
    "iodas_mdph": Style(_upper, _same, 0.15, True),
}

# Rates of planted difficulties (share of eligible rows): IDENTITY in synth/parameters.py.
# Harder, real-world error classes (`pipase synth --difficile`): synth/parameters.py.
HARD_RATES = IDENTITY.hard_rates
# The two birth-date classes of HARD_RATES are written by the writer (the identity keeps the
# true date): the loader's rule each one breaks in the birth-date column, which the contracts
# declare `if_invalid: empty` (the row is loaded with the date empty and its reason).
BIRTH_DATE_ERRORS = {"birth_date_missing": "required", "birth_date_impossible": "date_impossible"}
_HARD = {"enabled": False}


def set_hard_errors(enabled: bool) -> None:
    """Plant (or not) the harder error classes of HARD_RATES in the next renderings."""
    _HARD["enabled"] = bool(enabled)


# spelling variants of the same name (transliterations), tried in order: the first rule whose
# pattern occurs in the upper-case surname gives the variant
TRANSLITERATIONS = (
    ("MOHAMMED", "MUHAMMAD"),
    ("MOHAMED", "MOHAMMED"),
    ("MUHAMMAD", "MOHAMED"),
    ("OUS", "US"),
    ("OU", "U"),
    ("PH", "F"),
    ("TH", "T"),
    ("Y", "I"),
    ("EE", "I"),
    ("KH", "H"),
    ("DJ", "J"),
    ("SS", "S"),
    ("LL", "L"),
    ("É", "E"),
)

_SURNAME_PARTICLE = re.compile(
    r"^(?:(?:[DL]\s*['’]\s*)|(?:(?:DE LA|DE|DU|DES|LE|LA|EL|AL|BEN|VAN|VON|DI|DA|DOS)[ \-]))+", re.I
)


def transliterated(text: str) -> str | None:
    upper = text.upper()
    for pattern, variant in TRANSLITERATIONS:
        at = upper.find(pattern)
        if at >= 0:
            new = (
                text[:at]
                + (variant if text[at : at + len(pattern)].isupper() else variant.lower())
                + text[at + len(pattern) :]
            )
            return new if new != text else None
    return None


def without_particle(text: str) -> str | None:
    new = _SURNAME_PARTICLE.sub("", text).strip()
    return new if new and new != text else None


def first_part(text: str) -> str | None:
    parts = [p for p in re.split(r"[\s\-]+", text.strip()) if p]
    return parts[0] if len(parts) > 1 else None


def nickname(text: str) -> str | None:
    letters = text.strip()
    return letters[:4] if len(letters) >= 7 and letters[:4].isalpha() else None


def surname_typo(text: str, rng: np.random.Generator) -> str | None:
    pos = [i for i, c in enumerate(text) if c.isalpha()]
    if len(pos) < 4:
        return None
    i = pos[1 + int(rng.integers(len(pos) - 1))]
    kind = int(rng.integers(3))
    if kind == 0:
        letters = "AEIOURSTNLMDC"
        c = letters[int(rng.integers(len(letters)))]
        c = c if text[i].isupper() else c.lower()
        return text[:i] + c + text[i + 1 :] if c.upper() != text[i].upper() else None
    if kind == 1:
        return text[:i] + text[i + 1 :]
    return text[:i] + text[i] + text[i:]


@dataclass
class Identity:
    nom_usage: np.ndarray
    nom_naissance: np.ndarray
    prenom: np.ndarray
    prenom2: np.ndarray
    birth: np.ndarray
    tags: Tags


def _styled(values: np.ndarray, fn: Callable[[str], str]) -> np.ndarray:
    return map_unique(values, lambda v: fn(v) if v else "")


def _where(values: np.ndarray, rows: np.ndarray, test: Callable[[str], bool]) -> np.ndarray:
    """The rows whose value passes `test` (evaluated once per distinct value)."""
    flags = map_unique(values[rows], lambda v: bool(test(v))).astype(bool)
    return rows[flags]


def _normalised(text: str) -> str | None:
    from pipase.protocol import normalise_name

    return normalise_name(text)


def render_identity(
    rng: np.random.Generator,
    pop: Population,
    source: str,
    person: np.ndarray,
    child_row: np.ndarray | None = None,
) -> Identity:
    """Identity columns of `person` rows as `source` writes them. `child_row` marks rows where
    the person was recorded as a child (birth name only, no married name)."""
    style = STYLES[source]
    n = person.size
    tags = Tags(n)
    if child_row is None:
        child_row = np.zeros(n, dtype=bool)
    nom_n = pop.nom[person].copy()
    nom_u = np.where(child_row, nom_n, pop.nom_usage[person]).astype(object)
    prenom = pop.prenom[person].copy()
    prenom2 = pop.prenom2[person].copy()
    birth = pop.birth[person].copy()
    canary = pop.is_canary[person]
    free = ~canary  # rows that may carry variants

    # ---- key-changing errors, other sources only, on ASE youths
    if style.errors:
        target = np.flatnonzero(pop.is_youth[person] & free)
        taken = np.zeros(n, dtype=bool)

        def take(eligible: np.ndarray, rate: float) -> np.ndarray:
            chosen = pick(rng, eligible[~taken[eligible]], rate)
            taken[chosen] = True
            return chosen

        for kind, fn in (
            ("first_name_typo_transposed", nm.typo_transposed),
            ("first_name_typo_dropped", nm.typo_dropped),
            ("first_name_typo_added", nm.typo_added),
        ):
            done = []
            for i in take(target, IDENTITY.typo):
                new = fn(prenom[i], rng)
                if new and _normalised(new) != _normalised(prenom[i]):
                    prenom[i] = new
                    done.append(i)
                else:
                    taken[i] = False
            tags.add(done, kind)
        y, m, d = ymd(birth)
        chosen = take(target, IDENTITY.day_off)
        if chosen.size:
            shift = rng.integers(1, 4, chosen.size) * np.where(rng.random(chosen.size) < 0.5, 1, -1)
            nd_ = d[chosen] + shift
            nd_ = np.where((nd_ < 1) | (nd_ > 28), d[chosen] - shift, nd_)
            nd_ = np.clip(nd_, 1, 28)
            same = nd_ == d[chosen]
            nd_[same] = np.where(d[chosen][same] < 28, d[chosen][same] + 1, 27)
            birth[chosen] = from_ymd(y[chosen], m[chosen], nd_)
            tags.add(chosen, "birth_day_off")
        swappable = target[(d[target] <= 12) & (d[target] != m[target])]
        chosen = take(swappable, IDENTITY.day_month_swap)
        if chosen.size:
            birth[chosen] = from_ymd(y[chosen], d[chosen], m[chosen])
            tags.add(chosen, "birth_day_month_swapped")
        compound = _where(nom_n, target, lambda s: ("-" in s) or (" " in s))
        chosen = take(compound, IDENTITY.compound)
        done = []
        for i in chosen:
            new = nm.compound_partial(nom_n[i], rng)
            if new:
                if nom_u[i] == nom_n[i]:
                    nom_u[i] = new
                nom_n[i] = new
                done.append(i)
        tags.add(done, "surname_compound_partial")
        mna = target[
            pop.is_mna[person[target]] & pop.birth_estimated[person[target]] & ~child_row[target]
        ]
        chosen = take(mna, IDENTITY.mna_date)
        if chosen.size:
            yy = ymd(birth[chosen])[0]
            birth[chosen] = from_ymd(
                yy, rng.integers(1, 13, chosen.size), rng.integers(2, 29, chosen.size)
            )
            tags.add(chosen, "mna_birth_date_differs")
        if source == "webrsa":
            has2 = target[prenom2[target] != ""]
            chosen = take(has2, IDENTITY.first_swap)
            prenom[chosen], prenom2[chosen] = prenom2[chosen].copy(), prenom[chosen].copy()
            tags.add(chosen, "first_names_swapped")
        if _HARD["enabled"]:
            _plant_hard(rng, target, take, nom_n, nom_u, prenom, prenom2, birth, tags)

    # ---- usage name and missing birth name
    differs = nom_u != nom_n
    empty = (rng.random(n) < style.birth_name_empty) & free
    tags.add(np.flatnonzero(differs & ~empty), "usage_name_differs")
    tags.add(np.flatnonzero(differs & empty), "birth_name_missing_usage_differs")
    tags.add(np.flatnonzero(~differs & empty), "birth_name_empty")

    # ---- source style
    s_nom_n = _styled(nom_n, style.surname)
    s_nom_u = _styled(nom_u, style.surname)
    s_prenom = _styled(prenom, style.first)
    s_prenom2 = _styled(prenom2, style.first)

    # ---- harmless variants (rendering only)
    def vary(rows: np.ndarray, kind: str, fn, on_first: bool) -> None:
        for i in rows:
            if on_first:
                s_prenom[i] = fn(s_prenom[i], rng)
            else:
                same = s_nom_n[i] == s_nom_u[i]
                s_nom_u[i] = fn(s_nom_u[i], rng)
                s_nom_n[i] = s_nom_u[i] if same else fn(s_nom_n[i], rng)
        tags.add(rows, kind)

    rows_free = np.flatnonzero(free)
    on_first = rng.random(n) < 0.4
    chosen = pick(rng, rows_free, IDENTITY.case)
    vary(chosen[on_first[chosen]], "case_variant", nm.variant_case, True)
    vary(chosen[~on_first[chosen]], "case_variant", nm.variant_case, False)
    accented_s = _where(s_nom_u, rows_free, nm.has_accent)
    accented_f = _where(s_prenom, rows_free, nm.has_accent)
    vary(pick(rng, accented_s, IDENTITY.accent), "accent_variant", nm.variant_accent, False)
    vary(pick(rng, accented_f, IDENTITY.accent), "accent_variant", nm.variant_accent, True)
    plain = np.setdiff1d(rows_free, accented_s)
    vary(
        pick(rng, plain, IDENTITY.accent_added, minimum=0),
        "accent_variant",
        nm.variant_accent,
        False,
    )
    apos = np.union1d(
        _where(s_nom_u, rows_free, nm.has_apostrophe), _where(s_nom_n, rows_free, nm.has_apostrophe)
    )
    vary(pick(rng, apos, IDENTITY.apostrophe), "apostrophe_variant", nm.variant_apostrophe, False)
    vary(pick(rng, rows_free, IDENTITY.space), "space_variant", nm.variant_space, False)
    lig = np.union1d(
        _where(s_nom_u, rows_free, nm.has_ligature), _where(s_nom_n, rows_free, nm.has_ligature)
    )
    vary(pick(rng, lig, IDENTITY.ligature), "ligature_variant", nm.variant_ligature, False)
    lig_f = _where(s_prenom, rows_free, nm.has_ligature)
    vary(pick(rng, lig_f, IDENTITY.ligature), "ligature_variant", nm.variant_ligature, True)

    s_nom_n[empty] = ""
    return Identity(s_nom_u, s_nom_n, s_prenom, s_prenom2, birth, tags)


def _plant_hard(rng, target, take, nom_n, nom_u, prenom, prenom2, birth, tags) -> None:
    """The harder error classes (HARD_RATES), each on rows no other error took."""

    def change(kind: str, eligible: np.ndarray, fn, on_surname: bool) -> None:
        done = []
        for i in take(eligible, HARD_RATES[kind]):
            value = nom_n[i] if on_surname else prenom[i]
            new = fn(value) if value else None
            if not new or _normalised(new) in (None, _normalised(value)):
                continue
            if on_surname:
                if nom_u[i] == nom_n[i]:
                    nom_u[i] = new
                nom_n[i] = new
            else:
                prenom[i] = new
            done.append(i)
        tags.add(done, kind)

    change("surname_typo", target, lambda v: surname_typo(v, rng), True)
    change(
        "surname_transliteration",
        _where(nom_n, target, lambda v: transliterated(v) is not None),
        transliterated,
        True,
    )
    change(
        "surname_particle_dropped",
        _where(nom_n, target, lambda v: without_particle(v) is not None),
        without_particle,
        True,
    )
    change(
        "first_name_compound_cut",
        _where(prenom, target, lambda v: first_part(v) is not None),
        first_part,
        False,
    )
    done = []
    for i in take(target, HARD_RATES["first_name_replaced"]):
        new = prenom2[i] if prenom2[i] and rng.random() < 0.6 else nickname(prenom[i])
        if new and _normalised(new) != _normalised(prenom[i]):
            prenom[i] = new
            done.append(i)
    tags.add(done, "first_name_replaced")
    done = []
    for i in take(target, HARD_RATES["names_swapped"]):
        if nom_n[i] and prenom[i] and nom_u[i] == nom_n[i]:
            nom_n[i], prenom[i] = prenom[i], nom_n[i]
            nom_u[i] = nom_n[i]
            done.append(i)
    tags.add(done, "names_swapped")
    for kind in BIRTH_DATE_ERRORS:  # written by writer.write_table, on the tagged rows
        tags.add(take(target, HARD_RATES[kind]), kind)
    day = ymd(birth[target])[2]
    chosen = take(target[day <= 28], HARD_RATES["birth_month_off"])
    if chosen.size:
        y, m, d = ymd(birth[chosen])
        step = np.where(rng.random(chosen.size) < 0.5, 1, -1)
        nm_ = m + step
        nm_ = np.where((nm_ < 1) | (nm_ > 12), m - step, nm_)
        birth[chosen] = from_ymd(y, nm_, np.minimum(d, 28))
        tags.add(chosen, "birth_month_off")
