"""The EDA run: statistics of a label source, its text report, and the files it writes (JSON + charts)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from steeldefect.analysis.classes import short_label
from steeldefect.data.images import read_image
from steeldefect.data.labels import table_rle_columns
from steeldefect.data.io import atomic_write
from steeldefect.analysis.eda import label_stats as stats, plots
from steeldefect.analysis.eda.overlay import class_masks, draw_contours
from steeldefect.analysis.eda.mask_shapes import CONNECTIVITY, table_shapes
from steeldefect.analysis.eda.label_sources import LabelSource

EDA_JSON = "eda.json"  # every figure of the report, machine-readable
SAMPLES_PER_CLASS = 3  # sample strips drawn per class
CHART_FILES = {  # chart name -> file written into the output folder
    "class_distribution": "class_distribution.png",
    "labels_per_image": "labels_per_image.png",
    "class_combinations": "class_combinations.png",
    "area_histograms": "area_histograms.png",
}


def sample_file(cls: int) -> str:
    return f"samples_class_{cls}.png"


def compute_eda(source: LabelSource, shapes: bool = True, progress: bool = True) -> dict:
    """All figures of a label source as a JSON-ready dict (keys of per-class maps are str)."""
    presence = source.presence
    result = {
        "labels": source.path,
        "kind": source.kind,
        "class_names": {str(k): name for k, name in enumerate(source.names, start=1)},
        "image_sizes": image_sizes(source.shapes, len(source.image_ids)),
        "n_images": int(len(source.image_ids)),
        "n_masks": int(presence.sum()),
        "labels_per_image": {str(k): v for k, v in stats.labels_per_image(presence).items()},
        "images_per_class": {str(k): v for k, v in stats.images_per_class(presence).items()},
        "class_combinations": [{"classes": n, "images": c} for n, c in stats.class_combinations(presence)],
        "area_stats": None,
        "shape_stats": None,
        "conventions": {"percentiles": "numpy linear interpolation; exact values in this file",
                        "printed_areas": "truncated to whole pixels",
                        "printed_shapes": "rounded to the nearest integer (ties to even)",
                        "components_connectivity": CONNECTIVITY},
        "notes": list(source.notes),
    }
    if source.areas is not None:
        result["area_stats"] = {str(k): v for k, v in stats.area_stats(source.areas, presence).items()}
    else:
        result["notes"].append("the label file has no mask areas: area statistics skipped")
    if source.has_masks and shapes and source.shapes is not None:
        per_class = stats.shape_stats(table_shapes(source.table, source.shapes, progress=progress), source.n_classes)
        result["shape_stats"] = {str(k): v for k, v in per_class.items()}
    elif not source.has_masks:
        result["notes"].append("the label file has no masks (RLE): shape statistics skipped")
    return result


def image_sizes(shapes, n_images: int) -> list[dict] | None:
    """[{height, width, images}] of the sources' images, the most common size first; None if unknown."""
    if shapes is None:
        return None
    if isinstance(shapes, tuple):
        return [{"height": int(shapes[0]), "width": int(shapes[1]), "images": n_images}]
    sizes, counts = np.unique(np.array(list(shapes.values()), np.int64).reshape(-1, 2), axis=0, return_counts=True)
    order = sorted(range(len(sizes)), key=lambda i: (-counts[i], tuple(sizes[i])))
    return [{"height": int(sizes[i][0]), "width": int(sizes[i][1]), "images": int(counts[i])} for i in order]


def _names(result: dict) -> dict[str, str]:
    """Class id (str) -> name of a result (``class <id>`` for results written before names)."""
    return result.get("class_names") or {k: f"class {k}" for k in result["images_per_class"]}


