"""The planted rates and probabilities of the synthetic extractions, in one place.

Each builder reads its own frozen object (POPULATION, ASE, WEBRSA, WRITER, IDENTITY); a rate is
a probability per row (or per person, family, measure... as its comment says), a weight list is
drawn with `weighted_index` (the weights need not add up to 1). Changing a value changes the
extraction of every seed (tests/python/test_synth_stable.py says so): the digests there are the
check that a refactoring changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType


@dataclass(frozen=True)
class PopulationParameters:
    """Who the people are (population.py)."""

    mna_share: float = 0.18  # of the youths: unaccompanied minors, one per family file
    family_sizes: tuple[int, ...] = (1, 2, 3, 4, 5)  # youths of a family in care
    family_size_weights: tuple[float, ...] = (0.55, 0.25, 0.12, 0.06, 0.02)
    family_before_2000: float = 0.045  # family whose measures all ended before 2000
    family_after_2004: float = 0.08  # (of the others) family of youths born after 2004
    families_outside_cohort_min: int = 2  # of each kind above, whatever the scale
    sibling_gap_days: tuple[int, int] = (420, 1700)  # between two births of a family
    youth_male: float = 0.52
    twin_pairs_share: float = 0.006  # of the youths: twin pairs (at least 2)
    twins_opposite_sex: float = 0.4
    mna_entry_years: tuple[int, int] = (2008, 2026)  # arrival years, weighted below
    mna_entry_year_weights: tuple[float, ...] = (
        0.3, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0, 1.6, 2.0, 2.4,
        2.6, 2.4, 1.4, 1.8, 2.2, 2.4, 2.4, 2.2, 1.0,
    )  # fmt: skip
    mna_age_at_entry: tuple[float, float] = (14.5, 17.95)  # years
    mna_birth_estimated: float = 0.65  # the ASE records 1 January of the estimated year
    mna_male: float = 0.92
    half_siblings: float = 0.12  # younger sibling with another surname (not twins)
    youth_french_in_fr_group: float = 0.99  # French nationality, FR name group (not MNA)
    youth_french_other_group: float = 0.7
    youth_home_outside_93: float = 0.14  # per family
    other_children_share: float = 0.35  # of the people outside the ASE: born after 2004
    other_female_adult: float = 0.56
    other_female_child: float = 0.5
    other_french_in_fr_group: float = 0.98
    other_french_other_group: float = 0.6
    other_home_outside_93: float = 0.12
    lookalikes_share: float = 0.02  # of the youths: adults born the same month (at least 4)
    lookalike_same_sex: float = 0.7  # look-alikes with the first name differing
    lookalike_same_first_name_every: int = 4  # every 4th look-alike shares the first name too
    second_first_name: float = 0.4
    married_age: float = 23.0  # years: usage names from this age on
    married_woman_youth: float = 0.22  # uses a spouse's name
    married_woman_other: float = 0.3
    married_man: float = 0.01  # uses a double name
    double_usage_name: float = 0.25  # of married women: "BIRTH-SPOUSE"
    # the source where each person outside the ASE appears for sure (generator._roles)
    adult_source_weights: tuple[float, ...] = (0.30, 0.18, 0.10, 0.07, 0.35)
    # WebRSA applicant, Nova usager, DPAS, MDPH, partner (spouse, parent) of another household
    child_source_weights: tuple[float, ...] = (0.5, 0.35, 0.15)  # WebRSA, Nova, MDPH


@dataclass(frozen=True)
class AseParameters:
    """Care trajectories and the seven Iodas-ASE tables (ase.py)."""

    entry_level_weights: tuple[float, ...] = (0.40, 0.25, 0.25, 0.10)  # AED, AEMO, OPP, placement
    entry_age_weights: tuple[float, ...] = (0.2, 0.35, 0.45)  # baby, child, teenager
    entry_age_bounds: tuple[tuple[float, float], ...] = ((0.0, 3.0), (3.0, 11.0), (11.0, 17.7))
    main_measures_weights: tuple[float, ...] = (0.18, 0.24, 0.24, 0.20, 0.14)  # 1 to 5
    level_step_weights: tuple[float, ...] = (0.10, 0.35, 0.45, 0.10)  # -1, 0, +1, +2
    measure_follows_at_once: float = 0.65  # else a gap of 30 to 720 days
    gap_days: tuple[int, int] = (30, 720)
    cjm_after_placement: float = 0.45  # contrat jeune majeur, placed until 18
    cjm_after_placement_mna: float = 0.72
    decision_lead_days: int = 21  # the decision precedes the start by 0 to 20 days
    decision_missing: float = 0.05  # per measure
    placements_per_year: float = 0.4  # Poisson rate of placement changes within a measure
    placements_per_measure_max: int = 4
    placements_per_youth_max: int = 8
    relative_outside_93: float = 0.3  # tiers digne de confiance living outside the 93
    hors_placement_first: float = 0.22  # per placement of 20 days or more
    hors_placement_second: float = 0.25  # of those with a first one
    hors_placement_mna_kind_3: float = 0.3  # MNA periods of the fourth kind (runaway)
    hors_placement_without_placement_id: float = 0.05
    cjm_monthly: float = 0.45  # CJM with a monthly allowance (at most 24 months)
    cjm_monthly_max_months: int = 24
    cjm_one_off_per_cjm: float = 0.8  # Poisson mean of one-off aids
    cjm_installation: float = 0.2
    cjm_training: float = 0.1
    cjm_aid_nature_missing: float = 0.03
    ips_per_youth_weights: tuple[float, ...] = (0.25, 0.38, 0.2, 0.1, 0.05, 0.02)  # 0 to 5
    ip_mna: float = 0.8  # an MNA has one IP (the referral), or none
    ip_during_care: float = 0.15  # a later IP while a measure runs
    circonscription_missing: float = 0.01
    sex_unknown: float = 0.002
    nationality_missing: float = 0.03
    mna_holder_department: float = 0.65  # else "nobody knows"
    holder_missing: float = 0.04
    holder_missing_mna: float = 0.15
    holder_commune_as_name: float = 0.55  # else the INSEE code
    end_before_start: float = 0.0008  # per closed placement / period (at least one)


@dataclass(frozen=True)
class WriterParameters:
    """What every file's writer plants (writer.py)."""

    reject_rate: float = 0.0015  # per row of a table with a reject plan
    duplicate_rate: float = 0.0015  # exact duplicate rows (at least one per listed table)
    xlsx_date_as_text: float = 0.1  # a date cell typed as dd/mm/yyyy text
    xlsx_amount_as_text: float = 0.05  # an amount typed as text with a decimal comma


