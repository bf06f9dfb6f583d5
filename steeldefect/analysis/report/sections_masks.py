"""Report sections about masks: predicted-area histograms, the worst images, Dice surfaces."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from steeldefect.data.images import read_image
from steeldefect.data.labels import table_rle_columns
from steeldefect.data.rle import rle_decode
from steeldefect.postprocess.masks import resize_nearest
from steeldefect.tuning.sweep import TuneGrid
from steeldefect.tuning.tune import RULE_FAMILIES, tune_stats
from steeldefect.errors import SteelDefectError
from steeldefect.analysis.report import figures_masks as fm
from steeldefect.analysis.report.gather import OOFSummary, predicted_areas
from steeldefect.analysis.report.html import Section, Table
from steeldefect.analysis.report.sections_scores import Part

HISTOGRAM_THRESHOLDS = (0.3, 0.5, 0.7)  # pixel thresholds of the predicted-area histograms


def areas_part(summary: OOFSummary, thresholds=HISTOGRAM_THRESHOLDS) -> Part:
    """Section 4: predicted mask areas of images with and without each class, at several thresholds."""
    areas = {float(t): predicted_areas(summary.stats, t) for t in thresholds}
    rows = []
    for c, name in enumerate(summary.names):
        pos = summary.truth_pos[:, c]
        for t, a in areas.items():
            with_cls, without = a[pos, c], a[~pos, c]
            rows.append([name, f"{t:g}",
                         "-" if not with_cls.size else f"{np.median(with_cls):,.0f}",
                         "-" if not with_cls.size else f"{100 * np.mean(with_cls == 0):.1f}%",
                         "-" if not without.size else f"{100 * np.mean(without > 0):.1f}%",
                         "-" if not without.size else f"{np.percentile(without, 95):,.0f}"])
    section = Section("areas", "4. Predicted mask areas: images with and without the defect", paragraphs=[
        "For each class and pixel threshold, the predicted area (before minimum area and gate) of images "
        "whose truth has the class against images without it. Where the grey (clean) distribution "
        "reaches into the coloured one, a minimum area cannot remove false positives without also "
        "removing true defects; a model that separates them predicts nothing on clean images."],
        tables=[Table("predicted area per image (256x1600 pixels)",
                      ["class", "threshold", "median, with class", "empty, with class", "non-empty, without",
                       "p95, without"], rows)],
        figures=[("area_histograms.png", "Share of images per predicted-area bin (log scale, 0 = empty "
                                         "prediction), images with the class in colour, without in grey.")])
    numbers = {f"{t:g}": {"median_with": [None if not a[summary.truth_pos[:, c], c].size
                                          else float(np.median(a[summary.truth_pos[:, c], c]))
                                          for c in range(summary.n_classes)]} for t, a in areas.items()}
    return Part(section, {"area_histograms.png": fm.area_histograms(areas, summary.truth_pos, summary.names)},
                {"predicted_areas": numbers})


def _image(images_dir: Path | None, image_id: str) -> np.ndarray | None:
    if images_dir is None or not (images_dir / image_id).is_file():
        return None
    try:
        return read_image(images_dir / image_id, channels=3)
    except SteelDefectError:
        return None


def worst_part(summary: OOFSummary, labels: pd.DataFrame, images_dir: str | os.PathLike | None,
               shape: tuple[int, int] = fm.REFERENCE_SHAPE) -> Part:
    """Section 5: per class, the lowest-Dice images with the truth and prediction contours side by side;
    masks are drawn at each image's own size (``shape`` where the image is missing)."""
    images_dir = Path(images_dir) if images_dir is not None else None
    rles = labels.set_index("ImageId")
    columns = table_rle_columns(labels)
    section = Section("worst", "5. Worst images per class", paragraphs=[
        "Per class, the OOF images with the lowest Dice among those whose truth or prediction has the class: "
        "left the ground truth contour, right the post-processed prediction (upscaled nearest from the "
        "training resolution). A missing left contour is a false positive, a missing right one a miss."])
    figures, numbers, missing = {}, {}, 0
    for c, cls_name in enumerate(summary.names):
        cls = c + 1
        rows, listed = [], []
        for w in summary.worst[cls]:
            image = _image(images_dir, w.image_id)
            if image is None:
                missing += 1
                image = fm.placeholder_image(shape=shape)
            size = image.shape[:2]
            rle = rles.at[w.image_id, columns[c]]
            truth = rle_decode(rle, size) if rle else np.zeros(size, np.uint8)
            pred = resize_nearest(w.pred.view(np.uint8), size)
            title = (f"{w.image_id}  Dice {w.dice:.3f}  truth {w.truth_area:,} px, prediction {w.pred_area:,} px "
                     f"(at {summary.shape[0]}x{summary.shape[1]})")
            rows.append((title, *fm.overlay_pair(image, cls, truth, pred)))
            listed.append({"image_id": w.image_id, "dice": w.dice, "truth_area": w.truth_area,
                           "pred_area": w.pred_area})
        name = f"worst_class_{cls}.png"
        figures[name] = fm.worst_strips(cls, rows, cls_name)
        section.figures.append((name, f"{cls_name}: the {len(rows)} worst OOF images"))
        numbers[str(cls)] = listed
    if missing:
        where = "no --data folder given" if images_dir is None else f"not found in {images_dir}"
        section.notes.append(f"{missing} images drawn as grey placeholders: {where}")
    return Part(section, figures, {"worst": numbers})


