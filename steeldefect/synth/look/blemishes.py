"""Blemishes: the coarse pits, dents, short dark dashes and stains of clean steel (pure functions of arrays).

Seen at a gate's resolution, real clean steel is heavy-tailed: besides its grain it carries sparse marks
a few pixels across (the tune part's clean strips: about 70 a strip of 20 pixels or more, heights 5-37
and widths 4-32 pixels between their 10% and 90% quantiles, four in ten dark). A Gaussian grain has
none, so a model trained on it learns "sparse coarse marks = defect". Here they are

- measured: the coarse band of a strip (a Gaussian blur of BAND[0] pixels minus one of BAND[1]) beyond
  BLEMISH_SIGMA robust spreads, connected components of MIN_AREA pixels or more: per strip their
  number per million pixels, and each one's box height and width and signed peak (grey levels);
- fitted: quantiles of those over the strips (``fit_blemishes``);
- drawn: Gaussian spots whose extents and band peaks come from the quantiles (``draw_blemishes``);
  ``calibrate`` then scales the quantiles until drawn strips measure like the real ones.
"""

from __future__ import annotations

import cv2
import numpy as np

from steeldefect.artifacts.look_file import Blemishes
from steeldefect.synth.look.measure import signed_peaks

BAND = (1.5, 8.0)  # pixels: the Gaussian blurs whose difference is the coarse band
BLEMISH_SIGMA = 4.0  # coarse-band pixels beyond this many robust spreads belong to blemishes
MIN_AREA = 20  # pixels: smaller components are grain and flecks (``measure.flecks``)
BORDER = 8  # pixels at each edge of a strip left out (the blurs reach over it)
BLEMISH_PROBABILITIES = tuple(float(p) for p in np.linspace(0.05, 0.95, 19))
EXTENT = 2.1  # a spot's measured extent over its coarse-band spread (sqrt(sigma^2 + BAND[0]^2))
MIN_SPOT_SIGMA = 0.5  # pixels


def coarse_band(steel: np.ndarray) -> np.ndarray:
    """The coarse band of ``steel`` (float32), its BORDER-pixel edges cut off."""
    grey = np.asarray(steel, np.float32)
    band = cv2.GaussianBlur(grey, (0, 0), BAND[0]) - cv2.GaussianBlur(grey, (0, 0), BAND[1])
    return band[BORDER:-BORDER, BORDER:-BORDER]


def measure_blemishes(steel: np.ndarray) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
    """(blemishes per million pixels, their heights, widths and signed peaks in grey levels) of a strip."""
    band = coarse_band(steel)
    spread = max(1.4826 * float(np.median(np.abs(band - np.median(band)))), 1e-6)
    mask = (np.abs(band) > BLEMISH_SIGMA * spread).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    keep = np.flatnonzero(stats[1:, cv2.CC_STAT_AREA] >= MIN_AREA) + 1
    peaks = signed_peaks(band, labels, count)[keep - 1] if count > 1 else np.zeros(0)
    heights = stats[keep, cv2.CC_STAT_HEIGHT].astype(np.float64)
    widths = stats[keep, cv2.CC_STAT_WIDTH].astype(np.float64)
    return 1e6 * len(keep) / band.size, heights, widths, np.asarray(peaks, np.float64)


def fit_blemishes(steels: list[np.ndarray]) -> Blemishes | None:
    """Quantiles at BLEMISH_PROBABILITIES of the strips' blemish rates and of all their blemishes' heights,
    widths and peaks; None when no strip has one."""
    measured = [measure_blemishes(s) for s in steels]
    if not any(len(h) for _, h, _, _ in measured):
        return None

    def quantiles(values) -> tuple[float, ...]:
        return tuple(float(v) for v in np.quantile(np.asarray(values, np.float64), BLEMISH_PROBABILITIES))

    return Blemishes(probabilities=BLEMISH_PROBABILITIES, rates=quantiles([m[0] for m in measured]),
                     heights=quantiles(np.concatenate([m[1] for m in measured])),
                     widths=quantiles(np.concatenate([m[2] for m in measured])),
                     peaks=quantiles(np.concatenate([m[3] for m in measured])))


