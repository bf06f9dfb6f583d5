"""The picture of bench_realism.py: real and synthetic crops side by side, with the mean column and
row spectra, grey histograms and gradient distributions of both sets of strips."""

from __future__ import annotations

from pathlib import Path

import numpy as np

CROPS = 3  # strips shown per side
CROP = (slice(0, 256), slice(400, 1200))  # rows, columns of each strip shown


def _profile_power(profile: np.ndarray) -> np.ndarray:
    return np.abs(np.fft.rfft(profile - profile.mean()))[1:] ** 2


def _curves(paths: list[Path]) -> dict[str, np.ndarray]:
    import cv2

    columns, rows, hist, grads = [], [], [], []
    for path in paths:
        grey = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE).astype(np.float32)
        columns.append(_profile_power(grey.mean(axis=0)))
        rows.append(_profile_power(grey.mean(axis=1)))
        hist.append(np.histogram(grey, 64, (0, 256), density=True)[0])
        magnitude = np.hypot(cv2.Sobel(grey, cv2.CV_32F, 1, 0), cv2.Sobel(grey, cv2.CV_32F, 0, 1))
        grads.append(np.percentile(magnitude, np.linspace(0, 99.9, 200)))
    return {"columns": np.median(columns, axis=0), "rows": np.median(rows, axis=0), "hist": np.mean(hist, axis=0),
            "grads": np.median(grads, axis=0)}


def draw_report(real: list[Path], synthetic: list[Path], result: dict, out: str, real_crops: bool = True) -> Path:
    import cv2
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sides = [("synthetic", synthetic)] if not real_crops else [("real", real), ("synthetic", synthetic)]
    fig = plt.figure(figsize=(16, 3.2 * CROPS / 2 + 4.5))
    grid = fig.add_gridspec(CROPS + 2, 4, height_ratios=[1] * CROPS + [0.15, 2.2])
    for c, (name, paths) in enumerate(sides):
        for r, path in enumerate(paths[:CROPS]):
            ax = fig.add_subplot(grid[r, 2 * c:2 * c + 2] if real_crops else grid[r, :])
            ax.imshow(cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)[CROP], cmap="gray", vmin=0, vmax=255)
            ax.set_axis_off()
            if r == 0:
                ax.set_title(f"{name} strips (columns {CROP[1].start}-{CROP[1].stop})")
    real_c, synth_c = _curves(real), _curves(synthetic)
    panels = [("columns", "column-mean profile: power", "cycles per strip width", True),
              ("rows", "row-mean profile: power", "cycles per strip height", True),
              ("hist", "grey levels", "grey level", False), ("grads", "gradient magnitude", "percentile", False)]
    for i, (key, title, xlabel, loglog) in enumerate(panels):
        ax = fig.add_subplot(grid[CROPS + 1, i])
        for curves, label in ((real_c, f"real ({len(real)})"), (synth_c, f"synthetic ({len(synthetic)})")):
            y = curves[key]
            x = (np.arange(1, len(y) + 1) if key in ("columns", "rows") else
                 np.linspace(0, 256, len(y), endpoint=False) + 2 if key == "hist" else np.linspace(0, 99.9, len(y)))
            ax.plot(x, y, label=label)
        if loglog:
            ax.set_xscale("log")
            ax.set_yscale("log")
        elif key == "grads":
            ax.set_yscale("log")
        ax.set_title(title, fontsize=10)
        ax.set_xlabel(xlabel, fontsize=9)
        ax.legend(fontsize=8)
    groups = ", ".join(f"{g} {a:.2f}" for g, a in result["auc_by_group"].items())
    fig.suptitle(f"real ({result['real_part']} part) vs synthetic: discriminator AUC {result['auc_all_features']:.3f} "
                 f"(0.5 = cannot tell); by feature group: {groups}", fontsize=10)
    fig.tight_layout()
    fig.savefig(out, dpi=80)
    plt.close(fig)
    return Path(out)
