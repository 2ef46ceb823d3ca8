"""The hashing protocol: Python and SQL against the conformance vectors and against each other."""

from __future__ import annotations

import csv
import hashlib
import hmac
import json
import random
import secrets
import sys
import unicodedata
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from conftest import REPO, run_dbt
from hypothesis import given, settings
from hypothesis import strategies as st

from pipase import protocol

sys.path.insert(0, str(REPO / "scripts"))
import generate_letter_map  # noqa: E402

VECTORS = REPO / "tests/fixtures/protocol/conformance_vectors.csv"
TEST_KEY = b"pipase-test-key-not-secret"


def vectors() -> list[dict[str, str]]:
    with VECTORS.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_fixture_is_the_documented_one():
    """The vectors are part of the protocol: their SHA-256 is recorded in the README beside them."""
    readme = (VECTORS.parent / "README.md").read_text(encoding="utf-8")
    assert f"SHA-256: `{hashlib.sha256(VECTORS.read_bytes()).hexdigest()}`" in readme
    assert len(vectors()) >= 13


def test_vectors_are_consistent_with_hashlib():
    """Each key is SHA-256 / HMAC of its row's normalised columns (hashlib only, no pipase)."""
    for row in vectors():
        year, month, day = row["date_naissance"].split("-")
        primary = (row["nom_normalise"] + row["prenom_normalise"] + day + month + year).encode()
        secondary = (row["nom_normalise"] + month + year).encode()
        assert hashlib.sha256(primary).hexdigest() == row["cle_primaire"]
        assert hashlib.sha256(secondary).hexdigest() == row["cle_secondaire"]
        assert hmac.new(TEST_KEY, primary, hashlib.sha256).hexdigest() == row["cle_primaire_hmac"]
        assert hmac.new(TEST_KEY, secondary, "sha256").hexdigest() == row["cle_secondaire_hmac"]


@pytest.mark.parametrize("row", vectors(), ids=lambda r: r["nom_normalise"])
def test_python_matches_every_conformance_column(row):
    born = date.fromisoformat(row["date_naissance"])
    assert protocol.normalise_name(row["nom"]) == row["nom_normalise"]
    assert protocol.normalise_name(row["prenom"]) == row["prenom_normalise"]
    assert protocol.primary_key(row["nom"], row["prenom"], born) == row["cle_primaire"]
    assert protocol.secondary_key(row["nom"], born) == row["cle_secondaire"]
    assert (
        protocol.primary_key(row["nom"], row["prenom"], born, key=TEST_KEY)
        == row["cle_primaire_hmac"]
    )
    assert protocol.secondary_key(row["nom"], born, key=TEST_KEY) == row["cle_secondaire_hmac"]


def test_the_protocols_own_example():
    assert (
        protocol.digest("DUPONTMARIE01012000") == hashlib.sha256(b"DUPONTMARIE01012000").hexdigest()
    )
    assert protocol.format_birth_date(date(2002, 12, 31)) == "31122002"
    assert protocol.parse_birth_date("31-12-2002", ["%d-%m-%Y"]) == date(2002, 12, 31)
    assert protocol.parse_birth_date("2002/31/12", ["%Y/%d/%m"]) == date(2002, 12, 31)


@pytest.mark.parametrize(
    ("letter", "expected"),
    [("Œ", "OE"), ("œ", "OE"), ("Æ", "AE"), ("æ", "AE"), ("ß", "SS"), ("ẞ", "SS"), ("Ø", "O"),
     ("ø", "O"), ("Ł", "L"), ("ł", "L"), ("Đ", "D"), ("đ", "D"), ("Ð", "D"), ("ð", "D"),
     ("Þ", "TH"), ("þ", "TH"), ("ı", "I"), ("Ħ", "H"), ("ħ", "H"), ("ﬁ", "FI"), ("Ａ", "A"),
     ("é", "E"), ("e\u0301", "E"), ("’", None), ("\u00a0", None), ("\t", None), ("7", None)],
)  # fmt: skip
def test_every_letter_the_spec_names(letter, expected):
    assert protocol.normalise_name(letter) == expected


def test_empty_names_give_no_key_never_the_hash_of_nothing():
    assert protocol.normalise_name(" ' - 2 ") is None
    assert protocol.primary_key("  ", "MARIE", date(2000, 1, 1)) is None
    assert protocol.secondary_key("’", date(2000, 1, 1)) is None
    assert protocol.primary_key("DUPONT", "--", date(2000, 1, 1)) is None
    assert protocol.secondary_key("DUPONT", date(2000, 1, 1)) is not None


def test_birth_name_first_then_usage_name():
    born = date(2000, 1, 1)
    assert protocol.primary_key("MARTIN", "MARIE", born, nom_naissance="Dupont") == (
        protocol.primary_key("DUPONT", "MARIE", born)
    )
    assert protocol.primary_key("MARTIN", "MARIE", born, nom_naissance=" ' ") == (
        protocol.primary_key("MARTIN", "MARIE", born)
    )