def _fmt(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


def format_eda(result: dict) -> str:
    """The human-readable report of ``compute_eda``'s result."""
    lines = [f"{result['labels']}: {result['n_images']:,} images ({result['kind']}), "
             f"{result['n_masks']:,} masks", "", "images by number of classes present"]
    lines += [f"  {k} {v:>8,}" for k, v in result["labels_per_image"].items()]
    names = _names(result)
    labels = {k: short_label(int(k), names[k]) for k in names}
    width = max([5, *map(len, labels.values())])
    lines += ["", "images per class"] + [f"  {names[k]} {v:>8,}" for k, v in result["images_per_class"].items()]
    lines += ["", "class combinations"] + [f"  {c['classes']:<8} {c['images']:>8,}"
                                          for c in result["class_combinations"]]
    if result["area_stats"]:
        lines += ["", "mask area in pixels per class (non-empty masks; truncated)",
                  f"  {'class':>{width}} {'masks':>7} {'p10':>8} {'median':>8} {'p90':>8} {'mean':>8}"]
        for cls, d in result["area_stats"].items():
            figs = [_fmt(stats.reported_area(d[k])) for k in ("p10", "median", "p90", "mean")]
            lines.append(f"  {labels[cls]:>{width}} {d['count']:>7,} " + " ".join(f"{f:>8}" for f in figs))
    if result["shape_stats"]:
        lines += ["", f"mask shape per class, p10 / median / p90 ({CONNECTIVITY}-connected components, "
                      "bounding box in pixels)",
                  f"  {'class':>{width}} {'masks':>7} {'components':>14} {'bbox width':>18} {'bbox height':>16}"]
        for cls, d in result["shape_stats"].items():
            cols = [" / ".join(_fmt(stats.reported_shape(d[f][k])) for k in ("p10", "median", "p90"))
                    for f in stats.SHAPE_FIELDS]
            lines.append(f"  {labels[cls]:>{width}} {d['components']['count']:>7,} {cols[0]:>14} {cols[1]:>18} "
                         f"{cols[2]:>16}")
    lines += [f"note: {n}" for n in result["notes"]]
    return "\n".join(lines)


def pick_samples(source: LabelSource, available: set[str], per_class: int, seed: int) -> dict[int, list[int]]:
    """Row indices of up to ``per_class`` images per class, among images present on disk."""
    rng = np.random.default_rng(seed)
    on_disk = np.array([i in available for i in source.image_ids], dtype=bool)
    picks = {}
    for k in range(source.n_classes):
        rows = np.flatnonzero(source.presence[:, k] & on_disk)
        picks[k + 1] = sorted(rng.choice(rows, size=min(per_class, rows.size), replace=False).tolist())
    return picks


def _sample_strip(source: LabelSource, row: int, images_dir: Path) -> tuple[str, np.ndarray]:
    image_id = str(source.image_ids[row])
    image = read_image(images_dir / image_id)
    rles = source.table.iloc[row][list(table_rle_columns(source.table))].tolist()
    masks = class_masks(rles, image.shape[:2], context=f"image {image_id}")
    present = "+".join(short_label(c, source.names[c - 1]) for c in masks)
    named = any(short_label(c, source.names[c - 1]) != str(c) for c in masks)
    label = ("no defect" if not masks else present if named
             else f"class{'es' if len(masks) > 1 else ''} {present}")
    return f"{image_id}  {label}", draw_contours(image, masks)


def write_eda(result: dict, source: LabelSource, out_dir: str | os.PathLike,
              images_dir: str | os.PathLike | None = None, per_class: int = SAMPLES_PER_CLASS,
              seed: int = 0) -> list[Path]:
    """Write the charts and eda.json into ``out_dir``; return the files written.

    Image charts need an image folder and masks; otherwise they are skipped with a note in ``result``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    presence, names = source.presence, source.names
    plots.class_distribution(stats.images_per_class(presence), out / CHART_FILES["class_distribution"], names)
    plots.labels_per_image(stats.labels_per_image(presence), out / CHART_FILES["labels_per_image"])
    plots.class_combinations(stats.class_combinations(presence), out / CHART_FILES["class_combinations"], names)
    written += [out / CHART_FILES[k] for k in ("class_distribution", "labels_per_image", "class_combinations")]
    if source.areas is not None:
        areas = {k + 1: source.areas[presence[:, k], k] for k in range(source.n_classes)}
        plots.area_histograms(areas, out / CHART_FILES["area_histograms"], names)
        written.append(out / CHART_FILES["area_histograms"])
    if images_dir is None:
        result["notes"].append("no image folder: sample images with mask contours skipped")
    elif not source.has_masks:
        result["notes"].append("no masks (RLE) in the label file: sample images with mask contours skipped")
    else:
        images_dir = Path(images_dir)
        available = {p.name for p in images_dir.iterdir() if p.is_file()}
        for cls, rows in pick_samples(source, available, per_class, seed).items():
            if rows:
                plots.sample_strips([_sample_strip(source, r, images_dir) for r in rows], out / sample_file(cls),
                                    names)
                written.append(out / sample_file(cls))
            else:
                result["notes"].append(f"no image of {names[cls - 1]} in {images_dir}: its sample chart skipped")
    result["charts"] = [p.name for p in written]
    with atomic_write(out / EDA_JSON) as tmp:
        tmp.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return written + [out / EDA_JSON]

