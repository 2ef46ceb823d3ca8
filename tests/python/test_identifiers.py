"""pipase.identifiers: which columns are identifying, by name and by content, and which are not.

Planted identifiers in every form testers and partners write them; ordinary partner columns
(labels, communes of the 93, months, amounts, ids, schools named after people) must pass. The
first-name list is the generator's output, and the fast word splitting equals the protocol's.
"""

from __future__ import annotations

import random
import subprocess
import sys

import pytest
from conftest import REPO

from pipase import identifiers
from pipase.identifiers import (
    COMPACT_DATE,
    EMAIL,
    FULL_DATE,
    NAMES,
    NIR,
    PHONE,
    ContentDetector,
    column_name_rule,
)
from pipase.protocol import normalise_name


@pytest.mark.parametrize(
    ("column", "kind"),
    [
        ("NOM", "name"), ("NOM.1", "name"), ("Nom complet", "name"), ("nom d'usage", "name"),
        ("Nom de naissance", "name"), ("NOM_USAGE", "name"), ("prénom", "name"),
        ("Prénoms", "name"), ("prenom2", "name"), ("PRENOM.2", "name"), ("firstName", "name"),
        ("nom_jeune_fille", "name"), ("Patronyme", "name"), ("lastname", "name"),
        ("Date de naissance", "birth_date"), ("dateNaissance", "birth_date"),
        ("naissance", "birth_date"), ("Né le", "birth_date"), ("DDN", "birth_date"),
        ("date_of_birth", "birth_date"), ("DTNAI", "birth_date"), ("birthdate", "birth_date"),
        ("Adresse", "address"), ("adresse2", "address"), ("rue", "address"),
        ("Téléphone", "phone"), ("tel_portable", "phone"), ("Mobile", "phone"),
        ("mail", "email"), ("E-mail", "email"), ("Courriel", "email"),
        ("NIR", "nir"), ("num_secu", "nir"), ("Numéro de sécurité sociale", "nir"),
    ],
)  # fmt: skip
def test_identifying_column_names(column, kind):
    assert column_name_rule(column) == kind


@pytest.mark.parametrize(
    "column",
    [
        "mois_naissance", "annee_naissance", "Année de naissance", "lieu_naissance",
        "commune_naissance", "pays de naissance", "nom_structure", "Nom du dispositif",
        "nom_commune", "situation", "dispositif", "commune", "code_postal", "hotel",
        "mobilite", "voie_professionnelle", "telecom", "cle_hachage", "motif_sans_cle",
        "nombre_enfants", "nomenclature", "date_entree", "montant",
    ],
)  # fmt: skip
def test_ordinary_column_names(column):
    assert column_name_rule(column) is None


def detect(values: list[str], known: list[str] = ()) -> set[str]:
    detector = ContentDetector(["c"])
    detector.add_known_names(known)
    detector.feed(0, values, list(range(2, len(values) + 2)))
    return {f.rule for f in detector.findings()}


@pytest.mark.parametrize(
    "value",
    [
        "17/03/1999", "17-03-1999", "17.03.1999", "17 03 1999", "1999-03-17", "1999/03/17",
        "17/3/99", "03/17/1999", "17 mars 1999", "17 MARS 1999", "1er mars 1999",
        "17 févr. 2001", "lundi 17 mars 1999", "March 17, 1999", "17/03/1999 00:00:00",
        "1999-03-17T10:30:00", "1999-03-17 00:00:00", "  17/03/1999 ",
    ],
)  # fmt: skip
def test_one_full_date_in_any_written_form_is_enough(value):
    assert detect(["emploi"] * 50 + [value]) == {FULL_DATE}


@pytest.mark.parametrize("value", ["17031999", "19990317"])
def test_compact_dates_when_they_are_most_of_the_column(value):
    assert detect([value] * 6 + ["12345678"] * 4) == {COMPACT_DATE}
    assert detect([value] + ["A1"] * 9) == set()  # one 8-digit number may be an id


@pytest.mark.parametrize(
    ("values", "rule"),
    [
        (["someone@example.org"], EMAIL),
        (["06 12 34 56 78"], PHONE),
        (["+33 6 12 34 56 78"], PHONE),
        (["0612345678"], PHONE),
        (["0033612345678"], PHONE),
        (["1 03 07 93 066 123 45"], NIR),
        (["103079306612345"], NIR),
    ],
)
def test_contact_details_and_nir(values, rule):
    assert detect(["emploi"] * 20 + values) == {rule}