def test_two_readings_of_a_date_are_refused_not_guessed():
    with pytest.raises(protocol.ProtocolError, match="date_naissance_invalide"):
        protocol.parse_birth_date("01/02/2003", ["%d/%m/%Y", "%m/%d/%Y"])
    with pytest.raises(protocol.ProtocolError, match="date_naissance_invalide"):
        protocol.parse_birth_date("31/02/2003", ["%d/%m/%Y"])
    assert protocol.parse_birth_date("13/02/2003", ["%d/%m/%Y", "%m/%d/%Y"]) == date(2003, 2, 13)


def test_letter_map_file_is_generated_from_this_unicode():
    assert unicodedata.unidata_version == "14.0.0", "the map was generated with Python 3.11"
    committed = protocol.LETTER_MAP_FILE.read_text(encoding="utf-8")
    assert committed == generate_letter_map.render()


def fuzz_names(count: int, seed: int) -> list[str]:
    """Names from many scripts, with marks, ligatures, apostrophes and every kind of space."""
    rng = random.Random(seed)
    pieces = [
        "Dupont", "N'Diaye", "L’Hôpital", "Cœurderoy", "Strauß", "Nguyễn", "Thị", "Đặng",
        "Øster", "Łukasz", "Ħal", "ıldız", "Þór", "ﬁne", "Ｆｕｌｌ", "𝐁𝐨𝐥𝐝", "Иванов", "محمد",
        "李", "Ἀθηνᾶ", "Ñúñez", "e\u0301le\u0300ve", "Ĳssel", "ǅemal", "Ⅻ", "™", "№",
    ]  # fmt: skip
    spaces = [" ", "\t", "\u00a0", "\u2009", "\u3000", "\u202f", "-", "'", "ʼ", "’", "2", ""]
    names = []
    for _ in range(count):
        parts = []
        for _ in range(rng.randint(1, 4)):
            kind = rng.random()
            if kind < 0.5:
                parts.append(rng.choice(pieces))
            elif kind < 0.8:
                parts.append(
                    "".join(chr(rng.randint(0x20, 0x24F)) for _ in range(rng.randint(1, 8)))
                )
            else:
                parts.append(
                    "".join(chr(rng.randint(0x20, 0x1FFFF)) for _ in range(rng.randint(1, 5)))
                )
            parts.append(rng.choice(spaces))
        names.append("".join(parts).replace("\ud800", ""))
    return [n for n in names if not any(0xD800 <= ord(c) <= 0xDFFF for c in n)]


def test_fast_python_equals_the_literal_steps_on_100k_names():
    names = fuzz_names(100_000, seed=2026)
    mismatches = sum(
        1
        for name in names
        if protocol.normalise_name(name) != (generate_letter_map.reference_normalise(name) or None)
    )
    assert mismatches == 0


@settings(max_examples=3000, deadline=None)
@given(st.text(max_size=30))
def test_fast_python_equals_the_literal_steps_hypothesis(text):
    assert protocol.normalise_name(text) == (generate_letter_map.reference_normalise(text) or None)


@pytest.fixture(scope="module")
def sql_database(tmp_path_factory):
    """A DuckDB file holding the letter map seed, and the macros compiled by dbt for it."""
    tmp = tmp_path_factory.mktemp("protocol_sql")
    result = run_dbt(["seed", "--select", "ref_letter_map"], tmp)
    assert result.returncode == 0, result.stdout[-2000:]
    query = (
        "select i, {{ pipase.normalise_name('nom') }} as nom_normalise, "
        "{{ pipase.normalise_name('prenom') }} as prenom_normalise from fuzz_names"
    )
    # the doors' macro: distinct values normalised once, joined back
    distinct = (
        "with normalised as ({{ pipase.normalise_distinct_names('fuzz_names', ['nom', 'prenom']) }}) "
        "select fuzz_names.i, normalised.valeur_normalisee as nom_normalise from fuzz_names "
        "left join normalised on fuzz_names.nom = normalised.valeur_brute"
    )
    keys = (
        "select i, {{ pipase.primary_key('nom', 'prenom', 'date_naissance') }} as primaire, "
        "{{ pipase.secondary_key('nom', 'date_naissance') }} as secondaire from key_inputs"
    )
    compiled = {}
    for name, sql, extra in [
        ("normalise", query, []),
        ("normalise_distinct", distinct, []),
        ("keys", keys, []),
        ("keys_hmac", keys, ["--vars", json.dumps({"pipase_keyed": True})]),
    ]:
        result = run_dbt(["compile", "--quiet", "--output", "json", "--inline", sql, *extra], tmp)
        assert result.returncode == 0, result.stdout[-2000:]
        compiled[name] = json.loads(result.stdout[result.stdout.index("{") :])["compiled"]
    connection = duckdb.connect(str(tmp / "pipase.duckdb"))
    yield connection, compiled
    connection.close()


