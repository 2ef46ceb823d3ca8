"""`pipase revue`: the pairs sent to review, identities side by side, in a local HTML page or
XLSX workbook readable by its owner only (values escaped, a name that looks like a formula stays
text, a closed list for the decision); the filled workbook read back strictly, all or nothing,
into the decisions table whose DDL is the build's own (macro create_revue_decisions)."""

from __future__ import annotations

import datetime as dt
import stat

import duckdb
import openpyxl
import pytest
from conftest import REPO

from pipase import cli
from pipase.errors import PipaseError
from pipase.linkage import revue

KEY = "ab" * 32
KEY_2 = "cd" * 32
PRINT_2, PRINT_3, PRINT_4 = "12" * 32, "34" * 32, "56" * 32
DECISION_COLUMN = revue.HEADER.index("decision") + 1
MACRO = REPO / "macros" / "revue" / "create_revue_decisions.sql"


def _decisions_ddl(database: str) -> str:
    """The build's own DDL of the decisions table: the macro, rendered for `database`."""
    from types import SimpleNamespace

    import jinja2

    macro = MACRO.read_text(encoding="utf-8")
    return (
        jinja2.Environment()  # noqa: S701 (SQL, not HTML)
        .from_string(macro + "{{ create_revue_decisions() }}")
        .render(
            adapter=SimpleNamespace(quote=lambda name: f'"{name}"'),
            target=SimpleNamespace(database=database),
        )
    )


def _database(path, decisions_table=True, refused_by_step_3=False, two_members=False):
    """Line 2: sent to review by the pass (its best member KEY); line 3: linked. With
    ``refused_by_step_3``, line 4: step 3's one candidate (KEY) refused for its communes, which
    the pass does not rank first (no weight shown). With ``two_members``, line 2 is offered
    with the pass's second member too (KEY_2, weight 11.0)."""
    second = f"'{KEY_2}'" if two_members else "null::varchar"
    second_weight = "11.0" if two_members else "null::double"
    con = duckdb.connect(str(path))
    con.execute("create schema crossing; create schema identifying")
    con.execute(
        "create table crossing.int_crossing__appariements as select * from (values"
        f" ('webrsa', 'p.csv', 2, 'ambigu', 'revue_jour_different', '{KEY}', {second}),"
        " ('webrsa', 'p.csv', 3, 'probabiliste', null, null, null))"
        " as t (base_source, _fichier, _ligne, statut_appariement, motif_non_appariement,"
        " cle_candidat_revue, cle_second_candidat_revue)"
    )
    con.execute(
        "create table identifying.int_keys__liens_probabilistes as select * from (values"
        f" ('webrsa', 'p.csv', 2, '{KEY}', 12.5, {second}, {second_weight}),"
        f" ('webrsa', 'p.csv', 3, '{KEY}', 20.0, null, 1.0))"
        " as t (base_source, _fichier, _ligne, cle_hachage, poids_correspondance,"
        " cle_second_candidat, poids_second_candidat)"
    )
    con.execute(
        "create table identifying.int_keys__identites (base_source varchar, _fichier varchar,"
        " _ligne integer, id_individu varchar, nom_normalise varchar, prenom_normalise varchar,"
        " date_naissance date, genre varchar)"
    )
    con.executemany(
        "insert into identifying.int_keys__identites values (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            ("webrsa", "p.csv", 2, None, "=DUPONT<SCRIPT>", "JEAN", dt.date(2001, 3, 4), "M"),
            ("webrsa", "p.csv", 3, None, "LIENEXACT", "PAUL", dt.date(2001, 3, 4), "M"),
            ("iodas_ase", "i.csv", 2, "IND1", "DUPONT", "JEAN", dt.date(2001, 3, 25), "M"),
        ],
    )
    con.execute(
        "create table identifying.int_keys__iodas_ase__cohorte as select * from (values"
        f" ('IND1', '{KEY}', true), ('IND2', '{KEY_2}', true))"
        " as t (id_individu, cle_hachage, est_dans_cohorte)"
    )
    con.execute(
        "insert into identifying.int_keys__identites values"
        " ('iodas_ase', 'i.csv', 3, 'IND2', 'DUPONT', 'JEAN', DATE '1999-07-14', 'M')"
    )
    con.execute(
        "create table identifying.int_keys__decisions_revue as select * from (values"
        f" ('webrsa', 'p.csv', 2, '{PRINT_2}', null::varchar, null::varchar),"
        f" ('webrsa', 'p.csv', 3, '{PRINT_3}', null::varchar, null::varchar))"
        " as t (base_source, _fichier, _ligne, empreinte_ligne, cle_hachage, decision)"
    )
    if refused_by_step_3:
        con.execute(
            "insert into crossing.int_crossing__appariements values"
            f" ('webrsa', 'p.csv', 4, 'ambigu', 'commune_discordante', '{KEY}', null)"
        )
        con.execute(
            "insert into identifying.int_keys__identites values"
            " ('webrsa', 'p.csv', 4, null, 'DUPONT', 'JEAN', DATE '2001-03-23', 'M')"
        )
        con.execute(
            "insert into identifying.int_keys__decisions_revue values"
            f" ('webrsa', 'p.csv', 4, '{PRINT_4}', null, null)"
        )
    if decisions_table:
        con.execute(_decisions_ddl(path.stem))
    con.close()


