"""Dataset statistics as pure numpy functions: label counts, class combinations, distributions.

Inputs are the per-image arrays of a LabelSource: presence bool (N, K), areas int (N, K) (K classes,
ids 1..K, read from the arrays' shape), and per-mask shape rows (components, bbox width, bbox height). Percentiles are
numpy's default (linear interpolation) and kept exact here; ``reported_area`` / ``reported_shape``
turn them into the whole numbers printed (the conventions of shared/real/STATS.md).
"""

from __future__ import annotations

import math

import numpy as np

PERCENTILES = (10, 50, 90)  # p10, median, p90 of every distribution
NO_LABEL = "none"  # combination name of an image without defects
SHAPE_FIELDS = ("components", "bbox_width", "bbox_height")  # columns of a per-mask shape row


def labels_per_image(presence: np.ndarray) -> dict[int, int]:
    """Number of images with 0, 1, ..., K classes present."""
    presence = np.asarray(presence, bool)
    n_classes = presence.shape[1]
    counts = np.bincount(presence.sum(axis=1), minlength=n_classes + 1)
    return {k: int(counts[k]) for k in range(n_classes + 1)}


def images_per_class(presence: np.ndarray) -> dict[int, int]:
    """Number of images in which each class is present."""
    totals = np.asarray(presence, bool).sum(axis=0)
    return {k + 1: int(t) for k, t in enumerate(totals)}


def combination_name(row: np.ndarray, labels=None) -> str:
    """'none', '3', '1+2', ... for one presence row (class k shown as ``labels[k - 1]`` when given)."""
    present = [labels[k] if labels else str(k + 1) for k, on in enumerate(row) if on]
    return "+".join(present) if present else NO_LABEL


def combination_names(presence: np.ndarray, labels=None) -> np.ndarray:
    """The combination name of every image (object array of str, shape (N,))."""
    presence = np.asarray(presence, bool)
    codes = presence @ (1 << np.arange(presence.shape[1]))  # one integer per combination
    names = {int(code): combination_name(presence[i], labels) for code, i in zip(*np.unique(codes, return_index=True))}
    return np.array([names[int(c)] for c in codes], dtype=object)


def class_combinations(presence: np.ndarray, labels=None) -> list[tuple[str, int]]:
    """(combination, images) for every combination that occurs, most frequent first; classes are
    named by their id, or by ``labels`` (one per class) when given."""
    names, counts = np.unique(combination_names(presence, labels).astype(str), return_counts=True)
    return sorted(((str(n), int(c)) for n, c in zip(names, counts)), key=lambda nc: (-nc[1], nc[0]))


def distribution(values: np.ndarray) -> dict[str, float | int | None]:
    """count, p10, median, p90, mean of ``values`` (None for an empty set)."""
    values = np.asarray(values, dtype=np.float64).ravel()
    if values.size == 0:
        return {"count": 0, "p10": None, "median": None, "p90": None, "mean": None}
    p10, p50, p90 = np.percentile(values, PERCENTILES)
    return {"count": int(values.size), "p10": float(p10), "median": float(p50), "p90": float(p90),
            "mean": float(values.mean())}


def area_stats(areas: np.ndarray, presence: np.ndarray | None = None) -> dict[int, dict]:
    """Area distribution per class over the non-empty masks (presence defaults to area > 0)."""
    areas = np.asarray(areas)
    presence = areas > 0 if presence is None else np.asarray(presence, bool)
    return {k + 1: distribution(areas[presence[:, k], k]) for k in range(areas.shape[1])}


def shape_stats(shapes: dict[int, np.ndarray], n_classes: int | None = None) -> dict[int, dict[str, dict]]:
    """Per class 1..``n_classes`` (default: the largest key of ``shapes``), the distribution of each
    SHAPE_FIELDS column of its (M, 3) shape rows."""
    out = {}
    for cls in range(1, (n_classes if n_classes is not None else max(shapes, default=0)) + 1):
        rows = np.asarray(shapes.get(cls, np.empty((0, len(SHAPE_FIELDS)))), dtype=np.float64)
        rows = rows.reshape(-1, len(SHAPE_FIELDS))
        out[cls] = {name: distribution(rows[:, j]) for j, name in enumerate(SHAPE_FIELDS)}
    return out


def reported_area(value: float | None) -> int | None:
    """An area figure as printed: whole pixels, truncated (STATS.md truncates areas)."""
    return None if value is None else int(math.floor(value))


def reported_shape(value: float | None) -> int | None:
    """A shape figure as printed: nearest integer, ties to even (STATS.md rounds shapes)."""
    return None if value is None else int(round(value))


def log_bins(values: np.ndarray, n_bins: int = 40) -> np.ndarray:
    """Logarithmically spaced histogram edges covering the positive ``values`` (at least [1, 10])."""
    values = np.asarray(values, dtype=np.float64)
    values = values[values > 0]
    lo = max(1.0, float(values.min())) if values.size else 1.0
    hi = max(lo * 10, float(values.max())) if values.size else 10.0
    return np.geomspace(lo, hi, n_bins + 1)
