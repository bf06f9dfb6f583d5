"""The result of one image: per class (id and name) a decision, the probability, the area, the RLE and
the boxes, at the image's own size; the classes are those of the dataset the models were trained on.

``ImageResult.to_dict()`` is the JSON ``serve`` answers with (README, "Deploy on a line"); the
decision rule is one place: ``review`` for every class of an image whose gate probability lies in the
review band, else ``defect`` when a mask survived post-processing, else ``clean``.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from steeldefect.artifacts.dataset_file import KAGGLE, rle_columns
from steeldefect.artifacts.prediction_table import AREA, HEIGHT, WIDTH, class_columns
from steeldefect.artifacts.prediction_table import REVIEW as REVIEW_COLUMN
from steeldefect.data.rle import rle_decode
from steeldefect.errors import SteelDefectError
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

    class_id: int  # 1..K
    class_name: str  # the dataset's name of the class ("class 1" .. "class 4" for Severstal)
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
        return {"class_id": self.class_id, "class_name": self.class_name, "decision": self.decision,
                "probability": probability, "area": self.area, "rle": self.rle, "boxes": self.boxes()}


@dataclass(frozen=True)
class ImageResult:
    """One image: its size, the gate's defect probability, whether a person should look, per class."""

    height: int
    width: int
    gate_probability: float | None  # None without classifiers
    review: bool
    classes: tuple[ClassResult, ...]  # one per class of the dataset, ids 1..K in order

    def masks(self) -> np.ndarray:
        """uint8 (H, W, K) masks at the image's size."""
        return np.stack([c.mask() for c in self.classes], axis=-1)

    @property
    def defective(self) -> bool:
        return any(c.area for c in self.classes)

    def to_dict(self) -> dict:
        gate = None if self.gate_probability is None else round(float(self.gate_probability), DIGITS)
        return {"height": self.height, "width": self.width, "gate_probability": gate, "review": self.review,
                "classes": [c.to_dict() for c in self.classes]}


def gate_probability(gate_row) -> float | None:
    """The image's defect probability from its gate output ((), (1,) or (K,) per-class); None without one."""
    if gate_row is None:
        return None
    return float(image_probability(np.atleast_2d(np.asarray(gate_row, np.float32)))[0])


def image_result(row, gate_probability: float | None, class_probability,
                 class_names: tuple[str, ...] = KAGGLE.class_names) -> ImageResult:
    """An ImageResult from one row of the decided table (``ensemble.decide.decide``), the
    image's gate probability and each class's largest pixel probability (K,) (NaN: not segmented);
    ``class_names`` name the K classes in id order (default Severstal's four)."""
    n_classes = len(class_names)
    if len(class_probability) != n_classes:
        raise SteelDefectError(f"the models predict {len(class_probability)} classes but the dataset names "
                               f"{n_classes} ({', '.join(class_names)}); export or tune these runs again")
    shape = (int(row[HEIGHT]), int(row[WIDTH]))
    review = bool(row[REVIEW_COLUMN])
    classes = []
    for k, (area_col, rle_col) in enumerate(zip(class_columns(AREA, n_classes), rle_columns(n_classes))):
        area = int(row[area_col])
        p = float(class_probability[k])
        classes.append(ClassResult(k + 1, class_names[k], REVIEW if review else DEFECT if area else CLEAN,
                                   None if np.isnan(p) else p, area, str(row[rle_col] or ""), shape))
    return ImageResult(shape[0], shape[1], gate_probability, review, tuple(classes))
