"""Reading and writing strip images. Decoding goes by content, never by extension."""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np

from steeldefect.data.io import atomic_write
from steeldefect.errors import SteelDefectError

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff")  # what counts as an image file


def decode_image(data: bytes, channels: int = 3, source: str = "image") -> np.ndarray:
    """Decode encoded image bytes (JPEG, PNG, ...) into uint8 (H, W, channels); channels 1 or 3.

    Grey input is replicated to 3 channels; colour input is converted to RGB or to grey.
    """
    if channels not in (1, 3):
        raise ValueError(f"channels must be 1 or 3, got {channels}")
    buf = np.frombuffer(data, dtype=np.uint8)
    image = cv2.imdecode(buf, cv2.IMREAD_UNCHANGED) if buf.size else None
    if image is None:
        raise SteelDefectError(f"cannot decode {source}: not a readable image file")
    if image.dtype != np.uint8:  # 16-bit PNG/TIFF
        image = (image / 257).astype(np.uint8) if image.dtype == np.uint16 else image.astype(np.uint8)
    if image.ndim == 3 and image.shape[2] == 4:
        image = cv2.cvtColor(image, cv2.COLOR_BGRA2BGR)
    if image.ndim == 2:
        image = image[:, :, None]
    if channels == 1:
        return image if image.shape[2] == 1 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)[:, :, None]
    if image.shape[2] == 1:
        return np.repeat(image, 3, axis=2)
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def read_image(path: str | os.PathLike, channels: int = 3) -> np.ndarray:
    """Read one image file as uint8 (H, W, channels); a PNG saved as .jpg loads fine."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise SteelDefectError(f"image file not found: {path}") from None
    except OSError as err:
        raise SteelDefectError(f"cannot read image file {path}: {err.strerror}") from None
    return decode_image(data, channels, source=f"image file {path}")


def encode_jpeg(image: np.ndarray, quality: int = 90) -> bytes:
    """Encode a uint8 RGB (H, W, 3) or grey (H, W) image as JPEG bytes (deterministic)."""
    bgr = cv2.cvtColor(image, cv2.COLOR_RGB2BGR) if image.ndim == 3 and image.shape[2] == 3 else image
    ok, buf = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise SteelDefectError("JPEG encoding failed")
    return buf.tobytes()


def write_jpeg(path: str | os.PathLike, image: np.ndarray, quality: int = 90) -> None:
    """Write an image as JPEG atomically."""
    data = encode_jpeg(image, quality)
    with atomic_write(path) as tmp:
        tmp.write_bytes(data)


def list_images(folder: str | os.PathLike) -> list[str]:
    """Sorted file names of the images in ``folder`` (by suffix; content is checked on reading)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise SteelDefectError(f"image folder not found: {folder}")
    return sorted(p.name for p in folder.iterdir()
                  if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES and not p.name.startswith("."))


def read_image_shape(path: str | os.PathLike) -> tuple[int, int]:
    """(height, width) of an image file from its header, without decoding the pixels."""
    from PIL import Image, UnidentifiedImageError  # Pillow reads headers only; cv2 decodes everything

    path = Path(path)
    try:
        with Image.open(path) as image:
            width, height = image.size
    except FileNotFoundError:
        raise SteelDefectError(f"image file not found: {path}") from None
    except (UnidentifiedImageError, OSError) as err:
        raise SteelDefectError(f"cannot read image file {path}: {getattr(err, 'strerror', None) or 'not a readable image'}") from None
    return int(height), int(width)
