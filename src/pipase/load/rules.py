"""Typing and row rules, written as one set-based SQL statement per file.

From the all-varchar staging relation (contract columns, plus the spreadsheet row for XLSX),
`typed_select` builds a SELECT that returns, for every contract column c:

* `_val_c`: the typed value (NULL when empty or invalid),
* `_err_c`: the rule the value breaks, or NULL (only for columns that can break one: typed,
  required or with accepted values),
* `_txt_c`: the trimmed text, kept for `load_rejects.valeur` (same columns, never an
  identifying one).

Values are trimmed (spaces, tabs, no-break and other invisible characters: INVISIBLE) and an
empty value is NULL. Dates are tried against every declared format with `try_strptime`, but
only where the value has the format's digit pattern (`format_pattern`): matching no pattern is
`date_format`, matching a pattern but no real date is `date_impossible` (31/02/2003, month 13),
and two formats giving two different dates is `date_ambiguous` (never guessed). A real date
outside 1900-2099 is `date_out_of_range` (a year typed 0203 or 9999, a spreadsheet's serial
number read as a year); in a column declared `not_after_extraction`, a date after the
extraction date is `date_after_extraction` (a birth, a decision or a payment cannot be later
than the files that record it: many such rows mean the extraction date given to the run is
wrong).
"""

from __future__ import annotations

import datetime as dt

from pipase.load.contract import Column, FileSpec, format_pattern
from pipase.load.sql import quote_ident, sql_literal

# Spaces, tabs, line ends, and the invisible characters a copy from a web page or a word
# processor leaves at a value's ends: no-break and typographic spaces (Unicode Zs), zero-width
# characters, the word joiner, the byte-order mark, the soft hyphen (Cf). Left in an id, they
# made rows join nothing (an adversarial tester's "IND0000001\u200b"). trim() with a character
# list costs ~3x a plain copy, so it only runs on the values that start or end with a space,
# hold a tab or line end, or are non-ASCII (strlen counts bytes, length characters) and start
# or end with one of the others (_trimmed).
INVISIBLE = (
    [9, 10, 13, 32, 160, 173, 5760]
    + list(range(0x2000, 0x2010))
    + [0x2028, 0x2029, 0x202F, 0x205F, 0x2060, 0x3000, 0xFEFF]
)
TRIM_CHARS = " || ".join(f"chr({code})" for code in INVISIBLE)
_ASCII_BLANKS = tuple(code for code in INVISIBLE if code < 32)  # tab, line ends


# RE2 class of the non-ASCII characters of INVISIBLE
_INVISIBLE_CLASS = "[" + "".join(f"\\x{{{code:04X}}}" for code in INVISIBLE if code > 127) + "]"


def _trimmed(v: str) -> str:
    ends = f"regexp_matches({v}, '^{_INVISIBLE_CLASS}|{_INVISIBLE_CLASS}$')"
    guard = " or ".join(
        [f"starts_with({v}, ' ')", f"ends_with({v}, ' ')"]
        + [f"contains({v}, chr({code}))" for code in _ASCII_BLANKS]
        # an accented value is common: a pattern looks at its ends (cheaper than trim)
        + [f"(strlen({v}) <> length({v}) and {ends})"]
    )
    return f"nullif(case when {guard} then trim({v}, {TRIM_CHARS}) else {v} end, '')"


TRUE_WORDS = ("t", "true", "1", "oui")
FALSE_WORDS = ("f", "false", "0", "non")
ROW_RULES = (
    "required",
    "date_format",
    "date_impossible",
    "date_ambiguous",
    "date_out_of_range",
    "date_after_extraction",
    "duplicate_id",
    "duplicate_row",
    "integer",
    "decimal",
    "boolean",
    "accepted_values",
)
VALUE_MAX_CHARS = 200
# The dates any source may hold: a year outside is a typing or reading mistake.
DATE_MIN, DATE_MAX = dt.date(1900, 1, 1), dt.date(2099, 12, 31)
# A column declared `if_invalid: empty` (a birth date of an identity table): the rule its value
# breaks -> the reason loaded in `motif_<column>`, a closed list (the row is loaded, the value
# empty). The only place these codes are written; the dbt sources test them from here.
EMPTIED_REASONS = {
    "required": "date_absente",
    "date_format": "date_illisible",
    "date_impossible": "date_impossible",
    "date_ambiguous": "date_ambigue",
    "date_out_of_range": "date_hors_periode",
    "date_after_extraction": "date_posterieure_extraction",
}