def test_review_page_lists_only_the_review_pairs_escaped_and_private(tmp_path, capsys):
    database, page = tmp_path / "p.duckdb", tmp_path / "revue" / "revue.html"
    _database(database)
    assert cli.main(["revue", "--database", str(database), "--out", str(page)]) == 0
    text = page.read_text(encoding="utf-8")
    assert "=DUPONT&lt;SCRIPT&gt; JEAN, 2001-03-04, M" in text
    assert "DUPONT JEAN, 2001-03-25, M" in text  # the member's Iodas-ASE identity beside it
    assert "ambiguës : en revue (jour différent)" in text  # the seed's label
    assert KEY in text
    assert "LIENEXACT" not in text  # a linked row is no review
    assert "<script" not in text.lower().replace("&lt;script&gt;", "")
    assert stat.S_IMODE(page.stat().st_mode) == 0o600
    out = capsys.readouterr().out
    assert "1 paire(s)" in out and "DUPONT" not in out


def test_a_pair_step_3_refused_is_offered_with_its_candidate_and_can_be_decided(tmp_path):
    """A row step 3 refused for its communes (line 4, commune_discordante) is a review pair: its
    one candidate beside it, no weight (the pass does not rank that member first), listed first,
    and a decision on it is stored (the build applies it: int_crossing__appariements, step 5)."""
    database, book = tmp_path / "p.duckdb", tmp_path / "revue.xlsx"
    _database(database, refused_by_step_3=True)
    assert cli.main(["revue", "--database", str(database), "--out", str(book)]) == 0
    rows = _sheet_rows(book)
    # the motifs most often the row's person first (REVIEW_ORDER): communes apart before days
    assert [row["empreinte_ligne"] for row in rows] == [PRINT_4, PRINT_2]
    (step_3,) = [row for row in rows if row["empreinte_ligne"] == PRINT_4]
    assert step_3["cle_hachage"] == KEY
    assert step_3["jeune candidat (lignes Iodas-ASE)"] == "DUPONT JEAN, 2001-03-25, M"
    assert step_3["poids"] is None and step_3["motif"].endswith("communes différentes")
    _fill(book, {rows.index(step_3) + 2: "lier"})
    assert revue.store_decisions(database, book) == {"lier": 1}
    assert _stored(database) == [(PRINT_4, KEY, "webrsa", "lier")]


def test_review_needs_a_built_database(tmp_path):
    database = tmp_path / "vide.duckdb"
    duckdb.connect(str(database)).close()
    with pytest.raises(PipaseError) as refused:
        revue.write_review(database, tmp_path / "revue.html")
    assert refused.value.rule == "revue_sans_build"


# --------------------------------------------------------------------------- the workbook
def _workbook(tmp_path, capsys=None):
    database, book = tmp_path / "p.duckdb", tmp_path / "revue.xlsx"
    _database(database)
    assert cli.main(["revue", "--database", str(database), "--out", str(book)]) == 0
    return database, book


