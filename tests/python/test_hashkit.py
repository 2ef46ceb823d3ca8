"""`pipase hash`, the partners' kit: what partners do to it, and what it must never do.

Round trips (CSV cp1252 and UTF-8, XLSX), order, reasons, keyed variant; then every failure
that testers found, planted: rows swallowed by a quote, identifying columns kept, formulas,
a legitimate mois_naissance refused, friction (separator, XLSX dates, no header, output = input,
empty, extra field, unclosed quote, missing folder, fake XLSX). Each protection has a mutation
test that removes it and sees the check fail. No message may show a value of the file.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from pipase import hashkit, identifiers, protocol
from pipase.cli import main
from pipase.kit import hashing, reader, verify, writer

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
IDENTITY_ARGS = [
    "--nom", "Nom", "--nom-naissance", "Nom de naissance", "--prenom", "Prénom",
    "--date-naissance", "Né le", "--format-date", "%d/%m/%Y",
]  # fmt: skip
# Values that must never appear in a message or in an output file.
SECRETS = [v for row in ROWS for v in row[:4] if len(v) > 3]


@pytest.fixture(autouse=True)
def french(monkeypatch):
    monkeypatch.setenv("PIPASE_LANG", "fr")
    monkeypatch.delenv("PIPASE_HASH_KEY", raising=False)


def write_csv(path: Path, header=HEADER, rows=ROWS, encoding="cp1252", sep=";") -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        writer_ = csv.writer(handle, delimiter=sep)
        writer_.writerow(header)
        writer_.writerows(rows)
    return path


def hash_args(src: Path, out: Path, *extra: str, encoding: str | None = "cp1252") -> list[str]:
    args = ["hash", str(src), "-o", str(out), *IDENTITY_ARGS, *extra]
    return args + (["--encoding", encoding] if encoding else [])


def read_output(path: Path, encoding="cp1252", sep=";") -> list[list[str]]:
    with path.open(encoding=encoding, newline="") as handle:
        return list(csv.reader(handle, delimiter=sep))


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


def assert_no_value_shown(text: str, values=SECRETS) -> None:
    for value in values:
        assert value not in text, "a value of the file was printed"


# --------------------------------------------------------------------------- round trips
def test_round_trip_semicolon_cp1252(tmp_path, capsys):
    src, out = tmp_path / "partenaire.csv", tmp_path / "partenaire_hache.csv"
    write_csv(src)
    assert main(hash_args(src, out, "--mois-naissance")) == 0
    printed = capsys.readouterr()
    text = out.read_bytes().decode("cp1252")  # still cp1252, strictly decodable
    result = read_output(out)
    assert result[0] == [
        "cle_hachage", "cle_hachage_secondaire", "motif_sans_cle", "mois_naissance", "Commune",
        "Remarque",
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
    assert_no_value_shown(text)
    assert_no_value_shown(printed.out + printed.err)
    assert "lignes lues : 7 ; lignes écrites : 7" in printed.out
    assert "séparateur « ; » (détecté)" in printed.out


def test_birth_name_is_used_when_present(tmp_path):
    src, out = write_csv(tmp_path / "p.csv"), tmp_path / "o.csv"
    assert main(hash_args(src, out)) == 0
    with out.open(encoding="cp1252", newline="") as handle:
        second = list(csv.DictReader(handle, delimiter=";"))[1]
    assert second["cle_hachage"] == protocol.primary_key("LHOPITAL", "ELOISE", date(2003, 12, 31))


def test_keyed_needs_the_secret(tmp_path, monkeypatch, capsys):
    src, out = write_csv(tmp_path / "p.csv"), tmp_path / "o.csv"
    assert main(hash_args(src, out, "--keyed")) == 1
    assert "PIPASE_HASH_KEY" in capsys.readouterr().err
    assert not out.exists()
    monkeypatch.setenv("PIPASE_HASH_KEY", "pipase-test-key-not-secret")
    assert main(hash_args(src, out, "--keyed")) == 0
    assert "HMAC-SHA-256" in capsys.readouterr().out
    first = read_output(out)[1]
    assert first[0] == expected_keys(ROWS[0], b"pipase-test-key-not-secret")[0]
    assert first[0] != expected_keys(ROWS[0])[0]


def write_xlsx(path: Path, header=HEADER, rows=ROWS) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_xlsx_in_and_out(tmp_path):
    src, out = write_xlsx(tmp_path / "p.xlsx"), tmp_path / "o.xlsx"
    assert main(hash_args(src, out, encoding=None)) == 0
    rows = list(openpyxl.load_workbook(out).active.iter_rows(values_only=True))
    assert len(rows) == len(ROWS) + 1
    assert [r[0] or "" for r in rows[1:]] == [expected_keys(r)[0] for r in ROWS]


def test_utf8_with_byte_order_mark_and_crlf(tmp_path, capsys):
    src, out = tmp_path / "bom.csv", tmp_path / "o.csv"
    write_csv(src, encoding="utf-8-sig")
    assert main(hash_args(src, out, encoding=None)) == 0
    assert "utf-8 (BOM)" in capsys.readouterr().out
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")  # Excel reads it back as UTF-8
    assert [r[0] for r in read_output(out, "utf-8-sig")[1:]] == [expected_keys(r)[0] for r in ROWS]


# --------------------------------------------------------------------------- strict reading
def sixty_rows_with_a_runaway_quote(path: Path) -> Path:
    """60 rows; a value opens a quote on row 10 and closes it on row 15 (the testers' file)."""
    lines = ["NOM;PRENOM;DDN;commentaire"]
    for i in range(60):
        note = {9: '"rappeler', 14: 'demain"'}.get(i, "ras")
        lines.append(f"Dupont{i};Marie;{10 + i % 18}/03/1999;{note}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


SIMPLE_ARGS = [
    "--nom", "NOM", "--prenom", "PRENOM", "--date-naissance", "DDN", "--format-date", "%d/%m/%Y",
]  # fmt: skip


def test_a_runaway_quote_stops_the_run_at_its_line(tmp_path, capsys):
    src, out = sixty_rows_with_a_runaway_quote(tmp_path / "p.csv"), tmp_path / "o.csv"
    assert main(["hash", str(src), "-o", str(out), *SIMPLE_ARGS]) == 1
    err = capsys.readouterr().err
    assert "ligne 11" in err and "unbalanced_quote" in err
    assert "guillemet" in err
    assert not out.exists() and not list(tmp_path.glob(".o.csv.*"))  # nothing written
    assert "Dupont9" not in err


def test_mutation_a_lenient_csv_reader_swallows_the_rows(tmp_path):
    """What the kit did before: the csv module reads across lines, 60 rows in, 55 out."""
    src = sixty_rows_with_a_runaway_quote(tmp_path / "p.csv")
    with src.open(encoding="utf-8", newline="") as handle:
        lenient = list(csv.reader(handle, delimiter=";"))[1:]
    assert len(lenient) == 55  # the check above (one row per line, or an error) is needed


@pytest.mark.parametrize(
    ("content", "rule", "line"),
    [
        (b"NOM;PRENOM;DDN;x\nDupont;Marie;17/03/1999;a;b\n", "field_count", 2),
        (b"NOM;PRENOM;DDN;x\nDupont;Marie;17/03/1999;a\nMartin;Jean", "field_count", 3),
        (b'NOM;PRENOM;DDN;x\nDupont;Marie;17/03/1999;"a\n', "unbalanced_quote", 2),
        (b'NOM;PRENOM;DDN;x\nDupont;Marie;17/03/1999;"a"b\n', "malformed_quote", 2),
        (b"NOM;PRENOM;DDN;x\nDupont;Marie;17/03/1999;\xe9\n", "encoding", 2),
        (b"", "empty_file", None),
        (b"\n\n", "empty_file", None),
        (b"\nNOM;PRENOM;DDN\n", "no_header", 1),
        (b"NOM PRENOM DDN\nDupont Marie 17/03/1999\n", "separator", 1),
        (b"\xff\xfeN\x00O\x00M\x00", "encoding", None),
        (b"PK\x03\x04rest", "not_csv", None),
    ],
    ids=[
        "extra-field", "truncated-last-line", "unclosed-quote-at-end", "malformed-quote",
        "bad-byte", "empty", "blank-only", "blank-first-line", "no-separator", "utf16", "zip",
    ],
)  # fmt: skip
def test_unreadable_files_give_one_clear_line(tmp_path, capsys, content, rule, line):
    src, out = tmp_path / "p.csv", tmp_path / "o.csv"
    src.write_bytes(content)
    assert main(["hash", str(src), "-o", str(out), *SIMPLE_ARGS]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"[{rule}]" in err
    if line is not None:
        assert f"ligne {line}" in err
    assert "Dupont" not in err and "Marie" not in err and "17/03/1999" not in err
    assert not out.exists()


def test_cr_only_and_mixed_line_ends_give_every_row(tmp_path, capsys):
    src, out = tmp_path / "p.csv", tmp_path / "o.csv"
    src.write_bytes(
        b"NOM;PRENOM;DDN;x\rDupont;Marie;17/03/1999;a\r\nMartin;Jean;18/03/1999;b\n"
        b"Durand;Paul;19/03/1999;c\r\rBernard;Lea;20/03/1999;d"
    )
    assert main(["hash", str(src), "-o", str(out), *SIMPLE_ARGS]) == 0
    printed = capsys.readouterr().out
    assert "lignes lues : 4 ; lignes écrites : 4" in printed
    assert "lignes vides (sans données, pas des lignes du fichier) : 1" in printed
    body = read_output(out, "utf-8")[1:]
    assert [r[3] for r in body] == ["a", "b", "c", "d"]
    assert body[3][0] == protocol.primary_key("Bernard", "Lea", date(1999, 3, 20))


def test_line_ends_split_across_blocks(tmp_path, monkeypatch):
    """Blocks cut anywhere (a CRLF across two reads, a CR-only file): same rows."""
    monkeypatch.setattr(reader, "BLOCK_BYTES", 7)
    lines = ["NOM;PRENOM;DDN;x"] + [f"N{i};P{i};{1 + i % 28:02d}/03/1999;v{i}" for i in range(50)]
    for end in ("\r\n", "\r", "\n"):
        src = tmp_path / f"p{len(end)}{end == chr(13)}.csv"
        src.write_bytes(end.join(lines).encode())
        source = reader.open_source(src)
        rows = [v for batch in source.batches() for v in batch.columns[3]]
        assert rows == [f"v{i}" for i in range(50)], repr(end)
        assert source.blank_lines == 0


def test_comma_file_is_read_without_sep_and_sep_forces(tmp_path, capsys):
    src, out = tmp_path / "p.csv", tmp_path / "o.csv"
    write_csv(src, sep=",")
    assert main(hash_args(src, out)) == 0
    printed = capsys.readouterr().out
    assert "séparateur « , » (détecté)" in printed
    assert read_output(out, sep=",")[2][0] == expected_keys(ROWS[1])[0]
    # the output keeps the input's separator; --sep forces (a wrong one is a clear error)
    assert main(hash_args(src, out, "--sep", ";")) == 1
    err = capsys.readouterr().err
    assert "missing_column" in err and "--sep" in err
    assert main(hash_args(src, out, "--sep", ",")) == 0
    assert "(donné par --sep)" in capsys.readouterr().out


@pytest.mark.parametrize("sep", [",", "\t", "|"])
def test_every_usual_separator_is_detected(tmp_path, sep):
    src, out = tmp_path / "p.csv", tmp_path / "o.csv"
    write_csv(src, sep=sep)
    assert main(hash_args(src, out)) == 0
    assert read_output(out, sep=sep)[1][0] == expected_keys(ROWS[0])[0]


def test_xlsx_date_cells_are_dates_whatever_the_format_says(tmp_path, capsys):
    rows = [[r[0], r[1], r[2], r[3], r[4], r[5]] for r in ROWS]
    rows[0][3] = datetime(2004, 11, 30)  # a real date cell
    rows[1][3] = date(2003, 12, 31)
    rows[3][3] = "14/07/1999"  # a text date: read with --format-date
    src, out = write_xlsx(tmp_path / "p.xlsx", rows=rows), tmp_path / "o.csv"
    assert main(hash_args(src, out, encoding=None)) == 0
    body = read_output(out, "utf-8")[1:]
    assert body[0][0] == expected_keys(ROWS[0])[0] != ""
    assert body[1][0] == expected_keys(ROWS[1])[0] != ""
    assert body[3][1] == expected_keys(ROWS[3])[1] != ""
    assert "date_naissance_invalide : 1" in capsys.readouterr().out  # only the 31/02


def test_a_file_without_header_never_prints_its_first_row(tmp_path, capsys):
    src, out = tmp_path / "p.csv", tmp_path / "o.csv"
    write_csv(src, header=ROWS[0], rows=ROWS[1:])
    assert main(hash_args(src, out)) == 1
    err = capsys.readouterr().err
    assert "missing_column" in err and "en-tête" in err
    assert_no_value_shown(err)
    assert "Cœurderoy" not in err and "Anaïs" not in err and "30/11/2004" not in err


@pytest.mark.parametrize("how", ["same", "symlink", "relative"])
def test_the_output_may_not_be_the_input(tmp_path, capsys, monkeypatch, how):
    src = write_csv(tmp_path / "p.csv")
    before = src.read_bytes()
    target = {"same": src, "symlink": tmp_path / "lien.csv", "relative": Path("p.csv")}[how]
    if how == "symlink":
        target.symlink_to(src)
    monkeypatch.chdir(tmp_path)
    assert main(hash_args(src, target)) == 1
    assert "output_is_input" in capsys.readouterr().err
    assert src.read_bytes() == before


def test_mutation_without_the_path_check_the_input_is_overwritten(tmp_path, monkeypatch):
    src = write_csv(tmp_path / "p.csv")
    before = src.read_bytes()
    monkeypatch.setattr(hashing, "_check_paths", lambda options: None)
    assert main(hash_args(src, src)) == 0
    assert src.read_bytes() != before  # what the check above prevents


def test_missing_output_folder_and_fake_xlsx(tmp_path, capsys):
    src = write_csv(tmp_path / "p.csv")
    assert main(hash_args(src, tmp_path / "absent" / "o.csv")) == 1
    assert "[output]" in capsys.readouterr().err
    fake = tmp_path / "fake.xlsx"
    fake.write_text("Nom;Prénom\n", encoding="utf-8")
    assert main(hash_args(fake, tmp_path / "o.csv", encoding=None)) == 1
    err = capsys.readouterr().err
    assert "[not_xlsx]" in err and "Traceback" not in err


def test_missing_column_is_named_and_wrong_encoding_is_clear(tmp_path, capsys):
    src, out = write_csv(tmp_path / "p.csv"), tmp_path / "o.csv"
    args = hash_args(src, out)
    args[args.index("Prénom")] = "Prenom_absent"
    assert main(args) == 1
    assert "Prenom_absent" in capsys.readouterr().err
    args = hash_args(src, out, encoding="utf-8")
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "[encoding]" in err and "--encoding" in err and "ligne 1" in err  # "Prénom"


def test_drop_more_columns(tmp_path):
    src, out = write_csv(tmp_path / "p.csv"), tmp_path / "o.csv"
    assert main(hash_args(src, out, "--drop", "Remarque")) == 0
    assert "Remarque" not in read_output(out)[0]


# --------------------------------------------------------------------------- identifying columns
def identity_file(tmp_path: Path, extra_header: list[str], extra: list[list[str]]) -> Path:
    rows = [row + values for row, values in zip(ROWS, extra, strict=True)]
    return write_csv(tmp_path / "p.csv", header=HEADER + extra_header, rows=rows)


def copies(column: int) -> list[list[str]]:
    return [[row[column]] for row in ROWS]


@pytest.mark.parametrize(
    ("header", "values", "rule"),
    [
        ("Nom", copies(0), "nom de colonne"),  # a second NOM column, read as Nom.1
        ("Nom complet", [[f"{r[0]} {r[2]}"] for r in ROWS], "nom de colonne"),
        ("Date de naissance", copies(3), "nom de colonne"),
        # the row's own first name and surname: refused at the first such row
        ("beneficiaire", [[f"{r[2]} {r[0]}"] for r in ROWS], "noms de la personne de la ligne"),
        ("code_bis", [["17031999"]] * 7, "dates écrites JJMMAAAA"),
        ("evenement", [["17 mars 1999"]] + [["emploi"]] * 6, "dates complètes"),
        ("contact", [["someone@example.org"]] + [[""]] * 6, "adresses électroniques"),
    ],
    ids=["second-nom", "nom-complet", "date-de-naissance", "names", "jjmmaaaa", "mars", "mail"],
)
def test_identifying_columns_are_refused_unless_dropped_or_declared(
    tmp_path, capsys, header, values, rule
):
    src, out = identity_file(tmp_path, [header], values), tmp_path / "o.csv"
    assert main(hash_args(src, out)) == 1
    err = capsys.readouterr().err
    assert "[identifying_column]" in err and rule in err
    shown = "Nom.1" if header == "Nom" else header
    assert shown in err and "--drop" in err and "--garder" in err
    assert not out.exists()
    assert_no_value_shown(err, SECRETS + ["17031999", "17 mars 1999", "someone@example.org"])
    # --drop removes it; --garder keeps it and says so in the summary
    assert main(hash_args(src, out, "--drop", shown)) == 0
    assert shown not in read_output(out)[0]
    assert main(hash_args(src, out, "--garder", shown)) == 0
    printed = capsys.readouterr().out
    assert f"(--garder) : {shown}" in printed
    assert shown in read_output(out)[0]


def test_mutation_without_the_content_check_identities_reach_the_output(tmp_path, monkeypatch):
    src = identity_file(tmp_path, ["beneficiaire"], [[f"{r[2]} {r[0]}"] for r in ROWS])
    out = tmp_path / "o.csv"
    monkeypatch.setattr(identifiers.ContentDetector, "findings", lambda self: [])
    monkeypatch.setattr(identifiers.ContentDetector, "certain", lambda self: [])
    assert main(hash_args(src, out)) == 0
    assert "Anaïs Cœurderoy" in out.read_text(encoding="cp1252")  # what the check prevents


def test_mutation_without_the_name_check_a_second_nom_column_is_written(tmp_path, monkeypatch):
    src, out = identity_file(tmp_path, ["Nom"], copies(0)), tmp_path / "o.csv"
    monkeypatch.setattr(identifiers, "name_findings", lambda columns: [])
    monkeypatch.setattr(identifiers.ContentDetector, "findings", lambda self: [])
    monkeypatch.setattr(identifiers.ContentDetector, "certain", lambda self: [])
    assert main(hash_args(src, out)) == 0
    assert "Cœurderoy" in out.read_text(encoding="cp1252")


def test_the_garder_option_cannot_keep_an_identity_column(tmp_path, capsys):
    src, out = write_csv(tmp_path / "p.csv"), tmp_path / "o.csv"
    assert main(hash_args(src, out, "--garder", "Prénom")) == 1
    assert "garder_identity" in capsys.readouterr().err


def test_ordinary_partner_columns_pass(tmp_path):
    """What a mission locale sends: labels, codes, communes, months, amounts, ids."""
    extra = [
        ["Garantie jeunes", "2023-05", "Saint-Denis", "-12,5", "A123456", "Lycée Jean Jaurès"],
        ["CEJ", "2023-06", "Montreuil", "0", "A123457", "Collège Louise Michel"],
        ["PACEA", "2022-11", "Les Lilas", "350", "A123458", "Mission locale de Bondy"],
        ["CEJ", "2024-01", "Bobigny", "12", "A123459", "Lycée Paul Éluard"],
        ["emploi", "", "Pantin", "", "A123460", "France Travail Pantin"],
        ["formation", "2021-09", "Aubervilliers", "1", "A123461", "Lycée Jean Moulin"],
        ["sans solution", "2023-01", "Drancy", "2", "A123462", "Mission locale Drancy"],
    ]
    header = ["dispositif", "mois_entree", "commune_residence", "montant", "id_jeune", "etab"]
    src, out = identity_file(tmp_path, header, extra), tmp_path / "o.csv"
    assert main(hash_args(src, out)) == 0
    assert read_output(out)[0][-6:] == header


# --------------------------------------------------------------------------- safe output
FORMULAS = ['=HYPERLINK("http://exemple.invalid/?"&B2,"voir")', "+1+1", "-1+1", "@SUM(A1)",
            "\tx", "=1+1"]  # fmt: skip


def formula_file(tmp_path: Path) -> Path:
    extra = [[f] for f in FORMULAS] + [["-12"]]
    return identity_file(tmp_path, ["lien"], extra)


def raw_formulas_in_csv(path: Path) -> int:
    return sum(
        1 for row in read_output(path)[1:] for v in row if v and v[0] in "=+-@\t" and v != "-12"
    )


def xlsx_formula_cells(path: Path) -> int:
    with zipfile.ZipFile(path) as book:
        xml = book.read("xl/worksheets/sheet1.xml").decode()
    return xml.count("<f>") + xml.count("<f ")


def test_formulas_are_written_as_text_in_csv(tmp_path):
    src, out = formula_file(tmp_path), tmp_path / "o.csv"
    assert main(hash_args(src, out)) == 0
    written = [row[-1] for row in read_output(out)[1:]]
    assert written == ["'" + f for f in FORMULAS] + ["-12"]  # a plain number stays a number
    assert raw_formulas_in_csv(out) == 0


def test_mutation_without_neutralising_formulas_reach_the_csv(tmp_path, monkeypatch):
    src, out = formula_file(tmp_path), tmp_path / "o.csv"
    monkeypatch.setattr(hashing, "neutralise_column", lambda values: values)
    assert main(hash_args(src, out)) == 0
    assert raw_formulas_in_csv(out) == len(FORMULAS)


def test_formulas_are_text_cells_in_xlsx(tmp_path):
    src, out = formula_file(tmp_path), tmp_path / "o.xlsx"
    assert main(hash_args(src, out)) == 0
    assert xlsx_formula_cells(out) == 0
    sheet = openpyxl.load_workbook(out).active
    cells = [row[-1] for row in sheet.iter_rows(min_row=2)]
    assert [c.value for c in cells[:-1]] == FORMULAS
    assert {c.data_type for c in cells} == {"s"}


def test_mutation_untyped_xlsx_cells_become_formulas(tmp_path, monkeypatch):
    src, out = formula_file(tmp_path), tmp_path / "o.xlsx"
    monkeypatch.setattr(writer.XlsxWriter, "_text_cell", lambda self, value: value)
    assert main(hash_args(src, out)) == 0
    assert xlsx_formula_cells(out) >= 2  # openpyxl writes "=..." as a live formula


def test_an_existing_mois_naissance_is_kept_unless_replaced(tmp_path, capsys):
    src = identity_file(tmp_path, ["mois_naissance"], [["2004-11"]] * 7)
    out = tmp_path / "o.csv"
    assert main(hash_args(src, out)) == 0  # refused before: "already has a column"
    result = read_output(out)
    assert result[0][-1] == "mois_naissance" and {r[-1] for r in result[1:]} == {"2004-11"}
    assert main(hash_args(src, out, "--mois-naissance")) == 0
    assert "mois_naissance de l'entrée est remplacée" in capsys.readouterr().out
    result = read_output(out)
    assert result[0].count("mois_naissance") == 1 and result[0][3] == "mois_naissance"
    assert [r[3] for r in result[1:]][:2] == ["2004-11", "2003-12"]


def test_an_already_hashed_file_is_refused(tmp_path, capsys):
    src = identity_file(tmp_path, ["cle_hachage"], [["x"]] * 7)
    assert main(hash_args(src, tmp_path / "o.csv")) == 1
    assert "already_hashed" in capsys.readouterr().err


# --------------------------------------------------------------------------- French, --verifier
def test_help_and_messages_are_french(capsys):
    with pytest.raises(SystemExit):
        main(["hash", "--help"])
    text = capsys.readouterr().out
    for french in ("Kit des partenaires", "colonne du prénom", "séparateur", "--garder"):
        assert french in text
    with pytest.raises(SystemExit) as usage:
        main(["hash", "x.csv"])
    assert usage.value.code == 2
    assert "arguments sont obligatoires" in capsys.readouterr().err


def test_verifier_runs_the_published_vectors(capsys):
    assert main(["hash", "--verifier"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("OK") and "13 vecteurs" in out


def test_mutation_verifier_shows_the_first_difference(tmp_path, monkeypatch, capsys):
    vectors = (verify.VECTORS_FILE).read_text(encoding="utf-8").splitlines()
    first = vectors[3].split(",")
    first[5] = "0" * 64  # cle_primaire of the third vector
    vectors[3] = ",".join(first)
    planted = tmp_path / "vectors.csv"
    planted.write_text("\n".join(vectors) + "\n", encoding="utf-8")
    monkeypatch.setattr(verify, "VECTORS_FILE", planted)
    assert main(["hash", "--verifier"]) == 1
    err = capsys.readouterr().err
    assert "DIFFÉRENCE" in err and "ligne 4" in err and "cle_primaire" in err


def test_library_call_with_a_namespace(tmp_path):
    """`hashkit.hash_file(args)` still takes the command line's namespace (transmission tests)."""
    import argparse

    src, out = write_csv(tmp_path / "p.csv", encoding="utf-8"), tmp_path / "o.csv"
    args = argparse.Namespace(
        input=src, output=out, nom="Nom", nom_naissance="Nom de naissance", prenom="Prénom",
        date_naissance="Né le", format_date=["%d/%m/%Y"], sep=";", encoding="utf-8",
        sheet=None, mois_naissance=True, drop=[], keyed=False,
    )  # fmt: skip
    report = hashkit.hash_file(args)
    assert (report.rows_in, report.rows_out) == (7, 7)
    assert os.path.getsize(out) > 0


def test_a_full_disk_is_a_clear_error_and_leaves_nothing(tmp_path, monkeypatch, capsys):
    src, out = write_csv(tmp_path / "p.csv"), tmp_path / "o.csv"

    def full_disk(self, columns, lines, plain):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(writer.CsvWriter, "write", full_disk)
    assert main(hash_args(src, out)) == 1
    err = capsys.readouterr().err
    assert "[io]" in err and "No space left on device" in err and "Traceback" not in err
    assert not out.exists() and not list(tmp_path.glob(".o.csv.*"))


@pytest.mark.parametrize("value", ["=1+1", "+1+1", "-1+1", "@SUM(A1)"])
def test_formulas_in_a_quote_free_file_are_neutralised_too(tmp_path, value):
    """The fast path (no quote in the block, the column checked with substring searches)."""
    src, out = tmp_path / "p.csv", tmp_path / "o.csv"
    src.write_text(
        "NOM;PRENOM;DDN;lien\nDupont;Marie;17/03/1999;ras\n"
        f"Martin;Jean;18/03/1999;{value}\nDurand;Paul;19/03/1999;-12\n",
        encoding="utf-8",
    )
    assert main(["hash", str(src), "-o", str(out), *SIMPLE_ARGS]) == 0
    assert [r[-1] for r in read_output(out, "utf-8")[1:]] == ["ras", "'" + value, "-12"]


def test_mutation_a_blind_formula_check_lets_the_formula_through(tmp_path, monkeypatch):
    src, out = tmp_path / "p.csv", tmp_path / "o.csv"
    src.write_text("NOM;PRENOM;DDN;lien\nDupont;Marie;17/03/1999;=1+1\n", encoding="utf-8")
    monkeypatch.setattr(writer, "FORMULA_STARTS", frozenset("@"))  # the check made blind
    assert main(["hash", str(src), "-o", str(out), *SIMPLE_ARGS]) == 0
    assert read_output(out, "utf-8")[1][-1] == "=1+1"


def test_mutation_date_cells_read_as_text_become_invalid(tmp_path, monkeypatch, capsys):
    """What testers saw: date cells turned into text, then read with --format-date."""
    rows = [[r[0], r[1], r[2], datetime(2004, 11, 30), r[4], r[5]] for r in ROWS]
    src, out = write_xlsx(tmp_path / "p.xlsx", rows=rows), tmp_path / "o.csv"
    original = reader.XlsxSource.batches

    def as_text(self):
        for batch in original(self):
            batch.columns = [[reader.cell_text(v) for v in c] for c in batch.columns]
            yield batch

    monkeypatch.setattr(reader.XlsxSource, "batches", as_text)
    assert main(hash_args(src, out, encoding=None)) == 0
    assert "avec clé primaire 0 ;" in capsys.readouterr().out  # every date refused


def test_mutation_without_separator_detection_a_comma_file_fails(tmp_path, monkeypatch, capsys):
    src = write_csv(tmp_path / "p.csv", sep=",")
    monkeypatch.setattr(reader.CsvSource, "_detect_separator", lambda self, header: ";")
    assert main(hash_args(src, tmp_path / "o.csv")) == 1
    assert "missing_column" in capsys.readouterr().err  # the old "use --sep ," friction


def test_identities_written_inside_a_comment_are_refused(tmp_path, capsys):
    """A tester's comment column: the row's own name in a sentence, a birth date after "née
    le", an e-mail in brackets, a NIR with dots. Each alone refuses the column, named with its
    rule and first line, no value shown; --drop removes it."""
    notes = [
        f"Entretien avec {ROWS[0][2]} {ROWS[0][0]}, sa mère était présente ce jour",
        "née le 31/12/2003 à Montreuil",
        "contact : <quelqu.un@exemple.fr>",
        "NIR 1.05.05.75.123.456.78",
    ]
    expected = ["noms de la personne de la ligne", "dates complètes", "adresses électroniques",
                "numéros de sécurité sociale"]  # fmt: skip
    for note, rule in zip(notes, expected, strict=True):
        column = [["ras"]] * len(ROWS)
        column[0] = [note]
        src, out = identity_file(tmp_path, ["commentaire"], column), tmp_path / "o.csv"
        assert main(hash_args(src, out)) == 1, note
        err = capsys.readouterr().err
        assert "[identifying_column]" in err and "commentaire" in err and rule in err, err
        assert "(première à la ligne 2)" in err
        assert_no_value_shown(err, SECRETS + [note, "31/12/2003", "quelqu.un@exemple.fr"])
        assert not out.exists()
        assert main(hash_args(src, out, "--drop", "commentaire")) == 0
        assert "commentaire" not in read_output(out)[0]
        out.unlink()


def test_the_written_columns_are_found_in_any_case(tmp_path, capsys):
    """A CLE_HACHAGE column (a fake key, or a file hashed already) beside the written
    cle_hachage made a file the import refused ("the same name"), whose key check read the
    fake column; a Mois_Naissance column beside the written one likewise."""
    src = identity_file(tmp_path, ["CLE_HACHAGE"], [["deadbeef"]] * 7)
    out = tmp_path / "o.csv"
    assert main(hash_args(src, out)) == 1
    err = capsys.readouterr().err
    assert "[already_hashed]" in err and "CLE_HACHAGE" in err and not out.exists()
    src = identity_file(tmp_path, ["Mois_Naissance"], [["2004-11"]] * 7)
    assert main(hash_args(src, out, "--mois-naissance")) == 0
    header = read_output(out)[0]
    assert [identifiers.normalise_column_name(h) for h in header].count("mois_naissance") == 1


def test_a_reader_leaving_the_output_is_no_traceback(tmp_path):
    """`pipase hash ... | head -1`: the summary's reader closed the pipe; the file is written
    and committed before the summary, so the command ends quietly with 0 (it ended on a
    BrokenPipeError traceback)."""
    src, out = write_csv(tmp_path / "p.csv"), tmp_path / "o.csv"
    process = subprocess.Popen(
        [sys.executable, "-m", "pipase.cli", *hash_args(src, out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PIPASE_LANG": "fr"},
    )
    process.stdout.close()  # before the child writes anything
    err = process.stderr.read().decode()
    assert process.wait(timeout=120) == 0, err
    assert "Traceback" not in err and "BrokenPipe" not in err
    assert len(read_output(out)) == len(ROWS) + 1


@pytest.mark.parametrize("fmt", ["%d/%m/%y", "%m/%Y", "%d/%m", "%Q", "%", "%Y"])
def test_a_date_format_that_cannot_read_a_whole_birth_date_is_a_usage_error(tmp_path, capsys, fmt):
    """%d/%m/%y read 12/05/62 as 2062, %m/%Y made up the day, %d/%m the year, an unknown
    directive left every row unkeyed with exit 0: exit 2 now, before reading the file."""
    src, out = write_csv(tmp_path / "p.csv"), tmp_path / "o.csv"
    args = [a if a != "%d/%m/%Y" else fmt for a in hash_args(src, out)]
    with pytest.raises(SystemExit) as stopped:
        main(args)
    assert stopped.value.code == 2
    assert "--format-date" in capsys.readouterr().err and not out.exists()


def test_date_formats_with_a_time_or_a_month_name_are_accepted(tmp_path):
    assert hashkit._date_format("%Y-%m-%d %H:%M:%S") == "%Y-%m-%d %H:%M:%S"
    assert hashkit._date_format("%d %B %Y") == "%d %B %Y"


def _xlsx(path: Path, rows, *, hidden_first: bool = False) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    if hidden_first:
        sheet.sheet_state = "hidden"
        visible = book.create_sheet("visible")
        for row in rows:
            visible.append(row)
    book.save(path)
    return path


def _rewrite_part(path: Path, part: str, change) -> Path:
    damaged = path.with_name("damaged.xlsx")
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(damaged, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            target.writestr(item, change(data) if item.filename == part else data)
    return damaged


XLSX_ROWS = [["id", "NOM", "PRENOM", "DDN"], [1, "ZORBALIK", "Quentin", date(2003, 2, 1)],
             [2, "VARGOLAN", "Paul", date(2004, 2, 1)]]  # fmt: skip
NAME_ARGS = ["--nom", "NOM", "--prenom", "PRENOM", "--date-naissance", "DDN"]


def test_a_damaged_workbook_is_refused_without_a_traceback_or_a_value(tmp_path, capsys):
    """An adversarial tester's workbooks: a number cell holding a name (openpyxl's int() quoted
    it in a traceback), a sheet cut short. Refused as not_xlsx with the line, no value."""
    good = _xlsx(tmp_path / "b.xlsx", XLSX_ROWS)
    sheet = "xl/worksheets/sheet1.xml"
    cases = [
        (lambda d: d.replace(b'<c r="A3" t="n"><v>2</v>', b'<c r="A3" t="n"><v>VARGOLAN</v>'), 3),
        (lambda d: d[: len(d) // 2], None),
    ]
    for change, line in cases:
        damaged = _rewrite_part(good, sheet, change)
        with zipfile.ZipFile(good) as before, zipfile.ZipFile(damaged) as after:
            assert before.read(sheet) != after.read(sheet)  # the damage is there
        out = tmp_path / "o.csv"
        assert main(["hash", str(damaged), "-o", str(out), *NAME_ARGS]) == 1
        err = capsys.readouterr().err
        assert "[not_xlsx]" in err and "Traceback" not in err
        assert "VARGOLAN" not in err and "ZORBALIK" not in err
        if line is not None:
            assert f"ligne {line}" in err
        assert not out.exists()


def test_a_hidden_first_sheet_is_not_read_silently(tmp_path, capsys):
    book = _xlsx(tmp_path / "h.xlsx", XLSX_ROWS, hidden_first=True)
    out = tmp_path / "o.csv"
    assert main(["hash", str(book), "-o", str(out), *NAME_ARGS]) == 1
    assert "[hidden_sheet]" in capsys.readouterr().err and not out.exists()
    assert main(["hash", str(book), "-o", str(out), *NAME_ARGS, "--sheet", "visible"]) == 0
    # a sheet that does not exist: the count of sheets, never their names (a sheet may be
    # named after a person)
    assert main(["hash", str(book), "-o", str(out), *NAME_ARGS, "--sheet", "autre"]) == 1
    err = capsys.readouterr().err
    assert "[missing_sheet]" in err and "2 feuille(s)" in err and "visible" not in err


def test_an_encoding_mistake_is_refused_instead_of_giving_wrong_keys(tmp_path, capsys):
    """An adversarial tester's files: a UTF-8 file read with --encoding cp1252 (HÉBRARD read
    as HÃ‰BRARD, every key wrong), a cp1252 file read as latin-1 (Œ read as a control), a
    UTF-8 file with one cp1252 line (the advice to use --encoding cp1252 would garble the
    others). Each refused with its line; the right encoding gives the right keys."""
    text = "id;NOM;PRENOM;DDN\n1;HÉBRARD;Noël;01/02/2003\n2;BŒUF;Zoé;02/03/2004\n"
    utf8, cp1252 = tmp_path / "u.csv", tmp_path / "c.csv"
    utf8.write_bytes(text.encode("utf-8"))
    cp1252.write_bytes(text.encode("cp1252"))
    mixed = tmp_path / "m.csv"
    lines = text.splitlines(keepends=True)
    mixed.write_bytes("".join(lines[:2]).encode("utf-8") + lines[2].encode("cp1252"))
    args = [*NAME_ARGS, "--format-date", "%d/%m/%Y"]
    out = tmp_path / "o.csv"
    for src, encoding, rule, line in (
        (utf8, "cp1252", "[encoding_mismatch]", 2),
        (cp1252, "latin-1", "[encoding_mismatch]", 3),
        (mixed, None, "[mixed_encoding]", 3),
    ):
        extra = ["--encoding", encoding] if encoding else []
        assert main(["hash", str(src), "-o", str(out), *args, *extra]) == 1, src.name
        err = capsys.readouterr().err
        assert rule in err and f"ligne {line}" in err, err
        assert "--encoding cp1252" not in err or rule != "[mixed_encoding]"
        assert_no_value_shown(err, ["HÉBRARD", "BŒUF", "Noël", "Zoé"])
        assert not out.exists()
    keys = []
    for src, encoding in ((utf8, None), (cp1252, "cp1252")):
        extra = ["--encoding", encoding] if encoding else []
        assert main(["hash", str(src), "-o", str(out), *args, *extra]) == 0
        keys.append(out.read_bytes().replace(b"\r\n", b"\n").split(b"\n")[1:])
    assert keys[0] == keys[1]


def test_formulas_without_a_computed_value_are_refused(tmp_path, capsys):
    """openpyxl and some exports write formulas without their value: read as empty, a name
    became nom_vide and a row of formulas was dropped as blank (3 data rows, 2 read). Refused
    with the row; the same formulas with their computed value (a spreadsheet's save) pass."""
    rows = [["id", "NOM", "PRENOM", "DDN"], [1, "=UPPER(\"zorbalik\")", "Quentin", date(2003, 2, 1)],
            [2, "=UPPER(\"vargolan\")", "=PROPER(\"paul\")", "=DATE(2004,2,1)"]]  # fmt: skip
    book = _xlsx(tmp_path / "f.xlsx", rows)
    out = tmp_path / "o.csv"
    assert main(["hash", str(book), "-o", str(out), *NAME_ARGS]) == 1
    err = capsys.readouterr().err
    assert "[uncomputed_formula]" in err and "ligne 2" in err and not out.exists()
    computed = _rewrite_part(
        book,
        "xl/worksheets/sheet1.xml",
        lambda xml: xml.replace(b"</f><v></v>", b"</f><v>1</v>").replace(
            b"</f></c>", b"</f><v>1</v></c>"
        ),
    )
    assert main(["hash", str(computed), "-o", str(out), *NAME_ARGS]) == 0
    assert len(read_output(out, encoding="utf-8")) == 3


def test_binary_utf16_and_huge_values_are_named_by_their_rule(tmp_path, capsys):
    """A NUL byte after the first 4 MB was accepted (only the first block was checked); UTF-16
    without its mark was called binary; a value over the csv module's limit was called a
    malformed quote."""
    args = [*NAME_ARGS, "--format-date", "%d/%m/%Y"]
    header = "id;NOM;PRENOM;DDN\n"
    body = "".join(f"{i};NOM{i};Jean;01/02/2003\n" for i in range(150_000))
    big = tmp_path / "nul.csv"
    big.write_text(header + body + "150001;NO\x00M;Jean;01/02/2003\n", encoding="utf-8")
    assert len(body) > reader.BLOCK_BYTES
    utf16 = tmp_path / "u16.csv"
    utf16.write_bytes((header + "1;A;B;01/02/2003\n").encode("utf-16-le"))
    long = tmp_path / "long.csv"
    long.write_text(
        'id;NOM;PRENOM;DDN;note\n1;A;B;01/02/2003;"' + "x" * 200_000 + '"\n', encoding="utf-8"
    )
    out = tmp_path / "o.csv"
    for src, rule, line in ((big, "[not_csv]", 150_002), (utf16, "UTF-16", None),
                            (long, "[value_too_long]", 2)):  # fmt: skip
        assert main(["hash", str(src), "-o", str(out), *args]) == 1
        err = capsys.readouterr().err
        assert rule in err and "Traceback" not in err, err
        if line:
            assert f"ligne {line}" in err
        assert not out.exists()


def test_xlsx_text_dates_without_a_format_are_refused(tmp_path, capsys):
    """Birth dates typed as text in a workbook, no --format-date: every row came out unkeyed
    (date_naissance_invalide) with exit 0. Refused with the line, as a CSV is; with the format
    the rows are keyed."""
    rows = [["id", "NOM", "PRENOM", "DDN"], [1, "ZORBALIK", "Quentin", date(2003, 2, 1)],
            [2, "VARGOLAN", "Paul", "01/02/2004"]]  # fmt: skip
    book = _xlsx(tmp_path / "t.xlsx", rows)
    out = tmp_path / "o.csv"
    assert main(["hash", str(book), "-o", str(out), *NAME_ARGS]) == 1
    err = capsys.readouterr().err
    assert "[missing_format]" in err and "ligne 3" in err and "01/02/2004" not in err
    assert main(["hash", str(book), "-o", str(out), *NAME_ARGS, "--format-date", "%d/%m/%Y"]) == 0
    assert all(row[0] for row in read_output(out, encoding="utf-8")[1:])  # both keyed


# openpyxl's sheet stream, left open by the error, printed "Exception ignored ... Traceback"
@pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")
def test_xlsx_output_limits_are_named_with_the_file(tmp_path, capsys):
    """A control character or a value over Excel's 32,767 characters, written to an XLSX: the
    error names the output file, the line and the column (the longer value was written, the
    character's error named no file), and no traceback follows."""
    args = [*NAME_ARGS, "--format-date", "%d/%m/%Y"]
    for note, rule in (("a\x01b", "[xlsx_character]"), ("x" * 40_000, "[xlsx_cell_length]")):
        src = tmp_path / "p.csv"
        src.write_text(f"id;NOM;PRENOM;DDN;note\n1;A;B;01/02/2003;{note}\n", encoding="utf-8")
        out = tmp_path / "o.xlsx"
        assert main(["hash", str(src), "-o", str(out), *args]) == 1
        err = capsys.readouterr().err
        assert rule in err and "o.xlsx" in err and "ligne 2" in err and "note" in err, err
        assert not out.exists()
