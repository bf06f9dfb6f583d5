"""look.json: the look of clean steel strips, fitted on real strips by ``steeldefect synth-look``.

::

    {"format_version": 1, "fitted_on": "86 strips of ../shared/real/strips (tune part)",
     "fy": [0, 0.0039, ...], "fx": [0, 0.000625, ...],      # frequency centres, cycles per pixel
     "log_psd": [[...], ...],                                # natural log of the power, len(fy) x len(fx)
     "low_cutoff": 0.0625,                                   # radius splitting the low and the high band
     "grain_modulation": 0.7,                                # log-spread of the high band's local strength
     "row_profile": [...],                                   # the shared brightness profile down the strip
     "fleck_probabilities": [...], "fleck_lengths": [...], "fleck_peaks": [...],  # sparse sharp flecks
     "bank": [[mean, low_std, high_std, profile, flecks], ...],  # one row per fitted strip
     "margin_probability": 0.4, "margin_widths": [...],      # strips ending inside the frame
     "jpeg_quality": 90,
     "class_margins": [{"class": 2, "probability": 0.83, "widths": [...]}, ...],  # optional: by class (0: clean)
     "grey_probabilities": [...], "grey_quantiles": [...],   # optional: grey shape, spreads from the median
     "splashes": {"probability": 0.25, "probabilities": [...], "counts": [...], "areas": [...],
                  "above": [...], "spreads": [...]},         # optional: bright specks (synth.look.marks)
     "class_roughness": [{"class": 3, "factor": 1.27}, ...],  # optional: grain spread by class (0: clean)
     "class_stretch": [{"class": 0, "ratio": 2.06, "stretch": 1.1}, ...],  # optional: grain direction by class
     "margin_edge": {"offsets": [-8, ...], "levels": [0.01, ...],   # optional: the steel's edge beside a
                     "probabilities": [...], "ramps": [...]}}        # margin (synth.look.edges)

Only numbers: a look holds no pixel of the strips it was fitted on. ``read_look`` checks every
field and names the first bad one in one SteelDefectError line.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from pathlib import Path

from steeldefect.artifacts.versions import VERSION_KEY, check_version
from steeldefect.data.io import atomic_write
from steeldefect.errors import SteelDefectError

FORMAT_VERSION = 1
# profile: the row_profile's weight in the strip; flecks: flecks per million pixels of steel
BANK_COLUMNS = ("mean", "low_std", "high_std", "profile", "flecks")
MAX_STRETCH = 8.0  # pixels: the largest directional blur of the grain a look may ask for


@dataclass(frozen=True)
class Splashes:
    """Bright splashes of steel: the share of strips with them and, at ``probabilities``, quantiles of the
    specks per such strip, their areas (pixels), their grey above the strip's median and the columns
    between a strip's first and last speck."""

    probability: float
    probabilities: tuple[float, ...]
    counts: tuple[float, ...]
    areas: tuple[float, ...]
    above: tuple[float, ...]
    spreads: tuple[float, ...]

    def to_dict(self) -> dict:
        return {"probability": self.probability, "probabilities": list(self.probabilities),
                "counts": list(self.counts), "areas": list(self.areas), "above": list(self.above),
                "spreads": list(self.spreads)}


SPLASH_QUANTILES = ("counts", "areas", "above", "spreads")


@dataclass(frozen=True)
class MarginEdge:
    """The steel's edge beside a black margin: the fraction of the way from the margin's grey to the steel's
    at ``offsets`` columns from the end of the margin (> 0 on the steel), and at ``probabilities`` the
    quantiles of the strips' ramp widths (columns from a fraction of 0.1 to one of 0.9)."""

    offsets: tuple[float, ...]
    levels: tuple[float, ...]
    probabilities: tuple[float, ...]
    ramps: tuple[float, ...]

    def to_dict(self) -> dict:
        return {"offsets": list(self.offsets), "levels": list(self.levels), "probabilities": list(self.probabilities),
                "ramps": list(self.ramps)}


