"""`pipase revue`: the clerical review of the probabilistic pass, inside the Department.

Writing (``--out``): every source row that int_crossing__appariements sent to review, with the
member under review (``cle_candidat_revue``: the probabilistic pass's best member for a
``revue_*`` motif of step 4, or the one candidate step 3 refused for its communes, sexes, a
recurring identity or a second person of the source) and, on a line of its own, the pass's
second member when it is under review too (``cle_second_candidat_revue``), the pass's weights
of each member and of the other (int_keys__liens_probabilistes), and both identities side by
side from int_keys__identites (the source row, and every Iodas-ASE row of the member), as ONE
local file readable by its owner only, never exported (it holds names and birth dates): an HTML
page (``.html``: no script, no outside resource, values escaped) or a workbook (``.xlsx``) whose
``decision`` column takes a closed list (``lier`` / ``rejeter``, a data validation list). Each
pair carries its key: the fingerprint of the source row's identity (``empreinte_ligne``,
computed by int_keys__decisions_revue, stable across extractions) and the member's
``cle_hachage`` (hidden columns of the workbook).

Reading back (``--decisions FILE.xlsx``): the filled workbook is checked strictly (sheet,
header, a closed list of decisions, well-formed keys, a pair the database knows, no pair decided
two ways), all or nothing; every message names the file, line, column and rule, never a cell's
value. The decisions go to the table ``pipase_revue.decisions`` of the database (created empty
by every build, macro create_revue_decisions; kept across extractions and runs), one row per row
identity and member, a new decision replacing the previous one. The next build applies them
(int_keys__decisions_revue, then step 5 of int_crossing__appariements) and counts them in
rpt_linkage__by_source (methode revue_agent, motif rejete_revue_agent); the run record counts
the stored decisions.
"""

from __future__ import annotations

import argparse
import html
import os
import re
import zipfile
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from pipase import paths
from pipase.cli_types import database_argument
from pipase.errors import PipaseError
from pipase.i18n import _
from pipase.linkage import methods

DECISIONS = ("lier", "rejeter")  # the agent's closed list (and the table's check)
DECISIONS_TABLE = "pipase_revue.decisions"
SHEET = "revue"
# the workbook's columns: (header, width); the last two are hidden, the keys of a decision
COLUMNS = [
    ("source", 12),
    ("fichier", 24),
    ("ligne", 8),
    ("motif", 40),
    ("nom (ligne)", 22),
    ("prénom (ligne)", 18),
    ("date de naissance (ligne)", 14),
    ("genre (ligne)", 8),
    ("jeune candidat (lignes Iodas-ASE)", 50),
    ("poids", 8),
    ("poids du second candidat", 10),
    ("decision", 12),
    ("empreinte_ligne", 10),
    ("cle_hachage", 10),
]
HEADER = [name for name, _width in COLUMNS]
HEX64 = re.compile(r"[0-9a-f]{64}")

# The order of the review file: the motifs where the member under review was most often the
# row's person first, each by weight (highest first). Measured against the generator's truth at
# 100,000 youths (seed 93; pairs of the motif / of them the row's person): a second person of
# the source 103/101, communes apart 114/66, intermediate weight 88/25, close candidates
# 119/17, days apart 256/2, a recurring identity (step 3) 98/6; the contradictions last: a
# recurring identity (pass) 20,659/0, a contradicted birth name 481/0, dates two fields apart
# 17,518/0 (at 3,000 youths with --difficile, 2 of 96 and 0 of 61 for the first and last).
REVIEW_ORDER = (
    "plusieurs_personnes_source",
    "commune_discordante",
    "revue_poids_intermediaire",
    "revue_candidats_proches",
    "revue_nom_et_date",
    "revue_genre_discordant",
    "genre_discordant",
    "revue_jumeaux",
    "revue_jour_different",
    "identite_recurrente",
    "revue_identite_recurrente",
    "revue_nom_contredit",
    "revue_date_eloignee",
)

