"""What a synthetic image holds: its classes, its black margin and the polygons of its defects.

Everything here is geometry drawn from one random generator, with no pixels painted, so the
masks of a dataset can be produced (and their statistics checked) without rendering images.
The numbers are calibrated against the real training set (shared/real/STATS.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from steeldefect.artifacts.look_file import Look
from steeldefect.constants import CLASS_IDS, IMAGE_HEIGHT, IMAGE_WIDTH
from steeldefect.synth.look import default_look
from steeldefect.synth.look.margins import margin_rule
from steeldefect.synth.polygons import band_polygon, blob_polygon, fill_polygon

# Images per combination of classes in the real training set of 12,568 images (STATS.md).
COMBO_COUNTS: dict[tuple[int, ...], int] = {
    (): 5902, (3,): 4759, (1,): 769, (4,): 516, (3, 4): 284, (2,): 195,
    (1, 3): 91, (1, 2): 35, (2, 3): 14, (1, 2, 3): 2, (2, 4): 1,
}
MARGIN_WIDTH_RANGE = (40, 1500)  # pixels of black margin, when there is one (the look's widths, clipped)
MARGIN_WIDTH_JITTER = 0.15  # log-sigma of the change of a width drawn from the look
MARGIN_GAP = 6  # defects stay this many pixels clear of the steel edge
PLACEMENT_TRIES = 6  # attempts to keep the classes of one image from overlapping
BAND = "band"  # component kind: a near-vertical band (scratch) polygon
BLOB = "blob"  # component kind: a jittered-ellipse polygon


@dataclass(frozen=True)
class ClassGeometry:
    """How the components of one class are counted, sized and spread (per (image, class) mask).

    count_weights: relative frequency of 1, 2, ... connected components (the real histogram of
    the 1,430 masks of train_masks_2515.csv). A component's area is log-normal with median
    ``area_single * k ** -area_exponent`` for k components, and log-sigma ``area_sigma``. The
    components of a mask spread over about ``spread * (k - 1)`` columns (log-sigma ``spread_sigma``).
    """

    count_weights: tuple[int, ...]
    area_single: float
    area_exponent: float
    area_sigma: float
    spread: float
    spread_sigma: float = 0.6  # log-sigma of the spread


GEOMETRY: dict[int, ClassGeometry] = {
    1: ClassGeometry((84, 15, 9, 8, 9, 9, 13, 10, 4, 6, 5, 3, 2, 2, 0, 1, 0, 0, 0, 1),
                     area_single=1900.0, area_exponent=0.42, area_sigma=0.6, spread=130.0,
                     spread_sigma=1.4),
    2: ClassGeometry((39, 9, 2), area_single=2600.0, area_exponent=0.8, area_sigma=0.6, spread=30.0),
    3: ClassGeometry((327, 273, 166, 107, 64, 50, 18, 14, 9, 3, 3, 1, 1, 3),
                     area_single=3500.0, area_exponent=0.08, area_sigma=1.3, spread=320.0),
    4: ClassGeometry((62, 45, 23, 13, 6, 2, 4, 0, 2, 1, 1, 1),
                     area_single=17000.0, area_exponent=0.68, area_sigma=0.95, spread=420.0,
                     spread_sigma=0.8),
}
FULL_HEIGHT_SHARE = 0.4  # class 3 components that are long full-height scratches
FILL_BLOB = 0.72  # polygon area / bounding-box area of a blob polygon
FILL_BAND = 0.9  # polygon area / bounding-box area of a band polygon
MAX_PATCH_ASPECT = 3.0  # class 3 patches are at most this many times wider than tall


@dataclass(frozen=True)
class Component:
    """One connected piece of a defect: its kind, its polygon (the mask) and, for bands, a centreline."""

    kind: str
    polygon: np.ndarray  # int32 (N, 2) of (x, y)
    centre: np.ndarray | None = None  # float32 (M, 2) centreline of a band, None for blobs


@dataclass(frozen=True)
class ImageSpec:
    """Geometry of one synthetic image: black margin and defect components per class."""

    margin_side: str | None  # "left", "right" or None
    margin_width: int  # pixels of black margin (0 without one)
    components: dict[int, tuple[Component, ...]] = field(default_factory=dict)

    @property
    def classes(self) -> tuple[int, ...]:
        return tuple(sorted(self.components))

    @property
    def steel_range(self) -> tuple[int, int]:
        """Columns [x0, x1) where the strip is (defects are placed inside)."""
        if self.margin_side == "left":
            return self.margin_width + MARGIN_GAP, IMAGE_WIDTH
        if self.margin_side == "right":
            return 0, IMAGE_WIDTH - self.margin_width - MARGIN_GAP
        return 0, IMAGE_WIDTH


def sample_classes(rng: np.random.Generator) -> tuple[int, ...]:
    """Draw the set of classes of one image with the real combination frequencies."""
    combos = list(COMBO_COUNTS)
    weights = np.array([COMBO_COUNTS[c] for c in combos], dtype=float)
    return combos[int(rng.choice(len(combos), p=weights / weights.sum()))]


def _component_size(rng: np.random.Generator, cls: int, area: float) -> tuple[str, float, float]:
    """(kind, width, height) of one component of ``area`` pixels for class ``cls``."""
    if cls == 1:  # pits: small, a little taller than wide
        aspect = rng.lognormal(np.log(2.4), 0.45)
        w = np.sqrt(area / (FILL_BLOB * aspect))
        return BLOB, w, min(aspect * w, IMAGE_HEIGHT)
    if cls == 2:  # thin scratches: narrow and tall
        w = float(np.clip(rng.lognormal(np.log(13.0), 0.35), 7, 40))
        return BAND, w, float(np.clip(area / (1.1 * w), 70, IMAGE_HEIGHT))
    if cls == 3:
        if rng.random() < FULL_HEIGHT_SHARE:  # long scratch along the whole strip height
            return BAND, float(np.clip(area / (FILL_BAND * IMAGE_HEIGHT), 6, 1000)), float(IMAGE_HEIGHT)
        h = float(min(rng.lognormal(np.log(110.0), 0.7), IMAGE_HEIGHT * 1.1))
        h = max(h, float(np.sqrt(area / (FILL_BLOB * MAX_PATCH_ASPECT))))  # no thin horizontal slivers
        return BLOB, float(np.clip(area / (FILL_BLOB * h), 10, 1200)), h
    h = float(min(rng.lognormal(np.log(120.0), 0.55), IMAGE_HEIGHT * 1.15))  # class 4: large regions
    return BLOB, float(np.clip(area / (FILL_BLOB * h), 20, 1300)), h


def _overlaps(lo: float, hi: float, occupied: list[tuple[float, float]]) -> bool:
    return any(lo < b and a < hi for a, b in occupied)


def sample_class_components(rng: np.random.Generator, cls: int, steel: tuple[int, int],
                            occupied: list[tuple[float, float]]) -> tuple[Component, ...]:
    """Draw the components of one class; ``occupied`` column ranges of other classes are avoided."""
    geo = GEOMETRY[cls]
    weights = np.asarray(geo.count_weights, dtype=float)
    k = int(rng.choice(len(weights), p=weights / weights.sum())) + 1
    median = geo.area_single * k ** -geo.area_exponent
    sizes = [_component_size(rng, cls, rng.lognormal(np.log(median), geo.area_sigma)) for _ in range(k)]
    steel_w = steel[1] - steel[0]
    widest = max(w for _, w, _ in sizes)
    span = geo.spread * (k - 1) * rng.lognormal(0.0, geo.spread_sigma) if k > 1 else 0.0
    span = float(min(span, max(steel_w - widest, 0)))
    for _ in range(PLACEMENT_TRIES):
        left = steel[0] + rng.uniform(0, max(steel_w - span - widest, 1))
        if not _overlaps(left, left + span + widest, occupied):
            break
    occupied.append((left, left + span + widest))
    parts = []
    slots = (np.arange(k) + rng.uniform(0, 1, k)) / k  # stratified: components rarely merge
    ys = rng.permutation(slots)  # pits spread down the strip as well as along it
    for i, ((kind, w, h), slot) in enumerate(zip(sizes, rng.permutation(slots))):
        w = min(w, steel_w)
        cx = left + slot * span + 0.5 * widest
        cx = float(np.clip(cx, steel[0] + 0.5 * w, steel[1] - 0.5 * w))
        if kind == BAND:
            y0 = rng.uniform(0, IMAGE_HEIGHT - h) if h < IMAGE_HEIGHT else 0.0
            slope = rng.normal(0, 0.02)
            poly, centre = band_polygon(rng, cx, y0, y0 + h - 1, w, slope)
        else:
            lo, hi = 0.5 * min(h, IMAGE_HEIGHT), IMAGE_HEIGHT - 0.5 * min(h, IMAGE_HEIGHT)
            cy = lo + (hi - lo) * (ys[i] if cls == 1 else rng.random())
            poly, centre = blob_polygon(rng, cx, cy, w, h), None
        poly[:, 0] = np.clip(poly[:, 0], steel[0], steel[1] - 1)  # stay on the strip
        parts.append(Component(kind, poly, centre))
    return tuple(parts)


def sample_margin(rng: np.random.Generator, look: Look | None = None,
                  classes: tuple[int, ...] = ()) -> tuple[str | None, int]:
    """(side, width) of the black margin of an image holding ``classes``: as often as on the real strips
    the look was fitted on (by class where the look has per-class rules), with one of their widths,
    changed a little and kept within MARGIN_WIDTH_RANGE."""
    look = look or default_look()
    probability, widths = margin_rule(look.class_margins, classes, look.margin_probability, look.margin_widths)
    if rng.random() >= probability:
        return None, 0
    side = "left" if rng.random() < 0.5 else "right"
    width = widths[int(rng.integers(len(widths)))] * np.exp(rng.normal(0, MARGIN_WIDTH_JITTER))
    return side, int(np.clip(round(width), *MARGIN_WIDTH_RANGE))


def sample_image_spec(rng: np.random.Generator, look: Look | None = None) -> ImageSpec:
    """Draw the whole geometry of one image: classes, margin, polygons."""
    classes = sample_classes(rng)
    spec = ImageSpec(*sample_margin(rng, look, classes))
    occupied: list[tuple[float, float]] = []
    for cls in classes:
        spec.components[cls] = sample_class_components(rng, cls, spec.steel_range, occupied)
    return spec


def spec_masks(spec: ImageSpec) -> np.ndarray:
    """uint8 (NUM_CLASSES, H, W) masks of ``spec``: the rasterised polygons, 1 inside."""
    masks = np.zeros((len(CLASS_IDS), IMAGE_HEIGHT, IMAGE_WIDTH), dtype=np.uint8)
    for cls, parts in spec.components.items():
        for part in parts:  # one call per polygon: a joint call would cut holes where they overlap
            fill_polygon(masks[cls - 1], part.polygon)
    return masks
