"""Write one table as its contract says (columns in order, encoding, delimiter, date formats, XLSX
sheet), after planting exact duplicate rows and values that the loader must reject, and return
the ground truth of every data row (file, line, record id, person, planted difficulties)."""

from __future__ import annotations

import codecs
import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from pipase.load.contract import Column, FileSpec
from pipase.synth.identity import BIRTH_DATE_ERRORS
from pipase.synth.names import cp1252_safe
from pipase.synth.parameters import WRITER
from pipase.synth.util import NODATE, day, map_unique, to_date

# Column holding the record id of each table (ids of household-level tables are the household's).
RECORD_ID = {
    ("iodas_ase", "individus"): "id_individu",
    ("iodas_ase", "detenteurs_autorite_parentale"): "id_individu",
    ("iodas_ase", "informations_preoccupantes"): "id_ip",
    ("iodas_ase", "mesures"): "id_mesure",
    ("iodas_ase", "placements"): "id_placement",
    ("iodas_ase", "hors_placement"): "id_hors_placement",
    ("iodas_ase", "aides_cjm"): "id_aide",
    ("webrsa", "personnes"): "id",
    ("webrsa", "prestations"): "personne_id",
    ("webrsa", "foyers"): "id",
    ("webrsa", "dossiers"): "id",
    ("webrsa", "situationsdossiersrsa"): "dossier_id",
    ("webrsa", "detailsdroitsrsa"): "dossier_id",
    ("webrsa", "adresses"): "foyer_id",
    ("webrsa", "dsps"): "personne_id",
    ("webrsa", "orientsstructs"): "id",
    ("webrsa", "cers93_sujets"): "contratinsertion_id",
    ("webrsa", "historiqueetatspe"): "personne_id",
    ("nova_dpas", "personnes"): "id_personne",
    ("nova_dpas", "rendez_vous"): "id_rdv",
    ("iodas_dpas", "aides"): "id_demande",
    ("iodas_mdph", "decisions"): "num_dossier_mdph",
}

DUPLICATE_TABLES = {
    ("iodas_ase", "informations_preoccupantes"),
    ("iodas_ase", "placements"),
    ("iodas_ase", "aides_cjm"),
    ("webrsa", "historiqueetatspe"),
    ("webrsa", "cers93_sujets"),
    ("nova_dpas", "rendez_vous"),
    ("iodas_dpas", "aides"),
    ("iodas_mdph", "decisions"),
}

# Planted rejects: (column, rule). The first entry of a rule marked `True` is where one
# occurrence is forced at any scale, so that every rule appears at least once.
REJECT_PLAN: dict[tuple[str, str], list[tuple[str, str, bool]]] = {
    ("iodas_ase", "informations_preoccupantes"): [
        ("date_reception", "required", False),
        ("date_cloture", "date_impossible", False),
    ],
    ("iodas_ase", "mesures"): [
        ("date_fin", "date_impossible", True),
        ("date_debut", "date_format", False),
        ("type_mesure", "required", False),
    ],
    ("iodas_ase", "placements"): [
        ("date_debut", "date_impossible", False),
        ("nature_placement", "required", False),
    ],
    ("iodas_ase", "hors_placement"): [("date_debut", "date_format", False)],
    ("iodas_ase", "aides_cjm"): [
        ("montant", "decimal", True),
        ("date_paiement", "date_format", False),
    ],
    ("webrsa", "personnes"): [
        ("dtnai", "date_impossible", False),
        ("dtnai", "date_format", True),
        ("sexe", "accepted_values", False),
    ],
    ("webrsa", "dossiers"): [("dtdemrsa", "required", False)],
    ("webrsa", "detailsdroitsrsa"): [("nbenfautcha", "integer", True)],
    ("webrsa", "historiqueetatspe"): [("date", "date_impossible", False)],
    ("nova_dpas", "personnes"): [
        ("date_naissance", "date_impossible", False),
        ("lien_usager", "required", False),
    ],
    ("nova_dpas", "rendez_vous"): [
        ("date_rdv", "date_format", False),
        ("statut_rdv", "required", True),
    ],
    ("iodas_dpas", "aides"): [
        ("montant_accorde", "decimal", False),
        ("date_decision", "date_impossible", False),
        ("decision", "accepted_values", False),
    ],
    ("iodas_mdph", "decisions"): [
        ("date_naissance", "date_impossible", False),
        ("date_decision", "date_format", False),
        ("code_prestation", "required", False),
        ("type_decision", "accepted_values", True),
    ],
}