# the pairs under review now: the row, each of its members under review (cle_candidat_revue,
# and beside it cle_second_candidat_revue when the pass offers its second member too), the
# row's fingerprint
REVIEW_PAIRS = """
    select
        decisions.base_source, decisions._fichier, decisions._ligne,
        decisions.motif_non_appariement as motif,
        candidate.cle_hachage,
        review.empreinte_ligne
    from crossing.int_crossing__appariements as decisions
    cross join unnest([decisions.cle_candidat_revue, decisions.cle_second_candidat_revue])
        as candidate (cle_hachage)
    inner join (
        select distinct base_source, _fichier, _ligne, empreinte_ligne
        from identifying.int_keys__decisions_revue
    ) as review
        using (base_source, _fichier, _ligne)
    where decisions.statut_appariement = 'ambigu' and decisions.cle_candidat_revue is not null
        and candidate.cle_hachage is not null
"""

QUERY = f"""
with pairs as (
    select
        review_pairs.base_source, review_pairs._fichier, review_pairs._ligne, review_pairs.motif,
        review_pairs.cle_hachage,
        -- the pass's weight of this member, and of the other one (the second for the best, the
        -- best for the second); none for a pair step 3 refused
        case review_pairs.cle_hachage
            when links.cle_hachage then links.poids_correspondance
            when links.cle_second_candidat then links.poids_second_candidat
        end as poids_correspondance,
        case review_pairs.cle_hachage
            when links.cle_hachage then links.poids_second_candidat
            when links.cle_second_candidat then links.poids_correspondance
        end as poids_second_candidat,
        review_pairs.empreinte_ligne
    from ({REVIEW_PAIRS}) as review_pairs
    left join identifying.int_keys__liens_probabilistes as links
        on
            review_pairs.base_source = links.base_source
            and review_pairs._fichier = links._fichier
            and review_pairs._ligne = links._ligne
),
members as (
    select distinct cohort.cle_hachage, ids.nom_normalise, ids.prenom_normalise,
        ids.date_naissance, ids.genre
    from identifying.int_keys__iodas_ase__cohorte as cohort
    inner join identifying.int_keys__identites as ids
        on ids.base_source = 'iodas_ase' and ids.id_individu = cohort.id_individu
    where cohort.est_dans_cohorte
)
select
    pairs.base_source, pairs._fichier, pairs._ligne, pairs.motif, pairs.cle_hachage,
    pairs.poids_correspondance, pairs.poids_second_candidat,
    row_ids.nom_normalise, row_ids.prenom_normalise, row_ids.date_naissance, row_ids.genre,
    list(distinct struct_pack(
        nom := members.nom_normalise, prenom := members.prenom_normalise,
        date := members.date_naissance, genre := members.genre
    )) as membre,
    pairs.empreinte_ligne
from pairs
inner join identifying.int_keys__identites as row_ids
    using (base_source, _fichier, _ligne)
left join members on pairs.cle_hachage = members.cle_hachage
group by all
order by
    coalesce(list_position($ordre, any_value(pairs.motif)), 1000),
    any_value(pairs.poids_correspondance) desc nulls last,
    pairs.base_source, pairs._fichier, pairs._ligne
"""


