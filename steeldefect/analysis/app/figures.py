"""Plotly figures of the distribution views, from the EDA statistics of one or more label sets."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from steeldefect.analysis.classes import hex_colour, names_or_default, short_label
from steeldefect.analysis.eda import label_stats as stats

FIGURE_HEIGHT = 340  # pixels, every distribution chart
AREA_BINS = 30  # logarithmic bins of the area histograms
MAX_COUNT_TICKS = 5  # most intervals on a count axis (steps of 1, 2, 5, 10, 20, ...)
AREA_RANGE_PAD = 0.05  # decades added each side of the shared area axis
NO_AREAS_RANGE = (1.0, 5.0)  # log10 area axis (10 to 100,000 px) when no class has a mask
LOG_RATIO = 50  # a count axis turns logarithmic when its largest bar exceeds this many times the smallest
MARGIN = {"l": 50, "r": 20, "t": 50, "b": 40}


def _layout(fig: go.Figure, title: str, **kwargs) -> go.Figure:
    fig.update_layout(title=title, height=FIGURE_HEIGHT, margin=MARGIN, template="plotly_white",
                      barmode="group", legend={"orientation": "h", "y": -0.2}, **kwargs)
    return fig


COUNT, SHARE = "count", "share"  # bar heights: images, or per cent of the set's images


def _bar_values(counts: list[int], n_images: int, scale: str) -> tuple[list[float], list[str]]:
    if scale == SHARE:
        values = [100.0 * c / max(n_images, 1) for c in counts]
        return values, [f"{v:.1f}%" for v in values]
    return list(counts), [f"{c:,}" for c in counts]


def _names(names, presence: np.ndarray) -> tuple[str, ...]:
    return names_or_default(names, np.asarray(presence).shape[1])


def class_counts(named_presence: list[tuple[str, np.ndarray]], scale: str = COUNT, names=None) -> go.Figure:
    """Grouped bars: images per class (named ``names``, default ``class 1`` ..), one group per label set
    (counts or per cent of its images)."""
    fig = go.Figure()
    for name, presence in named_presence:
        counts = stats.images_per_class(presence)
        labels = _names(names, presence)
        y, text = _bar_values([counts[c] for c in range(1, len(labels) + 1)], len(presence), scale)
        fig.add_bar(name=name, x=list(labels), y=y, text=text, textposition="outside")
    if len(named_presence) == 1:
        fig.update_traces(marker_color=[hex_colour(c) for c in range(1, named_presence[0][1].shape[1] + 1)])
    return _layout(fig, "Images per defect class", yaxis_title="% of images" if scale == SHARE else "images")


def labels_per_image(named_presence: list[tuple[str, np.ndarray]], scale: str = COUNT) -> go.Figure:
    """Grouped bars: images by number of classes present (counts or per cent of each set's images)."""
    fig = go.Figure()
    keys = list(range(max((p.shape[1] for _, p in named_presence), default=0) + 1))
    for name, presence in named_presence:
        counts = stats.labels_per_image(presence)
        y, text = _bar_values([counts[k] for k in keys], len(presence), scale)
        fig.add_bar(name=name, x=[str(k) for k in keys], y=y, text=text, textposition="outside")
    return _layout(fig, "Images by number of defect classes", xaxis_title="classes present",
                   yaxis_title="% of images" if scale == SHARE else "images")


def combinations(presence: np.ndarray, name: str, names=None) -> go.Figure:
    """Horizontal bars: images per class combination of one label set (classes by id, or by name when
    the dataset names them)."""
    labels = [short_label(c, n) for c, n in enumerate(_names(names, presence), start=1)]
    combos = stats.class_combinations(presence, labels)[::-1]
    fig = go.Figure(go.Bar(x=[c for _, c in combos], y=[n for n, _ in combos], orientation="h",
                           text=[c for _, c in combos], textposition="outside"))
    counts = [c for _, c in combos]
    wide = bool(counts) and max(counts) > LOG_RATIO * min(counts)
    ticks = {} if wide else {"xaxis_tick0": 0, "xaxis_dtick": count_step(max(counts, default=0))}
    return _layout(fig, f"Class combinations: {name}", xaxis_title="images",
                   xaxis_type="log" if wide else "linear", **ticks)


def count_step(top: int, max_ticks: int = MAX_COUNT_TICKS) -> int:
    """Tick step of a count axis up to ``top``: the smallest of 1, 2, 5, 10, 20, ... that needs at most
    ``max_ticks`` intervals (whole numbers only: a count of masks has no halves)."""
    magnitude = 1
    while True:
        for m in (1, 2, 5):
            if top <= m * magnitude * max_ticks:
                return m * magnitude
        magnitude *= 10


def area_histograms(areas: np.ndarray | None, presence: np.ndarray, name: str, names=None) -> go.Figure:
    """One step histogram per class of the non-empty mask areas: every x axis logarithmic over the same
    range (classes comparable), every y axis linear from 0 with whole-number ticks."""
    labels = _names(names, presence)
    fig = make_subplots(rows=1, cols=len(labels), subplot_titles=list(labels))
    values = [areas[presence[:, k], k] if areas is not None else np.empty(0) for k in range(len(labels))]
    known = np.concatenate(values)
    known = known[known > 0]
    x_range = ([float(np.log10(known.min())) - AREA_RANGE_PAD, float(np.log10(known.max())) + AREA_RANGE_PAD]
               if known.size else list(NO_AREAS_RANGE))
    for k, (cls_name, v) in enumerate(zip(labels, values)):
        top = 0
        if v.size:
            edges = stats.log_bins(v, AREA_BINS)
            counts, _ = np.histogram(v, bins=edges)
            top = int(counts.max())
            centres = np.sqrt(edges[:-1] * edges[1:])
            fig.add_scatter(x=centres, y=counts, mode="lines", line_shape="hvh", fill="tozeroy",
                            line_color=hex_colour(k + 1), name=cls_name, row=1, col=k + 1)
        fig.update_xaxes(type="log", range=x_range, title_text="area (px)", row=1, col=k + 1)
        fig.update_yaxes(type="linear", rangemode="tozero", tick0=0, dtick=count_step(top), tickformat=",d",
                         title_text="masks" if k == 0 else None, row=1, col=k + 1)
    title = f"Mask areas per class: {name}" + ("" if areas is not None else " (no areas in this label file)")
    return _layout(fig, title, showlegend=False)


def area_table(areas: np.ndarray | None, presence: np.ndarray, names=None) -> list[dict]:
    """Rows of the area statistics table: class (its id, or its name when the dataset names it), masks,
    p10, median, p90, mean (whole pixels)."""
    if areas is None:
        return []
    labels = _names(names, presence)
    rows = []
    for cls, d in stats.area_stats(areas, presence).items():
        rows.append({"class": short_label(cls, labels[cls - 1]), "masks": d["count"],
                     **{k: stats.reported_area(d[k]) for k in ("p10", "median", "p90", "mean")}})
    return rows
