"""The Keras forward pass on tiny untrained runs, predicting a synthetic test folder end to end."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from steeldefect.data.labels import read_labels
from steeldefect.data.submission import read_submission, validate_submission
from steeldefect.prediction.keras_ensemble import select_runs
from steeldefect.prediction.predict import PredictOptions, image_list, predict_images
from steeldefect.postprocess.rules import ClassThresholds, Thresholds
from steeldefect.errors import SteelDefectError
from steeldefect.metric import score_tables

SIZE = (32, 192)


def test_select_runs_finds_every_finished_run(tiny_runs, tmp_path):
    cls, seg = select_runs(tiny_runs)
    assert [r.name for r in cls] == ["classifier/efficientnetb0/fold0", "classifier/efficientnetb0/fold1"]
    assert [r.name for r in seg] == ["segmenter/efficientnetb0/fold0", "segmenter/efficientnetb0/fold1"]
    cls, seg = select_runs(None, [tiny_runs / "segmenter/efficientnetb0/fold1"])
    assert cls == [] and [r.fold for r in seg] == [1]
    unfinished = tmp_path / "segmenter" / "bb" / "fold0"
    unfinished.mkdir(parents=True)
    assert select_runs(tmp_path) == ([], [])
    with pytest.raises(SteelDefectError, match="no DONE"):
        select_runs(None, [unfinished])


@pytest.mark.slow
def test_keras_ensemble_tta_and_prediction(tiny_runs, tiny_dataset, tmp_path):
    from steeldefect.prediction.keras_ensemble import load_ensemble

    runs = [tiny_runs / "classifier/efficientnetb0/fold0", tiny_runs / "segmenter/efficientnetb0/fold0"]
    ensemble = load_ensemble(None, runs, tta="both", batch_size=4)
    assert ensemble.n_class_outputs == 1 and ensemble.input_sizes == (SIZE,) and ensemble.out_size == SIZE
    x = np.random.default_rng(0).integers(0, 256, (3, *SIZE, 3), dtype=np.uint8)
    seg = ensemble.segment({SIZE: x})
    assert seg.shape == (3, *SIZE, 4) and seg.dtype == np.float32 and 0 <= seg.min() and seg.max() <= 1
    model = ensemble.segmenters[0].model
    xf = np.concatenate([x, np.zeros((1, *SIZE, 3), np.uint8)]).astype(np.float32)  # padded as the ensemble does
    views = [model.predict_on_batch(xf), model.predict_on_batch(xf[:, :, ::-1])[:, :, ::-1],
             model.predict_on_batch(xf[:, ::-1])[:, ::-1]]
    np.testing.assert_allclose(seg, np.mean(views, axis=0)[:3], atol=1e-5)
    cls = ensemble.classify({SIZE: x})
    assert cls.shape == (3,) and np.all((cls >= 0) & (cls <= 1))

    sample = tiny_dataset / "sample_submission.csv"
    ids, layout = image_list(tiny_dataset / "test_images", sample)
    out = tmp_path / "sub" / "submission.csv"
    th = Thresholds(classes=tuple(ClassThresholds(0.5, 100, 0.0) for _ in range(4)), resolution=SIZE)
    report = predict_images(ids, tiny_dataset / "test_images", ensemble, th, out,
                            PredictOptions(batch_size=4, chunk_size=4), layout)
    assert report.n_images == 6 and report.n_gated == 0 and report.n_chunks == 2
    assert validate_submission(out, sample).ok
    # the score is the competition Dice recomputed here from the two CSVs' raw RLE text
    truth, written = _masks_by_pair(tiny_dataset / "test_labels.csv"), _masks_by_pair(out)
    assert set(truth) == set(written) and len(written) == 6 * 4
    assert sum(len(pixels) > 0 for pixels in written.values()) == report.n_nonempty
    expected = np.mean([_dice(truth[pair], written[pair]) for pair in truth])
    score = score_tables(read_labels(tiny_dataset / "test_labels.csv"), read_submission(out))["mean"]
    assert score == pytest.approx(expected, rel=1e-12, abs=1e-15)


def _masks_by_pair(csv) -> dict[str, set[int]]:
    """{"<image>_<class>": set of pixel numbers} from a long-format ImageId_ClassId,EncodedPixels CSV."""
    table = pd.read_csv(csv, keep_default_na=False, dtype=str)
    masks = {}
    for pair, rle in zip(table["ImageId_ClassId"], table["EncodedPixels"]):
        numbers = [int(v) for v in rle.split()]
        masks[pair] = {p for start, length in zip(numbers[::2], numbers[1::2]) for p in range(start, start + length)}
    return masks


def _dice(a: set[int], b: set[int]) -> float:
    return 1.0 if not a and not b else 2 * len(a & b) / (len(a) + len(b))
