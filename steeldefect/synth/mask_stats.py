"""The figures of STATS.md, measured on any set of masks: to compare a synthetic set with the real one.

Pure functions over uint8 masks (NUM_CLASSES, H, W) per image; no files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

import cv2
import numpy as np

from steeldefect.constants import CLASS_IDS

PERCENTILES = (10, 50, 90)  # the percentiles STATS.md reports


@dataclass
class MaskStatistics:
    """Running figures over images: class combinations, and per class the area, component count and
    bounding-box size of every non-empty (image, class) mask."""

    images: int = 0
    combos: dict[tuple[int, ...], int] = field(default_factory=dict)
    areas: dict[int, list[int]] = field(default_factory=lambda: {c: [] for c in CLASS_IDS})
    components: dict[int, list[int]] = field(default_factory=lambda: {c: [] for c in CLASS_IDS})
    widths: dict[int, list[int]] = field(default_factory=lambda: {c: [] for c in CLASS_IDS})
    heights: dict[int, list[int]] = field(default_factory=lambda: {c: [] for c in CLASS_IDS})

    def add(self, masks: np.ndarray) -> None:
        """Add one image's masks, uint8 (NUM_CLASSES, H, W)."""
        self.images += 1
        present = []
        for cls, mask in zip(CLASS_IDS, masks):
            cols = np.flatnonzero(mask.any(axis=0))
            if cols.size == 0:
                continue
            present.append(cls)
            rows = np.flatnonzero(mask.any(axis=1))
            self.areas[cls].append(int(mask.sum()))
            self.components[cls].append(cv2.connectedComponents(mask, connectivity=8)[0] - 1)
            self.widths[cls].append(int(cols[-1] - cols[0] + 1))
            self.heights[cls].append(int(rows[-1] - rows[0] + 1))
        key = tuple(present)
        self.combos[key] = self.combos.get(key, 0) + 1

    def extend(self, masks: Iterable[np.ndarray]) -> "MaskStatistics":
        for m in masks:
            self.add(m)
        return self

    @property
    def clean_share(self) -> float:
        return self.combos.get((), 0) / max(self.images, 1)

    @property
    def multi_share(self) -> float:
        return sum(n for k, n in self.combos.items() if len(k) > 1) / max(self.images, 1)

    def class_share(self, cls: int) -> float:
        """Share of images that hold class ``cls``."""
        return len(self.areas[cls]) / max(self.images, 1)

    def percentiles(self, what: str, cls: int) -> tuple[float, float, float]:
        """p10 / median / p90 of ``what`` (areas, components, widths, heights) for class ``cls``."""
        values = getattr(self, what)[cls]
        if not values:
            return (float("nan"),) * 3
        return tuple(float(v) for v in np.percentile(values, PERCENTILES))

    def table(self) -> str:
        """A markdown table of the figures, in the layout of STATS.md."""
        lines = [f"images {self.images}; clean {self.clean_share:.1%}; multi-class {self.multi_share:.1%}",
                 "",
                 "| class | masks | area p10 / median / p90 | components | bbox width | bbox height |",
                 "|---|---|---|---|---|---|"]
        for c in CLASS_IDS:
            cells = [" / ".join(f"{v:,.0f}" for v in self.percentiles(w, c))
                     for w in ("areas", "components", "widths", "heights")]
            lines.append(f"| {c} | {len(self.areas[c])} | " + " | ".join(cells) + " |")
        return "\n".join(lines)
