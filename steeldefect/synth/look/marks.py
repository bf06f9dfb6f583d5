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


def grey_quantiles(steel: np.ndarray) -> np.ndarray:
    """Quantiles of ``steel`` at GREY_PROBABILITIES, in spreads from its median."""
    q = np.quantile(steel, GREY_PROBABILITIES)
    return (q - np.median(steel)) / max(float(steel.std()), 1e-6)


def splash_specks(steel: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(areas, mean grey above the median, centre columns) of the splash specks of ``steel``."""
    median = float(np.median(steel))
    bright = (steel >= max(SPLASH_MIN_GREY, median + SPLASH_ABOVE)).astype(np.uint8)
    count, labels, stats, centres = cv2.connectedComponentsWithStats(bright, connectivity=8)
    keep = [k for k in range(1, count) if stats[k, cv2.CC_STAT_AREA] >= SPLASH_MIN_AREA]
    above = np.array([steel[labels == k].mean() - median for k in keep])
    return stats[keep, cv2.CC_STAT_AREA].astype(np.float64), above, centres[keep, 0]


def fit_grey(steels: list[np.ndarray]) -> tuple[float, ...]:
    """The median over strips of their ``grey_quantiles``."""
    return tuple(float(v) for v in np.median([grey_quantiles(s) for s in steels], axis=0))


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
