"""The study's charts (matplotlib, French labels), drawn from published cells only.

A chart shows, for each row of a checked table, the share of the row with one column category
(e.g. "RSA après la sortie : oui"). A row whose share is not published (suppressed count or
base) gets no bar and the words "secret statistique": the chart cannot show more than the table.
PNG and SVG; the SVG keeps its text as text and carries no date, so the package is reviewable.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path

from pipase.study.model import TOTAL, format_percentage


@dataclass
class Chart:
    files: list[Path]


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    pyplot.rcParams.update(
        {
            "svg.fonttype": "none",  # text stays text in the SVG
            "svg.hashsalt": "pipase",  # stable ids
            "font.size": 9,
            "axes.spines.top": False,
            "axes.spines.right": False,
        }
    )
    return pyplot


def share_chart(
    folder: Path,
    name: str,
    *,
    title: str,
    row_label: str,
    value_label: str,
    rows: list[str],
    shares: dict[str, float | None],
) -> Chart:
    pyplot = _pyplot()
    labels = list(reversed(rows))  # first row on top
    height = 1.6 + 0.5 * len(labels)
    figure, axes = pyplot.subplots(figsize=(7.5, height))
    try:
        for position, row in enumerate(labels):
            share = shares.get(row)
            colour = "#4d4d4d" if row == TOTAL else "#1f5fa8"
            if share is None:
                axes.text(1, position, "secret statistique", va="center", color="#8a8a8a")
                continue
            axes.barh(position, share, color=colour, height=0.6)
            axes.text(share + 1, position, f"{format_percentage(share)} %", va="center")
        axes.set_yticks(range(len(labels)), [textwrap.fill(label, 34) for label in labels])
        axes.set_xlim(0, 115)
        axes.set_xticks([0, 20, 40, 60, 80, 100])
        axes.set_xlabel(value_label)
        axes.set_ylabel(row_label)
        figure.suptitle(textwrap.fill(title, 80), x=0.01, ha="left", fontsize=10)
        figure.tight_layout()
        png = folder / f"{name}.png"
        svg = folder / f"{name}.svg"
        figure.savefig(png, dpi=150, metadata={"Software": None})
        figure.savefig(svg, metadata={"Date": None, "Creator": None})
    finally:
        pyplot.close(figure)
    return Chart(files=[png, svg])
