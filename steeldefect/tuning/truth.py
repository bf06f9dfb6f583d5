"""The truth OOF predictions are scored against: a label table, each image's size, and the image size
whose pixels minimum areas count (``Thresholds.area_reference``)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from steeldefect.constants import IMAGE_SHAPE
from steeldefect.data.labels import table_n_classes


@dataclass(frozen=True, eq=False)
class Truth:
    """A label table with the (height, width) of its images: ``shapes`` maps each image to its own, or
    is one shape for all (default 256x1600, Severstal's strips)."""

    table: pd.DataFrame
    shapes: dict[str, tuple[int, int]] | tuple[int, int] = IMAGE_SHAPE
    reference: tuple[int, int] = IMAGE_SHAPE  # the image size min areas are counted in

    def shape_of(self, image_id: str) -> tuple[int, int]:
        return self.shapes if isinstance(self.shapes, tuple) else self.shapes[image_id]

    @property
    def n_classes(self) -> int:
        return table_n_classes(self.table)


def as_truth(labels: "pd.DataFrame | Truth") -> Truth:
    """``labels`` as a Truth: a bare label table is Severstal's (256x1600 images)."""
    return labels if isinstance(labels, Truth) else Truth(labels)
