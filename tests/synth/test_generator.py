"""The dataset folder: Kaggle layout, same seed same bytes, resumable, refuses foreign folders."""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from steeldefect.artifacts.synth_record import SYNTH_RECORD_FILE, read_synth_record
from steeldefect.data.images import read_image
from steeldefect.data.labels import read_labels
from steeldefect.errors import SteelDefectError
from steeldefect.synth import generate_dataset, image_ids

N_TRAIN, N_TEST = 5, 3


def digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("synth") / "ds"
    generate_dataset(out, N_TRAIN, N_TEST, seed=1, progress=False)
    return out


def test_kaggle_layout(dataset):
    train_ids = sorted(p.name for p in (dataset / "train_images").iterdir())
    test_ids = sorted(p.name for p in (dataset / "test_images").iterdir())
    assert len(train_ids) == N_TRAIN and len(test_ids) == N_TEST and not set(train_ids) & set(test_ids)
    assert all(re.fullmatch(r"[0-9a-f]{9}\.jpg", i) for i in train_ids + test_ids)
    train = pd.read_csv(dataset / "train.csv", keep_default_na=False)
    assert list(train.columns) == ["ImageId_ClassId", "EncodedPixels"] and len(train) == 4 * N_TRAIN
    assert sorted(set(train["ImageId_ClassId"].str[:-2])) == train_ids
    assert list(train["ImageId_ClassId"].str[-1][:4]) == ["1", "2", "3", "4"]
    sample = pd.read_csv(dataset / "sample_submission.csv", keep_default_na=False)
    assert list(sample.columns) == ["ImageId_ClassId", "EncodedPixels"] and len(sample) == 4 * N_TEST
    assert (sample["EncodedPixels"] == "1 1").all()
    assert sorted(set(sample["ImageId_ClassId"].str[:-2])) == test_ids
    truth = read_labels(dataset / "test_labels.csv")
    assert sorted(truth["ImageId"]) == test_ids
    assert len(read_labels(dataset / "train.csv")) == N_TRAIN
    image = read_image(dataset / "train_images" / train_ids[0])
    assert image.shape == (256, 1600, 3)


def test_same_seed_same_bytes_other_seed_differs(dataset, tmp_path):
    generate_dataset(tmp_path / "again", N_TRAIN, N_TEST, seed=1, progress=False)
    assert digest(tmp_path / "again") == digest(dataset)
    generate_dataset(tmp_path / "other", N_TRAIN, N_TEST, seed=2, progress=False)
    assert digest(tmp_path / "other") != digest(dataset)
    assert image_ids(2, N_TRAIN, N_TEST) != image_ids(1, N_TRAIN, N_TEST)


def test_parallel_workers_same_bytes(dataset, tmp_path):
    generate_dataset(tmp_path / "par", N_TRAIN, N_TEST, seed=1, progress=False, workers=2)
    assert digest(tmp_path / "par") == digest(dataset)


def test_interrupted_run_resumes(dataset, tmp_path):
    import shutil

    out = tmp_path / "resume"
    shutil.copytree(dataset, out)
    first = sorted((out / "train_images").iterdir())[0]
    first.unlink()
    (out / "train.csv").unlink()
    text = (out / SYNTH_RECORD_FILE).read_text().replace('"complete": true', '"complete": false')
    (out / SYNTH_RECORD_FILE).write_text(text)
    summary = generate_dataset(out, N_TRAIN, N_TEST, seed=1, progress=False)
    assert summary.written == 1 and summary.unchanged == N_TRAIN + N_TEST - 1
    assert digest(out) == digest(dataset)
    again = generate_dataset(out, N_TRAIN, N_TEST, seed=1, progress=False)  # complete: nothing to do
    assert again.written == 0
    sorted((out / "test_images").iterdir())[0].unlink()  # a deleted image is noticed and restored
    assert generate_dataset(out, N_TRAIN, N_TEST, seed=1, progress=False).written == 1
    assert digest(out) == digest(dataset)


