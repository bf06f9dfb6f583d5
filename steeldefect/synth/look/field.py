"""Draw clean steel from a Look: the light profile and two Gaussian random fields with the fitted power
spectrum, the high one modulated into calm and rough places and sprinkled with flecks, at the levels
of one fitted strip, mapped onto the fitted grey shape.

Pure: a random generator and a look in, a float32 (H, W) grey texture out. The spectra are
interpolated once per (look, size) and cached.
"""

from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np

from steeldefect.artifacts.look_file import Look
from steeldefect.synth.look.spectrum import interpolate_grid, radius

LEVEL_JITTER = 0.08  # log-sigma of the random change of a bank row's spreads, so no strip repeats one
MODULATION_SIGMA = 3.0  # pixels: the size of the calm and rough places of the grain
MIN_FIELD_SHARE = 0.1  # the field keeps at least this share of the high band's variance beside the flecks
CANVAS = 1.5  # fields are drawn this much larger and cropped: a drawn field wraps around, real strips do not


@lru_cache(maxsize=8)
def _amplitudes(look: Look, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """(low-band, high-band) amplitude per rfft2 sample of ``shape``: sqrt of the fitted power."""
    log_psd = interpolate_grid(np.array(look.log_psd), np.array(look.fy), np.array(look.fx), shape)
    amplitude = np.exp(0.5 * log_psd)
    amplitude[0, 0] = 0.0  # the mean comes from the bank
    low = radius(shape) < look.low_cutoff
    return (amplitude * low).astype(np.float32), (amplitude * ~low).astype(np.float32)


def canvas(shape: tuple[int, int]) -> tuple[int, int]:
    return int(round(shape[0] * CANVAS)), int(round(shape[1] * CANVAS))


def _field(rng: np.random.Generator, amplitude: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """A zero-mean, unit-spread Gaussian random field of ``shape`` with the given spectral amplitude (given on
    the rfft2 grid of ``canvas(shape)``), cut from the larger canvas so it does not wrap around."""
    noise = rng.standard_normal((2, *amplitude.shape), dtype=np.float32)
    field = np.fft.irfft2((noise[0] + 1j * noise[1]) * amplitude, s=canvas(shape))[:shape[0], :shape[1]]
    field -= field.mean()  # the strip's mean grey comes from the bank alone
    return (field / (field.std() + 1e-12)).astype(np.float32)


def modulate(rng: np.random.Generator, field: np.ndarray, strength: float) -> np.ndarray:
    """``field`` times a smooth log-normal field of log-sigma ``strength``, back to unit spread: calm
    places and rough places, with the spectrum's shape kept."""
    if strength <= 0:
        return field
    smooth = cv2.GaussianBlur(rng.standard_normal(field.shape, dtype=np.float32), (0, 0), MODULATION_SIGMA)
    out = field * np.exp(strength * smooth / (smooth.std() + 1e-12))
    return (out / (out.std() + 1e-12)).astype(np.float32)


def stretch_field(field: np.ndarray, stretch: float) -> np.ndarray:
    """``field`` with its streaks stretched along the strip's height by a ``stretch``-pixel blur (along its
    width for a negative stretch; ``anisotropy``); unchanged at 0. Only the field's part beside its
    column means is blurred and brought back to its spread: the column means (the column streaks the
    calibration fitted) stay as they are."""
    if stretch == 0:
        return field
    columns = field.mean(axis=0, keepdims=True)
    rest = field - columns
    kernel = cv2.getGaussianKernel(2 * int(np.ceil(3 * abs(stretch))) + 1, abs(stretch))
    one = np.ones((1, 1))
    across, down = (one, kernel) if stretch > 0 else (kernel, one)
    out = cv2.sepFilter2D(rest, -1, across, down, borderType=cv2.BORDER_REFLECT)
    return (out * (float(rest.std()) / (float(out.std()) + 1e-12)) + columns).astype(np.float32)


def draw_grain(rng: np.random.Generator, look: Look, shape: tuple[int, int], fleck_rate: float,
               stretch: float = 0.0) -> np.ndarray:
    """The high band in units of its spread: the field, stretched (``stretch_field``) and modulated, plus the
    flecks, the field turned down so that both together have unit spread (the spread a fit measures
    includes the flecks)."""
    _, high_amp = _amplitudes(look, canvas(shape))
    field = modulate(rng, stretch_field(_field(rng, high_amp, shape), stretch), look.grain_modulation)
    specks = draw_flecks(rng, look, shape, fleck_rate)
    return (float(np.sqrt(max(1.0 - float(specks.var()), MIN_FIELD_SHARE))) * field + specks).astype(np.float32)


def profile_rows(knots: np.ndarray, height: int) -> np.ndarray:
    """The knots of a row profile (evenly spaced, top to bottom) at every row of a strip ``height`` rows high."""
    return np.interp(np.linspace(0, 1, height), np.linspace(0, 1, len(knots)), knots)


def render_texture(rng: np.random.Generator, look: Look, shape: tuple[int, int], roughness: float = 1.0,
                   stretch: float = 0.0) -> np.ndarray:
    """Clean steel texture (H, W) float32 grey levels, unclipped, at the levels of one random bank row, the
    high band's spread times ``roughness`` (``roughness.roughness_factor``: steel with defects is rougher),
    its field stretched by ``stretch`` (``anisotropy.image_stretch``: clean steel is streaked)."""
    mean, low_std, high_std, weight, fleck_rate = look.bank[int(rng.integers(len(look.bank)))]
    low_std, high_std = (s * float(np.exp(rng.normal(0, LEVEL_JITTER))) for s in (low_std, high_std))
    high_std *= roughness
    low = _field(rng, _amplitudes(look, canvas(shape))[0], shape)
    profile = weight * profile_rows(np.array(look.row_profile), shape[0]).astype(np.float32)[:, None]
    texture = mean + profile + low_std * low + high_std * draw_grain(rng, look, shape, fleck_rate, stretch)
    return shape_greys(texture, look)


def shape_greys(texture: np.ndarray, look: Look) -> np.ndarray:
    """``texture`` mapped monotonically onto the look's grey shape (``marks.grey_quantiles``), its mean and
    spread kept (the bank's levels): real steel is skewed bright; a Gaussian field is not. Unchanged
    without a shape."""
    if not look.grey_quantiles:
        return texture
    sample = texture[::2, ::2]
    own = np.quantile(sample, look.grey_probabilities)
    shaped = extrapolated_interp(texture, own, float(sample.std()) * np.asarray(look.grey_quantiles))
    return (shaped + (float(sample.mean()) - float(shaped[::2, ::2].mean()))).astype(np.float32)


def extrapolated_interp(x: np.ndarray, xp: np.ndarray, fp: np.ndarray) -> np.ndarray:
    """``np.interp`` continued beyond the end knots along the end segments' slopes (``np.interp`` holds the
    end values flat: the tips of the strongest flecks would all end at one grey)."""
    out = np.interp(x, xp, fp)
    for end, inner, beyond in ((0, 1, x < xp[0]), (-1, -2, x > xp[-1])):
        run = float(xp[end] - xp[inner])
        slope = float(fp[end] - fp[inner]) / run if run else 1.0
        out = np.where(beyond, fp[end] + slope * (x - xp[end]), out)
    return out


def draw_flecks(rng: np.random.Generator, look: Look, shape: tuple[int, int], rate: float) -> np.ndarray:
    """Sparse sharp specks and short scratches, (H, W) float32 in units of the high-band spread: a
    Poisson number at ``rate`` per million pixels, lengths and peaks from the look's quantiles."""
    out = np.zeros(shape, np.float32)
    count = rng.poisson(rate * shape[0] * shape[1] / 1e6)
    if not count:
        return out
    probs = np.array(look.fleck_probabilities)
    lengths = np.interp(rng.random(count), probs, np.array(look.fleck_lengths))
    peaks = np.interp(rng.random(count), probs, np.array(look.fleck_peaks))
    angles = rng.uniform(0, np.pi, count)
    starts = rng.random((count, 2)) * (shape[1], shape[0])
    for (x, y), length, angle, peak in zip(starts, lengths, angles, peaks):
        reach = max(length - 1, 0) / 2
        dx, dy = reach * np.cos(angle), reach * np.sin(angle)
        cv2.line(out, (int(x - dx), int(y - dy)), (int(x + dx), int(y + dy)), float(peak), 1)
    return out
