"""Addresses, communes as sources write them, and the pool of placement organisations (the same
organisation receives many youths)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipase.synth import codes
from pipase.synth.util import day, weighted_index, zipf_weights

MERGER_DAY = day(2025, 1, 1)
PIERREFITTE, SAINT_DENIS = "93059", "93066"


class Geo:
    """Lookup of commune names and postal codes by INSEE code."""

    def __init__(self) -> None:
        self.c93 = codes.communes_93()
        self.out_home = codes.communes_out_home()
        self.out_place = codes.communes_out_placement()
        self.by_code = {}
        for c in self.out_place + self.out_home + self.c93:
            self.by_code[c.code] = c

    def name(self, code: str) -> str:
        return self.by_code[code].name

    def postal(self, code: str) -> str:
        return self.by_code[code].postal

    def dept(self, code: str) -> str:
        return self.by_code[code].dept

    def names(self, codes_: np.ndarray) -> np.ndarray:
        return np.array([self.by_code[c].name for c in codes_], dtype=object)

    def postals(self, codes_: np.ndarray) -> np.ndarray:
        return np.array([self.by_code[c].postal for c in codes_], dtype=object)


def at_date(codes_: np.ndarray, dates: np.ndarray) -> np.ndarray:
    """Commune code as written at a date: Pierrefitte-sur-Seine is Saint-Denis from 2025."""
    out = codes_.copy()
    out[(codes_ == PIERREFITTE) & (dates >= MERGER_DAY)] = SAINT_DENIS
    return out


def commune_as_written(
    rng: np.random.Generator, geo: Geo, codes_: np.ndarray, name_share: float
) -> np.ndarray:
    """A commune column that holds an INSEE code or, for a share of rows, the commune name."""
    out = codes_.astype(object).copy()
    use_name = rng.random(len(codes_)) < name_share
    idx = np.flatnonzero(use_name)
    out[idx] = geo.names(codes_[idx])
    return out


def street_parts(rng: np.random.Generator, n: int):
    """(number, index into STREET_TYPES, street name) arrays."""
    types = codes.STREET_TYPES
    t = weighted_index(rng, [x[2] for x in types], n)
    names = np.array(codes.STREET_NAMES, dtype=object)
    nm = names[rng.integers(0, names.size, n)]
    num = rng.integers(1, 180, n)
    bis = rng.random(n) < 0.06
    numvoie = np.array(
        [f"{a}{' bis' if b else ''}" for a, b in zip(num, bis, strict=True)], dtype=object
    )
    return numvoie, t, nm


def upper_parts(num: np.ndarray, typ: np.ndarray, street: np.ndarray):
    """The same address as WebRSA writes it (upper case, no accents)."""
    from pipase.synth.names import fold_ascii
    from pipase.synth.util import map_unique

    types = np.array([x[1] for x in codes.STREET_TYPES], dtype=object)
    return num, types[typ], map_unique(street, lambda x: fold_ascii(x).upper())


def street_addresses(rng: np.random.Generator, n: int, upper: bool = False):
    """(number, type of street, street name) arrays, in WebRSA's upper case if `upper`."""
    numvoie, t, nm = street_parts(rng, n)
    if upper:
        return upper_parts(numvoie, t, nm)
    types = np.array([x[0] for x in codes.STREET_TYPES], dtype=object)
    return numvoie, types[t], nm


def address_lines(rng: np.random.Generator, n: int) -> np.ndarray:
    numvoie, typ, nm = street_addresses(rng, n)
    return np.array(
        [f"{a} {b} {c}" for a, b, c in zip(numvoie, typ, nm, strict=True)], dtype=object
    )


# ------------------------------------------------------------------------- organisations

