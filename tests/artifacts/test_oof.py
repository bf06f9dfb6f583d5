"""oof.npz: the OOF encoding, the storage forms, round trips, old files (no version) and newer ones."""

from __future__ import annotations

import numpy as np

from steeldefect.artifacts.oof import (IDS_KEY, OOF_FILE, PROBS_KEY, dequantise, npz_array, npz_shape, oof_view_path,
                                       quantise, read_oof, read_oof_ids, read_run_oof, to_oof_probs, write_oof)


def test_quantise_is_the_oof_encoding_and_dequantise_its_inverse():
    p = np.array([0.0, 0.001, 0.5, 0.502, 0.998, 1.0, 1.2, -0.1], np.float32)
    q = quantise(p)
    assert q.dtype == np.uint8 and q.tolist() == [0, 0, 128, 128, 254, 255, 255, 0]
    assert quantise(q) is q  # already levels
    levels = np.arange(256, dtype=np.uint8)
    np.testing.assert_array_equal(quantise(dequantise(levels)), levels)
    assert np.abs(dequantise(quantise(p[:6])) - p[:6]).max() <= 0.5 / 255 + 1e-7


def test_storage_forms():
    seg = to_oof_probs("segmenter", np.full((2, 3, 4, 4), 0.5, np.float32))
    assert seg.dtype == np.uint8 and int(seg.max()) == 128
    cls = to_oof_probs("classifier", np.array([[0.25], [0.75]], np.float64))
    assert cls.dtype == np.float32 and cls.shape == (2,)
    assert to_oof_probs("classifier", np.zeros((2, 4))).shape == (2, 4)


def test_write_then_read(tmp_path):
    path = write_oof(tmp_path, "segmenter", ["a.jpg", "b.jpg"], np.full((2, 3, 4, 4), 0.5, np.float32))
    assert path.name == OOF_FILE and oof_view_path(tmp_path, "hflip").name == "oof_hflip.npz"
    back = read_run_oof(tmp_path)
    assert back.image_ids.tolist() == ["a.jpg", "b.jpg"] and back.levels and len(back) == 2
    assert read_oof_ids(path).tolist() == ["a.jpg", "b.jpg"]
    assert npz_shape(path, PROBS_KEY) == (2, 3, 4, 4) and npz_array(path, PROBS_KEY).dtype == np.uint8


def test_an_old_file_without_a_version_loads(tmp_path):
    path = tmp_path / OOF_FILE
    np.savez_compressed(path, **{IDS_KEY: np.array(["a.jpg"]), PROBS_KEY: np.zeros(1, np.float32)})
    assert read_oof(path).image_ids.tolist() == ["a.jpg"]
    assert npz_array(path, IDS_KEY).tolist() == ["a.jpg"] and npz_shape(path, PROBS_KEY) == (1,)


def test_a_newer_file_is_refused_in_one_line(tmp_path, refused):
    newer = tmp_path / "newer.npz"
    np.savez(newer, **{IDS_KEY: np.array(["a.jpg"]), PROBS_KEY: np.zeros(1, np.float32),
                       "format_version": np.asarray(2)})
    refused(newer, lambda: read_oof(newer))
    refused(newer, lambda: npz_array(newer, IDS_KEY))
    refused(newer, lambda: npz_shape(newer, PROBS_KEY))
