"""`pipase hash`, the partners' kit: round trips, order, reasons, keyed variant, no identity out."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from pipase import protocol
from pipase.cli import main

ROWS = [
    # nom; nom de naissance; prénom; né le; commune; remarque
    ["Cœurderoy", "", "Anaïs", "30/11/2004", "Bondy", "a"],
    ["MARTIN", "L’Hôpital", "Éloïse", "31/12/2003", "Montreuil", "b"],
    ["", "", "Zoë", "01/01/2000", "Paris", "c"],  # no name
    ["Dupont", "", "", "14/07/1999", "Sevran", "d"],  # no first name
    ["Strauß", "", "Jürgen", "31/02/2001", "Stains", "e"],  # impossible date
    ["N'DIAYE", "", "Aïssatou", "", "Drancy", "f"],  # no date
    ["Ben Salah", "", "Mohamed Amine", "15/06/2003", "Bobigny; centre", "g"],
]
HEADER = ["Nom", "Nom de naissance", "Prénom", "Né le", "Commune", "Remarque"]


def write_cp1252(path: Path) -> None:
    with path.open("w", encoding="cp1252", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(HEADER)
        writer.writerows(ROWS)


def hash_args(src: Path, out: Path, *extra: str) -> list[str]:
    return [
        "hash", str(src), "-o", str(out), "--nom", "Nom", "--nom-naissance", "Nom de naissance",
        "--prenom", "Prénom", "--date-naissance", "Né le", "--format-date", "%d/%m/%Y",
        "--encoding", "cp1252", *extra,
    ]  # fmt: skip


def expected_keys(row: list[str], key: bytes | None = None) -> tuple[str, str]:
    try:
        born = date(*reversed([int(p) for p in row[3].split("/")]))
    except (ValueError, TypeError):
        born = None
    primary = (
        protocol.primary_key(row[0], row[2], born, nom_naissance=row[1], key=key) if born else None
    )
    secondary = (
        protocol.secondary_key(row[0], born, nom_naissance=row[1], key=key) if born else None
    )
    return primary or "", secondary or ""


def test_round_trip_semicolon_cp1252(tmp_path, capsys):
    src, out = tmp_path / "partenaire.csv", tmp_path / "partenaire_hache.csv"
    write_cp1252(src)
    assert main(hash_args(src, out, "--mois-naissance")) == 0
    printed = capsys.readouterr()
    raw = out.read_bytes()
    text = raw.decode("cp1252")  # still cp1252, strictly decodable
    with out.open(encoding="cp1252", newline="") as handle:
        result = list(csv.reader(handle, delimiter=";"))
    assert result[0] == [
        "cle_hachage", "cle_hachage_secondaire", "motif_sans_cle", "mois_naissance", "Commune", "Remarque",
    ]  # fmt: skip
    body = result[1:]
    assert len(body) == len(ROWS)
    for row, written in zip(ROWS, body, strict=True):  # every row, in input order
        assert (written[0], written[1]) == expected_keys(row)
        assert written[4:] == row[4:]  # the other columns unchanged, even "Bobigny; centre"
    assert [r[2] for r in body] == [
        "", "", "nom_vide", "prenom_vide", "date_naissance_invalide", "date_naissance_absente", "",
    ]  # fmt: skip
    assert body[1][3] == "2003-12" and body[4][3] == ""
    assert body[3][1] != "" and body[3][0] == ""  # no first name: secondary key only
    # no identity in the output file nor on the console
    for row in ROWS:
        for value in (row[0], row[1], row[2], row[3]):
            if len(value) > 2:
                assert value not in text
                assert value not in printed.out + printed.err
    assert "7 rows hashed" in printed.out


def test_birth_name_is_used_when_present(tmp_path):
    src, out = tmp_path / "p.csv", tmp_path / "o.csv"
    write_cp1252(src)
    main(hash_args(src, out))
    with out.open(encoding="cp1252", newline="") as handle:
        second = list(csv.DictReader(handle, delimiter=";"))[1]
    assert second["cle_hachage"] == protocol.primary_key("LHOPITAL", "ELOISE", date(2003, 12, 31))


def test_keyed_needs_the_secret(tmp_path, monkeypatch, capsys):
    src, out = tmp_path / "p.csv", tmp_path / "o.csv"
    write_cp1252(src)
    monkeypatch.delenv("PIPASE_HASH_KEY", raising=False)
    assert main(hash_args(src, out, "--keyed")) == 2
    assert "PIPASE_HASH_KEY" in capsys.readouterr().err
    assert not out.exists()
    monkeypatch.setenv("PIPASE_HASH_KEY", "pipase-test-key-not-secret")
    assert main(hash_args(src, out, "--keyed")) == 0
    with out.open(encoding="cp1252", newline="") as handle:
        first = next(csv.DictReader(handle, delimiter=";"))
    assert first["cle_hachage"] == expected_keys(ROWS[0], b"pipase-test-key-not-secret")[0]
    assert first["cle_hachage"] != expected_keys(ROWS[0])[0]


def test_xlsx_in_and_out(tmp_path):
    src, out = tmp_path / "p.xlsx", tmp_path / "o.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in ROWS:
        sheet.append(row)
    book.save(src)
    args = hash_args(src, out)
    args.remove("--encoding")
    args.remove("cp1252")
    assert main(args) == 0
    rows = list(openpyxl.load_workbook(out).active.iter_rows(values_only=True))
    assert len(rows) == len(ROWS) + 1
    assert rows[1][0] == expected_keys(ROWS[0])[0]


def test_missing_column_is_named(tmp_path, capsys):
    src, out = tmp_path / "p.csv", tmp_path / "o.csv"
    write_cp1252(src)
    args = hash_args(src, out)
    args[args.index("Prénom")] = "Prenom"
    assert main(args) == 2
    assert "Prenom" in capsys.readouterr().err


def test_wrong_encoding_is_a_clear_error(tmp_path, capsys):
    src, out = tmp_path / "p.csv", tmp_path / "o.csv"
    write_cp1252(src)
    args = hash_args(src, out)
    args[args.index("cp1252")] = "utf-8"
    assert main(args) == 2
    assert "not readable as utf-8" in capsys.readouterr().err


@pytest.mark.parametrize("extra", [["--drop", "Remarque"]])
def test_drop_more_columns(tmp_path, extra):
    src, out = tmp_path / "p.csv", tmp_path / "o.csv"
    write_cp1252(src)
    assert main(hash_args(src, out, *extra)) == 0
    assert "Remarque" not in out.read_text(encoding="cp1252").splitlines()[0]