_BAD_ACCEPTED = {
    "sexe": ["H", "X", "M"],
    "decision": ["Accordé", "OK", "refusé"],
    "type_decision": ["Accordé", "Refus", "A"],
    "lien_usager": ["Fils de", "Mère"],
}
_BAD_DECIMAL = ["450 €", "quatre cents", "4OO,00", "N.C.", "env. 300"]
_BAD_INTEGER = ["deux", "2 enfants", "1 ou 2"]
_IMPOSSIBLE = [(31, 2), (30, 2), (31, 4), (31, 6), (31, 9), (31, 11)]

_DATE_LO = day(1900, 1, 1)
_DATE_HI = day(2061, 1, 1)


@dataclass
class Written:
    path: str
    rows: int
    ground: dict[str, np.ndarray]
    persons: np.ndarray  # person index (in the chunk's population) of every row, -1 if none
    rejects: list[dict] = field(default_factory=list)


class DateTables:
    """Every day from 1900 to 2060 pre-formatted once per strftime format."""

    def __init__(self) -> None:
        self._cache: dict[str, np.ndarray] = {}
        self._dates: np.ndarray | None = None

    def dates(self) -> np.ndarray:
        if self._dates is None:
            arr = np.empty(_DATE_HI - _DATE_LO + 1, dtype=object)
            base = to_date(_DATE_LO)
            arr[:] = [base + dt.timedelta(days=i) for i in range(arr.size)]
            arr_full = np.empty(arr.size + 1, dtype=object)
            arr_full[:-1] = arr
            arr_full[-1] = None
            self._dates = arr_full
        return self._dates

    def strings(self, fmt: str) -> np.ndarray:
        if fmt not in self._cache:
            dates = self.dates()
            arr = np.empty(dates.size, dtype=object)
            arr[:-1] = [d.strftime(fmt) for d in dates[:-1]]
            arr[-1] = ""
            self._cache[fmt] = arr
        return self._cache[fmt]

    @staticmethod
    def index(days: np.ndarray) -> np.ndarray:
        days = np.asarray(days, dtype=np.int64)
        idx = days - _DATE_LO
        missing = days == NODATE
        if ((idx < 0) | (days > _DATE_HI))[~missing].any():
            raise ValueError("date outside 1900-2060 in generated data")
        return np.where(missing, _DATE_HI - _DATE_LO + 1, idx)


DATES = DateTables()


def _fmt_date(fmt: str, d: int, m: int, y: int, hh: int = 10, mm: int = 30) -> str:
    return (
        fmt.replace("%d", f"{d:02d}")
        .replace("%m", f"{m:02d}")
        .replace("%Y", f"{y:04d}")
        .replace("%H", f"{hh:02d}")
        .replace("%M", f"{mm:02d}")
    )


def _parses(text: str, formats: tuple[str, ...]) -> bool:
    for fmt in formats:
        try:
            dt.datetime.strptime(text, fmt)
            return True
        except ValueError:
            continue
    return False


def _year_of(value) -> int:
    if isinstance(value, dt.date):
        return value.year
    match = re.search(r"(19|20)\d\d", str(value or ""))
    return int(match.group(0)) if match else 2003


def bad_value(rng: np.random.Generator, col: Column, rule: str, original) -> str:
    """An invalid value for `col` that breaks exactly `rule`."""
    if rule == "required":
        return ""
    if rule == "decimal":
        return _BAD_DECIMAL[int(rng.integers(len(_BAD_DECIMAL)))]
    if rule == "integer":
        return _BAD_INTEGER[int(rng.integers(len(_BAD_INTEGER)))]
    if rule == "accepted_values":
        options = [
            v for v in _BAD_ACCEPTED.get(col.name, ["?"]) if v not in (col.accepted_values or ())
        ]
        return options[int(rng.integers(len(options)))]
    fmt = col.formats[0]
    year = _year_of(original)
    if rule == "date_impossible":
        d, m = _IMPOSSIBLE[int(rng.integers(len(_IMPOSSIBLE)))]
        return _fmt_date(fmt, d, m, year)
    if rule == "date_format":
        m, d = int(rng.integers(1, 13)), int(rng.integers(1, 29))
        candidates = [
            _fmt_date("%Y-%m-%d" if "%Y-%m-%d" not in fmt else "%d/%m/%Y", d, m, year),
            f"{m:02d}/{year}",
            "inconnue",
            _fmt_date(fmt, d, m, year).replace("0", "O", 1),
            f"{d:02d}.{m:02d}.{year % 100:02d}",
        ]
        for text in rng.permutation(np.array(candidates, dtype=object)):
            if not _parses(str(text), col.formats):
                return str(text)
        return "inconnue"
    raise ValueError(f"unknown reject rule {rule}")