@dataclass(frozen=True)
class Look:
    """What clean steel looks like, as numbers (see the module docstring for each field)."""

    fitted_on: str
    fy: tuple[float, ...]
    fx: tuple[float, ...]
    log_psd: tuple[tuple[float, ...], ...]
    low_cutoff: float
    grain_modulation: float  # log-sigma of a smooth field multiplying the high band: calm and rough places
    row_profile: tuple[float, ...]  # unit-RMS grey profile at evenly spaced heights, top to bottom
    fleck_probabilities: tuple[float, ...]  # where the flecks' quantiles are taken
    fleck_lengths: tuple[float, ...]  # pixels
    fleck_peaks: tuple[float, ...]  # signed peak change, in units of the strip's high-band spread
    bank: tuple[tuple[float, float, float, float, float], ...]
    margin_probability: float
    margin_widths: tuple[int, ...]
    jpeg_quality: int
    class_margins: tuple[tuple[int, float, tuple[int, ...]], ...] = ()  # (class, probability, widths); 0: clean
    grey_probabilities: tuple[float, ...] = ()  # with grey_quantiles: the grey shape (none: a Gaussian field's)
    grey_quantiles: tuple[float, ...] = ()
    splashes: Splashes | None = None
    class_roughness: tuple[tuple[int, float], ...] = ()  # (class, factor of the high band's spread); 0: clean
    # (class, measured anisotropy, directional blur of the grain in pixels, > 0 along the height); 0: clean
    class_stretch: tuple[tuple[int, float, float], ...] = ()
    margin_edge: MarginEdge | None = None

    def to_dict(self) -> dict:
        return {VERSION_KEY: FORMAT_VERSION, "fitted_on": self.fitted_on, "fy": list(self.fy), "fx": list(self.fx),
                "log_psd": [list(r) for r in self.log_psd], "low_cutoff": self.low_cutoff,
                "grain_modulation": self.grain_modulation, "row_profile": list(self.row_profile),
                "fleck_probabilities": list(self.fleck_probabilities), "fleck_lengths": list(self.fleck_lengths),
                "fleck_peaks": list(self.fleck_peaks),
                "bank": [list(r) for r in self.bank],
                "margin_probability": self.margin_probability, "margin_widths": list(self.margin_widths),
                "jpeg_quality": self.jpeg_quality,
                "class_margins": [{"class": c, "probability": p, "widths": list(w)} for c, p, w in self.class_margins],
                "grey_probabilities": list(self.grey_probabilities), "grey_quantiles": list(self.grey_quantiles),
                "splashes": self.splashes.to_dict() if self.splashes else None,
                "class_roughness": [{"class": c, "factor": f} for c, f in self.class_roughness],
                "class_stretch": [{"class": c, "ratio": r, "stretch": t} for c, r, t in self.class_stretch],
                "margin_edge": self.margin_edge.to_dict() if self.margin_edge else None}


def _numbers(source: str, name: str, value, length: int | None = None) -> tuple[float, ...]:
    if not isinstance(value, list) or not value:
        raise SteelDefectError(f"{source}: {name} must be a non-empty list of numbers")
    if length is not None and len(value) != length:
        raise SteelDefectError(f"{source}: {name} has {len(value)} values, {length} expected")
    out = []
    for v in value:
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise SteelDefectError(f"{source}: {name} holds {v!r}, not a finite number")
        out.append(float(v))
    return tuple(out)


def _increasing(source: str, name: str, values: tuple[float, ...]) -> None:
    if any(b <= a for a, b in zip(values, values[1:])):
        raise SteelDefectError(f"{source}: {name} must increase strictly")