def can_fail(column: Column) -> bool:
    """Whether a value of this column can break a rule (else no error column is computed)."""
    return (
        column.required
        or column.unique
        or column.accepted_values is not None
        or column.type != "varchar"
    )


def keeps_text(column: Column) -> bool:
    """Whether the trimmed text is kept for load_rejects.valeur (never an identifying column)."""
    return can_fail(column) and not column.identifying


def native_name(column: Column) -> str:
    """Staging column holding a native (spreadsheet) date for `column`, if any."""
    return f"_nat_{column.name}"


def _q(prefix: str, column: Column) -> str:
    return quote_ident(f"{prefix}{column.name}")


def _words(words: tuple[str, ...]) -> str:
    return ", ".join(sql_literal(w) for w in words)


def _decimal_parts(column: Column, spec: FileSpec) -> tuple[str, str]:
    """(pattern, normalised text) of a decimal column."""
    v = quote_ident(column.name)
    if spec.decimal_separator == ",":
        pattern = r"[+-]?([0-9]+|[0-9]{1,3}([ \x{00A0}\x{202F}][0-9]{3})+)(,[0-9]+)?"
        normalised = f"replace(regexp_replace({v}, '[ \\x{{00A0}}\\x{{202F}}]', '', 'g'), ',', '.')"
    else:
        pattern = r"[+-]?[0-9]+(\.[0-9]+)?"
        normalised = v
    return pattern, normalised


def _date_layer(column: Column) -> list[str]:
    """Per format i: `_m{i}_c` (value has the format's pattern), `_p{i}_c` (parsed value)."""
    v = quote_ident(column.name)
    out = []
    for i, fmt in enumerate(column.formats):
        match = f"regexp_full_match({v}, {sql_literal(format_pattern(fmt))})"
        out.append(f"{match} as {_q(f'_m{i}_', column)}")
        out.append(
            f"case when {match} then try_strptime({v}, {sql_literal(fmt)}) end"
            f" as {_q(f'_p{i}_', column)}"
        )
    return out


def _typed_and_error(
    column: Column, spec: FileSpec, native: bool, extraction_date: dt.date
) -> tuple[str, str]:
    """(typed value expression, error rule expression) over the date layer."""
    v = quote_ident(column.name)
    nat = _q("_nat_", column) if native else "NULL"
    empty = f"{v} is null" + (f" and {nat} is null" if native else "")
    checks: list[tuple[str, str]] = []  # (condition when non-empty, rule), first wins
    if column.type == "varchar":
        value = v
        text_for_list = v
    elif column.type == "integer":
        value = f"case when regexp_full_match({v}, '[+-]?[0-9]+') then try_cast({v} as integer) end"
        checks.append((f"({value}) is null", "integer"))
        text_for_list = f"cast(({value}) as varchar)"
    elif column.type == "decimal":
        pattern, normalised = _decimal_parts(column, spec)
        value = (
            f"case when regexp_full_match({v}, {sql_literal(pattern)}) "
            f"then try_cast({normalised} as decimal(12,2)) end"
        )
        # a value that decimal(12,2) would round (more than two decimals) is not silently cut
        exact = f"try_cast({normalised} as decimal(38,10)) = ({value})"
        checks.append((f"({value}) is null or not coalesce({exact}, false)", "decimal"))
        text_for_list = v
    elif column.type == "boolean":
        value = (
            f"case when lower({v}) in ({_words(TRUE_WORDS)}) then true "
            f"when lower({v}) in ({_words(FALSE_WORDS)}) then false end"
        )
        checks.append((f"({value}) is null", "boolean"))
        text_for_list = v
    else:  # date, timestamp
        cast = "date" if column.type == "date" else "timestamp"
        parsed = [_q(f"_p{i}_", column) for i in range(len(column.formats))]
        matched = [_q(f"_m{i}_", column) for i in range(len(column.formats))]
        first = parsed[0] if len(parsed) == 1 else f"coalesce({', '.join(parsed)})"
        value = f"cast(coalesce({nat}, {first}) as {cast})"
        pairs = [
            f"({a} is not null and {b} is not null and cast({a} as {cast}) <> cast({b} as {cast}))"
            for i, a in enumerate(parsed)
            for b in parsed[i + 1 :]
        ]
        guard = f"{nat} is null and " if native else ""
        if pairs:
            checks.append((guard + "(" + " or ".join(pairs) + ")", "date_ambiguous"))
        checks.append((f"{guard}{first} is null and ({' or '.join(matched)})", "date_impossible"))
        checks.append((f"{guard}{first} is null", "date_format"))
        day = f"cast(({value}) as date)"
        checks.append(
            (
                f"{day} < date '{DATE_MIN.isoformat()}' or {day} > date '{DATE_MAX.isoformat()}'",
                "date_out_of_range",
            )
        )
        if column.not_after_extraction:
            after = f"{day} > date '{extraction_date.isoformat()}'"
            checks.append((after, "date_after_extraction"))
        text_for_list = v
    if column.accepted_values is not None:
        allowed = ", ".join(sql_literal(a) for a in column.accepted_values)
        checks.append((f"{text_for_list} not in ({allowed})", "accepted_values"))
    whens = [f"when {empty} then {sql_literal('required') if column.required else 'NULL'}"]
    whens += [f"when {condition} then {sql_literal(rule)}" for condition, rule in checks]
    return value, "case " + " ".join(whens) + " end"


