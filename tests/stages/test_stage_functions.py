"""Each stage called as a Python function on tiny inputs; the costly ones up to their first check."""

from __future__ import annotations

from pathlib import Path

import pytest

from steeldefect import stages
from steeldefect.data.kaggle_folder import SAMPLE_SUBMISSION, TEST_LABELS
from steeldefect.errors import SteelDefectError

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> Path:
    """A synthetic dataset of 6 training and 2 test images, written by the synth stage."""
    out = tmp_path_factory.mktemp("stages") / "data"
    result = stages.synth(stages.SynthArgs(out=out, train=6, test=2, seed=3, progress=False))
    assert result.out == out and "6" in result.line
    return out


@pytest.fixture(scope="module")
def submission(dataset, tmp_path_factory) -> Path:
    """The test labels written as a submission: a perfect one."""
    from steeldefect.data.labels import read_labels
    from steeldefect.data.submission import write_submission

    path = tmp_path_factory.mktemp("sub") / "submission.csv"
    write_submission(read_labels(dataset / TEST_LABELS), path)
    return path


def test_synth_again_confirms_the_same_dataset(dataset):
    assert stages.synth(stages.SynthArgs(out=dataset, train=6, test=2, seed=3, progress=False)).out == dataset


def test_folds(dataset, tmp_path):
    result = stages.folds(stages.FoldsArgs(data=dataset, out=tmp_path / "folds.csv", k=3, seed=1))
    assert (result.n_images, result.k, result.seed) == (6, 3, 1) and result.out.is_file()
    with pytest.raises(SteelDefectError, match="give --config too"):
        stages.folds(stages.FoldsArgs(data=dataset, out=tmp_path / "f.csv", overrides=("folds.k=2",)))


def test_folds_take_the_config(dataset, tmp_path):
    args = stages.FoldsArgs(data=dataset, out=tmp_path / "f.csv", config=ROOT / "configs/demo.yaml",
                            overrides=("folds.k=2",))
    assert stages.folds(args).k == 2


def test_score_of_a_perfect_submission(dataset, submission):
    result = stages.score(stages.ScoreArgs(truth=dataset / TEST_LABELS, pred=submission))
    assert result.mean_dice == 1.0 and "mean Dice 1.00000" in result.text()


def test_validate(dataset, submission, tmp_path):
    ok = stages.validate(stages.ValidateArgs(pred=submission, sample=dataset / SAMPLE_SUBMISSION))
    assert ok.ok and ok.n_problems == 0
    bad = tmp_path / "bad.csv"
    bad.write_text(submission.read_text().splitlines()[0] + "\n")
    result = stages.validate(stages.ValidateArgs(pred=bad, sample=dataset / SAMPLE_SUBMISSION, max_problems=1))
    assert not result.ok and len(result.problems) == 1 and "INVALID" in result.problems_text()


def test_summary(dataset, submission, tmp_path):
    (tmp_path / "stage_times.tsv").write_text("tune\t2\n")
    result = stages.summary(stages.SummaryArgs(out=tmp_path, pred=submission, data=dataset))
    written = result.summary.to_dict()
    assert result.path.is_file() and written["test"]["dice"] == 1.0 and written["total_seconds"] == 2


def test_eda(dataset, tmp_path):
    result = stages.eda(stages.EdaArgs(data=dataset, out=tmp_path / "eda", samples=1, shapes=False))
    assert result.out == tmp_path / "eda" and all(p.is_file() for p in result.written)
    assert "wrote" in result.text()


def test_doctor_refuses_set_without_config():
    with pytest.raises(SteelDefectError, match="give --config too"):
        stages.doctor(stages.DoctorArgs(overrides=("seed=1",)))


def test_doctor_on_a_data_folder(dataset, monkeypatch):
    monkeypatch.setattr("steeldefect.doctor._tensorflow", lambda diagnosis, runtime: None)  # no TensorFlow here
    assert stages.doctor(stages.DoctorArgs(data=dataset)).usable


def test_tune_on_oof_runs(tmp_path, oof_case, oof_runs):
    from steeldefect.data.labels import write_labels

    case = oof_case(5, n=20, n_seg=1, n_cls=1, cls_outputs=4)
    runs = oof_runs(tmp_path / "runs", case, k=2)
    write_labels(case.labels(), tmp_path / "train.csv")
    result = stages.tune(stages.TuneArgs(runs=runs, out=tmp_path / "t.yaml", labels=tmp_path / "train.csv",
                                         pixel_thresholds=(0.3, 0.5), min_areas=(0,), gates=(0.0, 0.5),
                                         min_components=(0,), plots=False))
    assert result.out.is_file() and result.tuned.n_images == 20 and result.n_segmenter_runs == 2
    assert all(p.is_file() for p in result.written) and "OOF images" in result.text()