def test_the_workbook_lists_the_review_pairs_with_a_closed_decision_list(tmp_path):
    _database_path, book = _workbook(tmp_path)
    assert stat.S_IMODE(book.stat().st_mode) == 0o600
    sheet = openpyxl.load_workbook(book)[revue.SHEET]
    assert [c.value for c in sheet[1]] == revue.HEADER
    assert sheet.max_row == 2  # the linked row (line 3) is no review pair
    row = {name: sheet.cell(row=2, column=i).value for i, name in enumerate(revue.HEADER, 1)}
    assert row["nom (ligne)"] == "=DUPONT<SCRIPT>"
    assert sheet.cell(row=2, column=5).data_type == "s"  # text, not a formula
    assert row["jeune candidat (lignes Iodas-ASE)"] == "DUPONT JEAN, 2001-03-25, M"
    assert (row["empreinte_ligne"], row["cle_hachage"], row["decision"]) == (PRINT_2, KEY, None)
    assert row["motif"] == "ambiguës : en revue (jour différent)"
    (validation,) = sheet.data_validations.dataValidation
    assert validation.type == "list" and validation.formula1 == '"lier,rejeter"'
    assert str(validation.sqref) == "L2"  # the decision cell of the one pair
    for column in ("M", "N"):
        assert sheet.column_dimensions[column].hidden


def test_a_formula_looking_name_becomes_a_formula_without_the_protection(tmp_path, monkeypatch):
    def plain(cell, value):
        cell.value = value

    monkeypatch.setattr(revue, "_text_cell", plain)
    _database_path, book = _workbook(tmp_path)
    assert openpyxl.load_workbook(book)[revue.SHEET].cell(row=2, column=5).data_type == "f"


def _fill(book, decisions: dict[int, object], edit=None):
    workbook = openpyxl.load_workbook(book)
    sheet = workbook[revue.SHEET]
    for line, value in decisions.items():
        if line > sheet.max_row:  # a second row for the same pair
            for column in range(1, len(revue.HEADER) + 1):
                sheet.cell(row=line, column=column, value=sheet.cell(row=2, column=column).value)
        sheet.cell(row=line, column=DECISION_COLUMN, value=value)
    if edit:
        edit(sheet)
    workbook.save(book)


def _sheet_rows(book):
    """The workbook's pairs, each a dict by header."""
    sheet = openpyxl.load_workbook(book)[revue.SHEET]
    return [
        {name: sheet.cell(row=r, column=i).value for i, name in enumerate(revue.HEADER, 1)}
        for r in range(2, sheet.max_row + 1)
    ]


def _stored(database):
    con = duckdb.connect(str(database), read_only=True)
    try:
        return con.execute(
            "select empreinte_ligne, cle_hachage, base_source, decision from pipase_revue.decisions"
        ).fetchall()
    finally:
        con.close()


def test_the_filled_workbook_is_stored_and_a_new_decision_replaces_the_old(tmp_path, capsys):
    database, book = _workbook(tmp_path)
    _fill(book, {2: "lier"})
    assert cli.main(["revue", "--database", str(database), "--decisions", str(book)]) == 0
    assert _stored(database) == [(PRINT_2, KEY, "webrsa", "lier")]
    assert "1 paire(s) à lier et 0 à rejeter" in capsys.readouterr().out
    _fill(book, {2: " rejeter "})
    revue.store_decisions(database, book)
    assert _stored(database) == [(PRINT_2, KEY, "webrsa", "rejeter")]
    con = duckdb.connect(str(database), read_only=True)
    assert revue.stored_counts(con) == {"lier": 0, "rejeter": 1}
    con.close()


def test_an_empty_decision_is_no_decision(tmp_path):
    database, book = _workbook(tmp_path)
    assert revue.store_decisions(database, book) == {}
    assert _stored(database) == []


def _key_changed(sheet):
    sheet.cell(row=2, column=revue.HEADER.index("cle_hachage") + 1, value="AB" * 32)


def _header_removed(sheet):
    sheet.cell(row=1, column=revue.HEADER.index("empreinte_ligne") + 1, value="empreinte")


def _unknown_pair(sheet):
    sheet.cell(row=2, column=revue.HEADER.index("empreinte_ligne") + 1, value="78" * 32)


