"""Mask figures of the report: predicted-area histograms, worst images, Dice surfaces.

Pure functions of arrays returning matplotlib Figures (or image arrays), nothing written.
"""

from __future__ import annotations

import cv2
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from steeldefect.analysis.classes import hex_colour, names_or_default
from steeldefect.analysis.eda.overlay import draw_contours
from steeldefect.artifacts.dataset_file import KAGGLE
from steeldefect.analysis.report.figures_scores import new_figure

AREA_BINS = 40  # histogram bins over log10(1 + area)
REFERENCE_SHAPE = KAGGLE.single_shape  # predicted areas are counted at Severstal's 256x1600 (tuning's reference)
MAX_LOG_AREA = np.log10(1 + REFERENCE_SHAPE[0] * REFERENCE_SHAPE[1])  # the largest possible mask
CLEAN_COLOUR = "#7f7f7f"  # images without the class
PLACEHOLDER_GREY = 128  # fill of a missing image
STRIP_ROW_INCHES = 1.75  # one row of the worst-image figure: two 8-inch-wide strips and a title
STRIP_WIDTH = 760  # pixels of one drawn strip (half the 16-inch figure at 100 dpi, less margins)
CONTOUR_THICKNESS = 3  # pixels at 256x1600; thicker than the EDA's so that they survive downscaling


def area_histograms(areas: dict[float, np.ndarray], truth_pos: np.ndarray, names=None) -> Figure:
    """Histograms of predicted mask area per class (rows) and pixel threshold (columns).

    ``areas``: threshold -> int (N, C) predicted pixels (256x1600 pixels); ``truth_pos`` bool (N, C).
    Each panel compares images with the class (its colour) to images without it (grey), as shares of
    each group, over log10(1 + area); a model that separates them puts the grey mass at 0.
    """
    thresholds = list(areas)
    names = names_or_default(names, truth_pos.shape[1])
    fig = new_figure(4.2 * len(thresholds), 2.5 * len(names))
    axes = np.array(fig.subplots(len(names), len(thresholds), squeeze=False))
    bins = np.linspace(0, MAX_LOG_AREA, AREA_BINS + 1)
    ticks = [0, 1, 2, 3, 4, 5]
    for j, t in enumerate(thresholds):
        x = np.log10(1 + areas[t].astype(np.float64))
        for c, cls_name in enumerate(names):
            ax = axes[c, j]
            for mask, colour, name in ((~truth_pos[:, c], CLEAN_COLOUR, "without"),
                                       (truth_pos[:, c], hex_colour(c + 1), "with")):
                values = x[mask, c]
                if values.size:
                    ax.hist(values, bins=bins, weights=np.full(values.size, 1.0 / values.size), color=colour,
                            alpha=0.55, label=f"{name} {cls_name} ({values.size:,} images)")
            ax.set_xticks(ticks, ["0", "10", "100", "1k", "10k", "100k"], fontsize=7)
            ax.tick_params(axis="y", labelsize=7)
            ax.set_title(f"{cls_name}, pixel threshold {t:g}", fontsize=9)
            if j == 0:
                ax.legend(fontsize=7, loc="upper center")
            if c == len(names) - 1:
                ax.set_xlabel("predicted pixels (at 256x1600, 1 + log scale)", fontsize=8)
            if j == 0:
                ax.set_ylabel("share of images", fontsize=8)
    return fig


