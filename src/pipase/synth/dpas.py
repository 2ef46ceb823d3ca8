"""Iodas-DPAS: financial aid requests (FSL, FSE, FAG, FAJ), one row per request and decision.

Former ASE youths ask the FAJ between 18 and 25 and the FSL for a first home; other households
ask the FSL (arrears), the FSE (energy) and the FAG.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipase.synth import codes
from pipase.synth.identity import render_identity
from pipase.synth.numbering import Numbering
from pipase.synth.parameters import DPAS
from pipase.synth.places import Geo, at_date, commune_as_written
from pipase.synth.population import Population
from pipase.synth.util import NODATE, add_years, between, day, labels, ymd

DPAS_START = day(2008, 1, 1)


class _Requests:
    """Requests collected scheme by scheme: (person, dispositif, decision day) of each."""

    def __init__(self, rng: np.random.Generator, extraction: int) -> None:
        self.rng, self.extraction = rng, extraction
        self.persons: list[np.ndarray] = []
        self.schemes: list[np.ndarray] = []
        self.dates: list[np.ndarray] = []

    def add(self, who: np.ndarray, scheme: str, lo, hi, mean_extra: float) -> None:
        """`who` ask `scheme` between `lo` and `hi` (within the DPAS years), 1 + Poisson times."""
        lo = np.maximum(lo, DPAS_START)
        hi = np.minimum(hi, self.extraction - 1)
        ok = hi > lo
        who, lo, hi = who[ok], lo[ok], hi[ok]
        count = 1 + self.rng.poisson(mean_extra, who.size)
        rep = np.repeat(np.arange(who.size), count)
        self.persons.append(who[rep])
        self.schemes.append(np.full(rep.size, scheme, dtype=object))
        self.dates.append(between(self.rng, lo[rep], hi[rep]))

    def sorted(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(person, dispositif, decision day), by decision day then person."""
        person = np.concatenate(self.persons)
        dispositif = np.concatenate(self.schemes)
        decision_day = np.concatenate(self.dates)
        order = np.lexsort((person, decision_day))
        return person[order], dispositif[order], decision_day[order]


def _requests(rng, pop: Population, roles: dict, extraction: int):
    """Former youths (FAJ 18-25, FSL, FSE, FAG), the DPAS people, a few adults of the other
    sources: (person, dispositif, decision day) of each request."""
    req = _Requests(rng, extraction)
    youth = pop.youths
    never = np.full(youth.size, extraction)
    for scheme, share, repeat, from_age, to_age in (
        ("FAJ", DPAS.youth_faj, DPAS.youth_faj_repeat, 18, 25),
        ("FSL", DPAS.youth_fsl, DPAS.youth_fsl_repeat, 19, None),
        ("FSE", DPAS.youth_fse, DPAS.youth_fse_repeat, 20, None),
        ("FAG", DPAS.youth_fag, DPAS.youth_fag_repeat, 18, None),
    ):
        sel = youth[rng.random(youth.size) < share]
        hi = never[: sel.size] if to_age is None else add_years(pop.birth[sel], to_age)
        req.add(sel, scheme, add_years(pop.birth[sel], from_age), hi, repeat)
    others = roles["dpas"]
    scheme = labels(rng, list(DPAS.other_scheme_weights), others.size)
    for s in ("FSL", "FSE", "FAG"):
        who = others[scheme == s]
        req.add(
            who, s, add_years(pop.birth[who], 18), np.full(who.size, extraction), DPAS.other_repeat
        )
    young = others[
        (add_years(pop.birth[others], 25) > DPAS_START)
        & (rng.random(others.size) < DPAS.other_young_faj)
    ]
    req.add(
        young, "FAJ", add_years(pop.birth[young], 18), add_years(pop.birth[young], 25),
        DPAS.other_young_faj_repeat,
    )  # fmt: skip
    secondary = np.flatnonzero(~pop.is_youth & ~pop.is_child)
    secondary = secondary[rng.random(secondary.size) < DPAS.secondary_fsl]
    req.add(
        secondary, "FSL", add_years(pop.birth[secondary], 18),
        np.full(secondary.size, extraction), 0.0,
    )  # fmt: skip
    return req.sorted()


def _request_ids(dispositif, decision_day, numbering: Numbering) -> np.ndarray:
    """FAJ-2008-000002: scheme, year and number within them (going on from earlier chunks)."""
    year = ymd(decision_day)[0]
    seq = pd.Series(np.ones(year.size)).groupby([dispositif, year]).cumsum().astype(int)
    keys = [f"{d}-{y}" for d, y in zip(dispositif, year, strict=True)]
    seq = numbering.sequence("dpas_demande", keys, seq.to_numpy())
    return np.array(
        [f"{d}-{y}-{s:06d}" for d, y, s in zip(dispositif, year, seq, strict=True)], dtype=object
    )


