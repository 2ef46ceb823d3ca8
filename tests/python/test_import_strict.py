"""`pipase import` accepts annex 2 and nothing else (the archive half).

Each refusal plants one fault in an otherwise valid archive (made with the right password, as a
sender could), checks the one-line French message names it (table, column, rule), the exit code
1 through the real CLI, and that the Association's database was not touched (its bytes are
those of the previous import, or it was never created). Each has a mutation: with the check
removed (or annex 2 made to include the fault) the same archive goes through, so the check is
what refuses it. Archives are built from the shipped schema (tests/python/annex2_fixtures.py);
the schema itself is checked against the dbt contracts.
"""

from __future__ import annotations

import hashlib
import io
import re
import shutil
import subprocess
import sys
from pathlib import Path

import annex2_fixtures as fx
import duckdb
import pytest

from pipase import cli
from pipase.errors import PipaseError
from pipase.transmission import TransmissionError, annex2_schema, import_cmd
from pipase.transmission.annex2_schema import ExpectedColumn

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "synthetic-archive-pass-0001"  # noqa: S105 - synthetic, for tests only
PLACEMENT = "annexe2_iodas_ase__placement"
INDIVIDU = "annexe2_iodas_ase__individu"
MESURE = "annexe2_iodas_ase__mesure"
NAME_VALUE = "DUPONTTESTNAME"  # a value that must never be repeated in a message


@pytest.fixture(autouse=True)
def environment(monkeypatch):
    monkeypatch.setenv("PIPASE_LANG", "fr")
    monkeypatch.setenv("PIPASE_ARCHIVE_PASSWORD", PASSWORD)
    monkeypatch.delenv("PIPASE_DB_KEY", raising=False)
    monkeypatch.setattr(sys, "stdin", io.StringIO())  # not a terminal


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> tuple[Path, dict]:
    """The Parquet files and manifest of a valid archive, written once for the module."""
    folder = tmp_path_factory.mktemp("base") / "members"
    return folder, fx.write_parquet_folder(folder)


@pytest.fixture(scope="module")
def valid_archive(tmp_path_factory, base) -> Path:
    folder = tmp_path_factory.mktemp("valid")
    return fx.build_archive(folder / "valid.7z", PASSWORD, base=base)


@pytest.fixture(scope="module")
def imported_once(tmp_path_factory, valid_archive) -> Path:
    path = tmp_path_factory.mktemp("imported") / "asso.duckdb"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PIPASE_ARCHIVE_PASSWORD", PASSWORD)
        patch.delenv("PIPASE_DB_KEY", raising=False)
        assert cli.main(["import", str(valid_archive), "--database", str(path)]) == 0
    return path


@pytest.fixture
def database(tmp_path, imported_once) -> Path:
    """The Association's database after a first, valid import (a copy of it)."""
    path = tmp_path / "asso" / "asso.duckdb"
    path.parent.mkdir()
    shutil.copyfile(imported_once, path)
    return path


@pytest.fixture
def make_archive(tmp_path, base):
    """make_archive(plant): a valid archive with one fault planted."""

    def make(plant=None) -> Path:
        return fx.build_archive(tmp_path / "bad.7z", PASSWORD, plant, base=base)

    return make


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_import(archive: Path, database: Path, capsys) -> tuple[int, str]:
    code = cli.main(["import", str(archive), "--database", str(database)])
    captured = capsys.readouterr()
    return code, captured.err


def schema_with(table: str, columns: list[ExpectedColumn] | None) -> dict:
    """The shipped schema with one table replaced (None: removed)."""
    tables = dict(annex2_schema.expected_tables())
    if columns is None:
        tables.pop(table)
    else:
        tables[table] = tuple(columns)
    return tables


def column(name: str, data_type: str = "VARCHAR") -> ExpectedColumn:
    return ExpectedColumn(name=name, data_type=data_type, not_null=False, shape=None)


def columns_of(table: str) -> list[ExpectedColumn]:
    return list(annex2_schema.expected_tables()[table])


