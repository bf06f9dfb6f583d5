"""What is measured on one real strip (pure functions of arrays): its margin and steel, its low and high
band, its binned power spectrum, its row profile, its flecks and its roughness.

The texture is split at ``LOW_CUTOFF`` cycles per pixel into a low band (light, stains, broad
streaks) and a high band (grain, sparkle, fine streaks, row-to-row banding). A black margin at
either end of a strip is cut off with a rim of ``RIM`` pixels before anything else is measured.
"""

from __future__ import annotations

import cv2
import numpy as np

from steeldefect.synth.look.spectrum import binned_mean, frequencies, nearest_centre, radius

MARGIN_GREY = 20.0  # a column whose mean is darker than this, at an end of the strip, is margin
RIM = 8  # pixels of the bright steel edge cut off beside a margin
MIN_STEEL = 256  # strips with fewer steel columns are skipped
LOW_CUTOFF = 1.0 / 16  # cycles per pixel: wavelengths above 16 px are the low band
FY_CENTRES = np.concatenate([[0.0], np.geomspace(1 / 256, 0.5, 20)])
FX_CENTRES = np.concatenate([[0.0], np.geomspace(1 / 1600, 0.5, 28)])
PROFILE_KNOTS = 33  # heights at which the shared row profile is kept
FLECK_SIGMA = 5.0  # high-band pixels beyond this many spreads belong to flecks
FLECK_PROBABILITIES = np.linspace(0.025, 0.975, 39)  # where the flecks' lengths and peaks are taken


def margin(grey: np.ndarray) -> tuple[str | None, int]:
    """('left' | 'right' | None, width in pixels) of the black margin of a grey strip."""
    dark = grey.mean(axis=0) < MARGIN_GREY
    if dark[0]:
        return "left", int(np.argmin(dark)) if not dark.all() else grey.shape[1]
    if dark[-1]:
        return "right", int(np.argmin(dark[::-1])) if not dark.all() else grey.shape[1]
    return None, 0


def steel(grey: np.ndarray) -> np.ndarray | None:
    """The strip without its black margin and rim; None when too little steel is left."""
    side, width = margin(grey)
    x0, x1 = 0, grey.shape[1]
    if side == "left":
        x0 = width + RIM
    elif side == "right":
        x1 = grey.shape[1] - width - RIM
    return grey[:, x0:x1] if x1 - x0 >= MIN_STEEL else None


def split_bands(grey: np.ndarray, cutoff: float = LOW_CUTOFF) -> tuple[np.ndarray, np.ndarray]:
    """(low band, high band) of a grey image minus its mean; mirrored first, so no edge leaks in."""
    h, w = grey.shape
    mirrored = np.block([[grey, grey[:, ::-1]], [grey[::-1], grey[::-1, ::-1]]]).astype(np.float64)
    mirrored -= mirrored.mean()
    spectrum = np.fft.rfft2(mirrored)
    low = np.fft.irfft2(spectrum * (radius(mirrored.shape) < cutoff), s=mirrored.shape)[:h, :w]
    return low, mirrored[:h, :w] - low


def binned_log_power(grey: np.ndarray, fy_centres: np.ndarray = FY_CENTRES,
                     fx_centres: np.ndarray = FX_CENTRES) -> np.ndarray:
    """log of the mean power per (fy, fx) centre, Hann-windowed, divided by the strip's variance."""
    h, w = grey.shape
    hy, hx = np.hanning(h), np.hanning(w)
    centred = grey - grey.mean()
    # the zero-frequency column and row come from the mean profiles (row banding, column streaks),
    # windowed along their own axis only; they are taken out before the 2D window, which would
    # otherwise smear their large power into the neighbouring frequencies
    rows, columns = centred.mean(axis=1), centred.mean(axis=0)
    rest = centred - rows[:, None] - columns[None, :]
    power = np.abs(np.fft.rfft2(rest * np.outer(hy, hx))) ** 2 / (h * w * float((hy ** 2).mean() * (hx ** 2).mean()))
    power[:, 0] = w * np.abs(np.fft.fft(rows * hy)) ** 2 / (h * float((hy ** 2).mean()))
    power[0, :] = h * np.abs(np.fft.rfft(columns * hx)) ** 2 / (w * float((hx ** 2).mean()))
    power[0, 0] = 0.0
    power /= max(float(centred.var()), 1e-6)
    fy, fx = frequencies((h, w))
    iy, ix = nearest_centre(fy, fy_centres), nearest_centre(fx, fx_centres)
    flat = iy[:, None] * len(fx_centres) + ix[None, :]
    cells = len(fy_centres) * len(fx_centres)
    mean = binned_mean(flat, power, cells).reshape(len(fy_centres), len(fx_centres))
    return np.log(mean + 1e-12)