def _kinds(rng, dispositif: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(type_aide, nature) of each request."""
    n = dispositif.size
    type_aide = np.empty(n, dtype=object)
    for s, items in codes.DPAS_TYPES.items():
        idx = np.flatnonzero(dispositif == s)
        type_aide[idx] = labels(rng, items, idx.size)
    nature = np.full(n, None, dtype=object)
    fsl = np.isin(dispositif, ["FSL", "FSE"])
    nature[fsl] = labels(rng, list(DPAS.fsl_nature_weights), int(fsl.sum()))
    nature[type_aide == "ASLL"] = "Accompagnement"
    nature[~fsl] = "Aide financière"
    return type_aide, nature


def _decisions(rng, pop, person, dispositif, decision_day, type_aide, extraction) -> dict:
    """Decision, refusal reason, amount granted, payment day and monthly resources."""
    n = person.size
    decision = labels(rng, codes.DPAS_DECISIONS, n)
    accord = np.isin(decision, ["Accord total", "Accord partiel", "Accord sous réserve"])
    refus = decision == "Refus"
    motif = np.full(n, None, dtype=object)
    motif[refus] = labels(rng, codes.DPAS_MOTIFS_REFUS, int(refus.sum()))
    age = (decision_day - pop.birth[person]) / 365.25
    motif[refus & (dispositif == "FAJ") & (age > 24.5)] = codes.DPAS_MOTIF_AGE
    lo = np.array([codes.DPAS_AMOUNTS[d][0] for d in dispositif], dtype=float)
    hi = np.array([codes.DPAS_AMOUNTS[d][1] for d in dispositif], dtype=float)
    amount = np.round(rng.uniform(lo, hi), 2)
    amount = np.where(
        decision == "Accord partiel", np.round(amount * DPAS.partial_share, 2), amount
    )
    amount = np.where(accord & (type_aide != "ASLL"), amount, np.nan)
    amount[~accord & (rng.random(n) < DPAS.zero_amount)] = 0.0
    paid = decision_day + rng.integers(5, 46, n)
    paid = np.where(accord & (type_aide != "ASLL") & (paid <= extraction - 1), paid, NODATE)
    resources = np.round(rng.uniform(0, 1600, n), 2)
    resources[rng.random(n) < DPAS.resources_missing] = np.nan
    return {
        "decision": decision,
        "motif_refus": motif,
        "date_decision": decision_day,
        "date_paiement": paid,
        "montant_accorde": amount,
        "ressources_mensuelles": resources,
    }


def build_dpas(
    rng: np.random.Generator,
    pop: Population,
    roles: dict,
    extraction: int,
    geo: Geo,
    numbering: Numbering | None = None,
) -> dict[str, pd.DataFrame]:
    """The aid requests; request numbers go on from the earlier chunks' (`numbering`)."""
    numbering = Numbering() if numbering is None else numbering
    person, dispositif, decision_day = _requests(rng, pop, roles, extraction)
    n = person.size
    id_demande = _request_ids(dispositif, decision_day, numbering)
    type_aide, nature = _kinds(rng, dispositif)
    decided = _decisions(rng, pop, person, dispositif, decision_day, type_aide, extraction)
    ident = render_identity(rng, pop, "iodas_dpas", person)
    home = at_date(pop.home[person].astype(object), decision_day)
    sexe = pop.sex[person].astype(object).copy()
    sexe[(rng.random(n) < DPAS.sex_missing) & ~pop.is_canary[person]] = None
    aides = pd.DataFrame(
        {
            "id_demande": id_demande,
            "dispositif": dispositif,
            "nom_usage": ident.nom_usage,
            "nom_naissance": ident.nom_naissance,
            "prenom": ident.prenom,
            "date_naissance": ident.birth,
            "sexe": sexe,
            "adresse": pop.address[person],
            "commune_residence": commune_as_written(
                rng, geo, home, name_share=DPAS.commune_as_name
            ),
            "type_aide": type_aide,
            "nature": nature,
            **decided,
            "type_hebergement": labels(rng, codes.DPAS_HEBERGEMENT, n),
            "statut_occupation": labels(rng, codes.DPAS_OCCUPATION, n),
            "situation_familiale": labels(rng, codes.DPAS_FAMILLE, n),
            "situation_professionnelle": labels(rng, codes.DPAS_PRO, n),
            "_person": person,
            "_tag": ident.tags.values,
        }
    )
    return {"aides": aides}
