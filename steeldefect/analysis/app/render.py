"""Images for the browser: safe lookup inside the image folders, contours drawn, JPEG bytes, LRU cache.

An image id is served only when a loaded label set lists it and its file resolves inside one of the
image folders, so no id can walk out of them. A listed image whose file is absent (the test images of
a real submission) renders as a grey placeholder that says so, with the masks still drawn on it.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

from steeldefect.artifacts.dataset_file import KAGGLE
from steeldefect.data.images import encode_jpeg, list_images, read_image
from steeldefect.analysis.eda.mask_shapes import image_shape
from steeldefect.analysis.eda.overlay import CONTOUR_THICKNESS, class_masks, draw_contours
from steeldefect.errors import SteelDefectError

CACHE_IMAGES = 256  # rendered images kept in memory (a 1600x256 JPEG is ~100 kB)
THUMB_WIDTH = 400  # pixels, width of a thumbnail
JPEG_QUALITY = 88  # browser images: small, contours still crisp
PLACEHOLDER_GREY = 96  # background of the placeholder of an absent image
FORBIDDEN_IN_ID = ("/", "\\", "\x00")  # an image id is a file name, never a path


def is_safe_id(image_id: str) -> bool:
    """A plain file name: no separators, no NUL, not '.' or '..', not hidden."""
    return bool(image_id) and not any(c in image_id for c in FORBIDDEN_IN_ID) and not image_id.startswith(".")


def resolve_image(image_id: str, folders: tuple[Path, ...]) -> Path | None:
    """The file of ``image_id`` in the first folder holding it, checked to stay inside that folder."""
    if not is_safe_id(image_id):
        return None
    for folder in folders:
        root = folder.resolve()
        path = (root / image_id).resolve()
        if path.is_relative_to(root) and path.parent == root and path.is_file():
            return path
    return None


def placeholder(image_id: str, shape: tuple[int, int] = KAGGLE.single_shape) -> np.ndarray:
    """A grey RGB image of ``shape`` saying that the image file is not available (the text shrinks with
    images narrower than Severstal's 1600 pixels)."""
    image = np.full((*shape, 3), PLACEHOLDER_GREY, dtype=np.uint8)
    shrink = min(1.0, shape[1] / KAGGLE.single_shape[1])
    for text, y, scale in ((f"image not available: {image_id}", 0.45, 1.4 * shrink),
                           ("the file is not in the image folders; masks are drawn on this placeholder",
                            0.65, 0.8 * shrink)):
        (w, _), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, 2)
        cv2.putText(image, text, ((shape[1] - w) // 2, int(shape[0] * y)), cv2.FONT_HERSHEY_SIMPLEX,
                    scale, (235, 235, 235), 2, cv2.LINE_AA)
    return image


class ImageStore:
    """Renders (image id, masks) to JPEG bytes, lazily, remembering the last CACHE_IMAGES results."""

    def __init__(self, folders: tuple[Path, ...], cache_size: int = CACHE_IMAGES, shapes=None):
        self.folders = tuple(Path(f) for f in folders)
        self.shapes = shapes  # each image's (height, width): a dict by id, one for all, or None (256x1600)
        self._render = lru_cache(maxsize=cache_size)(self._render_uncached)
        self._available: frozenset[str] | None = None

    def exists(self, image_id: str) -> bool:
        return resolve_image(image_id, self.folders) is not None

    def available(self) -> frozenset[str]:
        """Names of the image files in the folders (listed once, on first use)."""
        if self._available is None:
            self._available = frozenset(name for folder in self.folders for name in list_images(folder))
        return self._available

    def load(self, image_id: str) -> tuple[np.ndarray, bool]:
        """(RGB image, found); the placeholder when the file is absent or unreadable."""
        path = resolve_image(image_id, self.folders)
        if path is None:
            return placeholder(image_id, image_shape(self.shapes, image_id)), False
        try:
            return read_image(path), True
        except SteelDefectError:
            return placeholder(image_id, image_shape(self.shapes, image_id)), False

    def render(self, image_id: str, rles: tuple[str, ...] | None, width: int | None = None) -> bytes:
        """JPEG of the image with each class mask's contour; ``width`` scales it down (thumbnails)."""
        return self._render(image_id, tuple(rles) if rles else None, width)

    def _render_uncached(self, image_id: str, rles: tuple[str, ...] | None, width: int | None) -> bytes:
        image, _ = self.load(image_id)
        scale = image.shape[1] / width if width and width < image.shape[1] else 1.0
        if rles:  # contours thick enough to survive the downscaling of a thumbnail
            masks = class_masks(rles, image.shape[:2], context=f"image {image_id}")
            image = draw_contours(image, masks, thickness=max(CONTOUR_THICKNESS, round(CONTOUR_THICKNESS * scale)))
        if scale > 1:
            height = max(1, round(image.shape[0] * width / image.shape[1]))
            image = cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA)
        return encode_jpeg(image, JPEG_QUALITY)

    def cache_info(self):
        return self._render.cache_info()