def _normalise_in_sql(sql_database, names: list[str], macro: str) -> list[str | None]:
    connection, compiled = sql_database
    frame = pd.DataFrame({"nom": names, "prenom": names}, dtype="string")
    frame["i"] = range(len(frame))
    connection.register("fuzz_names", frame)
    # a join may reorder rows: put them back in input order
    result = connection.execute(f"select * from ({compiled[macro]}) order by i").df()
    return [None if pd.isna(v) else v for v in result["nom_normalise"]]


SQL_MACROS = ["normalise", "normalise_distinct"]  # normalise_name, normalise_distinct_names


@pytest.mark.parametrize("macro", SQL_MACROS)
def test_sql_normalisation_equals_python_on_every_code_point(sql_database, macro):
    characters = [chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF]
    assert _normalise_in_sql(sql_database, characters, macro) == [
        protocol.normalise_name(c) for c in characters
    ]


@pytest.mark.parametrize("macro", SQL_MACROS)
def test_sql_normalisation_equals_python_on_100k_generated_names(sql_database, macro):
    names = fuzz_names(100_000, seed=93)
    sql = _normalise_in_sql(sql_database, names, macro)
    python = [protocol.normalise_name(n) for n in names]
    differing = [i for i, (a, b) in enumerate(zip(sql, python, strict=True)) if a != b]
    assert not differing, f"{len(differing)} names differ, first at index {differing[:5]}"


@pytest.mark.parametrize("keyed", [False, True])
def test_sql_keys_equal_python_keys(sql_database, keyed):
    connection, compiled = sql_database
    rng = random.Random(5)
    normalised = [protocol.normalise_name(n) for n in fuzz_names(20_000, seed=11)]
    frame = pd.DataFrame(
        {
            "nom": pd.array(normalised, dtype="string"),
            "prenom": pd.array(rng.sample(normalised, len(normalised)), dtype="string"),
            "date_naissance": [
                date(rng.randint(1980, 2010), rng.randint(1, 12), rng.randint(1, 28))
                for _ in normalised
            ],
        }
    )
    frame["i"] = range(len(frame))
    connection.register("key_inputs", frame)
    key = TEST_KEY if keyed else None
    protocol.set_hmac_key(connection, key)
    result = connection.execute(
        f"select * from ({compiled['keys_hmac' if keyed else 'keys']}) order by i"
    ).df()
    expected_primary, expected_secondary = [], []
    for nom, prenom, born, _ in frame.itertuples(index=False):
        nom = None if pd.isna(nom) else nom
        prenom = None if pd.isna(prenom) else prenom
        ok = nom is not None
        primary = (
            nom + prenom + protocol.format_birth_date(born) if ok and prenom is not None else None
        )
        secondary = nom + protocol.format_birth_month(born) if ok else None
        expected_primary.append(
            None
            if primary is None
            else hmac.new(key, primary.encode(), hashlib.sha256).hexdigest()
            if key
            else hashlib.sha256(primary.encode()).hexdigest()
        )
        expected_secondary.append(
            None
            if secondary is None
            else hmac.new(key, secondary.encode(), hashlib.sha256).hexdigest()
            if key
            else hashlib.sha256(secondary.encode()).hexdigest()
        )
    assert [None if pd.isna(v) else v for v in result["primaire"]] == expected_primary
    assert [None if pd.isna(v) else v for v in result["secondaire"]] == expected_secondary


def test_keyed_sql_without_the_secret_fails_loudly(sql_database):
    connection, compiled = sql_database
    protocol.set_hmac_key(connection, None)
    connection.register(
        "key_inputs",
        pd.DataFrame(
            {"i": [0], "nom": ["DUPONT"], "prenom": ["MARIE"], "date_naissance": [date(2000, 1, 1)]}
        ),
    )
    with pytest.raises(duckdb.Error, match="PIPASE_HASH_KEY is not set"):
        connection.execute(compiled["keys_hmac"]).fetchall()