POPULATION = PopulationParameters()
ASE = AseParameters()
WRITER = WriterParameters()


@dataclass(frozen=True)
class WebrsaParameters:
    """RSA households and the eleven WebRSA tables (webrsa.py)."""

    youth_applies_from_25: float = 0.38  # former youth aged 25 or more: applies for the RSA
    youth_applies_before_25: float = 0.10  # aged 18 to 25 (single parent, young worker)
    applicant_start_mean_days: float = 700.0  # exponential delay after becoming eligible
    with_spouse: float = 0.2  # household of an applicant with a spouse (CJT)
    with_children: float = 0.3  # household with 1 to 2 (youth) or 1 to 3 (other) children
    reapplies: float = 0.15  # a youth applies again: a second dossier, a second personnes row
    youth_as_spouse: float = 0.06  # a youth aged 20 or more is the CJT of another household
    other_applies_from_25: float = 0.75  # else from 18 and a half
    converted_from_rmi: float = 0.12  # eligible before June 2009: the dossier starts then
    family_household: float = 0.15  # a family of youths appears as children of a parent
    birth_date_imprecise: float = 0.006  # typedtnai J or O (day, or day and month, unknown)
    imprecise_day_only: float = 0.6  # J rather than O
    typedtnai_missing: float = 0.01
    qual_missing: float = 0.01
    sex_missing: float = 0.02
    nir_missing_child: float = 0.8
    nir_missing_adult: float = 0.1
    dossier_closed: float = 0.28  # closed dossiers (etatdosrsa 5 or 6)
    dossier_refused_below: float = 0.33  # refused (etatdosrsa 1): the next 5 %
    closed_ended: float = 0.8  # etatdosrsa 5 rather than 6
    children_count_exact: float = 0.9  # else nbenfautcha one more or less than the listed
    api_origin: float = 0.02  # oridemrsa API
    sitfam_missing: float = 0.01
    previous_address: float = 0.3  # a second address row
    second_previous_address: float = 0.1  # a third one
    address_abroad: float = 0.01  # of the previous addresses
    dsp: float = 0.78  # an adult with socio-professional data
    sought_is_last_job: float = 0.5
    has_last_job: float = 0.6
    has_sought_job: float = 0.65
    dsp_field_missing: float = 0.05  # each of nivetu, natlog, accoemploi
    orientation: float = 0.5  # an adult with orientations
    second_orientation: float = 0.4
    third_orientation: float = 0.1
    cer: float = 0.35  # an adult with insertion contracts
    second_cer: float = 0.35
    third_cer: float = 0.1
    cer_second_subject: float = 0.45
    cer_third_subject: float = 0.15
    cer_subject_weights: tuple[float, ...] = (0.35, 0.2, 0.2, 0.12, 0.1, 0.03)  # subjects 1-6
    france_travail: float = 0.4  # an adult with France Travail history
    second_pe_event: float = 0.6
    third_pe_event: float = 0.3
    pe_cessation: float = 0.6  # an exit is a cessation rather than a radiation
    pe_category_weights: tuple[float, ...] = (60, 10, 10, 6, 5, 4, 3, 2)  # categories 1-8


WEBRSA = WebrsaParameters()