def placeholder_image(note: str = "image not available", shape: tuple[int, int] = REFERENCE_SHAPE) -> np.ndarray:
    """A grey RGB image of ``shape`` (default 256x1600) with ``note`` written in the middle."""
    height, width = shape
    image = np.full((height, width, 3), PLACEHOLDER_GREY, np.uint8)
    scale = 1.6 * min(1.0, width / REFERENCE_SHAPE[1], height / REFERENCE_SHAPE[0])  # smaller on small images
    cv2.putText(image, note, (max(0, width // 2 - round(14 * len(note) * scale / 1.6)), height // 2),
                cv2.FONT_HERSHEY_SIMPLEX, scale, (235, 235, 235), max(1, round(3 * scale / 1.6)), cv2.LINE_AA)
    return image


def overlay_pair(image: np.ndarray, cls: int, truth: np.ndarray, pred: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The RGB ``image`` with the truth contour, and with the prediction contour (masks at the image's size)."""
    return (draw_contours(image, {cls: truth}, CONTOUR_THICKNESS),
            draw_contours(image, {cls: pred}, CONTOUR_THICKNESS))


def _shrink(image: np.ndarray) -> np.ndarray:
    """An overlay at the size it is drawn (STRIP_WIDTH pixels wide), area-averaged: cheaper to draw and save."""
    h, w = image.shape[:2]
    if w <= STRIP_WIDTH:
        return image
    return cv2.resize(image, (STRIP_WIDTH, round(h * STRIP_WIDTH / w)), interpolation=cv2.INTER_AREA)


def worst_strips(cls: int, rows: list[tuple[str, np.ndarray, np.ndarray]], name: str | None = None) -> Figure:
    """One row per image: the truth contours (left) and the prediction contours (right) of class ``cls``.

    ``rows``: (title, truth overlay, prediction overlay), overlays RGB uint8 (H, W, 3).
    """
    n = max(len(rows), 1)
    fig = new_figure(16, 0.5 + STRIP_ROW_INCHES * n)
    axes = np.array(fig.subplots(n, 2, squeeze=False))
    for (ax_t, ax_p), (title, truth, pred) in zip(axes, rows):
        ax_t.imshow(_shrink(truth), interpolation="nearest")
        ax_p.imshow(_shrink(pred), interpolation="nearest")
        ax_t.set_title(f"{title} - ground truth", fontsize=9, loc="left")
        ax_p.set_title("prediction", fontsize=9, loc="left")
    for ax in axes.ravel():
        ax.set_axis_off()
    if not rows:
        axes[0, 0].text(0.5, 0.5, "no image has this class in its truth or prediction", ha="center",
                        transform=axes[0, 0].transAxes)
    fig.legend(handles=[Patch(color=hex_colour(cls), label=f"{name or f'class {cls}'} contour")],
               loc="outside upper center",
               frameon=False)
    return fig


def _nearest(values, v) -> int:
    return int(np.argmin(np.abs(np.asarray(values, np.float64) - v)))


def dice_surfaces(result, in_use, names=None) -> Figure:
    """Heatmaps of OOF Dice over pixel threshold x min area per class, at the best gate of the grid.

    ``result``: an ``tuning.tune.TuneResult``; the grid's best point is marked with a red x and
    the thresholds in use (``in_use``, a Thresholds) with a white circle at the nearest grid point.
    """
    grid = result.grid
    names = names_or_default(names, len(result.classes))
    cols = 2 if len(names) > 1 else 1
    rows = max(1, (len(names) + 1) // 2)
    fig = new_figure(6.5 * cols, 4.2 * rows)
    axes = np.array(fig.subplots(rows, cols, squeeze=False)).ravel()
    for ax in axes[len(names):]:
        ax.set_axis_off()
    step = max(1, len(grid.pixel_thresholds) // 10)
    yticks = list(range(0, len(grid.pixel_thresholds), step))
    for ax, cls, surface, use in zip(axes, result.classes, result.surfaces, in_use.classes):
        best = cls.stage1 or cls.chosen
        g = result.gates.index(best.gate)
        im = ax.imshow(surface[:, :, g], aspect="auto", origin="lower", cmap="viridis")
        ax.set_xticks(range(len(grid.min_areas)), [str(a) for a in grid.min_areas], rotation=60, fontsize=7)
        ax.set_yticks(yticks, [f"{grid.pixel_thresholds[i]:.3g}" for i in yticks], fontsize=7)
        ax.plot(grid.min_areas.index(best.min_area), grid.pixel_thresholds.index(best.pixel_threshold),
                marker="x", color="red", markersize=10, mew=2, ls="")
        ax.plot(_nearest(grid.min_areas, use.min_area), _nearest(grid.pixel_thresholds, use.pixel_threshold),
                marker="o", mfc="none", color="white", markersize=11, mew=2, ls="")
        ax.set_xlabel("minimum area (pixels at 256x1600)", fontsize=8)
        ax.set_ylabel("pixel threshold", fontsize=8)
        rules = (f", survival {best.survival_threshold:g}" if best.survival_threshold is not None else "") + (
            f", gate factor {best.gate_area_factor:g}" if best.gate_area_factor is not None else "")
        ax.set_title(f"{names[cls.class_id - 1]} at gate {best.gate:g}{rules}: grid best (x) {cls.stage1_dice:.4f}, default "
                     f"{cls.default_dice:.4f}\nin use (o): threshold {use.pixel_threshold:g}, min area {use.min_area}",
                     fontsize=9)
        fig.colorbar(im, ax=ax, label="OOF Dice of the class")
    return fig