def test_the_record_keeps_the_arguments_and_counts(dataset):
    record = read_synth_record(dataset)
    assert record.complete and record.arguments["seed"] == 1 and record.arguments["train"] == N_TRAIN
    train = read_labels(dataset / "train.csv")
    assert record.summary.train_clean == int((train.iloc[:, 1:] == "").all(axis=1).sum())
    assert len(record.summary.train_per_class) == 4


def test_a_folder_written_before_the_record_had_a_version_is_the_same_dataset(dataset, tmp_path):
    import json
    import shutil

    out = tmp_path / "old"
    shutil.copytree(dataset, out)
    data = json.loads((out / SYNTH_RECORD_FILE).read_text())
    assert data.pop("format_version") == 1
    old_text = json.dumps(data, indent=2, sort_keys=True) + "\n"  # what the generator wrote before
    (out / SYNTH_RECORD_FILE).write_text(old_text)
    before = digest(out)
    again = generate_dataset(out, N_TRAIN, N_TEST, seed=1, progress=False)  # run_all.sh's rerun: skipped
    assert again.written == 0 and again.unchanged == N_TRAIN + N_TEST
    assert digest(out) == before
    with pytest.raises(SteelDefectError, match="different synthetic dataset"):
        generate_dataset(out, N_TRAIN, N_TEST, seed=2, progress=False)


def test_a_newer_record_is_refused_unless_forced(dataset, tmp_path):
    import json
    import shutil

    out = tmp_path / "newer"
    shutil.copytree(dataset, out)
    data = json.loads((out / SYNTH_RECORD_FILE).read_text())
    (out / SYNTH_RECORD_FILE).write_text(json.dumps({**data, "format_version": 2}))
    with pytest.raises(SteelDefectError, match="format version 2 is newer"):
        generate_dataset(out, N_TRAIN, N_TEST, seed=1, progress=False)
    generate_dataset(out, N_TRAIN, N_TEST, seed=1, progress=False, force=True)
    assert digest(out) == digest(dataset)


def test_refuses_other_dataset_unless_forced(dataset, tmp_path):
    import shutil

    out = tmp_path / "taken"
    shutil.copytree(dataset, out)
    with pytest.raises(SteelDefectError, match="different synthetic dataset.*--force"):
        generate_dataset(out, N_TRAIN, N_TEST, seed=7, progress=False)
    (tmp_path / "foreign").mkdir()
    (tmp_path / "foreign" / "notes.txt").write_text("mine")
    with pytest.raises(SteelDefectError, match="not empty"):
        generate_dataset(tmp_path / "foreign", 2, 1, seed=0, progress=False)
    generate_dataset(out, 2, 1, seed=7, progress=False, force=True)
    assert len(list((out / "train_images").iterdir())) == 2  # stale images of seed 1 removed
    assert len(pd.read_csv(out / "train.csv")) == 8


@pytest.mark.parametrize("args, needle", [
    (["--train", "0"], "--train >= 1"),
    (["--train", "2", "--seed", "5"], "different synthetic dataset"),
    (["--train", "2", "--contrast", "0"], "--contrast must lie in (0, 4]"),
])
def test_cli_errors_are_one_line(dataset, args, needle):
    result = subprocess.run([sys.executable, "-m", "steeldefect", "synth", "--out", str(dataset), "--quiet",
                             *args], capture_output=True, text=True)
    assert result.returncode == 2
    assert needle in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_cli_writes_dataset(tmp_path):
    result = subprocess.run([sys.executable, "-m", "steeldefect", "synth", "--out", str(tmp_path / "d"),
                             "--train", "2", "--test", "1", "--seed", "3", "--contrast", "1.5"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "2 train + 1 test images (seed 3, contrast 1.5)" in result.stdout
    again = subprocess.run([sys.executable, "-m", "steeldefect", "synth", "--out", str(tmp_path / "d"),
                            "--train", "2", "--test", "1", "--seed", "3"], capture_output=True, text=True)
    assert again.returncode == 2 and "contrast 1.5 there, 1.0 asked" in again.stderr
    assert (tmp_path / "d" / "sample_submission.csv").is_file()