_ASSOCIATIONS = [
    "Fondation d'Auteuil",
    "Association Jean Cotxet",
    "Sauvegarde de l'enfance 93",
    "Groupe SOS Jeunesse",
    "Association Aurore",
    "Fondation Grancher",
    "Association La Vie au Grand Air",
    "Fondation Méquignon",
    "Association Olga Spitzer",
    "OSE France",
    "Croix-Rouge française",
    "Association Les Amis de l'Atelier",
]
_MECS_NAMES = [
    "Les Tilleuls",
    "La Roseraie",
    "Le Bon Pasteur",
    "Saint-Joseph",
    "Les Cèdres",
    "L'Espérance",
    "La Maison des Enfants",
    "Le Moulin",
    "Les Acacias",
    "La Passerelle",
    "Les Glycines",
    "Le Clos Fleuri",
    "La Providence",
    "Les Marronniers",
    "Le Phare",
    "L'Arc-en-Ciel",
    "Les Peupliers",
    "La Source",
    "Le Petit Prince",
    "Les Hirondelles",
]
_HOTELS = [
    "du Parc",
    "de la Gare",
    "Le Relais",
    "Eden",
    "Étoile",
    "Le Canal",
    "des Arts",
    "Central",
    "Beauséjour",
    "Le Moderne",
    "Avenir",
    "Arc-en-Ciel",
    "du Commerce",
    "de l'Europe",
    "Les Lilas",
]
_LVA = [
    "La Ferme du Bocage",
    "Le Chêne Vert",
    "La Clairière",
    "Les Sources",
    "Le Vieux Moulin",
    "La Bergerie",
    "Les Genêts",
    "Le Hameau",
    "La Prairie",
    "Les Grands Champs",
]


@dataclass(frozen=True)
class Organisation:
    kind: str
    name: str
    address: str
    commune_code: str


def _org_name(kind: str, rng: np.random.Generator, k: int, commune: str) -> str:
    assoc = _ASSOCIATIONS[k % len(_ASSOCIATIONS)]
    if kind == "mecs":
        return f"MECS {_MECS_NAMES[k % len(_MECS_NAMES)]} - {assoc}"
    if kind == "pfa":
        return f"Service de placement familial - {assoc}"
    if kind == "safd":
        return f"Service de l'accueil familial départemental - Antenne de {commune}"
    if kind == "fde":
        return f"Foyer départemental de l'enfance - site de {commune}"
    if kind == "poup":
        return f"Pouponnière {_MECS_NAMES[(k + 5) % len(_MECS_NAMES)]}"
    if kind == "lva":
        return f"Lieu de vie « {_LVA[k % len(_LVA)]} »"
    if kind == "hotel":
        return f"Hôtel {_HOTELS[k % len(_HOTELS)]}"
    if kind == "appart":
        return f"Service semi-autonomie - {assoc}"
    if kind == "fjt":
        return f"Résidence sociale / FJT {_MECS_NAMES[(k + 3) % len(_MECS_NAMES)]}"
    if kind == "ame":
        return f"Centre maternel {_MECS_NAMES[(k + 7) % len(_MECS_NAMES)]}"
    if kind == "ime":
        label = "IME" if k % 2 == 0 else "ITEP"
        return f"{label} {_MECS_NAMES[(k + 11) % len(_MECS_NAMES)]}"
    if kind == "internat":
        return f"Internat du lycée professionnel de {commune}"
    if kind == "village":
        return f"Village d'enfants de {commune}"
    return ""


_POOL_SIZES = {
    "mecs": 60,
    "pfa": 14,
    "safd": 16,
    "fde": 6,
    "poup": 6,
    "lva": 30,
    "hotel": 40,
    "appart": 20,
    "fjt": 20,
    "ame": 10,
    "ime": 20,
    "internat": 10,
    "village": 6,
}


class OrganisationPool:
    def __init__(self, rng: np.random.Generator, geo: Geo) -> None:
        self.by_kind: dict[str, list[Organisation]] = {}
        c93 = geo.c93
        w93 = np.array([c.weight for c in c93])
        cout = geo.out_place
        wout = np.array([c.weight for c in cout])
        share = {kind: s for s, kind in codes.PLACEMENT_NATURES.values()}
        self.weights = {k: zipf_weights(size, 0.8, 2.0) for k, size in _POOL_SIZES.items()}
        for kind, size in _POOL_SIZES.items():
            out_share = share.get(kind, 0.5)
            orgs = []
            lines = address_lines(rng, size)
            w = self.weights[kind]
            cum_w = cum_out = 0.0
            for k in range(size):
                # outside the 93 while the weighted share of outside organisations is too low
                outside = cum_out < out_share * (cum_w + w[k]) - w[k] / 2
                cum_w += w[k]
                if outside:
                    cum_out += w[k]
                    commune = cout[weighted_index(rng, wout, 1)[0]]
                else:
                    commune = c93[weighted_index(rng, w93, 1)[0]]
                name = _org_name(kind, rng, k, commune.name)
                orgs.append(Organisation(kind, name, str(lines[k]), commune.code))
            self.by_kind[kind] = orgs

    def draw(self, rng: np.random.Generator, kind: str, n: int) -> list[Organisation]:
        orgs = self.by_kind[kind]
        idx = weighted_index(rng, self.weights[kind], n)
        return [orgs[i] for i in idx]