def test_tune_values_parse():
    from steeldefect.tuning.sweep import parse_values

    assert parse_values("0.1:0.3:0.1") == (0.1, 0.2, 0.3) and parse_values("0,5", int) == (0, 5)
    assert parse_values("none") == ()
    with pytest.raises(SteelDefectError, match="cannot read the values"):
        parse_values("1:2:0")


def test_select_checks_its_arguments_first(tmp_path):
    with pytest.raises(SteelDefectError, match="name a .yaml file"):
        stages.select(stages.SelectArgs(runs=tmp_path, budget_s=10, n_images=5, out=tmp_path / "e.txt"))
    with pytest.raises(SteelDefectError, match="--tta hflip"):
        stages.select(stages.SelectArgs(runs=tmp_path, budget_s=10, n_images=5, out=tmp_path / "e.yaml", tta="hflip"))


@pytest.mark.parametrize("call", [
    lambda d: stages.predict(stages.PredictArgs(images=d, thresholds=d / "t.yaml", out=d / "s.csv")),
    lambda d: stages.pseudo_label(stages.PseudoLabelArgs(images=d, thresholds=d / "t.yaml", out=d / "p.csv")),
])
def test_prediction_stages_need_models(tmp_path, call):
    with pytest.raises(SteelDefectError, match="give the models"):
        call(tmp_path)


def test_ensemble_flags_exclude_each_other(tmp_path):
    from steeldefect.stages._common import resolve_ensemble

    assert resolve_ensemble(None, None, None) == (None, "none", "mean")
    with pytest.raises(SteelDefectError, match="drop --tta and --reducer"):
        resolve_ensemble(tmp_path / "e.yaml", "both", None)


def test_export_and_kaggle_package_need_thresholds(tmp_path):
    with pytest.raises(SteelDefectError):
        stages.export(stages.ExportArgs(runs=tmp_path, thresholds=tmp_path / "missing.yaml", out=tmp_path / "x"))
    with pytest.raises(SteelDefectError):
        stages.kaggle_package(stages.KagglePackageArgs(runs=tmp_path, out=tmp_path / "k"))


def test_serve_and_app_check_before_starting(tmp_path):
    with pytest.raises(SteelDefectError, match="--port 70000"):
        stages.serve(stages.ServeArgs(model=tmp_path, port=70000))
    with pytest.raises(SteelDefectError, match="not an exported model"):
        stages.serve(stages.ServeArgs(model=tmp_path))
    with pytest.raises(SteelDefectError, match="--data"):
        stages.app(stages.AppArgs(port=0))  # neither data nor labels


def test_report_needs_runs(tmp_path):
    with pytest.raises(SteelDefectError):
        stages.report(stages.ReportArgs(runs=tmp_path, out=tmp_path / "report", data=tmp_path))


def test_train_refuses_a_bad_set_before_training(tmp_path):
    args = stages.TrainArgs(kind="segmenter", config=ROOT / "configs/demo.yaml", data=str(tmp_path),
                            out=str(tmp_path / "runs"), overrides=("data.batch_size=0",))
    with pytest.raises(SteelDefectError, match="data.batch_size"):
        stages.train(args)
    assert not (tmp_path / "runs").exists()


def test_train_runs_the_planned_folds(tmp_path, monkeypatch):
    seen = []
    monkeypatch.setattr("steeldefect.stages.train_stage.check_cpu_time", lambda args, config, plan: None)
    monkeypatch.setattr("steeldefect.training.train",
                        lambda kind, config, fold, data, out, backbone=None, validated=False: seen.append(fold) or out)
    result = stages.train(stages.TrainArgs(kind="segmenter", config=ROOT / "configs/demo.yaml", data=str(tmp_path),
                                           out=str(tmp_path), overrides=("folds.run=[0, 1]",)))
    assert seen == [0, 1] and len(result.run_dirs) == 2


def test_tfrecords_needs_a_dataset(tmp_path):
    with pytest.raises(SteelDefectError):
        stages.tfrecords(stages.TfrecordsArgs(data=tmp_path / "missing", out=str(tmp_path / "tfr")))
