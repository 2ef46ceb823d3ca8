"""`pipase import --partner`: a partner's file is read as strictly as the kit reads, and the same
identifier rules (pipase.identifiers) refuse it, naming the column and the rule, never a value.

The testers' file (five rows swallowed inside one quoted cell by the old kit) must be refused;
names in a `beneficiaire` column, dates written 17031999 or "17 mars 1999" must be refused; a
file made by `pipase hash` must be accepted.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import openpyxl
import pytest

from pipase.cli import main
from pipase.transmission import TransmissionError, partners


@pytest.fixture(autouse=True)
def french(monkeypatch):
    monkeypatch.setenv("PIPASE_LANG", "fr")


def key(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


HEADER = ["cle_hachage", "cle_hachage_secondaire", "motif_sans_cle", "mois_naissance"]


def partner_rows(count: int, extra: dict[str, list[str]] | None = None) -> list[list[str]]:
    rows = [[key(f"p{i}"), key(f"s{i}"), "", "2003-05"] for i in range(count)]
    for values in (extra or {}).values():
        for row, value in zip(rows, values, strict=True):
            row.append(value)
    return rows


def write(path: Path, rows: list[list[str]], extra: list[str] = ()) -> Path:
    lines = [";".join(HEADER + list(extra))] + [";".join(r) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def refusal(path: Path) -> str:
    with pytest.raises(TransmissionError) as caught:
        partners.check_partner_file(path)
    return str(caught.value)


def test_the_old_kits_file_with_rows_inside_a_cell_is_refused(tmp_path):
    """60 rows in, 55 out: five rows swallowed inside one quoted, multi-line cell."""
    lines = [";".join([*HEADER, "commentaire"])]
    for i in range(55):
        note = "ras"
        if i == 9:
            swallowed = "\n".join(f"Dupont{j};Marie;17/03/1999" for j in range(5))
            note = f'"rappeler\n{swallowed}\ndemain"'
        lines.append(";".join([key(f"p{i}"), key(f"s{i}"), "", "2003-05", note]))
    path = tmp_path / "ancien_kit.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    message = refusal(path)
    assert "unbalanced_quote" in message and "ligne 11" in message
    assert "Dupont" not in message and "17/03/1999" not in message


def test_mutation_the_old_reader_accepted_it(tmp_path):
    """pandas (the old reader) reads the same file without complaint: 55 rows, not 60."""
    pd = pytest.importorskip("pandas")
    lines = [";".join([*HEADER, "commentaire"])]
    for i in range(55):
        note = '"a\nb;c;d\ne"' if i == 9 else "ras"
        lines.append(";".join([key(f"p{i}"), key(f"s{i}"), "", "2003-05", note]))
    path = tmp_path / "p.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert len(pd.read_csv(path, sep=";", dtype=str)) == 55  # no error: rows silently merged


@pytest.mark.parametrize(
    ("column", "values", "rule"),
    [
        ("beneficiaire", ["Marie Dupont", "Lucas Martin", "Inès", "Mohamed", "emploi"],
         "noms ou prénoms"),
        ("evenement", ["17031999", "01022003", "14072001", "emploi", "20122004"],
         "dates écrites JJMMAAAA"),
        ("evenement", ["emploi", "17 mars 1999", "emploi", "emploi", "emploi"],
         "dates complètes"),
        ("evenement", ["emploi", "2020-01", "14/07/2003", "emploi", "emploi"], "dates complètes"),
        ("contact", ["", "", "someone@example.org", "", ""], "adresses électroniques"),
        ("contact", ["06 12 34 56 78", "", "", "", ""], "numéros de téléphone"),
        ("ref_dossier", ["1 03 07 93 066 123 45", "", "", "", ""], "sécurité sociale"),
    ],
    ids=["names", "jjmmaaaa", "mars", "slashes", "mail", "phone", "nir"],
)  # fmt: skip
def test_identifying_content_is_refused_naming_column_and_rule(tmp_path, column, values, rule):
    path = write(tmp_path / "partenaire.csv", partner_rows(5, {column: values}), [column])
    message = refusal(path)
    assert f"colonne {column}" in message and rule in message
    assert "convention 4.2" in message
    for value in values:
        if value and value not in ("emploi", "2020-01"):
            assert value not in message


@pytest.mark.parametrize(
    "column",
    ["nom", "Prénom", "prenom2", "date_naissance", "dateNaissance", "adresse", "nir", "email",
     "telephone", "nom_usage", "Date de naissance", "NOM.1", "Nom complet", "naissance"],
)  # fmt: skip
def test_identifying_column_names_are_refused(tmp_path, column):
    path = write(tmp_path / "partenaire.csv", partner_rows(2, {column: ["x", "y"]}), [column])
    message = refusal(path)
    assert "nom de colonne identifiant" in message and column in message


def test_the_same_detector_as_the_kit(tmp_path, monkeypatch):
    """Mutation: with the shared detector switched off, the import lets names through."""
    from pipase import identifiers

    path = write(
        tmp_path / "partenaire.csv",
        partner_rows(3, {"beneficiaire": ["Marie Dupont", "Lucas Martin", "Inès"]}),
        ["beneficiaire"],
    )
    refusal(path)
    monkeypatch.setattr(identifiers.ContentDetector, "findings", lambda self: [])
    assert partners.check_partner_file(path).rows == 3


def test_an_xlsx_partner_file_with_a_date_cell_is_refused(tmp_path):
    from datetime import datetime

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([*HEADER, "date_evenement"])
    sheet.append([key("a"), key("b"), "", "2003-05", datetime(1999, 3, 17)])
    path = tmp_path / "partenaire.xlsx"
    book.save(path)
    message = refusal(path)
    assert "date_evenement" in message and "dates complètes" in message


def test_a_file_made_by_the_kit_is_accepted(tmp_path):
    source = tmp_path / "source.csv"
    source.write_text(
        "NOM;Prénom;DDN;situation;commune\n"
        "DUPONT-TEST;Zoé;14/07/2003;emploi;Saint-Denis\n"
        "MARTIN-TEST;;01/02/2004;formation;Bobigny\n"
        "\n"
        "BERNARD-TEST;Léa;;CEJ;Pantin\n",
        encoding="utf-8",
    )
    hashed = tmp_path / "hashed.csv"
    args = ["hash", str(source), "-o", str(hashed), "--nom", "NOM", "--prenom", "Prénom",
            "--date-naissance", "DDN", "--format-date", "%d/%m/%Y", "--mois-naissance"]  # fmt: skip
    assert main(args) == 0
    checked = partners.check_partner_file(hashed)
    assert (checked.rows, checked.keyed_rows) == (3, 1)
    assert list(checked.frame["_ligne"]) == [2, 3, 4]
    assert list(checked.frame["motif_sans_cle"]) == [None, "prenom_vide", "date_naissance_absente"]


def test_the_import_command_refuses_and_writes_nothing(tmp_path, capsys):
    path = write(
        tmp_path / "partenaire.csv",
        partner_rows(3, {"beneficiaire": ["Marie Dupont", "Lucas Martin", "Inès"]}),
        ["beneficiaire"],
    )
    database = tmp_path / "asso.duckdb"
    code = main(["import", "--partner", str(path), "--database", str(database)])
    assert code != 0
    err = capsys.readouterr().err
    assert "beneficiaire" in err and "noms ou prénoms" in err and "Marie" not in err
    assert not database.exists()


def test_identifiers_inside_a_comment_are_refused_at_the_import(tmp_path):
    """A file hashed by an old kit, or by hand, whose comment column holds a birth date in a
    sentence or an e-mail in brackets: the Association's import refuses it (it has no names to
    compare, the dates, e-mails, phones and NIR are searched inside the texts)."""
    for note, rule in (
        ("née le 31/12/2001 à Bondy", "dates complètes"),
        ("contact : Ivan <ivan.p@exemple.fr>", "adresses électroniques"),
        ("tel (06) 12 34 56 78", "numéros de téléphone"),
    ):
        notes = ["ras"] * 9 + [note]
        path = write(tmp_path / "p.csv", partner_rows(10, {"commentaire": notes}), ["commentaire"])
        text = refusal(path)
        assert "commentaire" in text and rule in text, text
        assert note not in text
