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
from pipase.synth.parameters import MDPH
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


def _rights(rng, pop: Population, roles: dict, extraction: int):
    """Sessions of the commission (1 to 3 per person) and the rights each decides (1 to 3,
    one decision per right and session): (person, day, right code, child, session)."""
    youth = pop.youths
    sel = youth[(rng.random(youth.size) < MDPH.youth_in_mdph) | pop.is_canary[youth]]
    people = np.concatenate([sel, roles["mdph"]])
    n_sessions = (
        1 + (rng.random(people.size) < MDPH.second_session)
        + (rng.random(people.size) < MDPH.third_session)
    )  # fmt: skip
    s_person = np.repeat(people, n_sessions)
    lo = np.maximum(pop.birth[s_person] + 730, MDPH_START)
    s_day = between(rng, lo, np.full(s_person.size, extraction - 1))
    ok = s_day != NODATE
    s_person, s_day = s_person[ok], s_day[ok]
    n_rights = (
        1 + (rng.random(s_person.size) < MDPH.second_right)
        + (rng.random(s_person.size) < MDPH.third_right)
    )  # fmt: skip
    r_session = np.repeat(np.arange(s_person.size), n_rights)
    person, decided = s_person[r_session], s_day[r_session]
    n = person.size
    child = (decided - pop.birth[person]) / 365.25 < 20
    code = np.where(
        child, labels(rng, codes.MDPH_CHILD_RIGHTS, n), labels(rng, codes.MDPH_ADULT_RIGHTS, n)
    ).astype(object)
    keep = ~pd.DataFrame({"s": r_session, "c": code}).duplicated().to_numpy()
    return person[keep], decided[keep], code[keep], child[keep]


def _decisions(rng, code: np.ndarray, decided: np.ndarray) -> dict[str, np.ndarray]:
    """Label, decision, rights' start and end, incapacity rate of each right."""
    n = code.size
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
        & (rng.random(n) < MDPH.open_ended)
    )
    fin[no_limit] = NODATE
    taux = labels(rng, codes.MDPH_TAUX, n)
    heavy = np.isin(code, ["AAH", "AEEH", "CMI_INV"])
    taux[heavy] = np.where(rng.random(int(heavy.sum())) < MDPH.heavy_80_percent, ">=80%", "50-79%")
    return {
        "libelle_prestation": label,
        "type_decision": decision,
        "date_debut_droit": debut,
        "date_fin_droit": fin,
        "taux_incapacite": taux,
    }


def _file_numbers(rng, pop: Population, person, child, numbering: Numbering) -> np.ndarray:
    """One file number per person, a second one for a few youths with child and adult files."""
    uniq = np.unique(person)
    numbers = numbering.unique_numbers("mdph_dossier", rng, 2 * uniq.size, 7)
    num = {p: f"93-{v:07d}" for p, v in zip(uniq, numbers[: uniq.size], strict=True)}
    second = {p: f"93-{v:07d}" for p, v in zip(uniq, numbers[uniq.size :], strict=True)}
    has_second = {
        p
        for p in uniq
        if pop.is_youth[p] and not pop.is_canary[p] and rng.random() < MDPH.second_file
    }
    return np.array(
        [
            second[p] if (p in has_second and not c) else num[p]
            for p, c in zip(person, child, strict=True)
        ],
        dtype=object,
    )


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
    person, decided, code, child = _rights(rng, pop, roles, extraction)
    decided_on = _decisions(rng, code, decided)
    dossier = _file_numbers(rng, pop, person, child, numbering)
    order = np.lexsort((code, decided, dossier))
    person, decided, code, dossier = person[order], decided[order], code[order], dossier[order]
    decided_on = {name: values[order] for name, values in decided_on.items()}
    n = person.size
    minor = (decided - pop.birth[person]) < 18 * 365.25
    ident = render_identity(rng, pop, "iodas_mdph", person, minor)
    tag_multiple_ids(ident.tags, person, dossier)
    sexe = pop.sex[person].astype(object).copy()
    sexe[(rng.random(n) < MDPH.sex_missing) & ~pop.is_canary[person]] = None
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
            "commune_residence": commune_as_written(
                rng, geo, home, name_share=MDPH.commune_as_name
            ),
            "code_prestation": code,
            "date_decision": decided,
            **decided_on,
            "_person": person,
            "_tag": ident.tags.values,
        }
    )
    return {"decisions": decisions}