def _format_decimal(values, sep: str) -> np.ndarray:
    arr = np.asarray(values, dtype=float)
    out = np.empty(arr.size, dtype=object)
    ok = ~np.isnan(arr)
    out[~ok] = ""
    out[ok] = [f"{v:.2f}" for v in arr[ok]]
    if sep != ".":
        out[ok] = [s.replace(".", sep) for s in out[ok]]
    return out


def _format_integer(values) -> np.ndarray:
    s = pd.Series(values)
    out = np.empty(len(s), dtype=object)
    isna = s.isna().to_numpy()
    out[isna] = ""
    out[~isna] = [str(int(v)) for v in s[~isna]]
    return out


def _as_text(values) -> np.ndarray:
    s = pd.Series(values, dtype=object)
    out = s.where(s.notna(), "").to_numpy(dtype=object)
    if pd.api.types.infer_dtype(out, skipna=False) in ("string", "empty"):
        return out
    return map_unique(out, lambda v: v if isinstance(v, str) else str(v))


def format_csv_column(spec: FileSpec, col: Column, df: pd.DataFrame) -> np.ndarray:
    values = df[col.name].to_numpy()
    if col.type == "date":
        return DATES.strings(col.formats[0])[DATES.index(values)]
    if col.type == "timestamp":
        days = DATES.index(values)
        minutes = df.get(f"_time_{col.name}")
        with_time = _timestamp_strings(col.formats[0], days, minutes)
        date_only = DATES.strings(col.formats[-1])[days]
        has_time = np.zeros(len(df), bool) if minutes is None else (minutes.to_numpy() >= 0)
        return np.where(has_time, with_time, date_only)
    if col.type == "decimal":
        return _format_decimal(values, spec.decimal_separator)
    if col.type == "integer":
        return _format_integer(values)
    if col.type == "boolean":
        return np.array(
            ["" if v is None or v != v else ("t" if v else "f") for v in values], dtype=object
        )
    return _as_text(values)


def _timestamp_strings(fmt: str, day_idx: np.ndarray, minutes) -> np.ndarray:
    if minutes is None:
        return np.full(day_idx.size, "", dtype=object)
    date_part_fmt = fmt.split(" ")[0]
    dates = DATES.strings(date_part_fmt)[day_idx]
    mins = minutes.to_numpy()
    return np.array(
        [
            f"{d} {m // 60:02d}:{m % 60:02d}" if m >= 0 else d
            for d, m in zip(dates, mins, strict=True)
        ],
        dtype=object,
    )


def xlsx_column(spec: FileSpec, col: Column, df: pd.DataFrame, rng) -> np.ndarray:
    """Cell values: dates mostly as Excel dates, some typed as dd/mm/yyyy text; amounts mostly
    numbers, some as text with a decimal comma."""
    values = df[col.name].to_numpy()
    n = len(df)
    if col.type == "date":
        idx = DATES.index(values)
        out = DATES.dates()[idx].copy()
        as_text = rng.random(n) < WRITER.xlsx_date_as_text
        text = DATES.strings(col.formats[0])[idx]
        out[as_text] = text[as_text]
        out[idx == _DATE_HI - _DATE_LO + 1] = None
        return out
    if col.type == "decimal":
        arr = np.asarray(values, dtype=float)
        out = np.empty(n, dtype=object)
        ok = ~np.isnan(arr)
        out[~ok] = None
        out[ok] = [float(v) for v in arr[ok]]
        as_text = ok & (rng.random(n) < WRITER.xlsx_amount_as_text)
        out[as_text] = _format_decimal(arr[as_text], spec.decimal_separator)
        return out
    if col.type == "integer":
        s = pd.Series(values)
        return np.array([None if pd.isna(v) else int(v) for v in s], dtype=object)
    text = _as_text(values)
    return np.where(text == "", None, text)


