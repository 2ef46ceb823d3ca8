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
from pipase.synth.places import Geo, at_date, commune_as_written
from pipase.synth.population import Population
from pipase.synth.util import NODATE, add_years, between, day, labels, ymd

DPAS_START = day(2008, 1, 1)


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
    persons, disp, dates = [], [], []

    def add(who: np.ndarray, scheme: str, lo: np.ndarray, hi: np.ndarray, mean_extra: float):
        lo = np.maximum(lo, DPAS_START)
        hi = np.minimum(hi, extraction - 1)
        ok = hi > lo
        who, lo, hi = who[ok], lo[ok], hi[ok]
        count = 1 + rng.poisson(mean_extra, who.size)
        rep = np.repeat(np.arange(who.size), count)
        persons.append(who[rep])
        disp.append(np.full(rep.size, scheme, dtype=object))
        dates.append(between(rng, lo[rep], hi[rep]))

    youth = pop.youths
    b = pop.birth[youth]
    sel = youth[rng.random(youth.size) < 0.28]
    add(sel, "FAJ", add_years(pop.birth[sel], 18), add_years(pop.birth[sel], 25), 0.4)
    sel = youth[rng.random(youth.size) < 0.15]
    add(sel, "FSL", add_years(pop.birth[sel], 19), np.full(sel.size, extraction), 0.3)
    sel = youth[rng.random(youth.size) < 0.08]
    add(sel, "FSE", add_years(pop.birth[sel], 20), np.full(sel.size, extraction), 0.2)
    sel = youth[rng.random(youth.size) < 0.08]
    add(sel, "FAG", add_years(pop.birth[sel], 18), np.full(sel.size, extraction), 0.3)
    del b

    others = roles["dpas"]
    scheme = labels(rng, [("FSL", 40), ("FSE", 25), ("FAG", 35)], others.size)
    for s in ("FSL", "FSE", "FAG"):
        who = others[scheme == s]
        add(who, s, add_years(pop.birth[who], 18), np.full(who.size, extraction), 0.3)
    young = others[
        (add_years(pop.birth[others], 25) > DPAS_START) & (rng.random(others.size) < 0.2)
    ]
    add(young, "FAJ", add_years(pop.birth[young], 18), add_years(pop.birth[young], 25), 0.1)
    secondary = np.flatnonzero(~pop.is_youth & ~pop.is_child)
    secondary = secondary[rng.random(secondary.size) < 0.04]
    add(
        secondary,
        "FSL",
        add_years(pop.birth[secondary], 18),
        np.full(secondary.size, extraction),
        0.0,
    )

    person = np.concatenate(persons)
    dispositif = np.concatenate(disp)
    decision_day = np.concatenate(dates)
    order = np.lexsort((person, decision_day))
    person, dispositif, decision_day = person[order], dispositif[order], decision_day[order]
    n = person.size

    year = ymd(decision_day)[0]
    seq = pd.Series(np.ones(n)).groupby([dispositif, year]).cumsum().astype(int).to_numpy()
    keys = [f"{d}-{y}" for d, y in zip(dispositif, year, strict=True)]
    seq = numbering.sequence("dpas_demande", keys, seq)
    id_demande = np.array(
        [f"{d}-{y}-{s:06d}" for d, y, s in zip(dispositif, year, seq, strict=True)], dtype=object
    )
    type_aide = np.empty(n, dtype=object)
    for s, items in codes.DPAS_TYPES.items():
        idx = np.flatnonzero(dispositif == s)
        type_aide[idx] = labels(rng, items, idx.size)
    nature = np.full(n, None, dtype=object)
    fsl = np.isin(dispositif, ["FSL", "FSE"])
    nature[fsl] = labels(
        rng, [("Subvention", 70), ("Prêt", 20), ("Subvention et prêt", 10)], int(fsl.sum())
    )
    nature[type_aide == "ASLL"] = "Accompagnement"
    nature[~fsl] = "Aide financière"
    decision = labels(rng, codes.DPAS_DECISIONS, n)
    accord = np.isin(decision, ["Accord total", "Accord partiel", "Accord sous réserve"])
    refus = decision == "Refus"
    motif = np.full(n, None, dtype=object)
    motif[refus] = labels(rng, codes.DPAS_MOTIFS_REFUS, int(refus.sum()))
    age = (decision_day - pop.birth[person]) / 365.25
    out_of_age = refus & (dispositif == "FAJ") & (age > 24.5)
    motif[out_of_age] = codes.DPAS_MOTIF_AGE
    lo = np.array([codes.DPAS_AMOUNTS[d][0] for d in dispositif], dtype=float)
    hi = np.array([codes.DPAS_AMOUNTS[d][1] for d in dispositif], dtype=float)
    amount = np.round(rng.uniform(lo, hi), 2)
    amount = np.where(decision == "Accord partiel", np.round(amount * 0.5, 2), amount)
    amount = np.where(accord & (type_aide != "ASLL"), amount, np.nan)
    zero = ~accord & (rng.random(n) < 0.3)
    amount[zero] = 0.0
    paid = decision_day + rng.integers(5, 46, n)
    paid = np.where(accord & (type_aide != "ASLL") & (paid <= extraction - 1), paid, NODATE)
    resources = np.round(rng.uniform(0, 1600, n), 2)
    resources[rng.random(n) < 0.1] = np.nan

    ident = render_identity(rng, pop, "iodas_dpas", person)
    home = at_date(pop.home[person].astype(object), decision_day)
    sexe = pop.sex[person].astype(object).copy()
    sexe[(rng.random(n) < 0.03) & ~pop.is_canary[person]] = None
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
            "commune_residence": commune_as_written(rng, geo, home, name_share=0.5),
            "type_aide": type_aide,
            "nature": nature,
            "decision": decision,
            "motif_refus": motif,
            "date_decision": decision_day,
            "date_paiement": paid,
            "montant_accorde": amount,
            "ressources_mensuelles": resources,
            "type_hebergement": labels(rng, codes.DPAS_HEBERGEMENT, n),
            "statut_occupation": labels(rng, codes.DPAS_OCCUPATION, n),
            "situation_familiale": labels(rng, codes.DPAS_FAMILLE, n),
            "situation_professionnelle": labels(rng, codes.DPAS_PRO, n),
            "_person": person,
            "_tag": ident.tags.values,
        }
    )
    return {"aides": aides}
