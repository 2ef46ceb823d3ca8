"""The site's charts: matplotlib drawn at build time into SVG files (no script, no request).

Every chart has a French alternative text (the caller puts it in ``alt``) and the page shows
the same figures in a table beside it, so a reader without sight loses nothing. Counts below
the masking threshold are never drawn: the caller passes them as ``None`` and they show as a
gap (the table says "< 11").

Colours: a palette that keeps a contrast of at least 4.5:1 with white (WCAG 2.1 AA, text) and
stays distinct for the common colour-vision deficiencies; hatches tell the segments apart too.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch  # noqa: E402

from pipase.docsite.numbers import fr_num  # noqa: E402
from pipase.docsite.texts import SOURCE_NAMES  # noqa: E402

# contrast with white: 8.6, 5.6, 5.9, 7.4, 5.7, 7.0 (all >= 4.5)
PALETTE = ["#1f4e79", "#a5470d", "#2b6e30", "#5b2c83", "#6b5a00", "#5e5e5e"]
HATCHES = ["", "//", "..", "xx", "\\\\", "--"]
TEXT = "#1a1a1a"

plt.rcParams.update(
    {
        "svg.fonttype": "none",  # text stays text (searchable, scales, no embedded font)
        "svg.hashsalt": "pipase",  # stable ids: the same figures give the same file
        "font.family": "sans-serif",
        "font.size": 11,
        "text.color": TEXT,
        "axes.labelcolor": TEXT,
        "xtick.color": TEXT,
        "ytick.color": TEXT,
        "axes.edgecolor": "#5e5e5e",
        "axes.spines.top": False,
        "axes.spines.right": False,
        "hatch.color": "white",
        "hatch.linewidth": 1.0,
    }
)


def _save(figure, path: Path) -> Path:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(figure)
    text = buffer.getvalue()
    # the SVG is shown through <img alt>: its own <title> would only duplicate the alt text
    text = re.sub(r"<metadata>.*?</metadata>", "", text, flags=re.S)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- the flow
FLOW_STEPS = [
    ("pipase load", "contrats des sources → schéma raw\nvaleurs rejetées comptées", 0),
    ("stg_<source>__*", "renommer, typer (rien d'autre)", 0),
    ("int_keys__*", "LA PORTE : clés SHA-256, mois, codes\nplus aucun nom ni date de naissance", 0),
    ("int_cohort__*, int_crossing__*",
     "cohorte ASE, croisement des sources\nnon croisés supprimés (comptés)", 1),
    ("int_minimisation__*", "communes, codes, listes fermées", 1),
    ("annexe2_<base>__<groupe>",
     "exactement l'annexe 2\ntests de confidentialité sur chaque table", 2),
    ("pipase export", "contrôle, paquet 7-zip AES-256\nregistre du run", 2),
]  # fmt: skip
ZONES = [
    ("zone identifiante", "#dbe7f3"),
    ("zone de croisement", "#f6e3d5"),
    ("zone sortante", "#dcefdc"),
]
SOURCES = list(SOURCE_NAMES.values())


def flow(path: Path) -> Path:
    """The five extractions to the encrypted package, zone by zone."""
    figure, ax = plt.subplots(figsize=(9.0, 10.5))
    ax.set_xlim(0, 100)
    ax.set_ylim(0, 118)
    ax.axis("off")
    # the five extractions
    width = 17.0
    for index, name in enumerate(SOURCES):
        x = 2 + index * 19.5
        ax.add_patch(
            FancyBboxPatch(
                (x, 106), width, 8, boxstyle="round,pad=0.4", facecolor="white",
                edgecolor=PALETTE[0], linewidth=1.5,
            )
        )  # fmt: skip
        ax.text(x + width / 2, 110, name, ha="center", va="center", fontsize=11, weight="bold")
        ax.add_patch(
            FancyArrowPatch(
                (x + width / 2, 105.5), (50, 99.5), arrowstyle="-|>", mutation_scale=12,
                color="#5e5e5e", linewidth=1.0,
            )
        )  # fmt: skip
    ax.text(50, 117, "cinq extractions (CSV, XLSX)", ha="center", va="center", fontsize=11)
    # the steps, grouped by zone
    top, height, gap = 92.0, 10.5, 3.0
    zone_rows: dict[int, list[float]] = {}
    for index, (name, what, zone) in enumerate(FLOW_STEPS):
        y = top - index * (height + gap)
        zone_rows.setdefault(zone, []).append(y)
        ax.add_patch(
            FancyBboxPatch(
                (24, y), 74, height, boxstyle="round,pad=0.3", facecolor=ZONES[zone][1],
                edgecolor="#3b3b3b", linewidth=1.0,
            )
        )  # fmt: skip
        ax.text(26, y + height - 2.6, name, ha="left", va="center", fontsize=11, weight="bold",
                family="monospace")  # fmt: skip
        ax.text(26, y + 3.4, what, ha="left", va="center", fontsize=10, linespacing=1.3)
        if index:
            ax.add_patch(
                FancyArrowPatch(
                    (61, y + height + gap - 0.2), (61, y + height + 0.4), arrowstyle="-|>",
                    mutation_scale=12, color="#3b3b3b", linewidth=1.2,
                )
            )  # fmt: skip
    for zone, ys in zone_rows.items():
        low, high = min(ys) - 0.5, max(ys) + height + 0.5
        ax.add_patch(
            FancyBboxPatch(
                (1, low), 20, high - low, boxstyle="round,pad=0.3", facecolor=ZONES[zone][1],
                edgecolor="#3b3b3b", linewidth=1.0,
            )
        )  # fmt: skip
        ax.text(11, (low + high) / 2, ZONES[zone][0].replace(" ", "\n", 1), ha="center",
                va="center", fontsize=11, weight="bold")  # fmt: skip
    return _save(figure, path)


# --------------------------------------------------------------------------- bar charts
def stacked_bars(
    path: Path,
    categories: list[str],
    series: list[tuple[str, list[float | None]]],
    xlabel: str,
    percent: bool = False,
) -> Path:
    """Horizontal stacked bars, one per category; None values are not drawn (masked)."""
    height = 0.9 + 0.55 * len(categories)
    figure, ax = plt.subplots(figsize=(8.5, max(2.6, height)))
    left = [0.0] * len(categories)
    for index, (label, values) in enumerate(series):
        drawn = [v or 0 for v in values]
        ax.barh(
            categories, drawn, left=left, label=label, color=PALETTE[index % len(PALETTE)],
            hatch=HATCHES[index % len(HATCHES)], edgecolor="white", linewidth=0.6,
        )  # fmt: skip
        left = [a + b for a, b in zip(left, drawn, strict=True)]
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)
    if percent:
        ax.set_xlim(0, 100)
        ax.xaxis.set_major_formatter(lambda v, _pos: f"{fr_num(v, 0)} %")
    else:
        ax.xaxis.set_major_formatter(lambda v, _pos: fr_num(v, 0))
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18 - 0.05 * (len(series) > 4)),
              ncol=min(3, len(series)), frameon=False)  # fmt: skip
    return _save(figure, path)


def grouped_bars(
    path: Path,
    categories: list[str],
    series: list[tuple[str, list[float | None]]],
    xlabel: str,
    target: tuple[float, str] | None = None,
    percent: bool = True,
    log: bool = False,
) -> Path:
    """Horizontal grouped bars with an optional vertical target line."""
    n = len(series)
    bar = 0.8 / max(n, 1)
    figure, ax = plt.subplots(figsize=(8.5, max(2.6, 0.9 + 0.5 * len(categories) * max(n, 1))))
    for index, (label, values) in enumerate(series):
        ys = [i - 0.4 + bar * (index + 0.5) for i in range(len(categories))]
        ax.barh(
            ys, [v or 0 for v in values], height=bar, label=label,
            color=PALETTE[index % len(PALETTE)], hatch=HATCHES[index % len(HATCHES)],
            edgecolor="white", linewidth=0.6,
        )  # fmt: skip
    ax.set_yticks(range(len(categories)), categories)
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)
    if log:
        ax.set_xscale("log")
    elif percent:
        ax.set_xlim(0, 100)
        ax.xaxis.set_major_formatter(lambda v, _pos: f"{fr_num(v, 0)} %")
    if target is not None:
        ax.axvline(target[0], color="#b00020", linewidth=1.6, linestyle="--", label=target[1])
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=min(2, n + 1), frameon=False)
    return _save(figure, path)