def test_keyed_dbt_run_never_writes_the_secret(tmp_path: Path):
    secret = "s3cret-" + secrets.token_hex(8)
    env = {"PIPASE_HASH_KEY": secret}
    run_dbt(["seed", "--select", "ref_letter_map", "conformance_vectors"], tmp_path, env)
    result = run_dbt(
        ["build", "--select", "tag:protocol", "--vars", json.dumps({"pipase_keyed": True})],
        tmp_path,
        env,
    )
    # the keyed conformance test compares the SQL keys with Python's hmac under the run's own
    # secret (the plugin's pipase_reference_hmac): any secret passes, and none is written
    assert result.returncode == 0, result.stdout[-2000:]
    # the conformance test passed (the run also counts the on-run-start hook as a pass)
    assert "PASS assert_macros_match_conformance_vectors" in result.stdout, result.stdout[-2000:]
    assert "ERROR=0" in result.stdout and "FAIL=" not in result.stdout.replace("FAIL=0", "")
    inner, outer = protocol.hmac_pads(secret.encode())
    needles = [secret.encode(), inner, outer, inner.hex().encode(), outer.hex().encode()]
    scanned = 0
    for path in [*tmp_path.joinpath("target").rglob("*"), *tmp_path.joinpath("logs").rglob("*")]:
        if path.is_file():
            scanned += 1
            content = path.read_bytes()
            assert not any(n in content for n in needles), f"secret found in {path.name}"
    assert scanned > 5
    assert secret not in result.stdout + result.stderr


def test_the_package_ships_the_published_vectors():
    """`pipase hash --verifier` reads the package's copy: it must be the fixture, byte for byte."""
    from pipase.kit import verify

    assert verify.VECTORS_FILE.read_bytes() == VECTORS.read_bytes()


def test_normalised_bytes_equals_normalise_name_on_every_code_point():
    for code in range(sys.maxunicode + 1):
        if 0xD800 <= code <= 0xDFFF:
            continue
        character = chr(code)
        expected = (protocol.normalise_name(character) or "").encode("ascii")
        assert protocol.normalised_bytes(character) == expected, hex(code)
    names = fuzz_names(20_000, seed=3)
    assert [protocol.normalised_bytes(n) for n in names] == [
        (protocol.normalise_name(n) or "").encode("ascii") for n in names
    ]


@pytest.mark.parametrize(
    ("text_only", "with_months"),
    [(False, True), (True, True), (True, False)],
    ids=["any-values", "csv-text", "csv-text-no-months"],
)
@pytest.mark.parametrize("key", [None, TEST_KEY], ids=["sha256", "hmac"])
def test_the_kits_engine_equals_the_scalar_functions(key, text_only, with_months):
    """The streaming engine of `pipase hash` against primary_key/secondary_key, row by row, in
    input order, on hard names, birth names, odd and missing dates; with CSV text, names go
    through the column-wise path (ASCII bytes at once, the others one by one)."""
    from pipase.kit.keys import KeyEngine

    rng = random.Random(8)
    names = fuzz_names(5_000, seed=21) + ["", " ", "-", None]
    rows = []
    for i in range(20_000):
        born = date(rng.randint(1950, 2015), rng.randint(1, 12), rng.randint(1, 28))
        text = rng.choice(
            [born.strftime("%d/%m/%Y")] * 3 + ["", "31/02/2001", "  ", born.isoformat(), "1/3/1999"]
        )
        birth = rng.choice(names) if i % 5 == 0 else None
        rows.append((rng.choice(names), rng.choice(names), text, birth))
    if text_only:  # a CSV gives text, "" for an empty cell
        rows = [tuple("" if v is None else v for v in row) for row in rows]
    engine = KeyEngine(["%d/%m/%Y"], key, text_only=text_only)
    result = engine.batch(*[[r[c] for r in rows] for c in range(4)], with_months=with_months)
    for i, (nom, prenom, text, birth) in enumerate(rows):
        try:
            born = protocol.parse_birth_date(text, ["%d/%m/%Y"])
        except protocol.ProtocolError:
            born = None
        primary = protocol.primary_key(nom, prenom, born, nom_naissance=birth, key=key)
        secondary = protocol.secondary_key(nom, born, nom_naissance=birth, key=key)
        assert (result.primary[i], result.secondary[i]) == (primary or "", secondary or ""), i
        if born is not None and result.primary[i]:
            assert result.reason[i] == ""
    assert sum(1 for p in result.primary if p) > 2_000  # keyed rows are part of the test


def test_compute_keys_still_answers_by_name_through_the_engine():
    frame = pd.DataFrame(
        {
            "nom": ["Dupont", None, "Martin", "Strauß"],
            "prenom": ["Marie", "Jean", None, "Jürgen"],
            "dn": ["01/01/2000", "02/02/2000", "03/03/2000", None],
        }
    )
    keys = protocol.compute_keys(frame, protocol.KeyColumns("nom", "prenom", "dn"), ["%d/%m/%Y"])
    assert keys["cle_hachage"][0] == protocol.primary_key("DUPONT", "MARIE", date(2000, 1, 1))
    assert keys["cle_hachage"][1:].isna().all()
    assert list(keys["motif_sans_cle"].fillna("")) == [
        "", "nom_vide", "prenom_vide", "date_naissance_absente",
    ]  # fmt: skip
