"""The grey-level shape of real steel and its bright splashes, measured on steel without its margin
(pure functions of arrays).

- grey shape: real steel is skewed bright. In spreads from its median, the tune part's clean strips
  reach -2.1 at the 0.1% quantile but +3.9 at the 99.9% one, where a Gaussian field is symmetric
  (+-3.1). ``grey_quantiles`` measures it, ``field.render_texture`` maps each drawn texture onto it;
- splashes: small near-white specks (marker paint, scale, reflections), connected pixels at least
  SPLASH_ABOVE grey levels above the strip's median and at least SPLASH_MIN_GREY, of SPLASH_MIN_AREA
  pixels or more. They lie on clean and defective real strips alike; ``synth.splashes`` paints them.
"""

from __future__ import annotations

import cv2
import numpy as np

from steeldefect.artifacts.look_file import Splashes

GREY_PROBABILITIES = (0.0001, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9,
                      0.95, 0.975, 0.99, 0.995, 0.999, 0.9999)
SPLASH_PROBABILITIES = (0.1, 0.25, 0.5, 0.75, 0.9)
SPLASH_ABOVE = 80.0
SPLASH_MIN_GREY = 200.0
SPLASH_MIN_AREA = 30
SPLASH_RIM = 2  # pixels around a speck left out of the grey shape with it (its blurred edge)


def grey_quantiles(steel: np.ndarray, leave_out: np.ndarray | None = None) -> np.ndarray:
    """Quantiles of ``steel`` at GREY_PROBABILITIES, in spreads from its median; pixels where ``leave_out``
    is true are not counted."""
    values = steel if leave_out is None or leave_out.all() else steel[~leave_out]
    q = np.quantile(values, GREY_PROBABILITIES)
    return (q - np.median(values)) / max(float(values.std()), 1e-6)


def _specks(steel: np.ndarray) -> tuple[np.ndarray, np.ndarray, list[int], np.ndarray]:
    """(labels, stats, the labels of the splash specks, centres) of the bright components of ``steel``."""
    median = float(np.median(steel))
    bright = (steel >= max(SPLASH_MIN_GREY, median + SPLASH_ABOVE)).astype(np.uint8)
    count, labels, stats, centres = cv2.connectedComponentsWithStats(bright, connectivity=8)
    keep = [k for k in range(1, count) if stats[k, cv2.CC_STAT_AREA] >= SPLASH_MIN_AREA]
    return labels, stats, keep, centres


def splash_specks(steel: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(areas, mean grey above the median, centre columns) of the splash specks of ``steel``."""
    labels, stats, keep, centres = _specks(steel)
    median = float(np.median(steel))
    above = np.array([steel[labels == k].mean() - median for k in keep])
    return stats[keep, cv2.CC_STAT_AREA].astype(np.float64), above, centres[keep, 0]


def splash_pixels(steel: np.ndarray) -> np.ndarray:
    """Boolean (H, W): the splash specks of ``steel`` and a SPLASH_RIM-pixel rim around them."""
    labels, _, keep, _ = _specks(steel)
    specks = np.isin(labels, keep).astype(np.uint8)
    size = 2 * SPLASH_RIM + 1
    return cv2.dilate(specks, np.ones((size, size), np.uint8)).astype(bool)


def fit_grey(steels: list[np.ndarray]) -> tuple[float, ...]:
    """The median over strips of their ``grey_quantiles`` without their splashes: those are painted
    separately (``synth.splashes``), so counting them here would draw them twice."""
    return tuple(float(v) for v in np.median([grey_quantiles(s, splash_pixels(s)) for s in steels], axis=0))


def fit_splashes(steels: list[np.ndarray]) -> Splashes | None:
    """How often strips carry splashes and, at SPLASH_PROBABILITIES, the quantiles of the specks per strip
    with splashes, their areas and brightness above the median, and the columns between a strip's first
    and last speck; None when no strip has one."""
    measured = [splash_specks(s) for s in steels]
    with_splashes = [m for m in measured if len(m[0])]
    if not with_splashes:
        return None

    def quantiles(values) -> tuple[float, ...]:
        return tuple(float(v) for v in np.quantile(np.asarray(values, np.float64), SPLASH_PROBABILITIES))

    return Splashes(probability=len(with_splashes) / len(steels), probabilities=SPLASH_PROBABILITIES,
                    counts=quantiles([len(a) for a, _, _ in with_splashes]),
                    areas=quantiles(np.concatenate([a for a, _, _ in with_splashes])),
                    above=quantiles(np.concatenate([b for _, b, _ in with_splashes])),
                    spreads=quantiles([np.ptp(x) for _, _, x in with_splashes]))
