"""Streaming prediction with fake models: gating skips the segmenters, order, per-image CSV, resume."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pandas as pd
import pytest

from steeldefect.constants import NUM_CLASSES
from steeldefect.data.submission import read_submission, validate_submission
from steeldefect.prediction.predict import PredictOptions, image_list, predict_images
from steeldefect.postprocess.rules import ClassThresholds, Thresholds
from steeldefect.errors import SteelDefectError

SIZE = (8, 50)  # the fake models' input size
N_IMAGES = 23


class FakeForward:
    """Classifier probability = the image's grey value / 255; the segmenter records the values it saw
    and predicts a block in class (value % 4)."""

    def __init__(self, n_outputs=1):
        self.input_sizes = (SIZE,)
        self.out_size = (4, 10)  # what segment() returns
        self.n_class_outputs = n_outputs
        self.fingerprint = f"fake{n_outputs}"
        self.classified, self.segmented = [], []

    def classify(self, views):
        values = views[SIZE][:, 0, 0, 0].astype(np.float64)
        self.classified += values.astype(int).tolist()
        p = values / 255.0
        if self.n_class_outputs == 1:
            return p
        return np.stack([p, p * 0.5, p, 1 - p], axis=1)

    def segment(self, views):
        values = views[SIZE][:, 0, 0, 0].astype(int)
        self.segmented += values.tolist()
        probs = np.full((len(values), 4, 10, NUM_CLASSES), 0.1, np.float32)
        for j, v in enumerate(values):
            probs[j, 1:3, 2:6, v % NUM_CLASSES] = 0.9
        return probs


def _value(k: int) -> int:
    return 10 + 9 * k  # distinct grey values 10..208


@pytest.fixture
def images(tmp_path) -> Path:
    folder = tmp_path / "test_images"
    folder.mkdir()
    for k in range(N_IMAGES):
        image = np.full((32, 200, 3), _value(k), np.uint8)
        ok, buf = cv2.imencode(".png", image)  # lossless, named .jpg: decoded by content
        (folder / f"img{k:03d}.jpg").write_bytes(buf.tobytes())
    return folder


def _thresholds(gates=(0.4, 0.5, 0.45, 0.6), kind="image"):
    return Thresholds(classes=tuple(ClassThresholds(0.5, 0, g) for g in gates), gate_kind=kind)


def test_gated_images_never_reach_the_segmenters(images, tmp_path):
    ids, layout = image_list(images)
    fake = FakeForward()
    report = predict_images(ids, images, fake, _thresholds(), tmp_path / "sub.csv",
                            PredictOptions(batch_size=3, chunk_size=5))
    values = [_value(k) for k in range(N_IMAGES)]
    gated = [v for v in values if v / 255 < 0.4]
    assert sorted(fake.classified) == values
    assert sorted(fake.segmented) == sorted(set(values) - set(gated))
    assert report.n_gated == len(gated) > 0 and report.n_images == N_IMAGES
    per_image = pd.read_csv(tmp_path / "sub_images.csv", keep_default_na=False)
    assert per_image["gated"].sum() == len(gated)
    sub = read_submission(tmp_path / "sub.csv")
    for image_id, v, row in zip(ids, values, sub.itertuples(index=False)):
        rles = [row.rle_1, row.rle_2, row.rle_3, row.rle_4]
        p = v / 255
        expected = [p >= g for g in (0.4, 0.5, 0.45, 0.6)]
        expected = [e and (c == v % 4) for c, e in enumerate(expected)]
        assert [bool(r) for r in rles] == expected, image_id
    assert report.n_nonempty == sum(per_image[[f"area_{c}" for c in range(1, 5)]].to_numpy().ravel() > 0)
    row = per_image.iloc[-1]
    # masks are drawn at each image's own size (32x200 here), not at 256x1600 (issue #12)
    assert row["area_%d" % (_value(N_IMAGES - 1) % 4 + 1)] == (2 * 32 // 4) * (4 * 200 // 10)
    assert (per_image["height"] == 32).all() and (per_image["width"] == 200).all()
    assert not (tmp_path / "sub.csv.partial").exists()


def test_four_label_gate_per_class(images, tmp_path):
    ids, _ = image_list(images)
    fake = FakeForward(n_outputs=4)
    th = _thresholds(gates=(0.5, 0.5, 0.5, 0.95), kind="class")
    report = predict_images(ids, images, fake, th, tmp_path / "sub.csv", PredictOptions(batch_size=4, chunk_size=7))
    values = np.array([_value(k) for k in range(N_IMAGES)])
    p = values / 255
    keep = np.stack([p >= 0.5, p * 0.5 >= 0.5, p >= 0.5, 1 - p >= 0.95], axis=1)
    assert sorted(fake.segmented) == sorted(values[keep.any(1)].tolist())
    assert report.n_gated == int((~keep.any(1)).sum())
    assert report.n_masks_gated == int((~keep).sum())


def test_sample_order_layout_and_validation(images, tmp_path):
    ids = [f"img{k:03d}.jpg" for k in (5, 2, 9, 0)]
    sample = tmp_path / "sample.csv"
    pd.DataFrame({"ImageId": [i for i in ids for _ in range(4)], "EncodedPixels": "1 1",
                  "ClassId": [c for _ in ids for c in range(1, 5)]}).to_csv(sample, index=False)
    got, layout = image_list(images, sample)
    assert got == ids and layout == "later"
    predict_images(got, images, FakeForward(), _thresholds(), tmp_path / "sub.csv", layout=layout)
    assert validate_submission(tmp_path / "sub.csv", sample).ok
    assert list(read_submission(tmp_path / "sub.csv")["ImageId"]) == ids
    assert image_list(images, limit=3)[0] == ["img000.jpg", "img001.jpg", "img002.jpg"]
    pd.DataFrame({"ImageId_ClassId": ["nothere.jpg_1"], "EncodedPixels": ["1 1"]}).to_csv(tmp_path / "s2.csv", index=False)
    with pytest.raises(SteelDefectError, match="not in"):
        image_list(images, tmp_path / "s2.csv")


class _Stop(Exception):
    pass


def test_resume_skips_finished_chunks(images, tmp_path):
    ids, _ = image_list(images)
    options = PredictOptions(batch_size=2, chunk_size=5)
    out = tmp_path / "run" / "sub.csv"
    calls = []

    def stop_after_two(n):
        calls.append(n)
        if len(calls) == 2:
            raise _Stop

    with pytest.raises(_Stop):
        predict_images(ids, images, FakeForward(), _thresholds(), out, options, progress=stop_after_two)
    partial = tmp_path / "run" / "sub.csv.partial"
    assert len(list(partial.glob("rows_*.csv"))) == 2 and not out.exists()
    fake = FakeForward()
    report = predict_images(ids, images, fake, _thresholds(), out, options)
    assert report.n_chunks == 5 and report.n_chunks_resumed == 2
    assert sorted(fake.classified) == [_value(k) for k in range(10, N_IMAGES)]
    fresh = tmp_path / "fresh" / "sub.csv"
    predict_images(ids, images, FakeForward(), _thresholds(), fresh, options)
    assert out.read_bytes() == fresh.read_bytes()
    assert report.n_gated == predict_images(ids, images, FakeForward(), _thresholds(), fresh, options).n_gated


def test_resume_discards_chunks_of_other_inputs(images, tmp_path):
    ids, _ = image_list(images)
    options = PredictOptions(batch_size=2, chunk_size=5)
    out = tmp_path / "sub.csv"

    def stop(n):
        raise _Stop

    with pytest.raises(_Stop):
        predict_images(ids, images, FakeForward(), _thresholds(), out, options, progress=stop)
    notes = []
    fake = FakeForward()
    predict_images(ids, images, fake, _thresholds(gates=(0.1, 0.1, 0.1, 0.1)), out, options, notes=notes)
    assert any("discarded 1 partial chunks" in n for n in notes)
    assert len(fake.classified) == N_IMAGES


def test_no_classifier_means_no_gate(images, tmp_path):
    ids, _ = image_list(images, limit=4)
    fake = FakeForward(n_outputs=None)
    report = predict_images(ids, images, fake, _thresholds(gates=(0, 0, 0, 0)), tmp_path / "s.csv")
    assert report.n_gated == 0 and len(fake.segmented) == 4 and fake.classified == []
    with pytest.raises(SteelDefectError, match="no classifier runs"):
        predict_images(ids, images, FakeForward(None), _thresholds(), tmp_path / "s2.csv")
    report = predict_images(ids, images, FakeForward(), _thresholds(), tmp_path / "s3.csv", PredictOptions(use_gate=False))
    assert report.n_gated == 0


@pytest.mark.parametrize(("factor", "gated_kept"), [(1.5, True), (2.0, False)])
def test_soft_gate_segments_gated_images_with_a_larger_minimum_area(images, tmp_path, factor, gated_kept):
    # the fake block is 8 model pixels = 81,920 full-resolution pixels: above 50,000 and 1.5x, below 2x
    ids, _ = image_list(images)
    fake = FakeForward()
    th = Thresholds(classes=tuple(ClassThresholds(0.5, 50_000, g, gate_area_factor=factor)
                                  for g in (0.4, 0.5, 0.45, 0.6)))
    report = predict_images(ids, images, fake, th, tmp_path / "sub.csv", PredictOptions(batch_size=3, chunk_size=5))
    values = [_value(k) for k in range(N_IMAGES)]
    assert sorted(fake.segmented) == values and report.n_gated == 0 and report.n_masks_gated == 0
    sub = read_submission(tmp_path / "sub.csv")
    for v, row in zip(values, sub.itertuples(index=False)):
        c = v % 4
        passes = v / 255 >= (0.4, 0.5, 0.45, 0.6)[c]
        assert bool([row.rle_1, row.rle_2, row.rle_3, row.rle_4][c]) == (passes or gated_kept)


@pytest.mark.parametrize(("survival", "kept"), [(0.85, True), (0.95, False)])
def test_two_level_threshold_decides_survival_above_the_drawing_threshold(images, tmp_path, survival, kept):
    ids, _ = image_list(images)
    th = Thresholds(classes=tuple(ClassThresholds(0.05, 1000, 0.0, survival_threshold=survival) for _ in range(4)))
    report = predict_images(ids, images, FakeForward(), th, tmp_path / "sub.csv", PredictOptions(chunk_size=8))
    per_image = pd.read_csv(tmp_path / "sub_images.csv", keep_default_na=False)
    areas = per_image[[f"area_{c}" for c in range(1, 5)]].to_numpy()
    # only the block's class (value % 4) has pixels at 0.9; drawn at 0.05, its whole 4x10 map is the mask
    expected = np.zeros_like(areas)
    if kept:
        expected[np.arange(N_IMAGES), [_value(k) % 4 for k in range(N_IMAGES)]] = 32 * 200  # the whole 32x200 image
    assert report.n_nonempty == (N_IMAGES if kept else 0)
    np.testing.assert_array_equal(areas, expected)


def test_review_band_flags_unsure_images_and_keeps_their_masks(images, tmp_path):
    ids, _ = image_list(images)
    plain = predict_images(ids, images, FakeForward(), _thresholds(), tmp_path / "plain.csv",
                           PredictOptions(chunk_size=6))
    report = predict_images(ids, images, FakeForward(), _thresholds(), tmp_path / "sub.csv",
                            PredictOptions(chunk_size=6, review_band=(0.3, 0.6)))
    per_image = pd.read_csv(tmp_path / "sub_images.csv", keep_default_na=False)
    p = np.array([_value(k) for k in range(N_IMAGES)]) / 255
    expected = (p >= 0.3) & (p <= 0.6)
    assert per_image["review"].astype(bool).tolist() == expected.tolist()
    assert report.n_review == expected.sum() > 0 and plain.n_review == 0
    assert (tmp_path / "sub.csv").read_bytes() == (tmp_path / "plain.csv").read_bytes()  # same masks
    with pytest.raises(SteelDefectError, match="review-band"):
        predict_images(ids, images, FakeForward(), _thresholds(), tmp_path / "bad.csv",
                       PredictOptions(review_band=(0.6, 0.3)))
