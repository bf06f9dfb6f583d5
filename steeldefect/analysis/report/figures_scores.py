"""Score figures of the report: Dice bars, 2x2 confusion grids and ROC curves.

Pure functions of numbers returning matplotlib Figures (object API on an Agg canvas, no pyplot
state); saving is the caller's business.
"""

from __future__ import annotations

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from steeldefect.analysis.classes import hex_colour, names_or_default

DPI = 100  # pixels per inch of the saved figures
SERIES_COLOURS = ("#4c72b0", "#dd8452", "#55a868", "#8172b3")  # one per compared source of predictions
CELL_CMAP = "Blues"  # colour map of confusion matrices (shade = share of the truth row)


def new_figure(width: float, height: float) -> Figure:
    """A Figure with an Agg canvas and constrained layout."""
    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def dice_bars(series: dict[str, dict[int, float]], names=None, title: str = "Dice per class") -> Figure:
    """Grouped bars of mean Dice per class, one group per class (ids 1..C, labelled ``names``) and one bar
    per source (e.g. OOF, submission)."""
    n_classes = max((len(v) for v in series.values()), default=0)
    names = names_or_default(names, n_classes)
    fig = new_figure(max(8.0, 1.6 * n_classes), 3.8)
    ax = fig.add_subplot()
    n = max(len(series), 1)
    width = 0.8 / n
    x = np.arange(n_classes)
    for j, (name, per_class) in enumerate(series.items()):
        values = [per_class[cls] for cls in range(1, n_classes + 1)]
        bars = ax.bar(x + (j - (n - 1) / 2) * width, values, width, label=f"{name} (mean {np.mean(values):.4f})",
                      color=SERIES_COLOURS[j % len(SERIES_COLOURS)])
        for bar, v in zip(bars, values):
            ax.annotate(f"{v:.3f}", (bar.get_x() + bar.get_width() / 2, bar.get_height()), ha="center",
                        va="bottom", fontsize=8)
    ax.set_xticks(x, list(names))
    ax.set(ylim=(0, 1.08), ylabel="mean Dice over images", title=title)
    ax.legend(loc="lower right", fontsize=8)
    return fig


def confusion_grid(matrices: list[tuple[str, np.ndarray]], row_labels=("clean", "defect"),
                   col_labels=("empty", "non-empty"), xlabel: str = "prediction", ylabel: str = "truth",
                   title: str = "") -> Figure:
    """2x2 count matrices [[tn, fp], [fn, tp]] side by side, each cell shaded by its share of its truth row.

    Cells show the count and the row percentage; large counts are written with thousands separators.
    """
    n = max(len(matrices), 1)
    fig = new_figure(3.1 * n + 0.4, 3.3)
    axes = np.atleast_1d(fig.subplots(1, n))
    for ax, (name, m) in zip(axes, matrices):
        m = np.asarray(m, np.int64)
        rows = m.sum(axis=1, keepdims=True)
        share = np.divide(m, np.maximum(rows, 1))
        ax.imshow(share, cmap=CELL_CMAP, vmin=0, vmax=1)
        for (i, j), v in np.ndenumerate(m):
            ax.text(j, i, f"{v:,}\n{100 * share[i, j]:.1f}%", ha="center", va="center", fontsize=8,
                    color="white" if share[i, j] > 0.6 else "black")
        ax.set_xticks([0, 1], col_labels, fontsize=8)
        ax.set_yticks([0, 1], row_labels, fontsize=8)
        ax.set_xlabel(xlabel, fontsize=8)
        ax.set_ylabel(ylabel, fontsize=8)
        ax.set_title(name, fontsize=9)
    if title:
        fig.suptitle(title, fontsize=10)
    return fig


def roc_figure(scores) -> Figure:
    """ROC curves of classifier outputs (``metrics.ClassifierScore``), the gate's operating point marked."""
    fig = new_figure(5.2, 4.6)
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1], color="#bbbbbb", lw=1, ls="--", label="chance")
    for j, s in enumerate(scores):
        colour = hex_colour(s.class_id) if s.class_id is not None else SERIES_COLOURS[0]
        if s.auc is None:
            continue
        ax.plot(s.fpr, s.tpr, color=colour, lw=1.8, label=f"{s.name}: AUC {s.auc:.4f}")
        (tn, fp), (fn, tp) = s.confusion
        ax.plot(fp / max(fp + tn, 1), tp / max(tp + fn, 1), marker="o", color=colour, markersize=7,
                markeredgecolor="black")
    ax.plot([], [], marker="o", ls="", color="white", markeredgecolor="black", label="at the gate")
    ax.set(xlim=(0, 1), ylim=(0, 1.01), xlabel="false positive rate (clean images passed)",
           ylabel="true positive rate (defect images passed)", title="classifier ROC (OOF)")
    ax.legend(loc="lower right", fontsize=8)
    return fig
