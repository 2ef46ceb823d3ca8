"""What reversing the unkeyed keys costs, computed the way an attacker would go.

The annex 1 keys are SHA-256 without a secret: anyone holding the national name lists (INSEE)
can hash candidates and look the results up among the keys. An attacker does not try every
(surname, first name, day) at once; they go in two steps:

1. the **secondary key** SHA-256(NOM + MM + AAAA): surnames x months of the cohort's birth
   span, hashed once for the whole file (each hash is looked up in the set of keys). For one
   person it is even less: their birth month leaves in clear (``mois_naissance``), so only the
   surnames remain. The secondary key gives the surname.
2. then, person by person, the **primary key** SHA-256(NOM + PRENOM + JJMMAAAA): the surname
   and the month are known, so first names x days of that month (31 at most) remain.

Rates: the one measured on this machine (DuckDB's sha256 on its CPU, ``pipase run``'s
hash-rate stage) and a public GPU benchmark (below): an attacker uses a GPU.
The keyed variant (HMAC-SHA-256 with a secret) stops both steps: without the key no candidate
can be checked.
"""

from __future__ import annotations

from dataclasses import dataclass

# Public benchmark: hashcat 6.2.6, mode 1400 (SHA2-256), one NVIDIA GeForce RTX 4090,
# published by Chick3nman (hashcat developer) in October 2022: about 22 billion per second.
GPU_RATE = 21_975_500_000.0
GPU_SOURCE = (
    "hashcat 6.2.6, mode 1400 (SHA2-256), une carte NVIDIA GeForce RTX 4090 : environ "
    "22 milliards de SHA-256 par seconde (banc d'essai public publié par Chick3nman, "
    "développeur de hashcat, octobre 2022)"
)
DAYS_IN_MONTH_MAX = 31


@dataclass(frozen=True)
class Step:
    """One attacker's step: how many candidates, and the time at each rate."""

    label: str
    candidates: float
    cpu_seconds: float | None
    gpu_seconds: float


@dataclass(frozen=True)
class Reversal:
    surnames: int
    first_names: int
    months: int
    persons: int | None
    cpu_rate: float | None
    secondary_file: Step
    secondary_person: Step
    primary_person: Step
    primary_cohort: Step | None
    naive_primary: Step  # what a reader would compute without the two steps


def _step(label: str, candidates: float, cpu_rate: float | None) -> Step:
    return Step(
        label=label,
        candidates=candidates,
        cpu_seconds=candidates / cpu_rate if cpu_rate else None,
        gpu_seconds=candidates / GPU_RATE,
    )


def reversal(attack_rows: list[dict], persons: int | None) -> Reversal | None:
    """From the rows of rpt_risk__dictionary_attack (counts of the name lists and of the birth
    span, measured rate); None when the name counts are missing."""
    by_key = {row.get("cle"): row for row in attack_rows}
    secondary = by_key.get("cle_hachage_secondaire") or {}
    primary = by_key.get("cle_hachage") or {}
    surnames = secondary.get("n_noms") or primary.get("n_noms")
    first_names = primary.get("n_prenoms")
    months = secondary.get("n_dates")
    days = primary.get("n_dates")
    if not surnames or not first_names or not months:
        return None
    rate = secondary.get("hachages_par_seconde") or primary.get("hachages_par_seconde")
    rate = float(rate) if rate else None
    per_person = float(first_names) * DAYS_IN_MONTH_MAX
    return Reversal(
        surnames=int(surnames),
        first_names=int(first_names),
        months=int(months),
        persons=persons,
        cpu_rate=rate,
        secondary_file=_step(
            "clé secondaire, tout le fichier (noms × mois)", float(surnames) * months, rate
        ),
        secondary_person=_step(
            "clé secondaire, une personne (mois de naissance transmis)", float(surnames), rate
        ),
        primary_person=_step(
            "clé primaire, une personne (nom et mois connus : prénoms × 31 jours)",
            per_person,
            rate,
        ),
        primary_cohort=(
            _step("clé primaire, toute la cohorte", per_person * persons, rate) if persons else None
        ),
        naive_primary=_step(
            "clé primaire essayée d'un coup (noms × prénoms × jours)",
            float(surnames) * first_names * (days or months * DAYS_IN_MONTH_MAX),
            rate,
        ),
    )