def test_names_from_the_shipped_list_and_from_the_file():
    first_names = ["Marie", "Jean-Pierre", "Aïssatou", "Inès", "Mohamed Amine", "Lucas"]
    assert detect(first_names) == {NAMES}
    full = ["Marie Dupont", "DUPONT Marie", "Lucas Martin", "Inès Benali"]
    assert detect(full) == {NAMES}
    surnames = ["Zyltrowska", "Quennehen", "Bouvard-Lemoine", "Pradelles"]
    assert detect(surnames) == set()  # unknown words: not names by themselves...
    assert detect(surnames, known=["Zyltrowska", "Quennehen", "Bouvard", "Pradelles"]) == {NAMES}
    # ...but the file's own surnames make them so; a minority of names is not enough
    assert detect(["emploi", "formation", "CEJ", "Marie"]) == set()


@pytest.mark.parametrize(
    "values",
    [
        ["Saint-Denis", "Montreuil", "Bobigny", "Les Lilas", "Saint-Ouen", "Pantin"],
        ["France", "France", "UE", "hors UE", "France"],
        ["Lycée Jean Jaurès", "Collège Louise Michel", "Lycée Paul Éluard", "École Jean Moulin"],
        ["Mission locale de Bondy", "France Travail Pantin", "CAF de la Seine-Saint-Denis"],
        ["Garantie jeunes", "CEJ", "PACEA", "emploi", "formation", "sans solution", "études"],
        ["2003-05", "2004-11", "05/2003", "2003"],
        ["A123456", "B234567", "12", "-12,5", "0", "350"],
        [str(i) for i in range(10_000)],
        ["Marié(e)", "Célibataire", "Célibataire", "Pacsé(e)", "Célibataire"],
        ["avril", "mai", "juin", "Rose"],
    ],
    ids=["communes", "nationalities", "schools", "structures", "labels", "months", "codes",
         "ids", "marital", "words"],
)  # fmt: skip
def test_ordinary_partner_values_pass(values):
    assert detect(values) == set()


def test_the_first_line_of_each_finding_and_no_value_in_the_text():
    detector = ContentDetector(["evenement"])
    values = ["emploi", "formation", "14/07/2003", "x@y.fr"]
    detector.feed(0, values, [2, 3, 5, 9])  # a blank line 4 was skipped by the reader
    found = {f.rule: f for f in detector.certain()}
    assert found[FULL_DATE].first_line == 5 and found[EMAIL].first_line == 9
    for finding in found.values():
        text = finding.describe()
        assert "evenement" in text and "14/07/2003" not in text and "x@y.fr" not in text


def test_memory_is_bounded_by_the_cache_limit(monkeypatch):
    monkeypatch.setattr(ContentDetector, "CACHE_LIMIT", 100)
    detector = ContentDetector(["c"])
    for start in range(0, 5_000, 500):
        values = [f"valeur{i}" for i in range(start, start + 500)]
        detector.feed(0, values, list(range(start, start + 500)))
        assert len(detector._cache) <= 100 + 500
    assert detector.findings() == []


def test_words_of_equals_the_protocols_normalisation_of_each_word():
    rng = random.Random(4)
    alphabet = "abcXYZ éÉàç'’- .0123\u00a0Œßı"
    for _ in range(20_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 15)))
        expected = [w for w in map(normalise_name, identifiers._WORD.findall(text)) if w]
        assert identifiers.words_of(text) == expected, repr(text)


