"""The result of one image: per class a decision, the probability, the area, the RLE and the boxes.

``ImageResult.to_dict()`` is the JSON ``serve`` answers with (README, "Deploy on a line"); the
decision rule is one place: ``review`` for every class of an image whose gate probability lies in the
review band, else ``defect`` when a mask survived post-processing, else ``clean``.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from steeldefect.artifacts.prediction_table import AREA_COLUMNS, HEIGHT, WIDTH
from steeldefect.artifacts.prediction_table import REVIEW as REVIEW_COLUMN
from steeldefect.constants import CLASS_IDS, RLE_COLUMNS
from steeldefect.data.rle import rle_decode
from steeldefect.postprocess.gating import image_probability

DEFECT, CLEAN, REVIEW = "defect", "clean", "review"  # per-class decisions
DIGITS = 6  # probabilities are rounded to this many decimals in the JSON


def boxes_of(rle: str, shape: tuple[int, int]) -> list[dict]:
    """Bounding boxes of a mask's connected components (8-connected), in pixels of ``shape``."""
    if not rle:
        return []

    mask = rle_decode(rle, shape)
    n, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    return [{"x": int(s[cv2.CC_STAT_LEFT]), "y": int(s[cv2.CC_STAT_TOP]), "width": int(s[cv2.CC_STAT_WIDTH]),
             "height": int(s[cv2.CC_STAT_HEIGHT]), "area": int(s[cv2.CC_STAT_AREA])} for s in stats[1:n]]


@dataclass(frozen=True)
class ClassResult:
    """One defect class of one image."""

    class_id: int
    decision: str  # defect, clean or review
    probability: float | None  # the class's largest pixel probability; None when the gate skipped the segmenters
    area: int  # mask pixels at the image's size
    rle: str  # Kaggle's RLE (column-major, 1-based) at the image's size; "" for no mask
    shape: tuple[int, int]  # (H, W) of the image

    def mask(self) -> np.ndarray:
        """uint8 (H, W) 0/1 mask."""
        return rle_decode(self.rle, self.shape)

    def boxes(self) -> list[dict]:
        return boxes_of(self.rle, self.shape)

    def to_dict(self) -> dict:
        probability = None if self.probability is None else round(float(self.probability), DIGITS)
        return {"class_id": self.class_id, "decision": self.decision, "probability": probability,
                "area": self.area, "rle": self.rle, "boxes": self.boxes()}


@dataclass(frozen=True)
class ImageResult:
    """One image: its size, the gate's defect probability, whether a person should look, per class."""

    height: int
    width: int
    gate_probability: float | None  # None without classifiers
    review: bool
    classes: tuple[ClassResult, ...]

    def masks(self) -> np.ndarray:
        """uint8 (H, W, n_classes) masks."""
        return np.stack([c.mask() for c in self.classes], axis=-1)

    @property
    def defective(self) -> bool:
        return any(c.area for c in self.classes)

    def to_dict(self) -> dict:
        gate = None if self.gate_probability is None else round(float(self.gate_probability), DIGITS)
        return {"height": self.height, "width": self.width, "gate_probability": gate, "review": self.review,
                "classes": [c.to_dict() for c in self.classes]}


def gate_probability(gate_row) -> float | None:
    """The image's defect probability from its gate output ((), (1,) or (4,) per-class); None without one."""
    if gate_row is None:
        return None
    return float(image_probability(np.atleast_2d(np.asarray(gate_row, np.float32)))[0])


def image_result(row, gate_probability: float | None, class_probability) -> ImageResult:
    """An ImageResult from one row of the decided table (``ensemble.decide.decide``), the
    image's gate probability and each class's largest pixel probability (NaN: not segmented)."""
    shape = (int(row[HEIGHT]), int(row[WIDTH]))
    review = bool(row[REVIEW_COLUMN])
    classes = []
    for k, c in enumerate(CLASS_IDS):
        area = int(row[AREA_COLUMNS[k]])
        p = float(class_probability[k])
        classes.append(ClassResult(c, REVIEW if review else DEFECT if area else CLEAN, None if np.isnan(p) else p,
                                   area, str(row[RLE_COLUMNS[k]] or ""), shape))
    return ImageResult(shape[0], shape[1], gate_probability, review, tuple(classes))
