"""EDA charts with matplotlib's object API (Agg canvas, no pyplot state), each written atomically as PNG."""

from __future__ import annotations

import os

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from steeldefect.analysis.classes import default_names, hex_colour
from steeldefect.artifacts.dataset_file import KAGGLE
from steeldefect.data.io import atomic_write
from steeldefect.analysis.eda.label_stats import log_bins

DPI = 100  # pixels per inch of the saved charts
NEUTRAL = "#7f7f7f"  # bars that are not one class
SAMPLE_ROW_INCHES = 2.95  # one sample row: a 1600x256 strip at 16 inches wide (2.56 in) plus its title


def _figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def save_png(fig: Figure, path: str | os.PathLike) -> None:
    """Save a figure as PNG, atomically."""
    with atomic_write(path) as tmp:
        fig.savefig(tmp, format="png", dpi=DPI)


def _label_bars(ax, bars, values) -> None:
    for bar, v in zip(bars, values):
        ax.annotate(f"{v:,}", (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                    ha="center", va="bottom", fontsize=8)


def class_distribution(per_class: dict[int, int], path: str | os.PathLike, names=None) -> None:
    """Bar chart: images in which each class is present (classes 1..K named by ``names``)."""
    names = tuple(names) if names else default_names(len(per_class))
    fig = _figure(max(6.0, 0.9 * len(names)), 4)
    ax = fig.add_subplot()
    ids = range(1, len(names) + 1)
    values = [per_class[c] for c in ids]
    bars = ax.bar(list(names), values, color=[hex_colour(c) for c in ids])
    _label_bars(ax, bars, values)
    ax.set(title="Images per defect class", ylabel="images")
    save_png(fig, path)


def labels_per_image(counts: dict[int, int], path: str | os.PathLike) -> None:
    """Bar chart: images by number of classes present."""
    fig = _figure(6, 4)
    ax = fig.add_subplot()
    keys = sorted(counts)
    bars = ax.bar([str(k) for k in keys], [counts[k] for k in keys], color=NEUTRAL)
    _label_bars(ax, bars, [counts[k] for k in keys])
    ax.set(title="Images by number of defect classes", xlabel="classes present", ylabel="images")
    save_png(fig, path)


def class_combinations(combos: list[tuple[str, int]], path: str | os.PathLike, names=None) -> None:
    """Horizontal bar chart: images per class combination (``1+3``: ids), most frequent on top; with
    ``names``, a single class's bar is labelled by its name."""
    fig = _figure(7, 0.9 + 0.32 * max(len(combos), 1))
    ax = fig.add_subplot()
    keys = [n for n, _ in combos][::-1]
    values = [v for _, v in combos][::-1]
    colours = [hex_colour(int(n)) if n.isdigit() else NEUTRAL for n in keys]
    labels = [_combination_label(n, names) for n in keys]
    bars = ax.barh(labels, values, color=colours)
    for bar, v in zip(bars, values):
        ax.annotate(f" {v:,}", (bar.get_width(), bar.get_y() + bar.get_height() / 2), va="center", fontsize=8)
    ax.set(title="Images per class combination", xlabel="images", ylabel="classes present")
    ax.set_xscale("log")
    save_png(fig, path)


def _combination_label(key: str, names) -> str:
    """``2`` -> ``2 pit`` when class 2 has a name of its own; other keys as they are."""
    if not names or not key.isdigit() or names[int(key) - 1] == f"class {key}":
        return key
    return f"{key} {names[int(key) - 1]}"


def area_histograms(areas_by_class: dict[int, np.ndarray], path: str | os.PathLike, names=None) -> None:
    """One histogram per class of the non-empty mask areas, logarithmic x axis (two rows of panels)."""
    names = tuple(names) if names else default_names(max(areas_by_class, default=0))
    cols = max(1, (len(names) + 1) // 2)
    fig = _figure(5.0 * cols, 6)
    axes = np.atleast_1d(fig.subplots(2 if len(names) > 1 else 1, cols)).ravel()
    for ax in axes[len(names):]:
        ax.set_axis_off()
    for ax, cls, name in zip(axes, range(1, len(names) + 1), names):
        values = np.asarray(areas_by_class.get(cls, []), dtype=np.float64)
        if values.size:
            ax.hist(values, bins=log_bins(values), color=hex_colour(cls))
            ax.axvline(np.median(values), color="black", linestyle="--", linewidth=1, label="median")
            ax.legend(fontsize=8)
        else:
            ax.text(0.5, 0.5, "no masks", ha="center", va="center", transform=ax.transAxes)
        ax.set_xscale("log")
        ax.set(title=f"{name} ({values.size:,} masks)", xlabel="mask area (pixels)", ylabel="masks")
    save_png(fig, path)


def sample_strips(samples: list[tuple[str, np.ndarray]], path: str | os.PathLike, names=None) -> None:
    """Strip images with their mask contours already drawn, one per row, titled; class legend on top
    (``names``: the K class names, default Severstal's four)."""
    names = tuple(names) if names else KAGGLE.class_names
    fig = _figure(16, 0.6 + SAMPLE_ROW_INCHES * max(len(samples), 1))
    axes = np.atleast_1d(fig.subplots(max(len(samples), 1), 1))
    for ax, (title, image) in zip(axes, samples):
        ax.imshow(image, interpolation="antialiased")
        ax.set_title(title, fontsize=9, loc="left")
        ax.set_axis_off()
    handles = [Patch(color=hex_colour(c), label=name) for c, name in enumerate(names, start=1)]
    fig.legend(handles=handles, loc="outside upper center", ncols=min(len(names), 8), frameon=False)
    save_png(fig, path)