def _fill_along_rows(grid: np.ndarray) -> np.ndarray:
    """NaN cells of each row take the row's known values, interpolated (the nearest one beyond them)."""
    out = grid.copy()
    for row in out:
        bad = np.isnan(row)
        if bad.any() and not bad.all():
            row[bad] = np.interp(np.flatnonzero(bad), np.flatnonzero(~bad), row[~bad])
    return out


def fill_empty(grid: np.ndarray) -> np.ndarray:
    """Cells no frequency sample fell in (between the coarse first harmonics of a short axis, or the
    finest centres of a narrow strip) take the values of their neighbours along x, then along y. The
    zero-frequency row and column are filled on their own, so their large power does not leak into
    the other frequencies nor theirs into it; the (0, 0) cell (the mean) is not used."""
    out = grid.copy()
    out[0, 0] = np.nan
    out[1:, 1:] = _fill_along_rows(_fill_along_rows(out[1:, 1:]).T).T
    out[0:1, 1:] = _fill_along_rows(out[0:1, 1:])
    out[1:, 0:1] = _fill_along_rows(out[1:, 0:1].T).T
    out[0, 0] = 0.0
    return np.nan_to_num(out, nan=float(np.nanmin(out[1:, 1:])) if np.isfinite(out[1:, 1:]).any() else 0.0)


def _knots(profile: np.ndarray) -> np.ndarray:
    return np.interp(np.linspace(0, 1, PROFILE_KNOTS), np.linspace(0, 1, len(profile)), profile)


def row_profile(steels: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(unit-RMS median row profile at PROFILE_KNOTS heights, each strip's weight of it)."""
    profiles = np.stack([_knots(s.mean(axis=1) - s.mean()) for s in steels])
    shared = np.median(profiles, axis=0)
    shared /= max(float(np.sqrt((shared ** 2).mean())), 1e-6)
    weights = profiles @ shared / (shared @ shared)
    return shared, weights


def flecks(high: np.ndarray, spread: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(fleck pixel mask, lengths, signed peaks in spreads) of a high band with the given spread."""
    z = high / spread
    mask = (np.abs(z) > FLECK_SIGMA).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if count <= 1:
        return mask.astype(bool), np.zeros(0), np.zeros(0)
    lengths = np.hypot(stats[1:, cv2.CC_STAT_WIDTH], stats[1:, cv2.CC_STAT_HEIGHT]).astype(np.float64)
    flat, ids = z.ravel(), labels.ravel()
    order = np.argsort(ids, kind="stable")
    starts = np.searchsorted(ids[order], np.arange(1, count))
    peaks = np.array([flat[order[a:b]][np.argmax(np.abs(flat[order[a:b]]))]
                      for a, b in zip(starts, [*starts[1:], len(order)])])
    return mask.astype(bool), lengths, peaks


def gradient_magnitude(grey: np.ndarray) -> np.ndarray:
    """Sobel gradient magnitude of a grey array, float32."""
    grey = np.asarray(grey, np.float32)
    return np.hypot(cv2.Sobel(grey, cv2.CV_32F, 1, 0), cv2.Sobel(grey, cv2.CV_32F, 0, 1))


def gradient_ratio(high: np.ndarray) -> float:
    """99th over 50th percentile of the gradient magnitude: how much the grain's roughness varies."""
    p50, p99 = np.percentile(gradient_magnitude(high), (50, 99))
    return float(p99 / max(p50, 1e-6))