@pytest.mark.parametrize(
    ("decisions", "edit", "rule", "line", "column"),
    [
        ({2: "Lier-SECRET"}, None, "revue_decision_inconnue", 2, "decision"),
        ({2: 1}, None, "revue_decision_inconnue", 2, "decision"),
        ({2: "lier"}, _key_changed, "revue_cle_invalide", 2, "cle_hachage"),
        ({2: "lier"}, _header_removed, "revue_entete", 1, "empreinte_ligne"),
        ({2: "lier"}, _unknown_pair, "revue_paire_inconnue", 2, None),
        ({2: "lier", 3: "rejeter"}, None, "revue_decision_contradictoire", 3, "decision"),
    ],
)
def test_a_bad_workbook_is_refused_whole_with_its_place_and_never_a_value(
    tmp_path, capsys, decisions, edit, rule, line, column
):
    database, book = _workbook(tmp_path)
    _fill(book, decisions, edit)
    with pytest.raises(PipaseError) as refused:
        revue.store_decisions(database, book)
    error = refused.value
    assert (error.rule, error.file, error.line, error.column) == (rule, str(book), line, column)
    assert _stored(database) == []  # all or nothing
    assert cli.main(["revue", "--database", str(database), "--decisions", str(book)]) == 1
    err = capsys.readouterr().err
    assert rule in err and "SECRET" not in err and "DUPONT" not in err


def test_the_same_decision_twice_for_one_pair_is_one_decision(tmp_path):
    database, book = _workbook(tmp_path)
    _fill(book, {2: "lier", 3: "lier"})
    assert revue.store_decisions(database, book) == {"lier": 1}


def test_a_missing_file_a_non_workbook_and_a_missing_sheet_are_refused(tmp_path):
    database, book = _workbook(tmp_path)
    cases = [(tmp_path / "absent.xlsx", "revue_fichier_absent")]
    text = tmp_path / "faux.xlsx"
    text.write_text("nom;prenom\n", encoding="utf-8")
    cases.append((text, "revue_fichier_illisible"))
    other = openpyxl.Workbook()
    other.active.title = "autre"
    other.save(tmp_path / "autre.xlsx")
    cases.append((tmp_path / "autre.xlsx", "revue_feuille_absente"))
    for path, rule in cases:
        with pytest.raises(PipaseError) as refused:
            revue.store_decisions(database, path)
        assert refused.value.rule == rule


def test_decisions_need_the_build_s_decisions_table(tmp_path):
    database, book = tmp_path / "p.duckdb", tmp_path / "revue.xlsx"
    _database(database, decisions_table=False)
    revue.write_review(database, book)
    _fill(book, {2: "lier"})
    with pytest.raises(PipaseError) as refused:
        revue.store_decisions(database, book)
    assert refused.value.rule == "revue_sans_build"


def test_the_decisions_table_refuses_a_value_outside_the_list(tmp_path):
    database = tmp_path / "p.duckdb"
    _database(database)
    con = duckdb.connect(str(database))
    with pytest.raises(duckdb.ConstraintException):
        con.execute(
            "insert into pipase_revue.decisions values (?, ?, 'webrsa', 'peut-etre', now())",
            [PRINT_2, KEY],
        )
    con.close()


def test_the_review_file_must_be_html_or_xlsx(tmp_path):
    database = tmp_path / "p.duckdb"
    _database(database)
    with pytest.raises(PipaseError) as refused:
        revue.write_review(database, tmp_path / "revue.csv")
    assert refused.value.rule == "revue_format"


def test_the_run_record_gives_the_stored_and_applied_decisions(tmp_path):
    from pipase.run import record

    database = tmp_path / "vide.duckdb"
    duckdb.connect(str(database)).close()
    con = duckdb.connect(str(database))
    assert revue.stored_counts(con) is None  # no table: no section
    con.close()
    rows = [
        {"base_source": "webrsa", "matched_agent_review": 3, "unmatched_agent_rejected": 1},
        {"base_source": "nova_dpas", "matched_agent_review": 1, "unmatched_agent_rejected": 0},
    ]
    text = record.render_markdown(
        {
            "revue": {"lier": 5, "rejeter": 2},
            "rapports": {"appariement": {"rpt_linkage__by_source": {"lignes": rows}}},
        }
    )
    assert "5 à lier, 2 à rejeter ; appliquées par cette construction : 4 liées, 1 rejetées" in text
    assert "Revue des paires" not in record.render_markdown({})


