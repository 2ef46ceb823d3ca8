"""What counts as a direct identifier in a partner's file: one list, one detector (stdlib only).

Used by the partners' kit (`pipase hash` refuses to write an identifying column unless it is
removed with --drop or declared harmless with --garder) and by the Association's import of
partners' files (`pipase import --partner` refuses the file). "L'Association s'engage à ne
demander aucune donnée directement identifiante (nom, prénom(s), date de naissance) aux
partenaires" (convention, 4.2).

A column is identifying

* by its name (`column_name_rule`): names and first names, birth date, address, NIR, phone,
  e-mail, in any case, with or without accents, spaces or a suffix such as `.1` (a second `NOM`
  column) or `2` (`prenom2`); `mois_naissance` and `annee_naissance` are not;
* by its content (`ContentDetector`): full dates in any common written form (17/03/1999,
  1999-03-17, 17 mars 1999, with or without a time), e-mail addresses, phone numbers, NIR (any
  single value is enough); dates written JJMMAAAA or AAAAMMJJ, and names or first names (from
  the file's own name columns or the shipped list of frequent first names
  `protocol_data/prenoms_frequents.txt`), when they are at least half of the column's values.

Nothing here returns or prints a value: findings are counts, shares and line numbers.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from pipase.i18n import _
from pipase.paths import PROTOCOL_DATA_DIR
from pipase.protocol import normalise_name


def _word_set(text: str) -> frozenset[str]:
    """A set of words written as one text, separated by spaces."""
    return frozenset(text.split())


FIRST_NAMES_FILE = PROTOCOL_DATA_DIR / "prenoms_frequents.txt"
MOSTLY = 0.5  # share of a column's non-empty values from which "mostly" holds

# --------------------------------------------------------------------------- column names
# Kinds of identifier, as rule names (English, stable) with their French label (translated).
NAME = "name"
BIRTH_DATE = "birth_date"
ADDRESS = "address"
NIR = "nir"
PHONE = "phone"
EMAIL = "email"
KIND_LABELS = {
    NAME: "name or first name",
    BIRTH_DATE: "birth date",
    ADDRESS: "address",
    NIR: "social security number (NIR)",
    PHONE: "phone number",
    EMAIL: "e-mail address",
}
_KIND_LABEL_IDS = [  # marked for the catalogue
    _("name or first name"),
    _("birth date"),
    _("address"),
    _("social security number (NIR)"),
    _("phone number"),
    _("e-mail address"),
]

# The one list of identifying column names, on names normalised to ASCII snake_case without
# a trailing duplicate suffix (see normalise_column_name). Each pattern matches whole words
# (`_`-separated); the exceptions below are checked first.
COLUMN_NAME_RULES: dict[str, re.Pattern[str]] = {
    NAME: re.compile(
        r"(^|_)("
        r"(nom|noms|prenom|prenoms|nom_?de_?famille|nomnai|nomusage|nomnaissance|nomcomplet|"
        r"nom_?jeune_?fille|nom_?d_?usage|nom_?marital|nom_?epouse|patronyme|"
        r"name|names|lastname|last_name|firstname|first_name|surname|givenname|given_name|"
        r"forename|fullname|full_name)\d*"
        r")(_|$)"
    ),
    BIRTH_DATE: re.compile(
        r"(^|_)("
        r"naissance|naiss|nais|datenais|datenaissance|dtnai|dtnais|dt_?nai(ss?)?|ddn|dob|"
        r"birth|birthdate|birthday|date_?of_?birth|ne_le|nee_le|ne_e_le"
        r")\d*(_|$)"
    ),
    ADDRESS: re.compile(
        r"(^|_)(adresse|adresses|adr|address|addresses|rue|numvoie|nomvoie|libtypevoie|"
        r"libelle_voie|lieu_?dit|batiment|escalier|numero_voie|num_voie|complement_adresse|"
        r"street)\d*(_|$)"
    ),
    NIR: re.compile(
        r"(^|_)(nir|nss|secu|securite_sociale|num_?secu|numero_?secu|no_?secu|n_?ss|ssn|"
        r"numero_securite_sociale|insee_personne)\d*(_|$)"
    ),
    PHONE: re.compile(
        r"(^|_)(tel|tels|telephone|telephones|portable|mobile|phone|gsm|fax|tel_?fixe)\d*(_|$)"
    ),
    EMAIL: re.compile(r"(^|_)(mail|mails|email|emails|e_mail|courriel|courriels|mel)\d*(_|$)"),
}
# What may stand in a partner's file but never in a table that leaves the Department: a
# source's own ids and file numbers (pseudonymous, but they point back to the source's
# record), the lineage columns (_fichier, _ligne) and the street word `voie`. The dbt test
# has_no_identifier_columns applies COLUMN_NAME_RULES and these (through the macro generated
# by scripts/generate_identifier_rules.py).
LEAVING_ONLY_RULES: dict[str, re.Pattern[str]] = {
    "source_id": re.compile(
        r"(^|_)(id|ident|identifiant|matricule|numdemrsa|numcaf|num|numero)\d*(_|$)"
    ),
    "lineage": re.compile(r"^_|(^|_)(fichier|ligne)(_|$)"),
    # `voie` alone is an address's street in a source, but a partner's `voie_professionnelle`
    # is a career track: refused where it would leave only
    "address_street": re.compile(r"(^|_)voie(_|$)"),
}
# `nom_<what>` names a thing, not a person, when <what> is one of these.
NOT_A_PERSON_QUALIFIERS = _word_set(
    """structure structures dispositif dispositifs commune communes ville villes etablissement
    etablissements organisme organismes service services programme programmes formation
    formations employeur employeurs entreprise entreprises ecole ecoles lycee lycees college
    colleges action actions mesure mesures prestation prestations fichier fichiers colonne
    colonnes variable variables pays departement departements region regions agence agences
    site sites projet projets metier metiers poste postes diplome diplomes filiere filieres
    partenaire partenaires centre centres equipe equipes classe classes mission missions
    contrat contrats"""
)
# Birth month, year or place are not direct identifiers (the kit writes mois_naissance).
NOT_A_BIRTH_DATE_QUALIFIERS = _word_set(
    """mois annee an annees year month lieu commune communes ville pays departement dept region
    rang"""
)
_DUPLICATE_SUFFIX = re.compile(r"\.\d+$")


def normalise_column_name(name: str) -> str:
    """ASCII snake_case, accents dropped, camelCase split, a duplicate suffix `.N` removed:
    "Prénom", "PRENOM.1", "prénom" all give "prenom"; "dateNaissance" gives "date_naissance"."""
    text = _DUPLICATE_SUFFIX.sub("", str(name).strip())
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", text)
    text = re.sub(r"[^0-9A-Za-z]+", "_", text).strip("_").lower()
    return re.sub(r"_+", "_", text)


def column_name_rule(name: str) -> str | None:
    """The kind of identifier a column name denotes (NAME, BIRTH_DATE...), or None."""
    snake = normalise_column_name(name)
    words = set(snake.split("_"))
    for kind, pattern in COLUMN_NAME_RULES.items():
        if not pattern.search(snake):
            continue
        if kind == NAME and words & NOT_A_PERSON_QUALIFIERS:
            continue
        if kind == BIRTH_DATE and words & NOT_A_BIRTH_DATE_QUALIFIERS:
            continue
        return kind
    return None


# --------------------------------------------------------------------------- content
FULL_DATE = "full_date"
COMPACT_DATE = "compact_date"
NAMES = "names"
OWN_NAME = "own_name"
CONTENT_LABELS = {
    FULL_DATE: "full dates (day, month and year)",
    COMPACT_DATE: "dates written JJMMAAAA or AAAAMMJJ",
    NAMES: "names or first names",
    OWN_NAME: "names of the row's own person",
    EMAIL: "e-mail addresses",
    PHONE: "phone numbers",
    NIR: "social security numbers (NIR)",
}
_CONTENT_LABEL_IDS = [
    _("full dates (day, month and year)"),
    _("dates written JJMMAAAA or AAAAMMJJ"),
    _("names or first names"),
    _("names of the row's own person"),
    _("e-mail addresses"),
    _("phone numbers"),
    _("social security numbers (NIR)"),
]
# One value is enough for these; the others need MOSTLY of the column.
ANY_VALUE_RULES = frozenset({FULL_DATE, EMAIL, PHONE, NIR, OWN_NAME})

_TIME = r"(?:[ T]\d{1,2}[:h]\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
_DAY_MONTH_YEAR = re.compile(r"(\d{1,2})([/.\- ])(\d{1,2})\2(\d{4}|\d{2})" + _TIME)
_YEAR_MONTH_DAY = re.compile(r"(\d{4})([/.\-])(\d{1,2})\2(\d{1,2})" + _TIME)
MONTHS = {
    "janvier": 1, "janv": 1, "jan": 1, "january": 1,
    "fevrier": 2, "fevr": 2, "fev": 2, "february": 2, "feb": 2,
    "mars": 3, "march": 3, "mar": 3,
    "avril": 4, "avr": 4, "april": 4, "apr": 4,
    "mai": 5, "may": 5,
    "juin": 6, "june": 6, "jun": 6,
    "juillet": 7, "juil": 7, "july": 7, "jul": 7,
    "aout": 8, "august": 8, "aug": 8,
    "septembre": 9, "sept": 9, "sep": 9, "september": 9,
    "octobre": 10, "oct": 10, "october": 10,
    "novembre": 11, "nov": 11, "november": 11,
    "decembre": 12, "dec": 12, "december": 12,
}  # fmt: skip
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_DAY_NAMED_MONTH = re.compile(
    rf"(?:[a-z]+\.? )?(\d{{1,2}})(?:er)?\.? ({_MONTH})\.? (\d{{4}}|\d{{2}})" + _TIME
)
_NAMED_MONTH_DAY = re.compile(rf"({_MONTH})\.? (\d{{1,2}})(?:st|nd|rd|th)?,? (\d{{4}})" + _TIME)
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")
_PHONE = re.compile(r"(?:\+33|0033|\(\+33\)|0)\s?[1-9](?:[\s.\-]?\d{2}){4}")
_NIR = re.compile(
    r"[12]\s?\d{2}\s?(?:0[1-9]|1[0-2]|[2-9]\d)\s?(?:\d{2}|2[AaBb])\s?\d{3}\s?\d{3}(?:\s?\d{2})?"
)
# The same written inside a longer text ("née le 31/12/2001", "contact : a@b.fr",
# "NIR 1.05.05.75.123.456.78", "tel (06) 12 34 56 78"): searched, not matched whole, with no
# digit just before or after (a longer number is something else).
_DATE_IN_TEXT = re.compile(r"(?<![\d/.\-_])(\d{1,2})([/.\-_ ])(\d{1,2})\2(\d{4})(?![\d/.\-_]?\d)")
_ISO_DATE_IN_TEXT = re.compile(r"(?<![\d/.\-_])(\d{4})([/.\-_])(\d{1,2})\2(\d{1,2})(?!\d)")
_NAMED_DATE_IN_TEXT = re.compile(
    rf"(?<![\d.])(\d{{1,2}})(?:er)?\.?[ \-_]({_MONTH})\.?[ \-_](\d{{4}})(?!\d)"
)
_NAMED_MONTH_DAY_IN_TEXT = re.compile(
    rf"(?<![a-z])({_MONTH})\.? (\d{{1,2}})(?:st|nd|rd|th)?,? (\d{{4}})(?!\d)"
)
_EMAIL_IN_TEXT = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)*\.[A-Za-z]{2,}")
_PHONE_IN_TEXT = re.compile(
    r"(?<![\d+])\(?(?:\+33|0033|0)\s?\(?0?\)?\s?[1-9]\)?(?:[\s.\-]?\d{2}){4}(?!\d)"
)
_NIR_IN_TEXT = re.compile(
    r"(?<!\d)[12][\s.\-]?\d{2}[\s.\-]?(?:0[1-9]|1[0-2]|[2-9]\d)[\s.\-]?(?:\d{2}|2[AaBb])"
    r"[\s.\-]?\d{3}[\s.\-]?\d{3}(?:[\s.\-]?\d{2})?(?!\d)"
)
_WORD = re.compile(r"[^\W\d_]+")
MIN_NAME_LETTERS = 3
# a kept value found on more rows than this in a batch is a label, never a person's own name
OWN_NAME_MAX_ROWS = 20
MAX_NAME_WORDS = 5
# A value holding one of these words names a place or an institution, not a person
# ("Saint-Denis", "Lycée Jean Jaurès", "Mission locale de Bondy").
NOT_A_PERSON_WORDS = _word_set(
    """SAINT SAINTE SAINTES SAINTS LYCEE COLLEGE ECOLE UNIVERSITE FACULTE INSTITUT CENTRE
    MAISON AGENCE MISSION LOCALE ASSOCIATION FOYER RESIDENCE RUE AVENUE BOULEVARD PLACE
    ALLEE IMPASSE CHEMIN QUAI ROUTE VILLE MAIRIE SERVICE POLE ESPACE CITE CLUB HOPITAL
    CLINIQUE GROUPE SOCIETE ENTREPRISE AGENCE DIRECTION CONSEIL DEPARTEMENT REGION SOUS SUR
    LES DES AUX"""
)
# Words too common in names of things to count as a known name when they come from the file's
# own name columns (particles, articles).
NAME_PARTICLES = _word_set(
    """DE DES DU LA LE LES DEL DELLA DOS DAS VAN VON DER DEN BEN BIN BINT AIT OULD EL AL"""
)

_NOT_KNOWN_NAMES = {w.encode("ascii") for w in NAME_PARTICLES | NOT_A_PERSON_WORDS} | {b""}

# Kinds a value can have (cached per distinct value).
_NOTHING = 0
_EMPTY = 1


@lru_cache(maxsize=1)
def first_names() -> frozenset[str]:
    """The shipped reference list (normalised, A-Z), see scripts/generate_first_names.py."""
    lines = FIRST_NAMES_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def _real_date(day: int, month: int, year: int) -> bool:
    if year < 100:
        year += 1900 if year > 30 else 2000
    if not 1900 <= year <= 2100:
        return False
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def _full_date(text: str) -> bool:
    match = _DAY_MONTH_YEAR.fullmatch(text)
    if match:
        first, second, year = int(match[1]), int(match[3]), int(match[4])
        if match[2] == " " and len(match[4]) == 2:  # "12 05 23": too loose without a year
            return False
        return _real_date(first, second, year) or _real_date(second, first, year)
    match = _YEAR_MONTH_DAY.fullmatch(text)
    if match:
        return _real_date(int(match[4]), int(match[3]), int(match[1]))
    return False


def _folded(text: str) -> str:
    """Lower case, accents dropped, runs of spaces as one space."""
    text = "".join(
        c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c)
    )
    return re.sub(r"\s+", " ", text)


def _named_month_date(text: str) -> bool:
    folded = _folded(text)
    match = _DAY_NAMED_MONTH.fullmatch(folded)
    if match:
        return _real_date(int(match[1]), MONTHS[match[2]], int(match[3]))
    match = _NAMED_MONTH_DAY.fullmatch(folded)
    if match:
        return _real_date(int(match[2]), MONTHS[match[1]], int(match[3]))
    return False


def _compact_date(text: str) -> bool:
    day_first = _real_date(int(text[:2]), int(text[2:4]), int(text[4:]))
    return day_first or _real_date(int(text[6:]), int(text[4:6]), int(text[:4]))


_NON_LETTER = bytes(c for c in range(128) if not (65 <= c <= 90 or 97 <= c <= 122))
_NON_LETTER_TO_SPACE = bytes.maketrans(_NON_LETTER, b" " * len(_NON_LETTER))


def words_of(text: str) -> list[str]:
    """The words of a text (runs of letters), each normalised by the protocol (A-Z)."""
    if text.isascii():  # the same rule, in C: letters upper-cased, anything else a space
        return text.encode("ascii").translate(_NON_LETTER_TO_SPACE).upper().decode().split()
    return [w for w in map(normalise_name, _WORD.findall(text)) if w]


def embedded(text: str) -> str | None:
    """The first identifier written inside a text (a full date, an e-mail, a phone number, a
    NIR), or None."""
    for match in _DATE_IN_TEXT.finditer(text):
        first, second, year = int(match[1]), int(match[3]), int(match[4])
        if _real_date(first, second, year) or _real_date(second, first, year):
            return FULL_DATE
    for match in _ISO_DATE_IN_TEXT.finditer(text):
        if _real_date(int(match[4]), int(match[3]), int(match[1])):
            return FULL_DATE
    if not text.isascii() or any(c.isalpha() for c in text):
        folded = _folded(text)
        for match in _NAMED_DATE_IN_TEXT.finditer(folded):
            if _real_date(int(match[1]), MONTHS[match[2]], int(match[3])):
                return FULL_DATE
        for match in _NAMED_MONTH_DAY_IN_TEXT.finditer(folded):
            if _real_date(int(match[2]), MONTHS[match[1]], int(match[3])):
                return FULL_DATE
    if "@" in text and _EMAIL_IN_TEXT.search(text):
        return EMAIL
    if _PHONE_IN_TEXT.search(text):
        return PHONE
    if _NIR_IN_TEXT.search(text):
        return NIR
    return None


def classify(value: str) -> object:
    """The kind of one value: _EMPTY, _NOTHING, a content rule (FULL_DATE...), or a tuple of
    normalised words for text that may be a name (decided against the known names later)."""
    text = value.strip()
    if not text:
        return _EMPTY
    if text.isdigit():
        if len(text) == 8 and _compact_date(text):
            return COMPACT_DATE
        if len(text) == 10 and _PHONE.fullmatch(text):
            return PHONE
        if len(text) == 13 and text.startswith("0033") and _PHONE_IN_TEXT.fullmatch(text):
            return PHONE
        if len(text) in (13, 15) and _NIR.fullmatch(text):
            return NIR
        return _NOTHING
    if "@" in text:
        return EMAIL if _EMAIL.fullmatch(text) else (embedded(text) or _NOTHING)
    if text[0].isdigit() or text[0] in "+(":
        if _full_date(text) or _named_month_date(text):
            return FULL_DATE
        if _PHONE.fullmatch(text):
            return PHONE
        if _NIR.fullmatch(text):
            return NIR
        return embedded(text) or _NOTHING
    if any(c.isdigit() for c in text):
        return FULL_DATE if _named_month_date(text) else (embedded(text) or _NOTHING)
    words = words_of(text)
    if not words or len(words) > MAX_NAME_WORDS or NOT_A_PERSON_WORDS.intersection(words):
        return _NOTHING
    long_words = tuple(w for w in words if len(w) >= MIN_NAME_LETTERS)
    return long_words or _NOTHING


@dataclass
class Finding:
    """One identifying column: where (column, first line), which rule, how much; no value."""

    column: str
    rule: str  # a name kind (column_name_rule) or a content rule (FULL_DATE...)
    by: str  # "name" (the column's name) or "content"
    count: int = 0
    share: float = 0.0
    first_line: int | None = None

    def describe(self) -> str:
        """A French (translated) sentence naming the column and the rule, never a value."""
        if self.by == "name":
            return _("column {column}: its name denotes a {kind}").format(
                column=self.column, kind=_(KIND_LABELS[self.rule])
            )
        text = _(
            "column {column}: {count} value(s) look like {rule} ({share:.0%} of its values)"
        ).format(
            column=self.column,
            count=self.count,
            rule=_(CONTENT_LABELS[self.rule]),
            share=self.share,
        )
        if self.first_line is not None:
            text += " " + _("(first at line {line})").format(line=self.first_line)
        return text


@dataclass
class _ColumnStats:
    name: str
    non_empty: int = 0
    counts: Counter = field(default_factory=Counter)
    first_line: dict[str, int] = field(default_factory=dict)


class ContentDetector:
    """Reads a file's columns batch by batch (bounded memory) and finds identifying content.

    For each batch: `feed(position, values, lines)` takes one column's values (text) and the
    file line of each; then `resolve(name_lists)` decides the values whose words are neither
    frequent first names nor names already met, against the batch's own names (`name_lists`:
    the normalised values of the file's name columns, ASCII bytes, as the kit's key engine gives
    them; none at the Association). `findings()` gives the identifying columns at the end,
    `certain()` those already decided (a single full date, e-mail, phone or NIR is enough: no
    later row can change that).
    """

    CACHE_LIMIT = 500_000  # distinct values classified, kept before the cache is emptied
    KNOWN_LIMIT = 1_000_000  # names of the file found in checked columns, kept
    COUNT_ONE_BY_ONE = 64  # up to this many distinct values to count: list.count, else Counter

    def __init__(self, columns: Sequence[str], reference: frozenset[str] | None = None) -> None:
        self._stats = [_ColumnStats(name) for name in columns]
        self._reference = first_names() if reference is None else reference
        self._known: set[bytes] = set()  # the file's names found in checked columns
        self._cache: dict[str, object] = {}
        # the batch's own name columns (row-aligned raw values), for OWN_NAME
        self._surnames: list[Sequence[object]] = []
        self._first_names: list[Sequence[object]] = []
        self._name_words: dict[object, frozenset[str]] = {}
        # values of this batch whose words still need the batch's own names
        self._pending: list[tuple[int, tuple[str, ...], list[str], Sequence[str], Sequence[int]]]
        self._pending = []

    def add_known_names(self, values: Iterable[object]) -> None:
        """Add names of the file given as raw values (their words and all words together)."""
        words: set[bytes] = set()
        for value in values:
            if value is not None:
                found = words_of(value if isinstance(value, str) else str(value))
                words.update(w.encode("ascii") for w in found)
                words.add("".join(found).encode("ascii"))
        self._remember(words)

    def _remember(self, names: set[bytes]) -> None:
        if len(self._known) <= self.KNOWN_LIMIT:
            self._known |= names - _NOT_KNOWN_NAMES

    def _words_known(self, words: tuple[str, ...], known) -> bool:
        if any(w.encode("ascii") in known for w in words):
            return True
        whole = "".join(words)
        return len(whole) >= MIN_NAME_LETTERS and whole.encode("ascii") in known

    def _is_name(self, words: tuple[str, ...]) -> bool:
        """A frequent first name, or a name of the file already found."""
        reference = self._reference
        return any(w in reference for w in words) or self._words_known(words, self._known)

    def set_row_names(
        self, surnames: Sequence[Sequence[object]], first_names: Sequence[Sequence[object]]
    ) -> None:
        """The batch's name columns (raw values, one per row, as the values fed next): a kept
        value that names its own row's person (OWN_NAME) is then found. The kit has them; the
        Association's import has none."""
        self._surnames, self._first_names = list(surnames), list(first_names)
        if len(self._name_words) > self.CACHE_LIMIT:
            self._name_words.clear()

    def _words(self, value: object) -> frozenset[str]:
        """A name's or a text's words: normalised (A-Z) and, for other scripts, as written
        (lower case); particles and words under MIN_NAME_LETTERS letters left out."""
        cache = self._name_words
        found = cache.get(value)
        if found is None:
            text = value if isinstance(value, str) else ("" if value is None else str(value))
            words = set(words_of(text))
            if not text.isascii():
                words.update(w.casefold() for w in _WORD.findall(text))
            found = cache[value] = frozenset(
                w for w in words if len(w) >= MIN_NAME_LETTERS and w not in NAME_PARTICLES
            )
        return found

    def _own_name(self, stats: _ColumnStats, values: Sequence[str], lines, candidates) -> None:
        """Count the values that hold their row's own name: its surname in a short name-like
        value of two words or more ("ZORBALIK Paulette", a relative), or its surname and first
        name in any text ("Entretien avec Hélène VARGOLAN, ...")."""
        count = 0
        first_line = None
        for index, value in enumerate(values):
            short = candidates.get(value)
            if short is None:
                continue
            words = self._words(value)
            surname = any(words & self._words(column[index]) for column in self._surnames)
            if not surname:
                continue
            if not short and not any(
                words & self._words(column[index]) for column in self._first_names
            ):
                continue
            count += 1
            if first_line is None:
                first_line = lines[index]
        if count:
            stats.counts[OWN_NAME] += count
            stats.first_line.setdefault(OWN_NAME, first_line)

    def feed(self, position: int, values: Sequence[str], lines: Sequence[int]) -> None:
        stats = self._stats[position]
        joined = "".join(values)
        if joined.isdigit() or not joined:  # numbers only (ids, counts) or nothing
            self._feed_digits(stats, values, lines)
            return
        cache = self._cache
        if len(cache) > self.CACHE_LIMIT:
            cache.clear()
        empty: list[str] = []
        flagged: dict[str, list[str]] = {}
        undecided: dict[tuple[str, ...], list[str]] = {}
        # text values that may hold their row's own name: True for a short name-like value of
        # two words or more (its surname is enough), False for other text of several words
        candidates: dict[str, bool] = {}
        for value in set(values):
            kind = cache.get(value)
            if kind is None:
                kind = cache[value] = classify(value)
            if kind is _EMPTY:
                empty.append(value)
            elif isinstance(kind, tuple):
                # a single word equal to a surname may be a word (a "petit" size for PETIT):
                # left to the names rule (MOSTLY of the column)
                if len(kind) >= 2:
                    candidates[value] = True
                if self._is_name(kind):
                    flagged.setdefault(NAMES, []).append(value)
                else:
                    undecided.setdefault(kind, []).append(value)
            elif kind is not _NOTHING:
                flagged.setdefault(kind, []).append(value)
            elif " " in value.strip() or not value.isascii():
                candidates[value] = False
        if self._surnames and candidates:
            # a value repeated on many rows is a label ("sans solution" for a person named
            # SANS: measured once in 1,000,000 synthetic rows), not one person's name
            repeated = Counter(values)
            candidates = {v: short for v, short in candidates.items()
                          if repeated[v] <= OWN_NAME_MAX_ROWS}  # fmt: skip
            if candidates:
                self._own_name(stats, values, lines, candidates)
        counts = self._counter(values, sum(map(len, flagged.values())) + len(empty))
        stats.non_empty += len(values) - sum(counts(v) for v in empty)
        for kind, found in flagged.items():
            self._count(stats, kind, found, counts, values, lines)
        for words, found in undecided.items():
            self._pending.append((position, words, found, values, lines))

    def _counter(self, values: Sequence[str], needed: int):
        """How many times a value occurs in the batch: list.count for a few values, a Counter
        for many."""
        if needed <= self.COUNT_ONE_BY_ONE:
            return values.count
        return Counter(values).__getitem__

    def _count(self, stats: _ColumnStats, kind: str, found, counts, values, lines) -> None:
        stats.counts[kind] += sum(counts(v) for v in found)
        if kind not in stats.first_line:
            first = min(values.index(v) for v in found)
            stats.first_line[kind] = lines[first]

    def resolve(self, name_lists: Sequence[Sequence[bytes]] = ()) -> None:
        """Decide this batch's pending values against the batch's own names (see the class)."""
        pending, self._pending = self._pending, []
        if not pending:
            return
        wanted = {w.encode("ascii") for _p, words, *_rest in pending for w in words}
        wanted |= {"".join(words).encode("ascii") for _p, words, *_rest in pending}
        found: set[bytes] = set()
        for names in name_lists:
            found |= wanted.intersection(names)
        found -= _NOT_KNOWN_NAMES
        self._remember(found)
        by_column: dict[int, list] = {}
        for position, words, values_found, values, lines in pending:
            if self._words_known(words, found):
                by_column.setdefault(position, [values, lines, []])[2].extend(values_found)
        for position, (values, lines, names_found) in by_column.items():
            counts = self._counter(values, len(names_found))
            self._count(self._stats[position], NAMES, names_found, counts, values, lines)

    def _feed_digits(self, stats: _ColumnStats, values: Sequence[str], lines) -> None:
        empty = values.count("")
        stats.non_empty += len(values) - empty
        lengths = set(map(len, values))
        if not lengths & {8, 10, 13, 15}:
            return
        for index, value in enumerate(values):
            if len(value) in (8, 10, 13, 15):
                kind = classify(value)
                if kind is _NOTHING:
                    continue
                stats.counts[kind] += 1
                stats.first_line.setdefault(kind, lines[index])

    def _column_findings(self, stats: _ColumnStats, final: bool) -> list[Finding]:
        findings = []
        for rule, count in stats.counts.items():
            share = count / stats.non_empty if stats.non_empty else 0.0
            if rule in ANY_VALUE_RULES or (final and share >= MOSTLY):
                findings.append(
                    Finding(stats.name, rule, "content", count, share, stats.first_line.get(rule))
                )
        order = list(CONTENT_LABELS)
        return sorted(findings, key=lambda f: order.index(f.rule))

    def certain(self) -> list[Finding]:
        """Findings no later value can undo (one full date, e-mail, phone or NIR)."""
        self.resolve()  # values still pending are decided without the batch's names
        return [f for s in self._stats for f in self._column_findings(s, final=False)]

    def findings(self) -> list[Finding]:
        """Every identifying column, once the whole file has been fed."""
        self.resolve()
        return [f for s in self._stats for f in self._column_findings(s, final=True)]


def name_findings(columns: Sequence[str]) -> list[Finding]:
    """The columns whose name denotes a direct identifier."""
    found = []
    for column in columns:
        kind = column_name_rule(column)
        if kind is not None:
            found.append(Finding(column, kind, "name"))
    return found