def _rule(value, absent: str) -> str:
    return absent if value is None else f"{value:g}"


def surfaces_part(summary: OOFSummary, grid: TuneGrid = TuneGrid()) -> Part:
    """Section 6: OOF Dice over pixel threshold x min area per class (the tuner's exact surfaces), and
    the best Dice of each post-processing rule family."""
    result = tune_stats(summary.stats, grid)
    names = summary.names
    rows = [[names[c.class_id - 1], f"{c.default_dice:.5f}", f"{c.stage1_dice:.5f}",
             f"{c.chosen.pixel_threshold:g}", _rule(c.chosen.survival_threshold, "-"), str(c.chosen.min_area),
             f"{c.chosen.gate:g}", _rule(c.chosen.gate_area_factor, "hard")] for c in result.classes]
    family_rows = [[names[c.class_id - 1], *(f"{c.families[k]:.5f}" for k in RULE_FAMILIES)] for c in result.classes]
    section = Section("surfaces", "6. Dice against pixel threshold and minimum area", paragraphs=[
        "The exact OOF Dice of each class over the tuning grid (tuning.tune's surfaces, computed from "
        "the same cumulative histograms), at the gate, survival threshold and gate factor of the grid's "
        "best point. A broad plateau means the choice is stable; a sharp peak on few images may not carry "
        "over to the test set. Component removal (stage 2 of tuning) is not part of these surfaces.",
        "Rule families, each searched exactly: none (one threshold, no gate); hard gate (a mask below the "
        "classifier gate is emptied); soft gate (below the gate the minimum area is multiplied by a factor); "
        "two-level (whether a mask survives the minimum area is decided by its pixels above a survival "
        "threshold, and it is drawn at the pixel threshold); both."],
        tables=[Table("grid search on these OOF images", ["class", "default Dice", "best grid Dice", "threshold",
                                                          "survival", "min area", "gate", "gate factor"], rows),
                Table("best OOF Dice per rule family", ["class", "none", "hard gate", "soft gate", "two-level",
                                                        "both"], family_rows)],
        figures=[("dice_surfaces.png", "OOF Dice per class; x: grid best, circle: thresholds in use.")])
    numbers = {str(c.class_id): {"default": c.default_dice, "best": c.stage1_dice,
                                 "pixel_threshold": c.chosen.pixel_threshold, "min_area": c.chosen.min_area,
                                 "gate": c.chosen.gate, "survival_threshold": c.chosen.survival_threshold,
                                 "gate_area_factor": c.chosen.gate_area_factor, "rule_families": c.families}
               for c in result.classes}
    return Part(section, {"dice_surfaces.png": fm.dice_surfaces(result, summary.thresholds, names)},
                {"surfaces": numbers})
