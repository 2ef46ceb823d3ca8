"""`pipase revue`: the undecided pairs of the probabilistic pass, for a clerical review inside
the Department (first half: the file for the agent).

Reads the built database of the identifying zone: every source row that step 4 of
int_crossing__appariements sent to review (motif ``revue_*``), its best candidate member
(int_keys__liens_probabilistes), and both identities side by side from int_keys__identites
(the source row, and every Iodas-ASE row of the member). Writes ONE local HTML page (no script,
no outside resource, values escaped, readable by its owner only), never exported: it holds
names and birth dates. Each pair has the key the agent's decision must quote: source, file,
line and the member's key (its first 16 hex digits shown, the whole key in the page).

Not done yet (left for the next change): reading the agent's decisions back on the next build.
"""

from __future__ import annotations

import argparse
import html
import os
from pathlib import Path

import duckdb

from pipase import paths
from pipase.errors import PipaseError
from pipase.i18n import _

MOTIFS = {
    "revue_genre_discordant": "sexes différents",
    "revue_identite_recurrente": "date différente, identité récurrente dans la source",
    "revue_jour_different": "même mois et année, jours éloignés",
    "revue_jumeaux": "jumeaux, prénom non identique",
    "revue_candidats_proches": "deuxième candidat proche",
    "revue_poids_intermediaire": "poids intermédiaire",
}

QUERY = """
with pairs as (
    select
        decisions.base_source, decisions._fichier, decisions._ligne,
        decisions.motif_non_appariement as motif,
        links.cle_hachage, links.poids_correspondance, links.poids_second_candidat
    from crossing.int_crossing__appariements as decisions
    inner join identifying.int_keys__liens_probabilistes as links
        using (base_source, _fichier, _ligne)
    where decisions.motif_non_appariement like 'revue_%'
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
    )) as membre
from pairs
inner join identifying.int_keys__identites as row_ids
    using (base_source, _fichier, _ligne)
left join members on pairs.cle_hachage = members.cle_hachage
group by all
order by pairs.base_source, pairs._fichier, pairs._ligne
"""


def description() -> str:
    return _(
        "Write the pairs the probabilistic crossing sent to review (identities side by side) "
        "as a local HTML page for an agent of the Department; it holds names and birth dates: "
        "never export it."
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database",
        type=Path,
        default=None,
        metavar=_("PATH"),
        help=_("DuckDB database of the identifying zone (default: PIPASE_DUCKDB_PATH)"),
    )
    parser.add_argument(
        "--out", type=Path, required=True, metavar=_("FILE"), help=_("the HTML page to write")
    )


def read_pairs(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    try:
        return con.execute(QUERY).fetchall()
    except duckdb.CatalogException:
        raise PipaseError(
            _("the crossing tables are missing: run the build first"), rule="revue_sans_build"
        ) from None


def _cell(value) -> str:
    return html.escape("" if value is None else str(value))


def render(pairs: list[tuple]) -> str:
    rows = []
    for (source, fichier, ligne, motif, key, weight, second, nom, prenom, date, genre,
         member) in pairs:  # fmt: skip
        member_text = "<br>".join(
            f"{_cell(m['nom'])} {_cell(m['prenom'])}, {_cell(m['date'])}, {_cell(m['genre'])}"
            for m in (member or [])
        )
        rows.append(
            "<tr>"
            f"<td>{_cell(source)}<br>{_cell(fichier)}, ligne {_cell(ligne)}</td>"
            f"<td>{_cell(nom)} {_cell(prenom)}, {_cell(date)}, {_cell(genre)}</td>"
            f"<td>{member_text}<br><small title='{_cell(key)}'>{_cell(str(key)[:16])}…</small></td>"
            f"<td>{_cell(MOTIFS.get(motif, motif))}</td>"
            f"<td>{_cell(round(weight, 2))}"
            f"{'' if second is None else ' / ' + _cell(round(second, 2))}</td>"
            "<td>lier / ne pas lier</td>"
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


def write_review(database: Path, out: Path) -> int:
    from pipase.transmission import encryption

    try:
        con = encryption.connect(database, read_only=True)
    except (encryption.EncryptionError, duckdb.Error) as error:
        raise PipaseError(
            _("the database cannot be opened ({error})").format(error=type(error).__name__),
            rule="revue_base",
            file=str(database),
        ) from None
    try:
        pairs = read_pairs(con)
    finally:
        con.close()
    out.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(render(pairs))
    os.chmod(out, 0o600)
    return len(pairs)


def run(args: argparse.Namespace) -> int:
    database = args.database or paths.database_path()
    n = write_review(database, args.out)
    print(_("{n} pair(s) to review written to {path} (never export this file)").format(
        n=n, path=args.out))  # fmt: skip
    return 0
