"""`steeldefect predict` argument handling, with the Keras loading replaced by a fake ensemble."""

from __future__ import annotations

import numpy as np
import pytest

from steeldefect.cli.main import main
from steeldefect.data.submission import validate_submission
from steeldefect.devices import read_stages
from steeldefect.artifacts.thresholds_file import save_thresholds
from steeldefect.postprocess.rules import ClassThresholds, Thresholds


class _Fake:
    input_sizes = ((16, 100),)
    n_class_outputs = 1
    fingerprint = "fake"
    out_size = (16, 100)
    classifiers, segmenters = [object()], [object(), object()]

    def classify(self, views):
        return np.linspace(0, 1, len(views[(16, 100)]))

    def segment(self, views):
        return np.full((len(views[(16, 100)]), 16, 100, 4), 0.7, np.float32)


@pytest.fixture
def fake_models(monkeypatch):
    seen = {}

    def load(runs_dir, run_dirs, tta, reducer, use_classifiers, batch_size=8, spec=None):
        seen.update(runs=runs_dir, models=run_dirs, tta=tta, reducer=reducer, gate=use_classifiers, bs=batch_size)
        if spec is not None:
            seen["spec"] = spec
        return _Fake()

    monkeypatch.setattr("steeldefect.prediction.keras_ensemble.load_ensemble", load)
    monkeypatch.setattr("steeldefect.prediction.keras_ensemble.select_runs", lambda runs, models, spec=None: ([], []))
    return seen


def test_predict_cli(tiny_dataset, tmp_path, fake_models, capsys):
    th = tmp_path / "t.yaml"
    save_thresholds(Thresholds(classes=tuple(ClassThresholds(0.5, 0, 0.5) for _ in range(4)), resolution=(16, 100)), th)
    out = tmp_path / "submission.csv"
    argv = ["predict", "--runs", "RUNS", "--images", str(tiny_dataset / "test_images"), "--thresholds", str(th),
            "--sample", str(tiny_dataset / "sample_submission.csv"), "--out", str(out), "--tta", "vflip",
            "--reducer", "gmean", "--batch-size", "2"]
    assert main(argv) == 0
    captured = capsys.readouterr()
    text = captured.out
    assert "[device] predict: CPU" in captured.err and "| strategy default | precision float32" in captured.err
    assert read_stages(tmp_path)["predict"]["devices"][0].startswith("CPU")  # beside the submission
    assert fake_models == {"runs": "RUNS", "models": None, "tta": "vflip", "reducer": "gmean", "gate": True, "bs": 2}
    assert "6 images: 3 gated" in text
    assert validate_submission(out, tiny_dataset / "sample_submission.csv").ok
    other = tmp_path / "other.yaml"
    save_thresholds(Thresholds(classes=tuple(ClassThresholds(0.5, 0, 0.5) for _ in range(4)), resolution=(32, 192)),
                    other)
    mismatched = [str(other) if a == str(th) else str(tmp_path / "other.csv") if a == str(out) else a for a in argv]
    assert main(mismatched) == 2
    assert "tuned at 32x192 but the segmenters predict at 16x100; run `steeldefect tune`" in capsys.readouterr().err
    assert not (tmp_path / "other.csv").exists()
    assert main([*argv[:-6], "--limit", "2", "--out", str(tmp_path / "two.csv")]) == 0
    assert "2 images" in capsys.readouterr().out


def test_predict_cli_errors(tiny_dataset, tmp_path, fake_models, capsys):
    assert main(["predict", "--images", str(tiny_dataset / "test_images"), "--thresholds", "x.yaml",
                 "--out", str(tmp_path / "s.csv")]) == 2
    assert "--runs" in capsys.readouterr().err
    assert main(["predict", "--runs", "R", "--images", str(tiny_dataset / "test_images"), "--thresholds",
                 str(tmp_path / "none.yaml"), "--out", str(tmp_path / "s.csv")]) == 2
    assert "thresholds file not found" in capsys.readouterr().err


def _segmenter_run_without_model(tmp_path):
    """RUNS with one finished segmenter run at 64x384 and no model.keras: loading would fail otherwise."""
    from steeldefect.artifacts.run_folder import mark_done, run_dir_of
    from steeldefect.artifacts.run_meta import META_FILE

    runs = tmp_path / "runs"
    run = run_dir_of(runs, "segmenter", "bb", 0)
    run.mkdir(parents=True)
    (run / META_FILE).write_text('{"input_size": [64, 384]}')
    mark_done(run)
    return runs


def test_predict_refuses_thresholds_of_another_resolution_before_loading_models(tiny_dataset, tmp_path, capsys):
    runs = _segmenter_run_without_model(tmp_path)
    th = tmp_path / "t.yaml"
    save_thresholds(Thresholds(resolution=(128, 800)), th)
    assert main(["predict", "--runs", str(runs), "--images", str(tiny_dataset / "test_images"), "--thresholds",
                 str(th), "--out", str(tmp_path / "sub.csv")]) == 2
    assert "tuned at 128x800 but the segmenters predict at 64x384" in capsys.readouterr().err


def test_review_band_needs_classifier_runs_before_loading_models(tiny_dataset, tmp_path, capsys):
    runs = _segmenter_run_without_model(tmp_path)
    th = tmp_path / "t.yaml"
    save_thresholds(Thresholds(), th)
    argv = ["predict", "--runs", str(runs), "--images", str(tiny_dataset / "test_images"), "--thresholds", str(th),
            "--out", str(tmp_path / "sub.csv"), "--review-band", "0.2", "0.6"]
    assert main(argv) == 2
    assert "--review-band needs the classifiers" in capsys.readouterr().err
    assert main([*argv[:-2], "0.6", "0.2"]) == 2
    assert "need 0 <= LO <= HI <= 1" in capsys.readouterr().err


def test_predict_takes_tta_and_reducer_from_the_ensemble_file(tiny_dataset, tmp_path, fake_models, capsys):
    from steeldefect.artifacts.ensemble_file import EnsembleSpec, save_spec

    th = tmp_path / "t.yaml"
    save_thresholds(Thresholds(resolution=(16, 100)), th)
    save_spec(EnsembleSpec(("efficientnetb0",), (), "hflip", "max"), tmp_path / "e.yaml")
    argv = ["predict", "--runs", "RUNS", "--images", str(tiny_dataset / "test_images"), "--thresholds", str(th),
            "--out", str(tmp_path / "s.csv"), "--ensemble", str(tmp_path / "e.yaml")]
    assert main(argv) == 0
    assert (fake_models["tta"], fake_models["reducer"]) == ("hflip", "max")
    assert fake_models["spec"].segmenters == ("efficientnetb0",)
    assert "TTA hflip, reducer max" in capsys.readouterr().out
    assert main([*argv, "--tta", "both"]) == 2
    assert "sets the TTA and the reducer; drop --tta and --reducer" in capsys.readouterr().err