def prepare_rows(
    spec: FileSpec,
    df: pd.DataFrame,
    rng: np.random.Generator,
    protected_persons: np.ndarray,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Insert exact duplicates of a few rows right after their original."""
    n = len(df)
    dup_mask = np.zeros(n, dtype=bool)
    if (spec.source, spec.table) in DUPLICATE_TABLES and n:
        persons = df["_person"].to_numpy()
        eligible = np.flatnonzero(~np.isin(persons, protected_persons))
        k = min(eligible.size, max(1, int(rng.binomial(n, WRITER.duplicate_rate))))
        if k:
            dup_mask[np.sort(rng.choice(eligible, size=k, replace=False))] = True
    order = np.repeat(np.arange(n), np.where(dup_mask, 2, 1))
    out = df.iloc[order].reset_index(drop=True)
    is_dup = np.repeat(dup_mask, np.where(dup_mask, 2, 1))
    return out, is_dup


def _tagger(tags: np.ndarray):
    """add(rows, kind): append `kind` to the difficulties of `rows` (once)."""

    def add(idx, kind):
        idx = np.asarray(idx, dtype=np.int64)
        tags[idx] = [
            kind if t == "" else (t if kind in t.split(";") else f"{t};{kind}") for t in tags[idx]
        ]

    return add


def _formatted_columns(spec: FileSpec, df: pd.DataFrame, rng, tag) -> dict[str, np.ndarray]:
    """Every column as the file writes it (text for a CSV file, typed cells for a workbook);
    in a Windows-1252 file, the characters it lacks transliterated (and the rows tagged)."""
    xlsx = spec.type == "xlsx"
    cols: dict[str, np.ndarray] = {}
    for col in spec.columns:
        cols[col.name] = (
            xlsx_column(spec, col, df, rng) if xlsx else format_csv_column(spec, col, df)
        )
    if spec.encoding.lower() in ("cp1252", "windows-1252"):
        changed = np.zeros(len(df), dtype=bool)
        for col in spec.columns:
            if col.type not in ("varchar",):
                continue
            vals = cols[col.name]
            safe = map_unique(vals, lambda v: cp1252_safe(v) if v else v)
            if col.identifying:
                changed |= safe != vals
            cols[col.name] = safe
        tag(np.flatnonzero(changed), "transliterated_for_encoding")
    return cols


def _plant_birth_date_errors(spec: FileSpec, cols: dict[str, np.ndarray], tags, rng) -> None:
    """The birth dates planted missing or impossible (identity.BIRTH_DATE_ERRORS, --difficile),
    in `cols` in place, on the rows the identity tagged."""
    for col in (c for c in spec.columns if c.keeps_row):
        for kind, rule in BIRTH_DATE_ERRORS.items():
            flagged = map_unique(tags, lambda t, kind=kind: kind in t.split(";")).astype(bool)
            for row in np.flatnonzero(flagged):
                if not cols[col.name].flags.writeable:
                    cols[col.name] = cols[col.name].copy()
                cols[col.name][row] = bad_value(rng, col, rule, cols[col.name][row])


@dataclass
class _RowContext:
    """What a planted reject records of its row."""

    files: np.ndarray
    lines: np.ndarray
    record_ids: np.ndarray
    persons: np.ndarray
    person_uid: np.ndarray


def _plant_rejects(spec, df, cols, rng, ctx: _RowContext, protect, tag) -> list[dict]:
    """Replace a few values by ones the loader must reject (every forced rule at least once),
    in `cols` in place; return one ground-truth record per planted value."""
    plan = REJECT_PLAN.get((spec.source, spec.table), [])
    n = len(df)
    if not plan or not n:
        return []
    if "_protect" in df:
        protect = protect | df["_protect"].to_numpy(dtype=bool)
    eligible = np.flatnonzero(~protect)
    k = int(rng.binomial(n, WRITER.reject_rate))
    forced = [p for p in plan if p[2]]
    k = min(eligible.size, max(k, len(forced)))
    rows = np.sort(rng.choice(eligible, size=k, replace=False)) if k else eligible[:0]
    assignment = [forced[i] for i in range(min(len(forced), k))]
    assignment += [plan[int(rng.integers(len(plan)))] for _ in range(k - len(assignment))]
    rejects = []
    for row, (column, rule, _forced) in zip(rows, assignment, strict=True):
        bad = bad_value(rng, spec.column(column), rule, cols[column][row])
        if not cols[column].flags.writeable:
            cols[column] = cols[column].copy()
        cols[column][row] = bad
        tag([row], f"reject_{rule}")
        if spec.column(column).keeps_row:  # loaded with the value empty and its reason
            continue
        person = ctx.persons[row]
        rejects.append(
            {
                "source": spec.source,
                "table": spec.table,
                "file": ctx.files[row],
                "line": int(ctx.lines[row]),
                "column": column,
                "rule": rule,
                "bad_value": bad,
                "record_id": ctx.record_ids[row],
                "person_uid": ctx.person_uid[person] if person >= 0 else "",
            }
        )
    return rejects


def _difficulties(tags: np.ndarray, persons: np.ndarray, person_tags: np.ndarray) -> np.ndarray:
    """Each row's difficulties: its own, then its person's."""
    ptags = np.where(persons >= 0, person_tags[np.maximum(persons, 0)], "").astype(object)
    row_empty = tags == ""
    difficulties = np.where(row_empty, ptags, tags).astype(object)
    both = np.flatnonzero(~row_empty & (ptags != ""))
    difficulties[both] = [f"{a};{b}" for a, b in zip(tags[both], ptags[both], strict=True)]
    return difficulties


def _check_columns(spec: FileSpec, df: pd.DataFrame) -> None:
    extra = [c for c in df.columns if not c.startswith("_") and c not in spec.column_names]
    missing = [c for c in spec.column_names if c not in df.columns]
    if extra or missing:
        raise ValueError(
            f"{spec.display_name}: columns differ from the contract "
            f"(missing {missing}, unexpected {extra})"
        )


def write_table(
    spec: FileSpec,
    df: pd.DataFrame,
    sink: TableSink,
    rng: np.random.Generator,
    person_uid: np.ndarray,
    person_tags: np.ndarray,
    protected_persons: np.ndarray,
) -> Written:
    """Append `df` (typed values, hidden columns starting with '_') to `sink`, the file `spec`
    declares, after the rows of the earlier chunks (line numbers go on from theirs; in a split
    export, rows beyond a full sheet go to the next part, from its line 2)."""
    _check_columns(spec, df)
    df, is_dup = prepare_rows(spec, df, rng, protected_persons)
    n = len(df)
    sink.check(n)
    files, lines = sink.locate(n)  # file and line (header = line 1) where each row will be
    persons = df["_person"].to_numpy()
    tags = df["_tag"].to_numpy(dtype=object).copy() if "_tag" in df else np.full(n, "", object)
    tag = _tagger(tags)
    tag(np.flatnonzero(is_dup), "exact_duplicate_row")
    cols = _formatted_columns(spec, df, rng, tag)
    record_ids = np.asarray(cols[RECORD_ID[(spec.source, spec.table)]], dtype=object)
    if pd.api.types.infer_dtype(record_ids, skipna=False) != "string":
        record_ids = map_unique(record_ids, lambda v: "" if v is None else str(v))
    _plant_birth_date_errors(spec, cols, tags, rng)
    ctx = _RowContext(files, lines, record_ids, persons, person_uid)
    protect = np.isin(persons, protected_persons) | is_dup
    rejects = _plant_rejects(spec, df, cols, rng, ctx, protect, tag)
    sink.append(cols, n)
    ground = {
        "source": np.full(n, spec.source, dtype=object),
        "table": np.full(n, spec.table, dtype=object),
        "file": files,
        "line": lines,
        "record_id": record_ids,
        "person_uid": np.where(persons >= 0, person_uid[np.maximum(persons, 0)], ""),
        "difficulties": _difficulties(tags, persons, person_tags),
    }
    return Written(spec.display_name, n, ground, persons, rejects)


def _quoted_columns(columns, delimiter: str, quote: str) -> list[np.ndarray]:
    specials = (delimiter, quote, "\r", "\n")

    def quoted(value: str) -> str:
        if any(ch in value for ch in specials):
            return quote + value.replace(quote, quote + quote) + quote
        return value

    cols = []
    for column in columns:
        column = np.asarray(column, dtype=object)
        if column.size and not isinstance(column[0], str):
            column = column.astype(str).astype(object)
        joined = "\x00".join(column.tolist())
        if any(ch in joined for ch in specials):
            column = map_unique(column, quoted)
        cols.append(column)
    return cols


def csv_header(header: list[str], delimiter: str, quote: str, terminator: str) -> str:
    """The header line of `csv_text`."""
    (names,) = _quoted_columns([np.asarray(header, dtype=object)], delimiter, quote)
    return delimiter.join(names.tolist()) + terminator


def csv_body(columns: list[np.ndarray], delimiter: str, quote: str, terminator: str) -> str:
    """The data lines of `csv_text`: bodies of successive chunks of rows concatenate into the
    body of all the rows."""
    cols = _quoted_columns(columns, delimiter, quote)
    body = terminator.join(map(delimiter.join, zip(*(c.tolist() for c in cols), strict=True)))
    return body + (terminator if body else "")


def csv_text(
    header: list[str], columns: list[np.ndarray], delimiter: str, quote: str, terminator: str
) -> str:
    """CSV text as csv.writer(quoting=QUOTE_MINIMAL) writes it, built with str.join: a column is
    scanned once, and only values holding the delimiter, the quote or a line break are quoted."""
    return csv_header(header, delimiter, quote, terminator) + csv_body(
        columns, delimiter, quote, terminator
    )


class CsvAppender:
    """A CSV file written a chunk of rows at a time (header first), byte for byte what
    `csv_text` gives for all the rows at once; the encoder writes a BOM (utf-8-sig) only once."""

    def __init__(
        self,
        path: Path,
        header: list[str],
        delimiter: str = ",",
        quote: str = '"',
        terminator: str = "\n",
        encoding: str = "utf-8",
        name: str | None = None,
        check_line_breaks: bool = False,
    ) -> None:
        self.path = Path(path)
        self.name = name or self.path.name
        self.delimiter, self.quote, self.terminator = delimiter, quote, terminator
        self.check_line_breaks = check_line_breaks
        self.rows = 0
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._encoder = codecs.getincrementalencoder(encoding)(errors="strict")
        self._handle = self.path.open("wb")
        self._write(csv_header(list(header), delimiter, quote, terminator))

    def _write(self, text: str) -> None:
        self._handle.write(self._encoder.encode(text))

    def append(self, columns: list[np.ndarray]) -> None:
        n = len(columns[0]) if columns else 0
        if not n:
            return
        body = csv_body(columns, self.delimiter, self.quote, self.terminator)
        if self.check_line_breaks and body.count("\n") != n:
            raise ValueError(f"{self.name}: a value contains a line break")
        self._write(body)
        self.rows += n

    def close(self) -> None:
        if not self._handle.closed:
            self._handle.write(self._encoder.encode("", final=True))
            self._handle.close()

    abort = close


class CsvSink:
    """A source CSV file as its contract declares it, appended chunk by chunk."""

    def __init__(self, spec: FileSpec, out_dir: Path) -> None:
        self.spec = spec
        terminator = "\r\n" if spec.encoding.lower() in ("cp1252", "utf-8-sig") else "\n"
        self._csv = CsvAppender(
            Path(out_dir) / spec.display_name,
            spec.column_names,
            spec.delimiter,
            spec.quote,
            terminator,
            spec.encoding,
            name=spec.display_name,
            check_line_breaks=True,
        )
        self.max_rows: int | None = None

    @property
    def rows(self) -> int:
        return self._csv.rows

    def check(self, n: int) -> None:
        """Nothing: a CSV file has no row limit."""

    def locate(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """File (path relative to the extraction) and line of each of the next `n` rows."""
        return _segments([(self.spec.display_name, self.rows + 2, n)])

    def append(self, cols: dict[str, np.ndarray], n: int) -> None:
        self._csv.append([cols[c] for c in self.spec.column_names])

    def files(self) -> dict[str, int]:
        """Data rows of every file written (one: a CSV file never needs parts)."""
        return {self.spec.display_name: self.rows}

    def close(self) -> None:
        self._csv.close()

    def abort(self) -> None:
        self._csv.abort()


class XlsxSink:
    """The XLSX workbook of a contract: rows streamed to the sheet, zipped when it is complete.

    A sheet holds at most `max_rows` rows, header included (Excel's limit). When the contract
    declares `parts` (a split export), a full sheet is closed and the rows go on in the next
    part (aides_financieres_2.xlsx, ...), one part in memory at a time; otherwise rows beyond
    the limit raise ExcelRowLimitError before anything is written."""

    def __init__(self, spec: FileSpec, out_dir: Path, max_rows: int) -> None:
        if max_rows < 2:
            raise ValueError("a sheet holds at least the header and one row (max_rows >= 2)")
        self.spec = spec
        self.out_dir = Path(out_dir)
        self.sheet_rows = max_rows
        # the generator's early projection applies to a sheet that cannot roll over only
        self.max_rows: int | None = None if spec.parts else max_rows
        self._closed: dict[str, int] = {}  # parts written, with their data rows
        self._number = 1
        self._sheet = self._open(1)

    def _open(self, number: int):
        from pipase.synth.workbook import SheetWriter

        path = self.spec.part_display_name(number)
        return SheetWriter(
            self.out_dir / path,
            self.spec.sheet or self.spec.table,
            self.spec.column_names,
            max_rows=self.sheet_rows,
            name=path,
        )

    @property
    def rows(self) -> int:
        """Data rows written, every part together."""
        return sum(self._closed.values()) + self._sheet.rows

    def check(self, n: int) -> None:
        """Raise ExcelRowLimitError, before anything is written, if `n` more rows do not fit
        (never for a split export: the next part takes them)."""
        if not self.spec.parts:
            self._sheet.check(n)

    def locate(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """File (path relative to the extraction) and line of each of the next `n` rows."""
        room = self.sheet_rows - 1 - self._sheet.rows
        if not self.spec.parts or n <= room:
            return _segments([(self.spec.part_display_name(self._number), self._sheet.rows + 2, n)])
        segments = [(self.spec.part_display_name(self._number), self._sheet.rows + 2, room)]
        number, left = self._number, n - room
        while left:
            number += 1
            take = min(left, self.sheet_rows - 1)
            segments.append((self.spec.part_display_name(number), 2, take))
            left -= take
        return _segments(segments)

    def append(self, cols: dict[str, np.ndarray], n: int) -> None:
        names = self.spec.column_names
        if not self.spec.parts:
            self._sheet.write_rows(zip(*(cols[c] for c in names), strict=True))
            return
        done = 0
        while done < n:
            room = self.sheet_rows - 1 - self._sheet.rows
            if not room:  # the sheet is full: the next rows open the next part
                self._roll_over()
                continue
            take = min(room, n - done)
            self._sheet.write_rows(zip(*(cols[c][done : done + take] for c in names), strict=True))
            done += take

    def _roll_over(self) -> None:
        self._sheet.close()
        self._closed[self.spec.part_display_name(self._number)] = self._sheet.rows
        self._number += 1
        self._sheet = self._open(self._number)

    def files(self) -> dict[str, int]:
        """Data rows of every part written (the first is the contract's `file`)."""
        return {**self._closed, self.spec.part_display_name(self._number): self._sheet.rows}

    def close(self) -> None:
        self._sheet.close()

    def abort(self) -> None:
        """Give up: no workbook of an incomplete table is left, not even a full part."""
        self._sheet.abort()
        for path in self._closed:
            (self.out_dir / path).unlink(missing_ok=True)


def _segments(segments: list[tuple[str, int, int]]) -> tuple[np.ndarray, np.ndarray]:
    """(file of each row, line of each row) from runs of (file, first line, rows)."""
    files = np.repeat(
        np.array([path for path, _, _ in segments], dtype=object),
        [count for _, _, count in segments],
    )
    lines = np.concatenate(
        [np.arange(count, dtype=np.int64) + first for _, first, count in segments]
    )
    return files, lines


def remove_stale_parts(spec: FileSpec, out_dir: Path) -> None:
    """Delete the parts an earlier, larger run left in the folder: the loader would read them
    as parts of this extraction."""
    if not spec.parts:
        return
    before, after = spec.parts.split("{n}")
    pattern = re.compile(re.escape(before) + "[0-9]+" + re.escape(after))
    folder = Path(out_dir) / spec.source
    if folder.is_dir():
        for entry in folder.iterdir():
            if pattern.fullmatch(entry.name) and entry.is_file():
                entry.unlink()


TableSink = CsvSink | XlsxSink


def open_sink(spec: FileSpec, out_dir: Path, xlsx_max_rows: int) -> TableSink:
    """The file of `spec` under `out_dir`, opened for chunks of rows (header written)."""
    remove_stale_parts(spec, out_dir)
    if spec.type == "xlsx":
        return XlsxSink(spec, out_dir, xlsx_max_rows)
    return CsvSink(spec, out_dir)
