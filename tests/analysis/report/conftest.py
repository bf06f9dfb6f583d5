"""A small synthetic RUNS tree without training: synth images, folds, and fake OOF predictions.

The runs are written as ``steeldefect.training`` writes them (config.yaml via save_config of the
resolved config, meta.json with the same keys, oof.npz via artifacts.oof.write_oof, DONE last); the
segmenter probabilities are the truth masks at the training resolution plus noise and spurious blobs,
the classifier's a noisy "image has a defect".
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from steeldefect.config import load_config, save_config
from steeldefect.artifacts.dataset_file import DatasetSpec, ImageSize, write_dataset
from steeldefect.data.images import read_image_shape
from steeldefect.data.kaggle_folder import TEST_IMAGES, TEST_LABELS, TRAIN_CSV, TRAIN_IMAGES, train_labels
from steeldefect.data.labels import label_presence, read_labels, write_labels
from steeldefect.artifacts.oof import quantise
from steeldefect.artifacts.run_folder import CONFIG_FILE, DONE_FILE, FOLDS_FILE
from steeldefect.artifacts.run_meta import META_FILE
from steeldefect.tuning.histograms import truth_masks
from steeldefect.folds import make_folds, write_folds
from steeldefect.synth.generator import generate_dataset
from steeldefect.artifacts.oof import to_oof_probs, write_oof
from steeldefect.training.run import resolve

ROOT = Path(__file__).resolve().parents[3]
N_TRAIN = 40  # synthetic training images
SHAPE = (32, 192)  # training resolution of the fake runs (divisible by 32, as the config requires)
K = 2  # folds
BACKBONE = "efficientnetb0"


def _config(shape=SHAPE):
    config = load_config(ROOT / "configs" / "demo.yaml")
    return replace(config, data=replace(config.data, height=shape[0], width=shape[1]),
                   folds=replace(config.folds, k=K, run="all"))


def _write_run(runs: Path, kind: str, fold: int, ids: list[str], probs: np.ndarray, config) -> None:
    resolved, backbone = resolve(config, kind, BACKBONE)
    run = runs / kind / backbone / f"fold{fold}"
    run.mkdir(parents=True)
    save_config(resolved, run / CONFIG_FILE)
    stored = to_oof_probs(kind, probs)
    write_oof(run, kind, ids, stored)
    meta = {"kind": kind, "backbone": backbone, "fold": fold, "seed": config.seed, "config_name": config.name,
            "input_size": [config.data.height, config.data.width], "data": "synthetic",
            "train_images": N_TRAIN - len(ids), "val_images": len(ids), "train_class_images": [0, 0, 0, 0],
            "steps_per_epoch": 1, "batch_size": 8, "epochs_run": 1, "early_stopped": False,
            "monitor": "val_dice" if kind == "segmenter" else "val_auc", "best": 0.5, "best_epoch": 1,
            "epoch_wall_s": [0.1], "wall_s_this_session": 0.1, "device": {"strategy": "cpu"},
            "versions": {}, "git_commit": None, "oof_shape": list(stored.shape), "oof_dtype": str(stored.dtype),
            "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    (run / META_FILE).write_text(json.dumps(meta, indent=1))
    (run / DONE_FILE).write_text(time.strftime("%Y-%m-%dT%H:%M:%S%z\n"))


def make_runs(data: Path, runs: Path, seed: int = 0, shape: tuple[int, int] = SHAPE) -> Path:
    """Write RUNS/folds.csv and one segmenter and one classifier run per fold; returns RUNS."""
    rng = np.random.default_rng(seed)
    config = _config(shape)
    table = train_labels(data)
    folds = make_folds(table, K, 42)
    runs.mkdir(parents=True)
    write_folds(folds, runs / FOLDS_FILE)
    for fold in range(K):
        ids = folds.loc[folds["fold"] == fold, "ImageId"].tolist()[::-1]
        truth = truth_masks(table, ids, shape)
        n = len(ids)
        spurious = np.zeros_like(truth)
        for i in range(n):
            if rng.random() < 0.4:
                c, y = rng.integers(0, truth.shape[-1]), rng.integers(0, shape[0] - 6)
                x = rng.integers(0, shape[1] - 20)
                spurious[i, y:y + 6, x:x + 20, c] = True
        probs = np.clip(truth * rng.uniform(0.35, 0.8, (n, 1, 1, truth.shape[-1])) + rng.uniform(0, 0.45, truth.shape)
                        + spurious * 0.4, 0, 1)
        _write_run(runs, "segmenter", fold, ids, quantise(probs) / 255.0, config)
        present = label_presence(table.set_index("ImageId").loc[ids].reset_index()).any(axis=1)
        cls = np.clip(0.4 * present + rng.uniform(0, 0.6, n), 0, 1).astype(np.float32)[:, None]
        _write_run(runs, "classifier", fold, ids, cls, config)
    return runs


@pytest.fixture(scope="session")
def synth_data(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("report_data") / "data"
    generate_dataset(out, N_TRAIN, 8, seed=5, progress=False)
    return out


@pytest.fixture(scope="session")
def runs_tree(synth_data, tmp_path_factory) -> Path:
    return make_runs(synth_data, tmp_path_factory.mktemp("report_runs") / "runs")


@pytest.fixture(scope="session")
def runs_no_classifier(runs_tree, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("report_runs_nocls") / "runs"
    shutil.copytree(runs_tree, out, ignore=shutil.ignore_patterns("classifier"))
    return out


K3_NAMES = ("scratch", "pit", "stain")  # the classes of the three-class copy of the synthetic data


@pytest.fixture(scope="session")
def k3_synth_data(synth_data, tmp_path_factory) -> Path:
    """The synthetic dataset with class 4 dropped and the other three named, as an imported dataset."""
    out = tmp_path_factory.mktemp("report_k3") / "data"
    out.mkdir()
    for folder in (TRAIN_IMAGES, TEST_IMAGES):
        shutil.copytree(synth_data / folder, out / folder)
    write_labels(train_labels(synth_data).drop(columns="rle_4"), out / TRAIN_CSV)
    write_labels(read_labels(synth_data / TEST_LABELS).drop(columns="rle_4"), out / TEST_LABELS)
    first = next(iter(sorted((out / TRAIN_IMAGES).iterdir())))
    write_dataset(DatasetSpec(K3_NAMES, (ImageSize(*read_image_shape(first)),)), out)
    return out


@pytest.fixture(scope="session")
def k3_runs_tree(k3_synth_data, tmp_path_factory) -> Path:
    return make_runs(k3_synth_data, tmp_path_factory.mktemp("report_k3_runs") / "runs")
