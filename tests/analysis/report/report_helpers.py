"""Direct computations the report's numbers are checked against: the runs' oof.npz read plainly."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from steeldefect.constants import NUM_CLASSES
from steeldefect.postprocess.masks import area_scale, postprocess_class
from steeldefect.tuning.histograms import truth_masks
from steeldefect.artifacts.oof import OOF_FILE

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def load_oof(runs: Path, kind: str) -> tuple[list[str], np.ndarray]:
    """All folds of the one backbone of ``kind``: image ids and probs, concatenated."""
    ids, probs = [], []
    for path in sorted((runs / kind).glob(f"*/fold*/{OOF_FILE}")):
        with np.load(path) as data:
            ids += [str(i) for i in data["image_ids"]]
            probs.append(data["probs"])
    return ids, np.concatenate(probs)


def direct_oof_dice(runs: Path, labels, thresholds, use_gate: bool = True) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Per image and class Dice of the OOF masks, post-processed one image at a time; and the truth."""
    ids, q = load_oof(runs, "segmenter")
    truth = truth_masks(labels, ids, q.shape[1:3])
    probs = None
    if use_gate and (runs / "classifier").is_dir():
        cls_ids, cls = load_oof(runs, "classifier")
        probs = dict(zip(cls_ids, cls))
    scale = area_scale(q.shape[1:3])
    dice = np.zeros((len(ids), NUM_CLASSES))
    for i, image_id in enumerate(ids):
        for c, th in enumerate(thresholds.classes):
            mask = postprocess_class(q[i, :, :, c], th.level, 0, th.min_component, scale)  # drawn
            survival = mask.sum() if th.survival_threshold is None else (q[i, :, :, c] >= th.survival_level).sum()
            factor = 1.0
            if probs is not None and probs[image_id] < th.gate:
                factor = np.inf if th.gate_area_factor is None else th.gate_area_factor
            if not (np.isfinite(factor) and survival * scale >= th.min_area * factor):
                mask[:] = False
            t = truth[i, :, :, c]
            total = t.sum() + mask.sum()
            dice[i, c] = 1.0 if total == 0 else 2.0 * (t & mask).sum() / total
    return ids, dice, truth


def is_png(path: Path) -> bool:
    data = path.read_bytes()
    return len(data) > 1000 and data[:8] == PNG_MAGIC