def look_from_dict(data, source: str) -> Look:
    """A Look from the parsed JSON; one SteelDefectError line for the first bad field."""
    if not isinstance(data, dict):
        raise SteelDefectError(f"{source}: not a JSON object")
    check_version(source, data.get(VERSION_KEY), FORMAT_VERSION)
    missing = [k for k in ("fy", "fx", "log_psd", "low_cutoff", "grain_modulation", "row_profile",
                           "fleck_probabilities", "fleck_lengths", "fleck_peaks", "bank", "margin_probability",
                           "margin_widths", "jpeg_quality") if k not in data]
    if missing:
        raise SteelDefectError(f"{source}: missing {', '.join(missing)}")
    fy, fx = _numbers(source, "fy", data["fy"]), _numbers(source, "fx", data["fx"])
    for name, values in (("fy", fy), ("fx", fx)):
        _increasing(source, name, values)
        if values[0] < 0 or values[-1] > 0.5 or values[-1] <= 0:
            raise SteelDefectError(f"{source}: {name} must lie in 0..0.5 cycles per pixel, with a value above 0")
    if not isinstance(data["log_psd"], list) or len(data["log_psd"]) != len(fy):
        raise SteelDefectError(f"{source}: log_psd must have one row per fy value ({len(fy)})")
    log_psd = tuple(_numbers(source, f"log_psd row {i}", row, len(fx)) for i, row in enumerate(data["log_psd"]))
    modulation = _numbers(source, "grain_modulation", [data["grain_modulation"]])[0]
    if not 0 <= modulation <= 3:
        raise SteelDefectError(f"{source}: grain_modulation must lie in [0, 3], got {modulation:g}")
    row_profile = _numbers(source, "row_profile", data["row_profile"])
    if len(row_profile) < 2:
        raise SteelDefectError(f"{source}: row_profile needs at least 2 values")
    fleck_probs = _numbers(source, "fleck_probabilities", data["fleck_probabilities"])
    _increasing(source, "fleck_probabilities", fleck_probs)
    lengths = _numbers(source, "fleck_lengths", data["fleck_lengths"], len(fleck_probs))
    peaks = _numbers(source, "fleck_peaks", data["fleck_peaks"], len(fleck_probs))
    if fleck_probs[0] < 0 or fleck_probs[-1] > 1 or min(lengths) < 0:
        raise SteelDefectError(f"{source}: fleck_probabilities must lie in [0, 1] and fleck_lengths be >= 0")
    if not isinstance(data["bank"], list) or not data["bank"]:
        raise SteelDefectError(f"{source}: bank must be a non-empty list of [{', '.join(BANK_COLUMNS)}] rows")
    bank = tuple(_numbers(source, f"bank row {i}", row, len(BANK_COLUMNS)) for i, row in enumerate(data["bank"]))
    if any(r[1] < 0 or r[2] < 0 or r[4] < 0 for r in bank):
        raise SteelDefectError(f"{source}: bank spreads and fleck rates must not be negative")
    cutoff = _numbers(source, "low_cutoff", [data["low_cutoff"]])[0]
    margin = _numbers(source, "margin_probability", [data["margin_probability"]])[0]
    if not 0 < cutoff < 0.5 or not 0 <= margin <= 1:
        raise SteelDefectError(f"{source}: low_cutoff must lie in (0, 0.5) and margin_probability in [0, 1]")
    widths = _margin_widths(source, "margin_widths", data["margin_widths"], margin)
    quality = data["jpeg_quality"]
    if isinstance(quality, bool) or not isinstance(quality, int) or not 1 <= quality <= 100:
        raise SteelDefectError(f"{source}: jpeg_quality must be a whole number in 1..100, got {quality!r}")
    return Look(str(data.get("fitted_on", "")), fy, fx, log_psd, cutoff, modulation, row_profile,
                fleck_probs, lengths, peaks, bank, margin,
                widths, quality, _class_margins(source, data.get("class_margins", [])),
                *_grey_shape(source, data.get("grey_probabilities", []), data.get("grey_quantiles", [])),
                _splashes(source, data.get("splashes")), _class_roughness(source, data.get("class_roughness", [])),
                _class_stretch(source, data.get("class_stretch", [])), _margin_edge(source, data.get("margin_edge")))