def message_case(column: Column, spec: FileSpec, extraction_date: dt.date, alias: str = "") -> str:
    """SQL CASE giving the human message of `_err_c` (never containing the value)."""
    formats = ", ".join(column.formats)
    messages = {
        "date_out_of_range": (
            f"date before {DATE_MIN.isoformat()} or after {DATE_MAX.isoformat()}: a mistyped year"
        ),
        "duplicate_id": (
            f"the value of {column.name} is on several rows with different contents: none is "
            "chosen (correct the extraction)"
        ),
        "duplicate_row": (
            f"the row repeats an earlier one (same {column.name}, same content): the first is "
            "loaded"
        ),
        "date_after_extraction": (
            f"date after the extraction date {extraction_date.isoformat()}: the event cannot be "
            "later than the files that record it (is the extraction date right?)"
        ),
        "required": "empty value in a required column",
        "date_format": f"value matches none of the date formats {formats}",
        "date_impossible": f"value has the shape of a date ({formats}) but is not a real date",
        "date_ambiguous": f"value reads as different dates under the formats {formats}",
        "integer": "not an integer (digits with an optional sign, 32 bits)",
        "decimal": (
            f"not a decimal with separator {spec.decimal_separator!r} and at most 2 decimals "
            "(10 digits before)"
        ),
        "boolean": f"not a boolean ({'/'.join(TRUE_WORDS + FALSE_WORDS)})",
        "accepted_values": (
            "value not in the accepted list (" + ", ".join(column.accepted_values or ()) + ")"
        ),
    }
    err = alias + _q("_err_", column)
    whens = " ".join(f"when {sql_literal(r)} then {sql_literal(m)}" for r, m in messages.items())
    return f"case {err} {whens} end"


def typed_select(
    spec: FileSpec,
    relation: str,
    extraction_date: dt.date,
    native: set[str] | None = None,
    ordinal: str | None = None,
) -> str:
    """SELECT [`ordinal`,] then `_val_c` for every column, `_txt_c` and `_err_c` where they
    apply, from `relation` (contract columns as varchar, [ordinal,] native date columns);
    `extraction_date` bounds the columns declared `not_after_extraction`."""
    native = native or set()
    keep = [quote_ident(ordinal)] if ordinal else []
    trimmed = list(keep)
    for column in spec.columns:
        v = quote_ident(column.name)
        trimmed.append(f"{_trimmed(v)} as {v}")
        if column.name in native:
            trimmed.append(_q("_nat_", column))
    layer0 = f"select {', '.join(trimmed)} from {relation} r"
    date_cols = [c for c in spec.columns if c.type in ("date", "timestamp")]
    layer1_extra = [expr for c in date_cols for expr in _date_layer(c)]
    layer1 = f"select *{''.join(', ' + e for e in layer1_extra)} from ({layer0}) l0"
    out = list(keep)
    for column in spec.columns:
        value, error = _typed_and_error(column, spec, column.name in native, extraction_date)
        out.append(f"{value} as {_q('_val_', column)}")
        if keeps_text(column):
            out.append(f"{quote_ident(column.name)} as {_q('_txt_', column)}")
        if can_fail(column):
            out.append(f"{error} as {_q('_err_', column)}")
    return f"select {', '.join(out)} from ({layer1}) l1"