def spot_sigma(extent: np.ndarray) -> np.ndarray:
    """The sigma of a Gaussian spot that measures ``extent`` pixels across in the coarse band."""
    return np.sqrt(np.maximum((np.asarray(extent, np.float64) / EXTENT) ** 2 - BAND[0] ** 2, MIN_SPOT_SIGMA ** 2))


def band_response(sigma_y: np.ndarray, sigma_x: np.ndarray) -> np.ndarray:
    """The coarse band's peak over the height of a Gaussian spot of these sigmas (a blur of a Gaussian is
    a wider Gaussian of the same volume)."""
    def kept(blur: float) -> np.ndarray:
        return sigma_y * sigma_x / np.sqrt((sigma_y ** 2 + blur ** 2) * (sigma_x ** 2 + blur ** 2))
    return kept(BAND[0]) - kept(BAND[1])


def draw_blemishes(rng: np.random.Generator, blemishes: Blemishes | None, shape: tuple[int, int]) -> np.ndarray:
    """Blemishes of one strip in grey levels, float32 (H, W): a rate drawn from the fitted rates, that many
    spots per million pixels (Poisson), each with a height, width and peak drawn from the quantiles; zeros
    without blemishes."""
    out = np.zeros(shape, np.float32)
    if blemishes is None:
        return out
    probabilities = np.asarray(blemishes.probabilities)

    def draw(quantiles: tuple[float, ...], size: int | None = None):
        return np.interp(rng.uniform(probabilities[0], probabilities[-1], size), probabilities, quantiles)

    count = rng.poisson(max(float(draw(blemishes.rates)), 0.0) * shape[0] * shape[1] / 1e6)
    sigma_y, sigma_x = spot_sigma(draw(blemishes.heights, count)), spot_sigma(draw(blemishes.widths, count))
    amplitudes = draw(blemishes.peaks, count) / band_response(sigma_y, sigma_x)
    centres = rng.random((count, 2)) * shape
    for (cy, cx), sy, sx, amplitude in zip(centres, sigma_y, sigma_x, amplitudes):
        _stamp(out, cy, cx, sy, sx, float(amplitude))
    return out


def _stamp(out: np.ndarray, cy: float, cx: float, sy: float, sx: float, amplitude: float) -> None:
    """Add a Gaussian spot of ``amplitude`` centred at (cy, cx) to ``out``, cut off at 3 sigmas."""
    y0, y1 = max(int(cy - 3 * sy), 0), min(int(cy + 3 * sy) + 2, out.shape[0])
    x0, x1 = max(int(cx - 3 * sx), 0), min(int(cx + 3 * sx) + 2, out.shape[1])
    if y0 >= y1 or x0 >= x1:
        return
    gy = np.exp(-0.5 * ((np.arange(y0, y1) - cy) / sy) ** 2)
    gx = np.exp(-0.5 * ((np.arange(x0, x1) - cx) / sx) ** 2)
    out[y0:y1, x0:x1] += (amplitude * np.outer(gy, gx)).astype(np.float32)


def blemish_medians(strips: list[np.ndarray]) -> np.ndarray:
    """(rate, height, width, dark peak, bright peak): the median over ``strips`` of their blemish rates and
    over all their blemishes of the rest (the peaks' magnitudes; 0 where there is none)."""
    measured = [measure_blemishes(s) for s in strips]
    peaks = np.concatenate([m[3] for m in measured])

    def median(values: np.ndarray) -> float:
        return float(np.median(values)) if len(values) else 0.0

    return np.array([median(np.array([m[0] for m in measured])), median(np.concatenate([m[1] for m in measured])),
                     median(np.concatenate([m[2] for m in measured])), median(-peaks[peaks < 0]),
                     median(peaks[peaks > 0])])


def scale_blemishes(blemishes: Blemishes, gains: np.ndarray) -> Blemishes:
    """``blemishes`` with its rates, heights, widths, dark peaks and bright peaks times ``gains`` (in that
    order, each > 0: the quantiles keep their order)."""
    rate, height, width, dark, bright = (float(g) for g in gains)
    peaks = np.asarray(blemishes.peaks)
    return Blemishes(blemishes.probabilities, tuple(float(v) * rate for v in blemishes.rates),
                     tuple(float(v) * height for v in blemishes.heights),
                     tuple(float(v) * width for v in blemishes.widths),
                     tuple(float(v) for v in np.where(peaks < 0, dark * peaks, bright * peaks)))