@dataclass(frozen=True)
class IdentityParameters:
    """Difficulties planted in the identities each source writes (identity.py): share of the
    eligible rows."""

    typo: float = 0.008  # each of the three typo kinds
    day_off: float = 0.006
    day_month_swap: float = 0.004
    compound: float = 0.15
    mna_date: float = 0.25
    first_swap: float = 0.02
    case: float = 0.015
    accent: float = 0.05
    accent_added: float = 0.003
    apostrophe: float = 0.3
    space: float = 0.012
    ligature: float = 0.3
    # Harder, real-world error classes, planted only with `pipase synth --difficile`
    # (identity.set_hard_errors), on ASE youths in the four other sources, each labelled in
    # the ground truth.
    hard_rates: MappingProxyType = field(
        default_factory=lambda: MappingProxyType(
            {
                "surname_typo": 0.02,  # one letter of the surname substituted, dropped or doubled
                "surname_transliteration": 0.03,  # of the surnames with a variant: MOHAMED...
                "first_name_replaced": 0.02,  # another given name (second first name), nickname
                "names_swapped": 0.01,  # first and last name swapped
                "birth_month_off": 0.01,  # month off by one (same day and year)
                "surname_particle_dropped": 0.5,  # of the surnames with a particle: d'Xxx -> Xxx
                "first_name_compound_cut": 0.5,  # of the compound first names: Jean-Pierre -> Jean
                "birth_date_missing": 0.01,  # birth date left empty
                "birth_date_impossible": 0.01,  # no date (31/02, 31/04...), same year
            }
        )
    )


IDENTITY = IdentityParameters()


@dataclass(frozen=True)
class DpasParameters:
    """Iodas-DPAS aid requests (dpas.py). A request scheme (dispositif) is asked by a share of
    the people; each asks 1 + Poisson(mean) times."""

    youth_faj: float = 0.28  # a former youth asks the FAJ between 18 and 25
    youth_faj_repeat: float = 0.4
    youth_fsl: float = 0.15  # the FSL from 19 (a first home)
    youth_fsl_repeat: float = 0.3
    youth_fse: float = 0.08  # the FSE from 20
    youth_fse_repeat: float = 0.2
    youth_fag: float = 0.08  # the FAG from 18
    youth_fag_repeat: float = 0.3
    other_scheme_weights: tuple[tuple[str, int], ...] = (("FSL", 40), ("FSE", 25), ("FAG", 35))
    other_repeat: float = 0.3
    other_young_faj: float = 0.2  # of the DPAS people under 25 since 2008: also the FAJ
    other_young_faj_repeat: float = 0.1
    secondary_fsl: float = 0.04  # an adult of another source asks the FSL once
    fsl_nature_weights: tuple[tuple[str, int], ...] = (
        ("Subvention", 70), ("Prêt", 20), ("Subvention et prêt", 10),
    )  # fmt: skip
    partial_share: float = 0.5  # of the amount, for a partial agreement
    zero_amount: float = 0.3  # a request not agreed, with an amount of 0 rather than none
    resources_missing: float = 0.1
    sex_missing: float = 0.03
    commune_as_name: float = 0.5  # else the INSEE code


DPAS = DpasParameters()


@dataclass(frozen=True)
class MdphParameters:
    """Iodas-MDPH decisions (mdph.py)."""

    youth_in_mdph: float = 0.15  # a former youth has an MDPH file (the canaries always)
    second_session: float = 0.5  # a person comes before the commission a second time
    third_session: float = 0.2
    second_right: float = 0.45  # a session decides on a second right
    third_right: float = 0.2
    open_ended: float = 0.15  # AAH, RQTH or CMI granted since 2019 without an end date
    heavy_80_percent: float = 0.6  # AAH, AEEH, CMI: an incapacity of 80 % or more
    second_file: float = 0.3  # a former youth with a child file and an adult file
    sex_missing: float = 0.02
    commune_as_name: float = 0.4  # else the INSEE code


MDPH = MdphParameters()


@dataclass(frozen=True)
class NovaParameters:
    """Nova-DPAS households and appointments (nova.py)."""

    youth_usager: float = 0.30  # a former youth of 18 or more has a household file
    with_spouse: float = 0.15  # a youth's household with a spouse (Conjoint de)
    with_children: float = 0.2  # with 1 or 2 children
    with_parent: float = 0.05
    with_other_member: float = 0.03
    second_file: float = 0.05  # a household change: a second file, a second id
    family_household: float = 0.18  # a family of youths appears as children of a parent
    other_with_spouse: float = 0.2  # a household of a Nova person with a spouse
    sex_missing: float = 0.02
    spouse_appointments: float = 0.1  # a spouse has appointments too
    appointments_geometric: float = 0.5  # counts: Geometric(p), at most 40
    appointments_max: int = 40
    heavy_follow_up: float = 0.05  # 5 to 34 more appointments
    appointment_time_missing: float = 0.12  # date only, no time


NOVA = NovaParameters()