def duplicate_updates(spec: FileSpec, table: str) -> list[str]:
    """UPDATEs of the typed table marking, for each column declared `unique`, the rows that
    share its value (rows breaking no other rule): `duplicate_id` on every one of them when
    their contents differ, `duplicate_row` on the copies after the first (file order) when
    they are the same row repeated."""
    values = ", ".join(_q("_val_", c) for c in spec.columns)
    statements = []
    for column in spec.columns:
        if not column.unique:
            continue
        value, error = _q("_val_", column), _q("_err_", column)
        statements.append(
            f"update {table} set {error} = d.rule from ("
            "select r, case when min(h) over w <> max(h) over w then 'duplicate_id' "
            "when row_number() over (w order by r) > 1 then 'duplicate_row' end as rule "
            f"from (select rowid as r, {value} as v, hash({values}) as h from {table} "
            f"where {value} is not null and not ({any_error(spec)})) s "
            "window w as (partition by v)"
            f") d where {table}.rowid = d.r and d.rule is not null"
        )
    return statements


def any_error(spec: FileSpec, alias: str = "") -> str:
    """SQL condition: the row breaks at least one rule that rejects it (a column declared
    `if_invalid: empty` never rejects its row)."""
    errors = [
        f"{alias}{_q('_err_', c)} is not null"
        for c in spec.columns
        if can_fail(c) and not c.keeps_row
    ]
    return " or ".join(errors) if errors else "false"


def any_warning(spec: FileSpec, alias: str = "") -> str:
    """SQL condition: a column declared `if_invalid: empty` breaks a rule (its value is loaded
    empty, with its reason); counted as a warning when the row is loaded."""
    warnings = [f"{alias}{_q('_err_', c)} is not null" for c in spec.columns if c.keeps_row]
    return " or ".join(warnings) if warnings else "false"


def reason_case(column: Column, alias: str = "") -> str:
    """SQL CASE giving the reason code of `_err_c` (EMPTIED_REASONS), NULL when no rule broke."""
    err = alias + _q("_err_", column)
    whens = " ".join(
        f"when {sql_literal(rule)} then {sql_literal(reason)}"
        for rule, reason in EMPTIED_REASONS.items()
    )
    return f"case {err} {whens} end"


def rejects_select(
    spec: FileSpec,
    typed_from: str,
    line_expr: str,
    constants: dict[str, str],
    extraction_date: dt.date,
) -> str | None:
    """One row per (row, column) problem, for raw.load_rejects (None if no column can fail).

    `typed_from` is the typed table (alias t, possibly joined to a line map), `line_expr` the
    SQL giving the row's line. `constants` maps load_id, source, table, file to their values.
    """
    head = ", ".join(f"{sql_literal(value)} as {quote_ident(k)}" for k, value in constants.items())
    parts = []
    for column in spec.columns:
        if not can_fail(column) or column.keeps_row:
            continue
        err = "t." + _q("_err_", column)
        value = (
            f"left(t.{_q('_txt_', column)}, {VALUE_MAX_CHARS})" if keeps_text(column) else "NULL"
        )
        parts.append(
            f"select {head}, {line_expr} as line, {sql_literal(column.name)} as "
            f"{quote_ident('column')}, {err} as rule, "
            f"{message_case(column, spec, extraction_date, 't.')} as message, "
            f"{value} as valeur from {typed_from} where {err} is not null"
        )
    return " union all ".join(parts) if parts else None


def loaded_select(
    spec: FileSpec, typed_from: str, line_expr: str, file_name: str, sort: bool = False
) -> str:
    """The rows that break no rejecting rule, typed, in contract order (`spec.raw_columns`: a
    column declared `if_invalid: empty` is empty when its value breaks a rule, and followed by
    its reason), plus `_fichier` and `_ligne`.

    Rows keep the typed table's order (the file's); `sort` orders them by line when a join
    (the line map of a file with multi-line records) may have shuffled them."""
    selected = []
    for c in spec.columns:
        value = f"t.{_q('_val_', c)}"
        if c.keeps_row:
            value = f"case when t.{_q('_err_', c)} is null then {value} end"
        selected.append(f"cast({value} as {c.duckdb_type}) as {quote_ident(c.name)}")
        if c.reason_column is not None:
            reason = reason_case(c, "t.")
            selected.append(f"cast({reason} as varchar) as {quote_ident(c.reason_column)}")
    cols = ", ".join(selected)
    return (
        f"select {cols}, cast({sql_literal(file_name)} as varchar) as _fichier, "
        f"cast({line_expr} as integer) as _ligne from {typed_from} "
        f"where not ({any_error(spec, 't.')})" + (" order by _ligne" if sort else "")
    )
