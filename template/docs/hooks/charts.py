"""Static SVG charts for the wiki, drawn with matplotlib when the site is built.

Each function takes the numbers a page also shows in a table and returns an HTML
``<figure>`` whose image is the SVG itself (a ``data:`` URI): nothing is fetched when the
page is viewed, and the same numbers always give the same bytes (fixed hash salt, no date).
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

plt.rcParams.update(
    {
        "svg.hashsalt": "mlstages-wiki",
        "svg.fonttype": "none",  # text stays text: searchable, sharp, small
        "font.size": 9,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "grid.alpha": 0.3,
        "figure.facecolor": "white",
    }
)

BLUE, ORANGE, GREY, RED = "#1f77b4", "#ff7f0e", "#7f7f7f", "#d62728"
PALETTE = (BLUE, ORANGE, GREY, "#2ca02c", "#9467bd", "#8c564b")


def figure(width: float = 5.0, height: float = 3.4) -> tuple[Figure, plt.Axes]:
    """A new figure of ``width`` x ``height`` inches, with one set of axes."""
    fig, axes = plt.subplots(figsize=(width, height), layout="constrained")
    return fig, axes


def embed(fig: Figure, alt: str, caption: str) -> str:
    """The figure as an accessible HTML ``<figure>`` holding its SVG."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None})
    plt.close(fig)
    encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
    return (
        '<figure class="chart">'
        f'<img alt="{html.escape(alt)}" src="data:image/svg+xml;base64,{encoded}">'
        f"<figcaption>{html.escape(caption)}</figcaption></figure>\n"
    )


def confusion(labels: Sequence[str], counts: Sequence[Sequence[int]], caption: str) -> str:
    """A heat map of the confusion matrix: actual classes in rows, predictions in columns."""
    size = max(2.6, 0.55 * len(labels) + 1.6)
    fig, axes = figure(size + 0.6, size)
    axes.grid(False)
    image = axes.imshow(counts, cmap="Blues")
    peak = max(max(row) for row in counts) or 1
    for i, row in enumerate(counts):
        for j, count in enumerate(row):
            colour = "white" if count > peak / 2 else "black"
            axes.text(j, i, str(count), ha="center", va="center", color=colour)
    axes.set_xticks(range(len(labels)), labels)
    axes.set_yticks(range(len(labels)), labels)
    axes.set_xlabel("predicted")
    axes.set_ylabel("actual")
    fig.colorbar(image, ax=axes, shrink=0.8)
    return embed(fig, "Confusion matrix of the test split", caption)


def curves(
    series: Sequence[tuple[str, Sequence[float], Sequence[float]]],
    xlabel: str,
    ylabel: str,
    diagonal: bool,
    alt: str,
    caption: str,
) -> str:
    """Lines such as ROC or precision-recall curves: (label, x values, y values)."""
    fig, axes = figure(4.2, 3.6)
    for (label, xs, ys), colour in zip(series, PALETTE, strict=False):
        axes.plot(xs, ys, label=label, color=colour, linewidth=1.6)
    if diagonal:
        axes.plot([0, 1], [0, 1], linestyle="--", color=GREY, linewidth=1, label="chance")
    axes.set_xlim(0, 1)
    axes.set_ylim(0, 1.02)
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    axes.legend(loc="lower right" if diagonal else "lower left", fontsize=8)
    return embed(fig, alt, caption)


def scatter(
    xs: Sequence[float],
    ys: Sequence[float],
    xlabel: str,
    ylabel: str,
    line: str,
    alt: str,
    caption: str,
) -> str:
    """Points with a reference line: ``identity`` (y = x) or ``zero`` (y = 0)."""
    fig, axes = figure(4.4, 3.6)
    axes.scatter(xs, ys, s=12, alpha=0.6, color=BLUE, edgecolors="none")
    if line == "identity":
        low, high = min(min(xs), min(ys)), max(max(xs), max(ys))
        axes.plot([low, high], [low, high], linestyle="--", color=GREY, linewidth=1)
    else:
        axes.axhline(0, linestyle="--", color=GREY, linewidth=1)
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    return embed(fig, alt, caption)


def bars(
    names: Sequence[str],
    values: Sequence[float],
    xlabel: str,
    alt: str,
    caption: str,
    errors: Sequence[float] | None = None,
) -> str:
    """Horizontal bars, the first name on top."""
    fig, axes = figure(5.2, max(1.8, 0.28 * len(names) + 0.9))
    positions = list(range(len(names)))[::-1]
    axes.barh(positions, values, xerr=errors, color=BLUE, ecolor=GREY, capsize=2)
    axes.set_yticks(positions, names)
    axes.set_xlabel(xlabel)
    axes.grid(axis="y", visible=False)
    return embed(fig, alt, caption)


def columns(
    names: Sequence[str], values: Sequence[float], ylabel: str, alt: str, caption: str
) -> str:
    """Vertical bars, one per name (class balance, histogram bins)."""
    fig, axes = figure(max(3.2, 0.45 * len(names) + 1.5), 2.8)
    axes.bar(range(len(names)), values, color=BLUE)
    axes.set_xticks(range(len(names)), names, rotation=45 if len(names) > 6 else 0)
    axes.set_ylabel(ylabel)
    axes.grid(axis="x", visible=False)
    return embed(fig, alt, caption)


def history(
    points: Sequence[tuple[str, float]], ylabel: str, floor: float, alt: str, caption: str
) -> str:
    """A metric over commits (oldest first), with the stage gate's minimum as a line."""
    fig, axes = figure(5.2, 2.8)
    labels = [label for label, _ in points]
    axes.plot(range(len(points)), [value for _, value in points], marker="o", color=BLUE)
    axes.axhline(floor, linestyle="--", color=RED, linewidth=1, label=f"minimum {floor:g}")
    axes.set_xticks(range(len(points)), labels, rotation=30 if len(points) > 4 else 0)
    axes.set_ylabel(ylabel)
    axes.legend(loc="lower right", fontsize=8)
    return embed(fig, alt, caption)


def grouped(
    groups: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    ylabel: str,
    alt: str,
    caption: str,
) -> str:
    """Bars side by side: one group per measure, one bar per series (e.g. per model)."""
    fig, axes = figure(max(4.0, 1.3 * len(groups) + 1.5), 3.0)
    width = 0.8 / max(1, len(series))
    for index, ((label, values), colour) in enumerate(zip(series, PALETTE, strict=False)):
        offsets = [g + (index - (len(series) - 1) / 2) * width for g in range(len(groups))]
        axes.bar(offsets, values, width=width, label=label, color=colour)
    axes.set_xticks(range(len(groups)), groups)
    axes.set_ylabel(ylabel)
    axes.axhline(0, color="black", linewidth=0.6)
    axes.grid(axis="x", visible=False)
    axes.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return embed(fig, alt, caption)
