"""Pseudo-labels: the test images the ensemble is sure of, with its masks as their labels.

An image is kept as **clean** when the classifier's defect probability is at most ``clean_below`` and
the segmenters, run on it ungated, leave no mask after post-processing; as **defective** when the
probability is at least ``defect_above`` and at least one mask survives (its masks are the labels).
Everything in between is left out. Pure functions over the per-image table and the submission of
``predict`` (the command runs that prediction with the gates opened, so every image is segmented).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from steeldefect.artifacts.prediction_table import classifier_probs, has_mask
from steeldefect.constants import IMAGE_SHAPE
from steeldefect.data.labels import label_presence, table_rle_columns
from steeldefect.data.rle import rle_decode_many
from steeldefect.errors import SteelDefectError
from steeldefect.metric.dice import dice_score
from steeldefect.postprocess.gating import image_probability


@dataclass(frozen=True)
class PseudoRule:
    clean_below: float = 0.05  # defect probability at or below which a mask-free image is kept clean
    defect_above: float = 0.95  # defect probability at or above which an image with masks is kept

    def validate(self) -> None:
        if not 0.0 <= self.clean_below < self.defect_above <= 1.0:
            raise SteelDefectError(f"need 0 <= --clean-below < --defect-above <= 1, got {self.clean_below:g} "
                                   f"and {self.defect_above:g}")


def defect_probability(per_image: pd.DataFrame) -> np.ndarray:
    """(N,) the classifier's defect probability from predict's per-image table."""
    probs = classifier_probs(per_image)
    if probs is None:
        raise SteelDefectError("pseudo labels need the classifiers' probabilities; the prediction had no classifier")
    return probs if probs.ndim == 1 else image_probability(probs)


def choose_pseudo(per_image: pd.DataFrame, masks: pd.DataFrame, rule: PseudoRule) -> tuple[pd.DataFrame, dict]:
    """The kept images as a label table (ImageId + rle_1..K) and the counts of kept and left images.

    ``per_image``: predict's per-image table (ImageId, cls_prob..., area_1..K); ``masks``: its submission
    as a label table (ImageId + rle_1..K).
    """
    rule.validate()
    columns = list(table_rle_columns(masks))
    table = per_image.merge(masks[["ImageId", *columns]], on="ImageId", how="left", validate="one_to_one")
    p = defect_probability(table)
    masked = has_mask(table)
    clean = (p <= rule.clean_below) & ~masked
    defect = (p >= rule.defect_above) & masked
    kept = table.loc[clean | defect, ["ImageId", *columns]].fillna("").reset_index(drop=True)  # clean: no mask
    counts = {"images": int(len(table)), "clean": int(clean.sum()), "defective": int(defect.sum()),
              "left_out": int(len(table) - clean.sum() - defect.sum())}
    return kept, counts


def pseudo_precision(kept: pd.DataFrame, truth: pd.DataFrame, shapes: dict | None = None) -> dict:
    """How right the pseudo labels are against a hidden truth (synthetic test labels): the share of kept
    clean images that are clean, of kept defective images that are defective, and the mean Dice of all
    kept (image, class) pairs, as the competition scores them. ``shapes``: each image's (H, W)
    (default 256x1600)."""
    truth = truth.set_index("ImageId").loc[kept["ImageId"]].reset_index()
    said = label_presence(kept).any(axis=1)
    real = label_presence(truth).any(axis=1)
    dice = []
    for (_, k), (_, t) in zip(kept.iterrows(), truth.iterrows()):
        shape = (shapes or {}).get(k["ImageId"], IMAGE_SHAPE)
        pred = rle_decode_many([k[c] for c in table_rle_columns(kept)], shape)  # (K, h, w), 3.4x the stacks
        true = rle_decode_many([t[c] for c in table_rle_columns(truth)], shape)
        dice.append(dice_score(true[None], pred[None])[0])
    n_clean, n_defect = int((~said).sum()), int(said.sum())
    return {"clean_precision": float((~real[~said]).mean()) if n_clean else None,
            "defect_precision": float(real[said].mean()) if n_defect else None,
            "mean_dice": float(np.mean(dice)) if dice else None, "kept": int(len(kept))}
