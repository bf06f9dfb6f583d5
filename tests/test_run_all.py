"""run_all.sh's command line: help and bad values are answered before any work, and --dry-run shows the
stages it would run (on the synthetic data, on a dataset folder of one's own) without running them."""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(*args):
    return subprocess.run(["bash", str(ROOT / "run_all.sh"), *args], capture_output=True, text=True, timeout=60)


def _dataset(folder: Path, test: bool = True, labels: bool = False) -> Path:
    """The files run_all.sh looks for in a dataset folder (empty: a dry run reads none of them)."""
    from steeldefect.data.kaggle_folder import SAMPLE_SUBMISSION, TEST_IMAGES, TEST_LABELS, TRAIN_CSV, TRAIN_IMAGES

    (folder / TRAIN_IMAGES).mkdir(parents=True)
    (folder / TRAIN_CSV).write_text("ImageId,ClassId,EncodedPixels\n")
    if test:
        (folder / TEST_IMAGES).mkdir()
        (folder / SAMPLE_SUBMISSION).write_text("ImageId,EncodedPixels,ClassId\n")
    if labels:
        (folder / TEST_LABELS).write_text("ImageId,ClassId,EncodedPixels\n")
    return folder


def _dry_run(*args) -> list[list[str]]:
    """The commands ``./run_all.sh --dry-run ARGS`` prints, split into words."""
    done = _run("--dry-run", *args)
    assert done.returncode == 0, done.stderr
    return [shlex.split(line) for line in done.stdout.splitlines() if line.strip()]


def _stages(commands) -> list[str]:
    """The steeldefect subcommands in order (``train classifier`` as one)."""
    return [" ".join(c[1:3]) if c[1] == "train" else c[1] for c in commands if c[0] == "steeldefect"]


def _flag(command: list[str], flag: str) -> str | None:
    return command[command.index(flag) + 1] if flag in command else None


def test_help_teaches_every_option():
    done = _run("--help")
    assert done.returncode == 0
    for option in ("--data", "--config", "--out", "--contrast", "--pseudo-rounds", "--dry-run"):
        assert option in done.stdout
    assert "steeldefect import" in done.stdout  # how a folder of one's own is made


def test_bad_values_fail_in_one_line_before_anything_is_written(tmp_path):
    out = tmp_path / "out"
    done = _run("--pseudo-rounds", "two", "--out", str(out))
    assert done.returncode == 2 and done.stderr.strip() == "run_all.sh: --pseudo-rounds needs a whole number"
    done = _run("--no-such-option")
    assert done.returncode == 2 and "unknown argument '--no-such-option'" in done.stderr
    assert not out.exists()


@pytest.mark.parametrize("missing", ["folder", "train.csv", "train_images/"])
def test_data_without_a_dataset_fails_in_one_line(tmp_path, missing):
    data, out = tmp_path / "data", tmp_path / "out"
    if missing != "folder":
        _dataset(data)
        target = data / missing.rstrip("/")
        target.rmdir() if target.is_dir() else target.unlink()
    done = _run("--data", str(data), "--out", str(out))
    assert done.returncode == 2 and done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"run_all.sh: --data {data}")
    assert ("no such folder" in lines[0]) if missing == "folder" else (f"has no {missing}" in lines[0]
                                                                        and "steeldefect import" in lines[0])
    assert not out.exists()


def test_pseudo_rounds_need_test_images(tmp_path):
    data = _dataset(tmp_path / "data", test=False)
    done = _run("--data", str(data), "--pseudo-rounds", "1", "--out", str(tmp_path / "out"))
    assert done.returncode == 2 and "--pseudo-rounds needs test images" in done.stderr
    assert not (tmp_path / "out").exists()


def test_default_dry_run_makes_the_synthetic_data_and_writes_nothing(tmp_path):
    from steeldefect.data.kaggle_folder import SAMPLE_SUBMISSION

    out = tmp_path / "out"
    commands = _dry_run("--out", str(out))
    assert _stages(commands) == ["synth", "doctor", "eda", "folds", "train classifier", "train segmenter", "tune",
                                 "predict", "validate", "report", "summary"]
    assert _flag(commands[0], "--out") == str(out / "data")
    predict = next(c for c in commands if c[1] == "predict")
    assert _flag(predict, "--sample") == str(out / "data" / SAMPLE_SUBMISSION)
    assert not out.exists()


def test_dry_run_on_a_dataset_of_ones_own_skips_synth_and_reads_it(tmp_path):
    from steeldefect.data.kaggle_folder import TEST_IMAGES

    data, out = _dataset(tmp_path / "data"), tmp_path / "out"
    commands = _dry_run("--data", str(data), "--out", str(out), "--config", "configs/full.yaml")
    assert _stages(commands) == ["doctor", "eda", "folds", "train classifier", "train segmenter", "tune", "predict",
                                 "validate", "report", "summary"]
    for command in commands:
        if command[0] == "steeldefect" and "--data" in command:
            assert _flag(command, "--data") == str(data), command
        if "--config" in command:
            assert _flag(command, "--config") == "configs/full.yaml"
    by_stage = {c[1]: c for c in commands if c[0] == "steeldefect"}
    assert _flag(by_stage["predict"], "--images") == str(data / TEST_IMAGES)
    assert _flag(by_stage["validate"], "--data") == str(data)  # its classes and image sizes
    assert _flag(by_stage["summary"], "--out") == str(out)
    assert not out.exists()


def test_dry_run_without_test_images_stops_after_tune_and_report(tmp_path):
    data = _dataset(tmp_path / "data", test=False)
    commands = _dry_run("--data", str(data), "--out", str(tmp_path / "out"))
    assert _stages(commands)[-2:] == ["tune", "report"]
    assert not {"predict", "validate", "summary"} & set(_stages(commands))
    assert "--pred" not in next(c for c in commands if c[1] == "report")  # the OOF report alone


def test_dry_run_without_a_sample_predicts_the_folder_and_skips_validate(tmp_path):
    from steeldefect.data.kaggle_folder import SAMPLE_SUBMISSION

    data = _dataset(tmp_path / "data")
    (data / SAMPLE_SUBMISSION).unlink()
    commands = _dry_run("--data", str(data), "--out", str(tmp_path / "out"))
    predict = next(c for c in commands if c[1] == "predict")
    assert "--sample" not in predict and "validate" not in _stages(commands)


def test_every_dry_run_command_parses(tmp_path):
    from steeldefect.cli.main import build_parser
    from steeldefect.data.kaggle_folder import TEST_LABELS

    data = _dataset(tmp_path / "data", labels=True)
    parser = build_parser()
    runs = [_dry_run("--out", str(tmp_path / "a"), "--pseudo-rounds", "1", "--parallel", "2"),
            _dry_run("--data", str(data), "--out", str(tmp_path / "b"), "--pseudo-rounds", "1")]
    for commands in runs:
        for command in commands:
            if command[0] == "steeldefect":
                parser.parse_args(command[1:])  # SystemExit (a failed test) on an unknown flag
        pseudo = next(c for c in commands if c[0] == "steeldefect" and c[1] == "pseudo-label")
        assert _flag(pseudo, "--truth") in (None, str(data / TEST_LABELS))
