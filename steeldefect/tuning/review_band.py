"""The review band: the classifier probabilities a person should look at, proposed from the OOF predictions.

An image whose defect probability (``gating.image_probability``) lies in [lo, hi] is flagged for review
(its masks are still written). Outside the band nobody looks: below ``lo`` the classifier calls the
image clean, above ``hi`` defective, and the masks stand as post-processing made them. The band is the narrowest one that leaves at most
``max_missed`` defective OOF images below ``lo`` and at most ``max_false_alarms`` clean ones above
``hi``; when those two bounds cross, no image needs a person and the band is empty.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from steeldefect.errors import SteelDefectError
from steeldefect.postprocess.gating import image_probability


@dataclass(frozen=True)
class ReviewBand:
    """A proposed band and what it does on the OOF images."""

    lo: float
    hi: float
    max_missed: int  # the target: defective images allowed below lo
    max_false_alarms: int  # the target: clean images allowed above hi
    n_images: int
    flagged: int  # images inside [lo, hi]
    missed: int  # defective images below lo
    false_alarms: int  # clean images above hi

    @property
    def empty(self) -> bool:
        return self.lo > self.hi

    @property
    def flagged_share(self) -> float:
        return self.flagged / self.n_images if self.n_images else 0.0

    def printable(self, digits: int = 4) -> tuple[float, float]:
        """(lo, hi) rounded outward to ``digits`` decimals: typed back into ``predict --review-band`` the
        band still holds every image it held (a rounded-in bound would drop a boundary image)."""
        scale = 10 ** digits
        return math.floor(self.lo * scale) / scale, math.ceil(self.hi * scale) / scale

    def to_dict(self) -> dict:
        return {**asdict(self), "empty": self.empty, "flagged_share": round(self.flagged_share, 6)}


def propose_review_band(cls_probs: np.ndarray, defective: np.ndarray, max_missed: int = 1,
                        max_false_alarms: int = 1) -> ReviewBand:
    """The narrowest band meeting both targets. ``cls_probs``: (N,) or (N, 4); ``defective``: bool (N,)."""
    if max_missed < 0 or max_false_alarms < 0:
        raise SteelDefectError("the review targets (missed defective images, false alarms) must be >= 0")
    p = image_probability(cls_probs)
    defective = np.asarray(defective, bool)
    if p.shape != defective.shape:
        raise SteelDefectError(f"{len(p)} classifier probabilities for {len(defective)} images")
    on_defects = np.sort(p[defective])
    on_clean = np.sort(p[~defective])[::-1]
    # lo: the (K+1)-th smallest defect probability; at most K defective images lie strictly below it
    lo = float(on_defects[max_missed]) if len(on_defects) > max_missed else 1.0
    # hi: the (K'+1)-th largest clean probability; at most K' clean images lie strictly above it
    hi = float(on_clean[max_false_alarms]) if len(on_clean) > max_false_alarms else 0.0
    return measure_review_band(p, defective, lo, hi, max_missed, max_false_alarms)


def measure_review_band(cls_probs: np.ndarray, defective: np.ndarray, lo: float, hi: float, max_missed: int,
                        max_false_alarms: int) -> ReviewBand:
    """What the band [lo, hi] does on these images: flagged, missed and false alarms counted."""
    p = image_probability(cls_probs)
    defective = np.asarray(defective, bool)
    return ReviewBand(float(lo), float(hi), int(max_missed), int(max_false_alarms), len(p),
                      flagged=int(((p >= lo) & (p <= hi)).sum()), missed=int((defective & (p < lo)).sum()),
                      false_alarms=int((~defective & (p > hi)).sum()))
