"""The French HTML report of the study: one self-contained file (inline CSS and SVG charts).

Every figure in it is a published cell of a checked table: each table cell carries
`data-tableau`, `data-ligne`, `data-colonne` and `data-type` so that `pipase
verifier-publication` can compare it with the CSV. No script, no outside font, image or style.
"""

from __future__ import annotations

import html
import re

from pipase.study.model import TOTAL, format_percentage

# table-name prefix -> section of the report, in the report's order
SECTIONS = [
    ("ind__cohorte_genre", "Profils et parcours à l'ASE"),
    ("ind__cohorte_age", "Profils et parcours à l'ASE"),
    ("ind__cohorte", "Profils et parcours à l'ASE"),
    ("ind__sortis", "Profils et parcours à l'ASE"),
    ("ind__rsa", "Insertion après la sortie : le RSA"),
    ("ind__delai_rsa", "Insertion après la sortie : le RSA"),
    ("ind__orientation_rsa", "Insertion après la sortie : le RSA"),
    ("ind__aide", "Mobilisation des aides et dispositifs de droit commun"),
    ("ind__droit", "Mobilisation des aides et dispositifs de droit commun"),
    ("ind__service", "Mobilisation des aides et dispositifs de droit commun"),
    ("ind__recours", "Mobilisation des aides et dispositifs de droit commun"),
    ("ind__partenaires", "Données des partenaires (article 3)"),
]
OTHER = "Autres tableaux"

STYLE = """
body { font-family: sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem;
       color: #1b1b1b; line-height: 1.45; }
h1 { font-size: 1.6rem; } h2 { margin-top: 2.5rem; border-bottom: 2px solid #1f5fa8; }
h3 { margin-top: 2rem; font-size: 1.1rem; }
table { border-collapse: collapse; margin: 0.8rem 0; font-size: 0.9rem; }
th, td { border: 1px solid #c8c8c8; padding: 0.25rem 0.5rem; }
td.n, td.p { text-align: right; font-variant-numeric: tabular-nums; }
td.secret { background: #f0f0f0; }
tr.total td, tr.total th { font-weight: bold; }
.note { color: #555; font-size: 0.85rem; }
figure { margin: 0.5rem 0; } figure svg { max-width: 100%; height: auto; }
"""


def _section(table_id: str) -> str:
    for prefix, title in SECTIONS:
        if table_id.startswith(prefix):
            return title
    return OTHER


def order(table_id: str) -> tuple[int, str]:
    """Where a table comes in the report (and the package): by section, then by name."""
    rank = next((i for i, (p, _t) in enumerate(SECTIONS) if table_id.startswith(p)), 99)
    return (rank, table_id)


def _inline_svg(path) -> str:
    text = path.read_text(encoding="utf-8")
    start = text.find("<svg")
    return re.sub(r"<metadata>.*?</metadata>", "", text[start:], flags=re.S)


def _table_html(table, entry, counts, shares) -> str:
    e = html.escape
    spec = table.spec
    head = [f"<th>{e(spec.ligne.libelle)}</th>"]
    for column in entry["colonnes_csv"][1:]:
        head.append(f"<th>{e(column['entete'])}</th>")
    lines = ["<table>", "<thead><tr>" + "".join(head) + "</tr></thead>", "<tbody>"]
    for row in table.rows:
        cells = [f"<th>{e(row)}</th>"]
        for column in entry["colonnes_csv"][1:]:
            col = column["colonne"]
            kind = column["type"]
            if kind == "effectif":
                value = counts[(row, col)]
                text = "" if value is None else str(value)
                css = "n"
            else:
                value = shares[(row, col)]
                text = "" if value is None else format_percentage(value)
                css = "p"
            if value is None:
                css += " secret"
            cells.append(
                f'<td class="{css}" data-tableau="{e(spec.id)}" data-ligne="{e(row)}" '
                f'data-colonne="{e(col)}" data-type="{kind}">{e(text)}</td>'
            )
        css_row = ' class="total"' if row == TOTAL else ""
        lines.append(f"<tr{css_row}>" + "".join(cells) + "</tr>")
    lines += ["</tbody>", "</table>"]
    return "\n".join(lines)


def render(rendered, *, threshold: int, extraction: str | None, created: str, acro_version: str):
    e = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="fr">',
        "<head>",
        '<meta charset="utf-8">',
        "<title>PIPASE – Parcours et insertion des jeunes sortis de l'ASE</title>",
        f"<style>{STYLE}</style>",
        "</head>",
        "<body>",
        "<h1>PIPASE – Parcours et insertion des jeunes sortis de l'ASE</h1>",
        "<p>Étude prévue par l'article 2 de la convention entre le Département de la "
        "Seine-Saint-Denis et l'Action Tank Entreprise et Pauvreté : qualité de l'insertion "
        "des jeunes accompagnés par l'Aide sociale à l'enfance, variations selon leur profil "
        "(genre, statut MNA) et leur parcours (âge d'entrée, types de mesures, ruptures de "
        "parcours), mobilisation des aides et dispositifs de droit commun.</p>",
        f"<p>Données : extraction du Département du {e(str(extraction or 'date inconnue'))}, "
        "pseudonymisées (annexes 1 et 2 de la convention). Document produit le "
        f"{e(created[:10])}, soumis à l'accord du Département avant toute diffusion "
        "(article 5.3).</p>",
        "<h2>Méthode et secret statistique</h2>",
        f"<p>Aucun effectif publié n'est inférieur à {threshold}. Les cases vides (grisées) "
        "sont couvertes par le secret statistique : soit leur effectif est inférieur au seuil "
        "(ou nul), soit elles permettraient de recalculer une telle case à partir des marges "
        "ou d'un autre tableau publié (suppression secondaire). Aucun pourcentage n'est "
        "calculé sur une base ou un effectif masqués. Les tableaux ont été contrôlés avec "
        f"l'outil ACRO {e(acro_version)} (seuil, zéros), la suppression secondaire portant "
        "sur l'ensemble des tableaux à la fois ; le dossier est vérifié par "
        "« pipase verifier-publication » avant d'être remis au Département.</p>",
        "<p>Champ : les jeunes de la cohorte dont le genre est renseigné. Les dates de "
        "l'annexe 2 sont au mois : âges en années révolues du mois de naissance au mois "
        "de la mesure ; la sortie de l'ASE est le mois de clôture de la dernière mesure (ou "
        "du dernier versement du contrat jeune majeur).</p>",
    ]
    current = None
    for table, entry, counts, shares, chart in rendered:
        section = _section(table.spec.id)
        if section != current:
            parts.append(f"<h2>{e(section)}</h2>")
            current = section
        spec = table.spec
        parts.append(f'<h3 id="{e(spec.id)}">{e(spec.titre)}</h3>')
        parts.append(f"<p>{e(spec.description)}</p>")
        parts.append(
            f'<p class="note">Population : {e(spec.population_libelle)}. Tableau : '
            f"{e(entry['fichier'])}.</p>"
        )
        parts.append(_table_html(table, entry, counts, shares))
        if chart:
            svg = next(p for p in chart.files if p.suffix == ".svg")
            parts.append(f"<figure>{_inline_svg(svg)}</figure>")
    parts += ["</body>", "</html>", ""]
    return "\n".join(parts)
