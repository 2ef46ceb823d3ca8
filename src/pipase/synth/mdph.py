"""Iodas-MDPH: decisions of the CDAPH, one row per decision on a right, clustered on the same
commission dates. About 15 % of the youths have a file (over-representation of disability among
children in care), some decided while minors (AEEH, schooling), some as adults (AAH, RQTH, ESAT).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipase.synth import codes
from pipase.synth.identity import render_identity
from pipase.synth.numbering import Numbering
from pipase.synth.places import Geo, at_date, commune_as_written
from pipase.synth.population import Population
from pipase.synth.util import (
    NODATE,
    add_years,
    between,
    day,
    labels,
    month_start,
    tag_multiple_ids,
)

MDPH_START = day(2006, 1, 1)
CMI_START = day(2017, 1, 1)
_YEARS = {
    "AAH": (1, 10),
    "RQTH": (1, 10),
    "AEEH": (1, 5),
    "CMI_INV": (1, 20),
    "CMI_PRIO": (1, 20),
    "CMI_STAT": (1, 20),
    "PCH": (1, 10),
    "ACTP": (1, 5),
    "AVPF": (1, 5),
}


def build_mdph(
    rng: np.random.Generator,
    pop: Population,
    roles: dict,
    extraction: int,
    geo: Geo,
    numbering: Numbering | None = None,
) -> dict[str, pd.DataFrame]:
    """The decisions; file numbers differ from the earlier chunks' (`numbering`)."""
    numbering = Numbering() if numbering is None else numbering
    youth = pop.youths
    sel = youth[(rng.random(youth.size) < 0.15) | pop.is_canary[youth]]
    people = np.concatenate([sel, roles["mdph"]])
    n_sessions = 1 + (rng.random(people.size) < 0.5) + (rng.random(people.size) < 0.2)
    s_person = np.repeat(people, n_sessions)
    lo = np.maximum(pop.birth[s_person] + 730, MDPH_START)
    s_day = between(rng, lo, np.full(s_person.size, extraction - 1))
    ok = s_day != NODATE
    s_person, s_day = s_person[ok], s_day[ok]
    n_rights = 1 + (rng.random(s_person.size) < 0.45) + (rng.random(s_person.size) < 0.2)
    r_session = np.repeat(np.arange(s_person.size), n_rights)
    person = s_person[r_session]
    decided = s_day[r_session]
    n = person.size
    age = (decided - pop.birth[person]) / 365.25
    child = age < 20
    code = np.where(
        child, labels(rng, codes.MDPH_CHILD_RIGHTS, n), labels(rng, codes.MDPH_ADULT_RIGHTS, n)
    ).astype(object)
    # one decision per right and commission date
    frame = pd.DataFrame({"s": r_session, "c": code})
    dup = frame.duplicated().to_numpy()
    keep = ~dup
    person, decided, code, child, r_session = (
        person[keep],
        decided[keep],
        code[keep],
        child[keep],
        r_session[keep],
    )
    n = person.size
    label = np.array(
        [
            codes.MDPH_RIGHTS[c][1]
            if codes.MDPH_RIGHTS[c][1] and d >= CMI_START
            else codes.MDPH_RIGHTS[c][0]
            for c, d in zip(code, decided, strict=True)
        ],
        dtype=object,
    )
    decision = labels(rng, codes.MDPH_DECISIONS, n)
    accord = decision == "Accord"
    debut = np.where(accord, month_start(decided, 1), NODATE)
    lo_y = np.array([_YEARS.get(c, (1, 5))[0] for c in code])
    hi_y = np.array([_YEARS.get(c, (1, 5))[1] for c in code])
    years = rng.integers(lo_y, hi_y + 1)
    fin = np.where(accord, add_years(np.where(accord, debut, 0), years) - 1, NODATE)
    no_limit = (
        accord
        & np.isin(code, ["AAH", "RQTH", "CMI_INV"])
        & (decided >= day(2019, 1, 1))
        & (rng.random(n) < 0.15)
    )
    fin[no_limit] = NODATE
    taux = labels(rng, codes.MDPH_TAUX, n)
    heavy = np.isin(code, ["AAH", "AEEH", "CMI_INV"])
    taux[heavy] = np.where(rng.random(int(heavy.sum())) < 0.6, ">=80%", "50-79%")

    # file numbers: one per person, a second one for a few youths with child and adult files
    uniq = np.unique(person)
    numbers = numbering.unique_numbers("mdph_dossier", rng, 2 * uniq.size, 7)
    num = {p: f"93-{v:07d}" for p, v in zip(uniq, numbers[: uniq.size], strict=True)}
    second = {p: f"93-{v:07d}" for p, v in zip(uniq, numbers[uniq.size :], strict=True)}
    has_second = {
        p for p in uniq if pop.is_youth[p] and not pop.is_canary[p] and rng.random() < 0.3
    }
    dossier = np.array(
        [
            second[p] if (p in has_second and not c) else num[p]
            for p, c in zip(person, child, strict=True)
        ],
        dtype=object,
    )
    order = np.lexsort((code, decided, dossier))
    person, decided, code, child, dossier = (
        person[order],
        decided[order],
        code[order],
        child[order],
        dossier[order],
    )
    label, decision, debut, fin, taux = (
        label[order],
        decision[order],
        debut[order],
        fin[order],
        taux[order],
    )
    minor = (decided - pop.birth[person]) < 18 * 365.25
    ident = render_identity(rng, pop, "iodas_mdph", person, minor)
    tag_multiple_ids(ident.tags, person, dossier)
    sexe = pop.sex[person].astype(object).copy()
    sexe[(rng.random(n) < 0.02) & ~pop.is_canary[person]] = None
    home = at_date(pop.home[person].astype(object), decided)
    decisions = pd.DataFrame(
        {
            "num_dossier_mdph": dossier,
            "nom_usage": ident.nom_usage,
            "nom_naissance": ident.nom_naissance,
            "prenom": ident.prenom,
            "date_naissance": ident.birth,
            "sexe": sexe,
            "adresse": pop.address[person],
            "commune_residence": commune_as_written(rng, geo, home, name_share=0.4),
            "code_prestation": code,
            "libelle_prestation": label,
            "type_decision": decision,
            "date_decision": decided,
            "date_debut_droit": debut,
            "date_fin_droit": fin,
            "taux_incapacite": taux,
            "_person": person,
            "_tag": ident.tags.values,
        }
    )
    return {"decisions": decisions}