def _class_rules(source: str, field: str, rules, keys: tuple[str, ...]):
    """(name, class, rule) of each rule of the optional by-class list ``field``: objects with exactly ``keys``,
    a "class" that is a whole number >= 0 (0: clean), once each."""
    listed = f"{', '.join(keys[:-1])} and {keys[-1]}"
    if not isinstance(rules, list):
        raise SteelDefectError(f"{source}: {field} must be a list of {{{', '.join(keys)}}} objects")
    seen: set[int] = set()
    for i, rule in enumerate(rules):
        name = f"{field}[{i}]"
        if not isinstance(rule, dict) or set(rule) != set(keys):
            raise SteelDefectError(f"{source}: {name} must be an object with exactly {listed}")
        cls = rule["class"]
        if isinstance(cls, bool) or not isinstance(cls, int) or cls < 0 or cls in seen:
            raise SteelDefectError(f"{source}: {name}.class must be a whole number >= 0 (0: clean), once each")
        seen.add(cls)
        yield name, cls, rule


def _class_roughness(source: str, rules) -> tuple[tuple[int, float], ...]:
    """The optional grain factors by class: [{"class": k, "factor": f}, ...], f in (0, 10]."""
    out = []
    for name, cls, rule in _class_rules(source, "class_roughness", rules, ("class", "factor")):
        factor = _numbers(source, f"{name}.factor", [rule["factor"]])[0]
        if not 0 < factor <= 10:
            raise SteelDefectError(f"{source}: {name}.factor must lie in (0, 10], got {factor:g}")
        out.append((cls, factor))
    return tuple(out)


def _class_stretch(source: str, rules) -> tuple[tuple[int, float, float], ...]:
    """The optional grain direction by class: [{"class": k, "ratio": r, "stretch": s}, ...], r in (0, 100],
    s in [-MAX_STRETCH, MAX_STRETCH] pixels."""
    out = []
    for name, cls, rule in _class_rules(source, "class_stretch", rules, ("class", "ratio", "stretch")):
        ratio = _numbers(source, f"{name}.ratio", [rule["ratio"]])[0]
        stretch = _numbers(source, f"{name}.stretch", [rule["stretch"]])[0]
        if not 0 < ratio <= 100 or abs(stretch) > MAX_STRETCH:
            raise SteelDefectError(f"{source}: {name} needs a ratio in (0, 100] and a stretch in "
                                   f"[-{MAX_STRETCH:g}, {MAX_STRETCH:g}], got {ratio:g} and {stretch:g}")
        out.append((cls, ratio, stretch))
    return tuple(out)


def _probabilities(source: str, name: str, values) -> tuple[float, ...]:
    probabilities = _numbers(source, name, values)
    _increasing(source, name, probabilities)
    if probabilities[0] < 0 or probabilities[-1] > 1:
        raise SteelDefectError(f"{source}: {name} must lie in [0, 1]")
    return probabilities


def _grey_shape(source: str, probabilities, quantiles) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """The optional grey shape: both lists empty, or increasing probabilities with quantiles that do not
    decrease."""
    if probabilities == [] and quantiles == []:
        return (), ()
    probabilities = _probabilities(source, "grey_probabilities", probabilities)
    quantiles = _numbers(source, "grey_quantiles", quantiles, len(probabilities))
    if any(b < a for a, b in zip(quantiles, quantiles[1:])):
        raise SteelDefectError(f"{source}: grey_quantiles must not decrease")
    return probabilities, quantiles


