"""Figures of the tuning: per class, OOF Dice over pixel threshold x minimum area at the chosen gate."""

from __future__ import annotations

import os

import numpy as np

from steeldefect.data.io import atomic_write
from steeldefect.tuning.tune import TuneResult

FIGURE_DPI = 110  # resolution of the saved figure
COLUMNS = 2  # subplots per row


def plot_surfaces(result: TuneResult, path: str | os.PathLike, class_names: tuple[str, ...] = ()) -> None:
    """Heatmaps of the stage-1 Dice surfaces, the chosen (threshold, area) marked, saved as PNG; titles
    name the classes by ``class_names`` too when given."""
    from matplotlib.figure import Figure  # heavy: matplotlib (a Figure needs no pyplot or backend choice)

    n = len(result.classes)
    rows = -(-n // COLUMNS)
    fig = Figure(figsize=(6.5 * COLUMNS, 4.2 * rows))
    axes = fig.subplots(rows, COLUMNS, squeeze=False)
    grid = result.grid
    for ax, cls, surface in zip(axes.ravel(), result.classes, result.surfaces):
        first = cls.stage1 or cls.chosen
        g = result.gates.index(first.gate)
        image = surface[:, :, g]
        im = ax.imshow(image, aspect="auto", origin="lower", cmap="viridis")
        ax.set_xticks(range(len(grid.min_areas)), [str(a) for a in grid.min_areas], rotation=60, fontsize=7)
        step = max(1, len(grid.pixel_thresholds) // 10)
        ticks = list(range(0, len(grid.pixel_thresholds), step))
        ax.set_yticks(ticks, [f"{grid.pixel_thresholds[i]:.3g}" for i in ticks], fontsize=7)
        ax.plot(grid.min_areas.index(first.min_area), grid.pixel_thresholds.index(first.pixel_threshold),
                marker="x", color="red", markersize=10, mew=2)
        ref = result.area_reference
        ax.set_xlabel(f"minimum area (pixels at {ref[0]}x{ref[1]})")
        ax.set_ylabel("pixel threshold")
        final = cls.chosen
        rules = (f", survival {first.survival_threshold:g}" if first.survival_threshold is not None else "") + (
            f", factor {first.gate_area_factor:g}" if first.gate_area_factor is not None else "")
        name = f"class {cls.class_id}" + (f" {class_names[cls.class_id - 1]}" if class_names else "")
        ax.set_title(f"{name} at gate {first.gate:g}{rules}: best {cls.stage1_dice:.4f}, default "
                     f"{cls.default_dice:.4f}\nfinal (area {final.min_area}, gate {final.gate:g}, min component "
                     f"{final.min_component}): {cls.dice:.4f}", fontsize=9)
        fig.colorbar(im, ax=ax, label="OOF Dice of the class")
    for ax in axes.ravel()[n:]:
        ax.axis("off")
    fig.suptitle(f"OOF Dice surfaces over {result.n_images} images, measured at "
                 f"{result.shape[0]}x{result.shape[1]}", fontsize=10)
    fig.tight_layout()
    with atomic_write(path) as tmp:
        fig.savefig(tmp, dpi=FIGURE_DPI, format="png")


def save_surfaces(result: TuneResult, path: str | os.PathLike) -> None:
    """The raw stage-1 surfaces (class, threshold, area, gate) and their axes, as .npz, for analysis."""
    with atomic_write(path) as tmp:
        with open(tmp, "wb") as fh:
            np.savez(fh, dice=np.stack(result.surfaces), pixel_thresholds=np.array(result.grid.pixel_thresholds),
                     min_areas=np.array(result.grid.min_areas), gates=np.array(result.gates))
