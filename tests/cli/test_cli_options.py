"""Consistent flags: choice-valued flags take their names from the registries (listed in --help, a typo
refused by name), one meaning has one flag name (older spellings kept as aliases), and every subcommand
that takes --config takes --set. --help stays free of TensorFlow."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pytest

from steeldefect import logs
from steeldefect.cli import options
from steeldefect.cli.main import build_parser, main

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "configs" / "demo.yaml"


@pytest.fixture(scope="module")
def subparsers() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    return dict(parser._subparsers._group_actions[0].choices)


def _action(sub: argparse.ArgumentParser, flag: str) -> argparse.Action:
    return sub._option_string_actions[flag]


def _parse_error(capsys, argv) -> str:
    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err.strip().splitlines()[-1]


# --- the names come from the registries ------------------------------------------------------------

def test_the_light_names_equal_their_registries():
    from steeldefect.config.schema import RuntimeConfig
    from steeldefect.artifacts.export_manifest import FORMATS
    from steeldefect.ensemble.reducers import available_reducers
    from steeldefect.ensemble.tta import TTA_MODES
    from steeldefect.delivery.kaggle.hour_plan import KAGGLE_GPUS

    assert options.TTA_CHOICES == tuple(TTA_MODES) == ("none", "hflip", "vflip", "both")
    assert list(options.REDUCER_CHOICES) == available_reducers()
    assert options.EXPORT_FORMATS == tuple(FORMATS)
    assert options.KAGGLE_GPU_CHOICES == tuple(KAGGLE_GPUS)
    assert RuntimeConfig.strategy in options.STRATEGY_CHOICES and "tpu" in options.STRATEGY_CHOICES
    assert options.PRECISION_CHOICES == ("auto", "on", "off")


def test_the_runtime_names_equal_the_runtime_registry():
    from steeldefect.delivery.deploy.runtime import RUNTIMES  # imports TensorFlow: hence the tuple in cli/options.py

    assert sorted(options.RUNTIME_CHOICES) == RUNTIMES.names()


def test_the_export_format_tuples_mirror_the_manifest():
    from steeldefect.artifacts.export_manifest import FORMATS  # imports OpenCV: hence the tuples
    from steeldefect.stages import ExportArgs

    assert options.EXPORT_FORMATS == tuple(FORMATS) == ExportArgs.formats


def test_the_kaggle_gpu_tuple_mirrors_the_hour_plan():
    from steeldefect.delivery.kaggle.hour_plan import KAGGLE_GPUS  # imports pandas: hence the tuple in cli/options.py

    assert options.KAGGLE_GPU_CHOICES == tuple(KAGGLE_GPUS)


def test_every_tta_and_reducer_flag_lists_the_registry(subparsers):
    seen = set()
    for name, sub in subparsers.items():
        for flag, choices in (("--tta", options.TTA_CHOICES), ("--reducer", options.REDUCER_CHOICES)):
            if flag in sub._option_string_actions:
                assert tuple(_action(sub, flag).choices) == choices, (name, flag)
                seen.add((name, flag))
    assert {n for n, _ in seen} == {"predict", "pseudo-label", "export", "kaggle-package", "select"}
    assert _action(subparsers["serve"], "--runtime").choices == options.RUNTIME_CHOICES
    assert _action(subparsers["kaggle-package"], "--gpu").choices == options.KAGGLE_GPU_CHOICES
    assert _action(subparsers["train"], "--strategy").choices == options.STRATEGY_CHOICES
    assert _action(subparsers["train"], "--mixed-precision").choices == options.PRECISION_CHOICES


def test_help_lists_the_choices(capsys):
    with pytest.raises(SystemExit):
        main(["predict", "--help"])
    out = capsys.readouterr().out
    assert "{none,hflip,vflip,both}" in out and "{gmean,max,mean}" in out
    with pytest.raises(SystemExit):
        main(["export", "--help"])
    assert "from savedmodel, onnx" in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    (["predict", "--images", "i", "--thresholds", "t", "--out", "o", "--tta", "hflp"],
     "argument --tta: invalid choice: 'hflp' (choose from 'none', 'hflip', 'vflip', 'both')"),
    (["pseudo-label", "--images", "i", "--thresholds", "t", "--out", "o", "--reducer", "median"],
     "argument --reducer: invalid choice: 'median'"),
    (["serve", "--model", "m", "--runtime", "torch"], "argument --runtime: invalid choice: 'torch' (choose from 'onnx', 'openvino', 'tf')"),
    (["export", "--runs", "r", "--thresholds", "t", "--out", "o", "--format", "tflite"],
     "argument --format: unknown format 'tflite'; choose from savedmodel, onnx"),
    (["export", "--runs", "r", "--thresholds", "t", "--out", "o", "--format", "onnx,tflite"],
     "argument --format: unknown format 'tflite'; choose from savedmodel, onnx"),
    (["export", "--runs", "r", "--thresholds", "t", "--out", "o", "--format", ","],
     "argument --format: unknown format (none); choose from savedmodel, onnx"),
    (["select", "--runs", "r", "--budget-s", "1", "--n-images", "3", "--out", "o.yaml", "--reducers", "mean,median"],
     "argument --reducers: unknown reducer 'median'; choose from gmean, max, mean"),
    (["kaggle-package", "--runs", "r", "--out", "o", "--gpu", "v100"], "argument --gpu: invalid choice: 'v100'"),
    (["train", "segmenter", "--config", "c", "--data", "d", "--out", "o", "--strategy", "gpu"],
     "argument --strategy: invalid choice: 'gpu'"),
])
def test_a_wrong_name_is_refused_by_name_in_one_line(capsys, argv, message):
    line = _parse_error(capsys, argv)
    assert line.startswith(f"steeldefect {argv[0]}: error: ") and message in line, line


def test_comma_lists_parse_in_order_without_repeats():
    parse = options.comma_list(options.EXPORT_FORMATS, "format")
    assert parse(" onnx, savedmodel ,onnx") == ("onnx", "savedmodel")
    args = build_parser().parse_args(["export", "--runs", "r", "--thresholds", "t", "--out", "o"])
    assert args.format == options.EXPORT_FORMATS  # the default, converted like a given value
    args = build_parser().parse_args(["select", "--runs", "r", "--budget-s", "1", "--n-images", "3", "--out", "o.yaml",
                                      "--reducers", "gmean,mean"])
    assert args.reducers == ("gmean", "mean")


@pytest.mark.parametrize("argv", [["--help"], ["export", "--help"], ["serve", "--help"], ["train", "--help"]])
def test_help_imports_no_tensorflow(argv):
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "steeldefect", *argv], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    imported = [line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")]
    assert imported and not [m for m in imported if m.split(".")[0] in ("tensorflow", "keras", "onnxruntime")]


# --- one meaning, one flag name ----------------------------------------------------------------------

@pytest.mark.parametrize("argv, dest, value", [
    (["select", "--runs", "r", "--budget-s", "1", "--n-images", "5506", "--out", "o.yaml"], "n_images", 5506),
    (["select", "--runs", "r", "--budget-s", "1", "--images", "5506", "--out", "o.yaml"], "n_images", 5506),
    (["select", "--runs", "r", "--budget-s", "1", "--n-images", "9", "--out", "o.yaml", "--tta", "none"], "tta", "none"),
    (["select", "--runs", "r", "--budget-s", "1", "--n-images", "9", "--out", "o.yaml", "--no-tta"], "tta", "none"),
    (["validate", "--pred", "s.csv", "--sample", "x.csv"], "pred", "s.csv"),
    (["validate", "s.csv", "--sample", "x.csv"], "submission", "s.csv"),
    (["score", "--truth", "t.csv", "--pred", "s.csv", "--images", "i"], "images", "i"),
    (["score", "--truth", "t.csv", "--pred", "s.csv", "--truth-images", "i"], "images", "i"),
    (["serve", "--model", "e"], "model", "e"),
    (["serve", "--models", "e"], "model", "e"),
    (["-q", "score", "--truth", "t.csv", "--pred", "s.csv"], "verbosity", logs.QUIET),
    (["score", "--truth", "t.csv", "--pred", "s.csv", "-v"], "verbosity", logs.VERBOSE),
    (["score", "--truth", "t.csv", "--pred", "s.csv"], "verbosity", logs.NORMAL),
    (["synth", "--out", "d", "--train", "1", "--quiet"], "verbosity", logs.QUIET),
    (["summary", "--runs", "runs/demo"], "out", "runs/demo"),
    (["summary", "--out", "runs/demo"], "out", "runs/demo"),
    (["summary", "--out", "runs/demo", "--pred", "s.csv"], "submission", "s.csv"),
    (["summary", "--out", "runs/demo", "--submission", "s.csv"], "submission", "s.csv"),
])
def test_the_consistent_name_and_the_older_spelling_both_parse(argv, dest, value):
    assert getattr(build_parser().parse_args(argv), dest) == value


def test_a_submission_to_read_is_pred_everywhere(subparsers):
    for name in ("score", "report", "app", "summary", "validate"):
        assert "--pred" in subparsers[name]._option_string_actions, name


# --- --set wherever --config is taken ----------------------------------------------------------------

def test_every_subcommand_with_config_takes_set(subparsers):
    with_config = {name for name, sub in subparsers.items() if "--config" in sub._option_string_actions}
    assert {"train", "folds", "doctor"} <= with_config
    for name in with_config:
        action = _action(subparsers[name], "--set")
        assert isinstance(action, argparse._AppendAction) and action.default == [], name


@pytest.mark.parametrize("sub", ["folds", "doctor"])
def test_set_without_config_is_refused(capsys, tmp_path, sub):
    extra = ["--data", str(tmp_path), "--out", str(tmp_path / "f.csv")] if sub == "folds" else []
    assert main([sub, *extra, "--set", "folds.k=3"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"steeldefect {sub}: error: --set folds.k=3 overrides a field of --config; give --config too"]


def test_folds_take_k_and_seed_from_the_config_with_set(tmp_path, capsys):
    data = tmp_path / "data"
    data.mkdir()
    (data / "train.csv").write_text("ImageId_ClassId,EncodedPixels\n"
                                    + "".join(f"{i}.jpg_{c},\n" for i in "abcdef" for c in "1234"))
    out = tmp_path / "folds.csv"
    assert main(["folds", "--data", str(data), "--config", str(DEMO), "--set", "folds.k=2", "--set", "folds.seed=7",
                 "--out", str(out)]) == 0
    assert "6 images in 2 folds (seed 7)" in capsys.readouterr().out


def test_train_uses_the_config_with_set(tmp_path, monkeypatch):
    seen = []
    monkeypatch.setattr("steeldefect.stages.train_stage.check_cpu_time", lambda args, config, plan: None)
    monkeypatch.setattr("steeldefect.training.train",
                        lambda kind, config, fold, data, out, backbone=None, validated=False: seen.append(config))
    assert main(["train", "segmenter", "--config", str(DEMO), "--data", str(tmp_path), "--out", str(tmp_path),
                 "--set", "segmenter.train.epochs=2", "--set", "data.batch_size=4", "--set", "folds.run=[0, 1]"]) == 0
    assert len(seen) == 2 and {c.segmenter.train.epochs for c in seen} == {2} and seen[0].data.batch_size == 4


@pytest.mark.parametrize("sets, message", [
    (["segmenter.train.epoch=2"], "--set segmenter.train.epoch: unknown key 'epoch' in segmenter.train; valid keys "
                                  "are epochs, loss,"),
    (["data.batch_size=0"], "configs/demo.yaml (with --set): data.batch_size: 0 must be at least 1"),
    (["data.batch_size"], "--set 'data.batch_size': write KEY.PATH=VALUE"),
])
def test_train_refuses_a_bad_set_in_one_line_before_training(tmp_path, capsys, sets, message):
    argv = ["train", "segmenter", "--config", str(DEMO), "--data", str(tmp_path), "--out", str(tmp_path / "runs")]
    assert main([*argv, *[w for s in sets for w in ("--set", s)]]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0], err
    assert not (tmp_path / "runs").exists()


def test_doctor_reports_a_bad_set_as_a_problem(capsys, monkeypatch):
    monkeypatch.setattr("steeldefect.doctor._tensorflow", lambda diagnosis, runtime: None)  # no TensorFlow here
    assert main(["doctor", "--config", str(DEMO), "--set", "runtime.precision=on"]) == 2
    err = capsys.readouterr().err
    assert "--set runtime.precision: unknown key 'precision' in runtime; valid keys are strategy, mixed_precision, tpu" \
        in err


def test_out_says_file_or_folder_everywhere(subparsers):
    for name, sub in subparsers.items():
        action = sub._option_string_actions.get("--out")
        if action is not None:
            assert action.metavar in ("FILE", "DIR"), name


def test_chunk_size_means_images_per_chunk_everywhere(subparsers):
    helps = {name: sub._option_string_actions["--chunk-size"].help for name, sub in subparsers.items()
             if "--chunk-size" in sub._option_string_actions}
    assert set(helps) == {"predict", "tune", "report"}
    assert all(h.startswith("images per chunk") for h in helps.values()), helps


def test_verbosity_sets_the_steeldefect_logger(capsys):
    import logging

    log = logging.getLogger("steeldefect.stages.test")
    logs.configure(build_parser().parse_args(["-q", "summary", "--out", "x"]).verbosity)
    log.info("hidden")
    log.warning("shown")
    logs.configure(build_parser().parse_args(["summary", "-v", "--out", "x"]).verbosity)
    log.debug("debug shown")
    assert capsys.readouterr().err == "shown\nDEBUG: steeldefect.stages.test: debug shown\n"
    logs.configure(build_parser().parse_args(["summary", "--out", "x"]).verbosity)


def test_validate_needs_the_submission(capsys):
    assert main(["validate", "--sample", "x.csv"]) == 2
    assert "give the submission to check" in capsys.readouterr().err