def test_first_names_file_is_the_generators_output():
    result = subprocess.run(
        [sys.executable, str(REPO / "scripts/generate_first_names.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    names = identifiers.first_names()
    assert 5_000 < len(names) < 20_000
    for name in ("MARIE", "MOHAMED", "AISSATOU", "LUCAS", "INES"):
        assert name in names
    for word in ("FRANCE", "PARIS", "AVRIL", "LILAS", "SAINT"):
        assert word not in names
    assert all(n.isascii() and n.isalpha() and n.isupper() for n in names)


# --------------------------------------------------------------------------- inside a text
@pytest.mark.parametrize(
    ("value", "rule"),
    [
        ("Marie ZORBALIK née le 31/12/2001", FULL_DATE),
        ("le 01/02/2003", FULL_DATE),
        ("01/02/2003.", FULL_DATE),
        ("01-févr-2003", FULL_DATE),
        ("01-Feb-2003", FULL_DATE),
        ("01_02_2003", FULL_DATE),
        ("né le 1er février 2003", FULL_DATE),
        ("entrée 2003-02-01 à Bondy", FULL_DATE),
        ("contact: Ivan PETRAKIS <ivan.petrakis@exemple.fr>", EMAIL),
        ("Ivan Petrakis <a@b.fr>", EMAIL),
        ("a@b.fr,c@d.fr", EMAIL),
        ("tel: 0612345678", PHONE),
        ("(06) 12 34 56 78", PHONE),
        ("joignable au 06.12.34.56.78 le matin", PHONE),
        ("1.05.05.75.123.456.78", NIR),
        ("1050575123456-78", NIR),
        ("NIR 1 05 05 75 123 456 78", NIR),
    ],
)  # fmt: skip
def test_an_identifier_written_inside_a_text_is_enough(value, rule, monkeypatch):
    """Testers wrote them in comment columns: one value refuses the column (the kit and the
    Association's import); the whole-value forms did not see them."""
    assert detect(["emploi"] * 30 + [value]) == {rule}
    # mutation: without the search inside texts, the value passes
    monkeypatch.setattr(identifiers, "embedded", lambda text: None)
    assert detect(["emploi"] * 30 + [value]) == set()


@pytest.mark.parametrize(
    "values",
    [
        ["Suivi en mission locale depuis 2023", "rdv le 12/05", "CEJ 2023-2024", "version 2.1"],
        ["montant 1 250,50 €", "3 rendez-vous en 2024", "Saint-Denis 93200", "code 93066"],
        ["sortie 05/2023, reprise 11/2023", "entre 2019 et 2022", "12 mois", "n° 123456789"],
    ],
    ids=["follow-up", "amounts", "periods"],
)  # fmt: skip
def test_ordinary_texts_with_numbers_pass(values):
    assert detect(values * 5) == set()


def detect_with_names(values, surnames, first_names) -> set[str]:
    detector = ContentDetector(["c"])
    detector.set_row_names([surnames], [first_names])
    detector.feed(0, values, list(range(2, len(values) + 2)))
    detector.resolve()
    return {f.rule for f in detector.findings()}


def test_a_value_naming_its_own_rows_person_is_enough(monkeypatch):
    """The kit knows each row's name: a kept value holding the row's own surname and first name
    (in any text), or its surname in a short name (a relative), names the person."""
    surnames = ["VARGOLAN", "Zorbalik", "ПЕТРОВ", "Martin", "Petit"]
    firsts = ["Hélène", "Marie", "Иван", "Lucas", "Karim"]
    filler = ["suivi"] * 20
    texts = [
        ("Entretien avec Hélène VARGOLAN, sa mère était présente ce jour", 0),
        ("ZORBALIK Paulette", 1),  # a relative: the family's surname
        ("ПЕТРОВ Иван", 2),  # another script: compared as written
    ]
    for text, row in texts:
        values = ["autonome"] * 5
        values[row] = text
        assert detect_with_names(values + filler, surnames + [""] * 20, firsts + [""] * 20) == {
            identifiers.OWN_NAME
        }, text
        # the same text on another person's row names no one of the file
        other = ["autonome"] * 5
        other[3] = text
        assert detect_with_names(other + filler, surnames + [""] * 20, firsts + [""] * 20) == (
            set()
        ), text
    # a long text with the surname alone, and a single word equal to a surname, are not enough
    values = ["Dossier suivi par le service Martin Luther King", "autonome", "autonome",
              "autonome", "petit"]  # fmt: skip
    assert detect_with_names(values, surnames, firsts) == set()
    # mutation: without the check, the interview note passes
    monkeypatch.setattr(ContentDetector, "_own_name", lambda self, *args: None)
    values = ["Entretien avec Hélène VARGOLAN, sa mère était présente ce jour"] + ["x"] * 4
    assert detect_with_names(values, surnames, firsts) == set()


def test_a_label_shared_by_many_rows_is_not_a_persons_name(monkeypatch):
    """The label "sans solution" on the row of a person named SANS (found once in 1,000,000 synthetic
    rows of the kit's benchmark): a value on more than OWN_NAME_MAX_ROWS rows is a label."""
    rows = 90  # "sans solution" on 30 rows
    values = ["sans solution", "emploi", "formation"] * (rows // 3)
    surnames = ["Sans"] + ["Martin"] * (rows - 1)
    firsts = ["Lucas"] * rows
    assert detect_with_names(values, surnames, firsts) == set()
    # mutation: every repeated label counts as the row's own name
    monkeypatch.setattr(identifiers, "OWN_NAME_MAX_ROWS", rows)
    assert detect_with_names(values, surnames, firsts) == {identifiers.OWN_NAME}