def select_of(table: str, individuals: int = 50) -> str:
    return fx.table_select(table, fx.rows_of(table, individuals), individuals, "V")


def assert_refused(code: int, err: str, rule: str, *parts: str) -> None:
    assert code == 1, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err  # one line, no traceback
    assert lines[0].startswith("pipase import : erreur : "), err
    assert f"[{rule}]" in err and "import refusé" in err
    for part in parts:
        assert part in err, (part, err)
    assert "Traceback" not in err


# --------------------------------------------------------------------------- the schema
def test_shipped_schema_is_the_dbt_contracts():
    """The CSV equals what the generator reads from the models (make lint runs the same)."""
    done = subprocess.run(
        [sys.executable, "scripts/generate_annexe2_schema.py", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    tables = annex2_schema.expected_tables()
    assert len(tables) == 10
    assert [c.name for c in tables[INDIVIDU]][:2] == ["cle_hachage", "cle_hachage_secondaire"]
    assert {c.name: c.data_type for c in tables["annexe2_webrsa__allocataire"]}[
        "annees_naissance_enfants"
    ] == "INTEGER[]"
    assert {c.name: c.data_type for c in tables["annexe2_iodas_dpas__aide"]}[
        "montant_percu"
    ] == "DECIMAL(10,2)"
    assert all(
        c.shape == "sha256" and c.not_null
        for t in tables.values()
        for c in t[:2]
        if c.name == "cle_hachage"
    )


def test_schema_check_fails_when_a_contract_changes(tmp_path):
    """Mutation: a contract with one more column gives another schema than the shipped one."""
    source = (ROOT / annex2_schema.CONTRACTS_FILE).read_text(encoding="utf-8")
    changed = source.replace(
        "      - name: circonscription\n        data_type: varchar\n",
        "      - name: circonscription\n        data_type: varchar\n"
        "      - name: nom\n        data_type: varchar\n",
        1,
    )
    assert changed != source
    path = tmp_path / "_annexe2__models.yml"
    path.write_text(changed, encoding="utf-8")
    con = duckdb.connect()

    def canonical(data_type: str) -> str:
        return str(con.sql(f"select cast(null as {data_type}) as x").types[0])

    rendered = annex2_schema.render(annex2_schema.read_contracts(path, canonical))
    assert rendered != annex2_schema.SCHEMA_FILE.read_text(encoding="utf-8")
    # the planted column, right after circonscription, whatever its position in the table
    assert re.search(
        rf"^{INDIVIDU},\d+,circonscription,[^\n]*\n{INDIVIDU},\d+,nom,VARCHAR,", rendered, re.M
    )


def test_contract_without_data_type_is_refused_by_the_generator(tmp_path):
    path = tmp_path / "m.yml"
    path.write_text("models:\n  - name: annexe2_x__y\n    columns:\n      - name: a\n")
    with pytest.raises(annex2_schema.SchemaError, match="no usable data_type"):
        annex2_schema.read_contracts(path, str.upper)


# --------------------------------------------------------------------------- acceptance
def test_valid_archive_is_accepted(tmp_path, valid_archive, capsys):
    database = tmp_path / "asso.duckdb"
    code, err = run_import(valid_archive, database, capsys)
    assert code == 0, err
    con = duckdb.connect(str(database), read_only=True)
    try:
        loaded = con.execute(
            "select table_name, count(*) from information_schema.columns "
            "where table_schema = 'annexe2' group by 1 order by 1"
        ).fetchall()
        assert loaded == sorted((t, len(c)) for t, c in annex2_schema.expected_tables().items())
        assert con.execute(f"select count(*) from annexe2.{PLACEMENT}").fetchone() == (150,)
    finally:
        con.close()


# --------------------------------------------------------------------------- refusals
def plant_extra_table(folder, manifest, con):
    fx.add_table(folder, manifest, con, "annexe2_iodas_ase__extra", select_of(INDIVIDU))


def plant_identity_columns(folder, manifest, con):
    fx.replace_table(
        folder,
        manifest,
        con,
        INDIVIDU,
        f"select *, '{NAME_VALUE}' as nom, date '2003-07-14' as date_naissance "
        f"from ({select_of(INDIVIDU)})",
    )


def plant_missing_table(folder, manifest, con):
    (folder / f"{PLACEMENT}.parquet").unlink()
    manifest["tables"] = [t for t in manifest["tables"] if t["name"] != PLACEMENT]


def plant_no_table(folder, manifest, con):
    for path in folder.glob("*.parquet"):
        path.unlink()
    manifest["tables"] = []


def plant_missing_column(folder, manifest, con):
    fx.replace_table(
        folder,
        manifest,
        con,
        INDIVIDU,
        f"select * exclude (circonscription) from ({select_of(INDIVIDU)})",
    )


def plant_wrong_type(folder, manifest, con):
    fx.replace_table(
        folder,
        manifest,
        con,
        MESURE,
        f"select * replace (duree_mesure_jours::bigint as duree_mesure_jours) "
        f"from ({select_of(MESURE)})",
    )


def plant_swapped_columns(folder, manifest, con):
    names = [c.name for c in columns_of(INDIVIDU)]
    names[3], names[4] = names[4], names[3]  # mois_naissance <-> genre
    fx.replace_table(
        folder, manifest, con, INDIVIDU, f"select {', '.join(names)} from ({select_of(INDIVIDU)})"
    )


def plant_duplicate_table(folder, manifest, con):
    manifest["tables"].append(dict(manifest["tables"][0]))


def plant_extra_file(folder, manifest, con):
    (folder / "notes.txt").write_text("not listed in the manifest")


def plant_wrong_file_name(folder, manifest, con):
    entry = next(t for t in manifest["tables"] if t["name"] == PLACEMENT)
    (folder / entry["file"]).rename(folder / "placement.parquet")
    entry["file"] = "placement.parquet"


def plant_manifest_type_lie(folder, manifest, con):
    entry = next(t for t in manifest["tables"] if t["name"] == MESURE)
    entry["columns"][-1]["type"] = "VARCHAR"


def unchecked_table_names(monkeypatch):
    monkeypatch.setattr(import_cmd, "check_table_names", lambda entries: [])


def unchecked_files(monkeypatch):
    monkeypatch.setattr(import_cmd, "check_files", lambda entries, members: [])


def annex_includes(table, columns):
    def mutate(monkeypatch):
        tables = schema_with(table, columns() if callable(columns) else columns)
        monkeypatch.setattr(import_cmd, "expected_tables", lambda: tables)

    return mutate


def swapped_schema():
    names = columns_of(INDIVIDU)
    names[3], names[4] = names[4], names[3]
    return names


def bigint_schema():
    return [
        column(c.name, "BIGINT") if c.name == "duree_mesure_jours" else c
        for c in columns_of(MESURE)
    ]


def manifest_columns_unchecked(monkeypatch):
    real = import_cmd.compare_columns

    def compare(table, actual, expected, *, where, **rules):
        if where == "manifest.json":
            return []
        return real(table, actual, expected, where=where, **rules)

    monkeypatch.setattr(import_cmd, "compare_columns", compare)


REFUSALS = {
    # id: (plant, rule, parts of the message, mutation removing the protection)
    "table not in annex 2": (
        plant_extra_table,
        "annexe2_table",
        ["la table annexe2_iodas_ase__extra n'est pas une table de l'annexe 2"],
        annex_includes("annexe2_iodas_ase__extra", lambda: columns_of(INDIVIDU)),
    ),
    "nom and date_naissance columns": (
        plant_identity_columns,
        "annexe2_colonne",
        [
            f"table {INDIVIDU} (fichier Parquet) : la colonne nom ne figure pas à l'annexe 2",
            "la colonne date_naissance ne figure pas",
        ],
        annex_includes(
            INDIVIDU,
            lambda: columns_of(INDIVIDU) + [column("nom"), column("date_naissance", "DATE")],
        ),
    ),
    "missing table": (
        plant_missing_table,
        "annexe2_table",
        [f"la table {PLACEMENT} de l'annexe 2 manque dans l'archive"],
        annex_includes(PLACEMENT, None),
    ),
    "no table": (
        plant_no_table,
        "annexe2_table",
        ["l'archive ne contient aucune table"],
        unchecked_table_names,
    ),
    "missing column": (
        plant_missing_column,
        "annexe2_colonne",
        [f"table {INDIVIDU} (fichier Parquet) : la colonne circonscription de l'annexe 2 manque"],
        annex_includes(INDIVIDU, lambda: columns_of(INDIVIDU)[:-1]),
    ),
    "wrong type": (
        plant_wrong_type,
        "annexe2_type",
        [
            f"table {MESURE} (fichier Parquet) : la colonne duree_mesure_jours est de type "
            "BIGINT, l'annexe 2 prévoit INTEGER"
        ],
        annex_includes(MESURE, bigint_schema),
    ),
    "columns out of order": (
        plant_swapped_columns,
        "annexe2_colonne",
        ["les colonnes ne sont pas dans l'ordre de l'annexe 2"],
        annex_includes(INDIVIDU, swapped_schema),
    ),
    "table listed twice": (
        plant_duplicate_table,
        "annexe2_table",
        ["figure deux fois"],
        unchecked_table_names,
    ),
    "file outside the manifest": (
        plant_extra_file,
        "integrite",
        ["1 fichier(s) de l'archive ne figurent pas dans le manifeste"],
        unchecked_files,
    ),
    "file not named after its table": (
        plant_wrong_file_name,
        "manifest",
        [f"table {PLACEMENT} : son fichier doit être {PLACEMENT}.parquet"],
        unchecked_files,
    ),
    "manifest columns differ from the file": (
        plant_manifest_type_lie,
        "manifest",
        [f"table {MESURE} (manifest.json) : la colonne duree_mesure_jours est de type VARCHAR"],
        manifest_columns_unchecked,
    ),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_refusal_names_the_fault_and_writes_nothing(
    case, tmp_path, database, monkeypatch, capsys, make_archive
):
    plant, rule, parts, mutation = REFUSALS[case]
    bad = make_archive(plant)
    before = digest(database)
    code, err = run_import(bad, database, capsys)
    assert_refused(code, err, rule, *parts)
    assert digest(database) == before  # the database was not even opened
    fresh = tmp_path / "fresh" / "asso.duckdb"
    code, err = run_import(bad, fresh, capsys)
    assert code == 1 and not fresh.exists() and not fresh.parent.exists()
    # mutation: without the check (or with annex 2 made to include the fault) it goes through
    mutation(monkeypatch)
    code, err = run_import(bad, fresh, capsys)
    assert code == 0, err


def test_identity_columns_reach_the_database_without_the_check(
    tmp_path, monkeypatch, capsys, make_archive
):
    """What the testers saw: nom and date_naissance loaded. The column check stops it."""
    bad = make_archive(plant_identity_columns)
    annex_includes(
        INDIVIDU, columns_of(INDIVIDU) + [column("nom"), column("date_naissance", "DATE")]
    )(monkeypatch)
    database = tmp_path / "asso.duckdb"
    assert run_import(bad, database, capsys)[0] == 0
    con = duckdb.connect(str(database), read_only=True)
    try:
        assert con.execute(f"select distinct nom from annexe2.{INDIVIDU}").fetchall() == [
            (NAME_VALUE,)
        ]
    finally:
        con.close()


# --------------------------------------------------------------------------- table names
@pytest.mark.parametrize(
    "name",
    [
        "x; DROP TABLE y",
        'annexe2_iodas_ase__individu"; drop table annexe2.x; --',
        "Annexe2_iodas_ase__individu",
        "../annexe2_evil",
        "annexe2_iodas_ase__individu ",
        "_annexe2",
        "1annexe2",
        "annexe2_é",
    ],
)
def test_table_name_not_an_identifier_is_refused_before_any_sql(
    name, tmp_path, capsys, make_archive
):
    def plant(folder, manifest, con):
        path = folder / "odd.parquet"
        con.execute(f"copy ({select_of(INDIVIDU)}) to '{path}' (format parquet)")
        entry = fx.parquet_entry(con, INDIVIDU, path)
        manifest["tables"].append(entry | {"name": name, "file": "odd.parquet"})

    bad = make_archive(plant)
    database = tmp_path / "asso.duckdb"
    executed = []
    real_connect = duckdb.connect

    def spy(*args, **kwargs):  # any DuckDB connection opened during the check is SQL
        executed.append(args)
        return real_connect(*args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(duckdb, "connect", spy)
        code, err = run_import(bad, database, capsys)
    assert_refused(
        code, err, "annexe2_table", "entrée de table n° 11 : son nom n'est pas un identifiant"
    )
    assert executed == []  # refused before a connection was opened
    assert name not in err  # the odd name is not echoed
    assert not database.exists()


def test_sql_table_name_lands_as_such_without_the_name_checks(
    tmp_path, monkeypatch, capsys, make_archive
):
    """Mutation: without the identifier rule and with annex 2 made to list the name, the
    table `x; DROP TABLE y` is created, as the testers saw: those checks are what stop it."""
    name = "x; DROP TABLE y"

    def plant(folder, manifest, con):
        fx.add_table(folder, manifest, con, name, select_of(INDIVIDU))

    bad = make_archive(plant)
    monkeypatch.setattr(import_cmd, "IDENTIFIER", re.compile(".*"))
    annex_includes(name, lambda: columns_of(INDIVIDU))(monkeypatch)
    database = tmp_path / "asso.duckdb"
    assert run_import(bad, database, capsys)[0] == 0
    con = duckdb.connect(str(database), read_only=True)
    try:
        names = {r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()}
    finally:
        con.close()
    assert name in names


# --------------------------------------------------------------------------- values
def plant_value(table: str, column_name: str, sql: str):
    def plant(folder, manifest, con):
        fx.replace_table(
            folder,
            manifest,
            con,
            table,
            f"select * exclude (i_) replace (case when i_ = 7 then {sql} else {column_name} "
            f"end as {column_name}) from "
            f"(select *, row_number() over () - 1 as i_ from ({select_of(table)}))",
        )

    return plant


VALUE_FAULTS = {
    "a name as primary key": (
        PLACEMENT,
        "cle_hachage",
        f"'{NAME_VALUE}'",
        "1 valeur(s) ne sont pas une clé de 64 chiffres hexadécimaux en minuscules",
    ),
    "upper-case key": (
        INDIVIDU,
        "cle_hachage_secondaire",
        "upper(sha256('x'))",
        "1 valeur(s) ne sont pas une clé de 64 chiffres hexadécimaux",
    ),
    "a birth date in a month column": (
        PLACEMENT,
        "mois_debut_placement",
        "'2003-07-14'",
        "1 valeur(s) ne sont pas un mois AAAA-MM",
    ),
    "empty primary key": (
        PLACEMENT,
        "cle_hachage",
        "null",
        "1 valeur(s) vide(s), l'annexe 2 en exige une",
    ),
}


@pytest.mark.parametrize("case", list(VALUE_FAULTS))
def test_values_of_the_wrong_shape_are_refused(
    case, tmp_path, database, monkeypatch, capsys, make_archive
):
    table, column_name, sql, message = VALUE_FAULTS[case]
    bad = make_archive(plant_value(table, column_name, sql))
    before = digest(database)
    code, err = run_import(bad, database, capsys)
    assert_refused(
        code, err, "annexe2_valeur", f"table {table} : colonne {column_name} : {message}"
    )
    assert NAME_VALUE not in err and "2003-07-14" not in err
    assert digest(database) == before
    # mutation: without the shape check the value is loaded
    monkeypatch.setattr(import_cmd, "check_values", lambda con, table, data, expected: [])
    fresh = tmp_path / "fresh.duckdb"
    assert run_import(bad, fresh, capsys)[0] == 0
    con = duckdb.connect(str(fresh), read_only=True)
    try:
        bad_rows = con.execute(
            f"select count(*) from annexe2.{table} where {column_name} is null "
            f"or not regexp_full_match({column_name}, '{annex2_schema.SHAPES['sha256']}|"
            f"{annex2_schema.SHAPES['month']}')"
        ).fetchone()[0]
    finally:
        con.close()
    assert bad_rows == 1


# --------------------------------------------------------------------------- manifest
def without(field):
    def edit(entry):
        entry.pop(field)

    return edit


def setting(field, value):
    def edit(entry):
        entry[field] = value

    return edit


MANIFEST_FAULTS = {
    "no file": (without("file"), "le champ file manque"),
    "no name": (without("name"), "le champ name manque"),
    "no rows": (without("rows"), "le champ rows manque"),
    "no sha256": (without("sha256"), "le champ sha256 manque"),
    "no columns": (without("columns"), "le champ columns manque"),
    "rows as text": (setting("rows", "50"), "le champ rows doit être un nombre entier"),
    "rows negative": (setting("rows", -1), "le champ rows doit être un nombre entier"),
    "rows boolean": (setting("rows", True), "le champ rows doit être un nombre entier"),
    "file a number": (setting("file", 3), "le champ file doit être un texte non vide"),
    "name null": (setting("name", None), "le champ name doit être un texte non vide"),
    "short sha256": (setting("sha256", "abc"), "le champ sha256 doit être 64 chiffres"),
    "columns a text": (setting("columns", "x"), "le champ columns doit être une liste"),
    "column without type": (setting("columns", [{"name": "a"}]), "le champ columns doit être"),
}


def plant_manifest(edit):
    def plant(folder, manifest, con):
        edit(manifest["tables"][0])

    return plant


@pytest.mark.parametrize("case", list(MANIFEST_FAULTS))
def test_manifest_entry_with_a_missing_or_wrong_field_is_a_clear_error(
    case, tmp_path, capsys, make_archive
):
    edit, message = MANIFEST_FAULTS[case]
    bad = make_archive(plant_manifest(edit))
    database = tmp_path / "asso.duckdb"
    code, err = run_import(bad, database, capsys)
    assert_refused(code, err, "manifest", "manifest.json : entrée de table n° 1", message)
    assert not database.exists()


@pytest.mark.parametrize("case", ["no file", "no name", "columns a text"])
def test_manifest_mutation_without_the_check_a_traceback(case, tmp_path, monkeypatch, make_archive):
    """What the testers saw: without check_manifest, a bad entry is a Python error."""
    edit, _message = MANIFEST_FAULTS[case]
    bad = make_archive(plant_manifest(edit))
    monkeypatch.setattr(import_cmd, "check_manifest", lambda path, manifest: manifest["tables"])
    with pytest.raises(Exception) as error:  # noqa: PT011 - any error but a PipaseError
        import_cmd.check_archive(bad, PASSWORD)
    assert not isinstance(error.value, PipaseError)


@pytest.mark.parametrize(
    "edit",
    [
        lambda m: m.update(format="other"),
        lambda m: m.update(tables={"a": 1}),
        lambda m: m.update(extraction_date="31/10/2026"),
        lambda m: m["tables"].__setitem__(0, "annexe2_iodas_ase__individu"),
    ],
    ids=["format", "tables not a list", "extraction date", "entry a text"],
)
def test_manifest_shape_is_checked(edit, tmp_path, capsys, make_archive):
    bad = make_archive(lambda f, m, c: edit(m))
    code, err = run_import(bad, tmp_path / "asso.duckdb", capsys)
    assert_refused(code, err, "manifest", "manifest.json")


def test_transmission_error_is_a_pipase_error():
    assert issubclass(TransmissionError, PipaseError)
    error = TransmissionError("x", rule="manifest", file="a.7z")
    assert str(error) == "a.7z : [manifest] x"


def test_messages_are_english_with_lang_en(tmp_path, monkeypatch, capsys, make_archive):
    monkeypatch.setenv("PIPASE_LANG", "en")
    bad = make_archive(plant_missing_table)
    code, err = run_import(bad, tmp_path / "asso.duckdb", capsys)
    assert code == 1
    assert f"import refused: annex 2 table {PLACEMENT} is missing from the archive" in err
