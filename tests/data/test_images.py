"""Images decode by content: a PNG named .jpg loads; grey and colour both work."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from steeldefect.data.images import read_image, write_jpeg
from steeldefect.errors import SteelDefectError


def test_real_png_bytes_named_jpg_load(real_dir):
    path = real_dir / "images" / "0030401a5.jpg"
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"  # the README's point: PNG bytes, .jpg name
    image = read_image(path)
    assert image.shape == (256, 1600, 3) and image.dtype == np.uint8
    assert read_image(path, channels=1).shape == (256, 1600, 1)


def test_grey_and_colour(tmp_path):
    grey = np.tile(np.arange(16, dtype=np.uint8)[None, :], (8, 1))
    cv2.imwrite(str(tmp_path / "g.png"), grey)
    out = read_image(tmp_path / "g.png")
    assert out.shape == (8, 16, 3) and (out[..., 0] == grey).all() and (out[..., 2] == grey).all()
    rgb = np.zeros((8, 16, 3), np.uint8)
    rgb[..., 0] = 200  # red in RGB order
    cv2.imwrite(str(tmp_path / "c.png"), rgb[..., ::-1])
    assert (read_image(tmp_path / "c.png")[..., 0] == 200).all()


def test_jpeg_write_read(tmp_path):
    image = np.full((32, 64, 3), 128, np.uint8)
    write_jpeg(tmp_path / "x.jpg", image)
    assert np.abs(read_image(tmp_path / "x.jpg").astype(int) - 128).max() <= 2


def test_missing_and_unreadable(tmp_path):
    with pytest.raises(SteelDefectError, match="image file not found"):
        read_image(tmp_path / "none.jpg")
    (tmp_path / "bad.jpg").write_bytes(b"not an image")
    with pytest.raises(SteelDefectError, match=r"cannot decode image file .*bad.jpg"):
        read_image(tmp_path / "bad.jpg")