def test_a_row_between_the_pass_s_two_members_offers_both_and_either_can_be_linked(tmp_path):
    """Line 2 with the pass's second member under review too (cle_second_candidat_revue): two
    pairs, each member's identity and its weight beside the other's; a 'lier' on the second is
    a known pair and is stored (the build links the row to it: int_crossing__appariements,
    step 5). Without the second member, one pair."""
    database, book = tmp_path / "p.duckdb", tmp_path / "revue.xlsx"
    _database(database, two_members=True)
    assert cli.main(["revue", "--database", str(database), "--out", str(book)]) == 0
    rows = _sheet_rows(book)
    by_key = {row["cle_hachage"]: row for row in rows}
    assert set(by_key) == {KEY, KEY_2}
    assert {row["empreinte_ligne"] for row in rows} == {PRINT_2}
    assert by_key[KEY_2]["jeune candidat (lignes Iodas-ASE)"] == "DUPONT JEAN, 1999-07-14, M"
    assert (by_key[KEY]["poids"], by_key[KEY]["poids du second candidat"]) == (12.5, 11.0)
    assert (by_key[KEY_2]["poids"], by_key[KEY_2]["poids du second candidat"]) == (11.0, 12.5)
    _fill(book, {rows.index(by_key[KEY_2]) + 2: "lier"})
    assert revue.store_decisions(database, book) == {"lier": 1}
    assert _stored(database) == [(PRINT_2, KEY_2, "webrsa", "lier")]

    single = tmp_path / "single.duckdb"
    _database(single)
    assert len(revue.read_pairs(duckdb.connect(str(single), read_only=True))) == 1


def test_a_row_linked_to_both_of_its_members_is_refused(tmp_path, capsys):
    """'lier' on the two members of one row is refused at the second one's line, and so is a
    'lier' on one member while the other's 'lier' is already stored; 'lier' on one and
    'rejeter' on the other is stored."""
    database, book = tmp_path / "p.duckdb", tmp_path / "revue.xlsx"
    _database(database, two_members=True)
    assert cli.main(["revue", "--database", str(database), "--out", str(book)]) == 0
    rows = _sheet_rows(book)
    line_of = {row["cle_hachage"]: n for n, row in enumerate(rows, 2)}
    _fill(book, {line_of[KEY]: "lier", line_of[KEY_2]: "lier"})
    with pytest.raises(PipaseError) as refused:
        revue.store_decisions(database, book)
    assert (refused.value.rule, refused.value.line, refused.value.column) == (
        "revue_deux_liens",
        max(line_of.values()),
        "decision",
    )
    assert _stored(database) == []
    assert cli.main(["revue", "--database", str(database), "--decisions", str(book)]) == 1
    assert "cette ligne est liée à deux jeunes" in capsys.readouterr().err

    _fill(book, {line_of[KEY]: "lier", line_of[KEY_2]: "rejeter"})
    assert revue.store_decisions(database, book) == {"lier": 1, "rejeter": 1}
    # a later workbook links the other member while the first 'lier' is stored
    later = tmp_path / "revue2.xlsx"
    assert cli.main(["revue", "--database", str(database), "--out", str(later)]) == 0
    _fill(later, {line_of[KEY_2]: "lier"})
    with pytest.raises(PipaseError) as refused:
        revue.store_decisions(database, later)
    assert (refused.value.rule, refused.value.line) == ("revue_deux_liens", line_of[KEY_2])


def test_only_the_members_under_review_now_count_for_two_links(tmp_path):
    """A 'lier' stored for a member no longer under review for the row (an earlier
    extraction's) does not refuse a 'lier' on a member under review now; two 'lier' stored
    earlier on both members do not refuse a workbook that decides nothing on that row."""
    database, book = tmp_path / "p.duckdb", tmp_path / "revue.xlsx"
    _database(database, two_members=True)
    con = duckdb.connect(str(database))
    con.execute(
        f"insert into {revue.DECISIONS_TABLE} values"
        f" ('{PRINT_2}', '{'ef' * 32}', 'webrsa', 'lier', now()::timestamp)"
    )
    con.close()
    assert cli.main(["revue", "--database", str(database), "--out", str(book)]) == 0
    line_of = {row["cle_hachage"]: n for n, row in enumerate(_sheet_rows(book), 2)}
    _fill(book, {line_of[KEY]: "lier"})
    assert revue.store_decisions(database, book) == {"lier": 1}

    con = duckdb.connect(str(database))
    con.execute(
        f"insert into {revue.DECISIONS_TABLE} values"
        f" ('{PRINT_2}', '{KEY_2}', 'webrsa', 'lier', now()::timestamp)"
    )
    con.close()
    empty = tmp_path / "vide.xlsx"
    assert cli.main(["revue", "--database", str(database), "--out", str(empty)]) == 0
    assert revue.store_decisions(database, empty) == {}