def description() -> str:
    return _(
        "Write the pairs the probabilistic crossing sent to review (identities side by side) "
        "as a local HTML page or XLSX workbook for an agent of the Department (never export "
        "it: it holds names and birth dates), or read the agent's filled workbook back into "
        "the database (--decisions), for the next build."
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    database_argument(
        parser,
        _("DuckDB database of the identifying zone (default: PIPASE_DUCKDB_PATH)"),
    )
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument(
        "--out",
        type=Path,
        metavar=_("FILE"),
        help=_("the file to write: an HTML page (.html) or a workbook to fill (.xlsx)"),
    )
    action.add_argument(
        "--decisions",
        type=Path,
        metavar=_("FILE"),
        help=_("the workbook filled by the agent (.xlsx), read into the decisions table"),
    )


def _connect(database: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    from pipase.transmission import encryption

    try:
        return encryption.connect(database, read_only=read_only)
    except (encryption.EncryptionError, duckdb.Error) as error:
        raise PipaseError(
            _("the database cannot be opened ({error})").format(error=type(error).__name__),
            rule="revue_base",
            file=str(database),
        ) from None


def read_pairs(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    try:
        return con.execute(QUERY, {"ordre": list(REVIEW_ORDER)}).fetchall()
    except duckdb.CatalogException:
        raise PipaseError(
            _("the crossing tables are missing: run the build first"), rule="revue_sans_build"
        ) from None


def _cell(value) -> str:
    return html.escape("" if value is None else str(value))


def _member_lines(member) -> list[str]:
    return [
        f"{m['nom'] or ''} {m['prenom'] or ''}, {m['date'] or ''}, {m['genre'] or ''}"
        for m in (member or [])
    ]


def render(pairs: list[tuple]) -> str:
    labels = methods.labels("motif")
    rows = []
    for (source, fichier, ligne, motif, key, weight, second, nom, prenom, date, genre,
         member, _print) in pairs:  # fmt: skip
        member_text = "<br>".join(_cell(line) for line in _member_lines(member))
        rows.append(
            "<tr>"
            f"<td>{_cell(source)}<br>{_cell(fichier)}, ligne {_cell(ligne)}</td>"
            f"<td>{_cell(nom)} {_cell(prenom)}, {_cell(date)}, {_cell(genre)}</td>"
            f"<td>{member_text}<br><small title='{_cell(key)}'>{_cell(str(key)[:16])}…</small></td>"
            f"<td>{_cell(labels.get(motif, motif))}</td>"
            f"<td>{_cell(round(weight, 2))}"
            f"{'' if second is None else ' / ' + _cell(round(second, 2))}</td>"
            "<td>lier / rejeter</td>"
            "</tr>"
        )
    return (
        "<!DOCTYPE html><html lang='fr'><head><meta charset='utf-8'>"
        "<title>Revue du croisement probabiliste</title></head><body>"
        "<h1>Revue du croisement probabiliste</h1>"
        "<p>Document interne du Département : il contient des identités. Ne jamais "
        "l'exporter ni le joindre au paquet.</p>"
        f"<p>{len(pairs)} paire(s) à examiner.</p>"
        "<table border='1'><thead><tr><th>ligne source</th><th>identité de la ligne</th>"
        "<th>membre de la cohorte candidat (lignes Iodas-ASE)</th><th>motif</th>"
        "<th>poids (second candidat)</th><th>décision</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table></body></html>\n"
    )


def _text_cell(cell, value) -> None:
    """A cell holding text, never read as a formula ('=...' in a name stays text)."""
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"


def write_workbook(pairs: list[tuple], out: Path) -> None:
    import openpyxl
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    labels = methods.labels("motif")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = SHEET
    for index, (name, width) in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index, value=name)
        cell.font = Font(bold=True)
        sheet.column_dimensions[get_column_letter(index)].width = width
    # the row number counted here: openpyxl's sheet.max_row scans every cell (39,438 pairs at
    # 100,000 youths took over 5 minutes that way)
    for row, (source, fichier, ligne, motif, key, weight, second, nom, prenom, date, genre,
              member, fingerprint) in enumerate(pairs, start=2):  # fmt: skip
        values = [
            source, fichier, ligne, labels.get(motif, motif), nom, prenom,
            None if date is None else date.isoformat(), genre, "\n".join(_member_lines(member)),
            None if weight is None else round(weight, 2),
            None if second is None else round(second, 2), None, fingerprint, key,
        ]  # fmt: skip
        for index, value in enumerate(values, start=1):
            _text_cell(sheet.cell(row=row, column=index), value)
        sheet.cell(row=row, column=9).alignment = Alignment(wrap_text=True, vertical="top")
    decision = get_column_letter(HEADER.index("decision") + 1)
    validation = DataValidation(
        type="list",
        formula1='"' + ",".join(DECISIONS) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Décision",
        error="Choisir lier ou rejeter (ou laisser vide).",
    )
    validation.add(f"{decision}2:{decision}{max(len(pairs) + 1, 2)}")
    sheet.add_data_validation(validation)
    for name in ("empreinte_ligne", "cle_hachage"):
        sheet.column_dimensions[get_column_letter(HEADER.index(name) + 1)].hidden = True
    sheet.freeze_panes = "A2"
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        book.save(handle)
    os.chmod(out, 0o600)


def write_review(database: Path, out: Path) -> int:
    suffix = out.suffix.lower()
    if suffix not in (".html", ".xlsx"):
        raise PipaseError(
            _("the review file must end in .html or .xlsx"), rule="revue_format", file=str(out)
        )
    con = _connect(database, read_only=True)
    try:
        pairs = read_pairs(con)
    finally:
        con.close()
    out.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".xlsx":
        write_workbook(pairs, out)
        return len(pairs)
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(render(pairs))
    os.chmod(out, 0o600)
    return len(pairs)


# --------------------------------------------------------------------------- reading back
def _error(message: str, rule: str, path: Path, line: int | None = None, column=None):
    return PipaseError(message, rule=rule, file=str(path), line=line, column=column)


def read_decisions(path: Path) -> list[tuple[int, str, str, str]]:
    """(line, empreinte_ligne, cle_hachage, decision) of every decided row of the workbook;
    an undecided row (empty decision) is skipped. Strict: the first problem is raised."""
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    if not path.is_file():
        raise _error(_("the decisions file does not exist"), "revue_fichier_absent", path)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, OSError, KeyError, ValueError) as error:
        raise _error(
            _("the decisions file is not a readable XLSX workbook ({error})").format(
                error=type(error).__name__
            ),
            "revue_fichier_illisible",
            path,
        ) from None
    try:
        if SHEET not in book.sheetnames:
            raise _error(
                _("the workbook has no sheet named {sheet}").format(sheet=SHEET),
                "revue_feuille_absente",
                path,
            )
        rows = book[SHEET].iter_rows(values_only=True)
        header = [None if v is None else str(v).strip() for v in next(rows, ())]
        positions = {}
        for name in ("decision", "empreinte_ligne", "cle_hachage"):
            if header.count(name) != 1:
                raise _error(
                    _("the header must have the column {name} exactly once").format(name=name),
                    "revue_entete",
                    path,
                    line=1,
                    column=name,
                )
            positions[name] = header.index(name)
        decided: list[tuple[int, str, str, str]] = []
        for line, row in enumerate(rows, start=2):
            cells = {name: (row[i] if i < len(row) else None) for name, i in positions.items()}
            decision = cells["decision"]
            decision = "" if decision is None else str(decision).strip()
            if not decision:
                continue
            if decision not in DECISIONS:
                raise _error(
                    _("the decision must be lier or rejeter (or left empty)"),
                    "revue_decision_inconnue",
                    path,
                    line=line,
                    column="decision",
                )
            for name in ("empreinte_ligne", "cle_hachage"):
                if not isinstance(cells[name], str) or not HEX64.fullmatch(cells[name]):
                    raise _error(
                        _("the key of the pair was changed: 64 hexadecimal digits expected"),
                        "revue_cle_invalide",
                        path,
                        line=line,
                        column=name,
                    )
            decided.append((line, cells["empreinte_ligne"], cells["cle_hachage"], decision))
    finally:
        book.close()
    first: dict[tuple[str, str], tuple[int, str]] = {}
    for line, fingerprint, key, decision in decided:
        seen = first.setdefault((fingerprint, key), (line, decision))
        if seen[1] != decision:
            raise _error(
                _("the same pair is decided two ways (first on line {first})").format(
                    first=seen[0]
                ),
                "revue_decision_contradictoire",
                path,
                line=line,
                column="decision",
            )
    return decided


def store_decisions(database: Path, path: Path) -> Counter:
    """Check the filled workbook against the database and store its decisions, all or
    nothing. Returns the count of stored decisions by kind (distinct pairs)."""
    decided = read_decisions(path)
    con = _connect(database, read_only=False)
    try:
        try:
            known = dict(
                con.execute(
                    "select empreinte_ligne || ':' || cle_hachage, any_value(base_source)"
                    f" from ({REVIEW_PAIRS}) group by 1"  # noqa: S608
                ).fetchall()
            )
            con.execute(f"select count(*) from {DECISIONS_TABLE}").fetchone()
        except duckdb.CatalogException:
            raise PipaseError(
                _("the decisions table is missing: run the build first"),
                rule="revue_sans_build",
            ) from None
        # (fingerprint, member key) -> (source, decision, the workbook's line)
        pairs: dict[tuple[str, str], tuple[str, str, int]] = {}
        for line, fingerprint, key, decision in decided:
            source = known.get(f"{fingerprint}:{key}")
            if source is None:
                raise _error(
                    _("this pair is not one of the database's review pairs"),
                    "revue_paire_inconnue",
                    path,
                    line=line,
                )
            pairs[(fingerprint, key)] = (source, decision, line)
        _refuse_two_links(con, pairs, known, path)
        if not pairs:
            return Counter()
        now = datetime.now(UTC).replace(tzinfo=None)
        con.execute("begin transaction")
        con.executemany(
            f"delete from {DECISIONS_TABLE} where empreinte_ligne = ? and cle_hachage = ?",
            list(pairs),
        )
        con.executemany(
            f"insert into {DECISIONS_TABLE} values (?, ?, ?, ?, ?)",
            [(f, k, source, decision, now) for (f, k), (source, decision, _line) in pairs.items()],
        )
        con.execute("commit")
    finally:
        con.close()
    return Counter(decision for _source, decision, _line in pairs.values())


def _refuse_two_links(
    con: duckdb.DuckDBPyConnection,
    pairs: dict[tuple[str, str], tuple[str, str, int]],
    known: dict[str, str],
    path: Path,
) -> None:
    """A row offered with two members (cle_second_candidat_revue) is linked to one at most:
    'lier' on both members under review now (``known``: REVIEW_PAIRS' 'fingerprint:key'), in
    this workbook or with a decision already stored for the other, is refused at the
    workbook's line (the build would link neither). A 'lier' stored for a member no longer
    under review for that row does not count: the build does not apply it."""
    decided = {
        (fingerprint, key): decision
        for fingerprint, key, decision in con.execute(
            f"select empreinte_ligne, cle_hachage, decision from {DECISIONS_TABLE}"
        ).fetchall()
    }
    decided.update({pair: decision for pair, (_source, decision, _line) in pairs.items()})
    linked: dict[str, list[str]] = {}
    for (fingerprint, key), decision in decided.items():
        if decision == "lier" and f"{fingerprint}:{key}" in known:
            linked.setdefault(fingerprint, []).append(key)
    for fingerprint, keys in linked.items():
        # the workbook's own lines among them (two links stored earlier, before the row was
        # offered with both members, are the build's to ignore, not this workbook's fault)
        lines = [pairs[(fingerprint, key)][2] for key in keys if (fingerprint, key) in pairs]
        if len(keys) > 1 and lines:
            raise _error(
                _("this row is linked to two members: link one at most, reject the other"),
                "revue_deux_liens",
                path,
                line=max(lines),
                column="decision",
            )


def stored_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int] | None:
    """The decisions table's rows by decision (the run record), or None without the table."""
    try:
        rows = con.execute(
            f"select decision, count(*) from {DECISIONS_TABLE} group by 1"
        ).fetchall()
    except duckdb.CatalogException:
        return None
    counts = dict.fromkeys(DECISIONS, 0)
    counts.update({decision: int(n) for decision, n in rows})
    return counts


def run(args: argparse.Namespace) -> int:
    database = args.database or paths.database_path()
    if args.decisions is not None:
        counts = store_decisions(database, args.decisions)
        print(
            _("{lier} pair(s) to link and {rejeter} to reject stored in the database").format(
                lier=counts["lier"], rejeter=counts["rejeter"]
            )
        )
        return 0
    n = write_review(database, args.out)
    print(_("{n} pair(s) to review written to {path} (never export this file)").format(
        n=n, path=args.out))  # fmt: skip
    return 0