def _splashes(source: str, data) -> Splashes | None:
    if data is None:
        return None
    names = {"probability", "probabilities", *SPLASH_QUANTILES}
    if not isinstance(data, dict) or set(data) != names:
        raise SteelDefectError(f"{source}: splashes must be null or an object with exactly {', '.join(sorted(names))}")
    probability = _numbers(source, "splashes.probability", [data["probability"]])[0]
    if not 0 <= probability <= 1:
        raise SteelDefectError(f"{source}: splashes.probability must lie in [0, 1], got {probability:g}")
    probabilities = _probabilities(source, "splashes.probabilities", data["probabilities"])
    quantiles = {name: _numbers(source, f"splashes.{name}", data[name], len(probabilities)) for name in SPLASH_QUANTILES}
    for name, values in quantiles.items():
        if any(b < a for a, b in zip(values, values[1:])) or values[0] < 0:
            raise SteelDefectError(f"{source}: splashes.{name} must be quantiles: not negative, not decreasing")
    return Splashes(probability, probabilities, **quantiles)


def _margin_edge(source: str, data) -> MarginEdge | None:
    """The optional edge profile: increasing offsets with a finite level each, and ramp-width quantiles
    (not negative, not decreasing) at increasing probabilities."""
    if data is None:
        return None
    names = {"offsets", "levels", "probabilities", "ramps"}
    if not isinstance(data, dict) or set(data) != names:
        raise SteelDefectError(f"{source}: margin_edge must be null or an object with exactly {', '.join(sorted(names))}")
    offsets = _numbers(source, "margin_edge.offsets", data["offsets"])
    _increasing(source, "margin_edge.offsets", offsets)
    levels = _numbers(source, "margin_edge.levels", data["levels"], len(offsets))
    probabilities = _probabilities(source, "margin_edge.probabilities", data["probabilities"])
    ramps = _numbers(source, "margin_edge.ramps", data["ramps"], len(probabilities))
    if ramps[0] < 0 or any(b < a for a, b in zip(ramps, ramps[1:])):
        raise SteelDefectError(f"{source}: margin_edge.ramps must be quantiles: not negative, not decreasing")
    return MarginEdge(offsets, levels, probabilities, ramps)


def _margin_widths(source: str, name: str, widths, probability: float) -> tuple[int, ...]:
    if not isinstance(widths, list) or any(isinstance(w, bool) or not isinstance(w, int) or w < 1 for w in widths):
        raise SteelDefectError(f"{source}: {name} must be a list of whole numbers of pixels >= 1")
    if probability > 0 and not widths:
        raise SteelDefectError(f"{source}: {name} must not be empty where the margin probability is above 0")
    return tuple(widths)


def _class_margins(source: str, rules) -> tuple[tuple[int, float, tuple[int, ...]], ...]:
    """The optional per-class margin rules: [{"class": k, "probability": p, "widths": [...]}, ...]."""
    out = []
    for name, cls, rule in _class_rules(source, "class_margins", rules, ("class", "probability", "widths")):
        probability = _numbers(source, f"{name}.probability", [rule["probability"]])[0]
        if not 0 <= probability <= 1:
            raise SteelDefectError(f"{source}: {name}.probability must lie in [0, 1], got {probability:g}")
        out.append((cls, probability, _margin_widths(source, f"{name}.widths", rule["widths"], probability)))
    return tuple(out)


def read_look(path: str | os.PathLike) -> Look:
    """The look in ``path``; a missing file, bad JSON or a bad field is one SteelDefectError line."""
    try:
        text = Path(path).read_text()
    except OSError as exc:
        raise SteelDefectError(f"{path}: cannot read the look file ({exc.strerror or exc})") from None
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise SteelDefectError(f"{path}: not JSON ({exc})") from None
    return look_from_dict(data, str(path))


def write_look(look: Look, path: str | os.PathLike) -> Path:
    """Write ``look`` to ``path`` atomically (numbers rounded to 6 significant digits); returns the path."""
    path = Path(path)
    with atomic_write(path) as tmp:
        tmp.write_text(json.dumps(_rounded(look.to_dict()), indent=1) + "\n")
    return path


def _rounded(value):
    if isinstance(value, float):
        return float(f"{value:.6g}")
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    return value
