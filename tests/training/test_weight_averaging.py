"""Checkpoint weight averaging: the pool policy and the mean, pure; then one short run with it on."""

from __future__ import annotations

import json

import numpy as np
import pytest

from steeldefect.artifacts.run_folder import MODEL_FILE, WEIGHTS_PATTERN
from steeldefect.artifacts.run_meta import META_FILE
from steeldefect.training.weight_averaging import average_weights, update_pool


def _run_pool(values, k, mode, higher=True):
    pool = []
    for epoch, v in enumerate(values):
        pool = update_pool(pool, epoch, v, k, mode, higher)
    return pool


def test_last_k_keeps_the_latest_epochs():
    assert _run_pool([0.1, 0.5, 0.3, 0.2], 2, "last") == [[2, 0.3], [3, 0.2]]
    assert _run_pool([0.1], 3, "last") == [[0, 0.1]]


def test_best_k_keeps_the_best_by_the_monitor_in_epoch_order():
    assert _run_pool([0.1, 0.5, 0.3, 0.4], 2, "best") == [[1, 0.5], [3, 0.4]]
    assert _run_pool([0.9, 0.2, 0.5], 2, "best", higher=False) == [[1, 0.2], [2, 0.5]]  # a loss: lower wins
    assert _run_pool([0.5, 0.5, 0.5], 2, "best") == [[0, 0.5], [1, 0.5]]  # ties to the earlier epoch
    assert _run_pool([0.3, float("nan"), 0.1], 2, "best") == [[0, 0.3], [2, 0.1]]  # NaN never enters


def test_a_resumed_epoch_replaces_its_entry():
    pool = update_pool([[0, 0.1], [1, 0.2]], 1, 0.4, 2, "best", True)
    assert pool == [[0, 0.1], [1, 0.4]]


def test_average_is_elementwise_and_keeps_integer_state_of_the_last():
    a = [np.array([1.0, 2.0], np.float32), np.array([3], np.int64)]
    b = [np.array([3.0, 6.0], np.float32), np.array([7], np.int64)]
    out = average_weights([a, b])
    np.testing.assert_array_equal(out[0], [2.0, 4.0])
    assert out[0].dtype == np.float32 and out[1].tolist() == [7]
    with pytest.raises(ValueError):
        average_weights([])


@pytest.mark.slow
def test_a_run_with_averaging_saves_the_mean_model_and_records_it(tiny_backbone, synth_set, tmp_path):
    from dataclasses import replace

    from steeldefect.models.model_io import load_model
    from steeldefect.training import train
    from training_fixtures import tiny_training_config

    config = tiny_training_config(epochs=3)
    config = replace(config, classifier=replace(config.classifier, train=replace(
        config.classifier.train, average_weights=2, average_of="last")))
    run_dir = train("classifier", config, 0, synth_set, tmp_path / "runs")
    meta = json.loads((run_dir / META_FILE).read_text())
    averaging = meta["weight_averaging"]
    assert averaging["epochs"] == [1, 2] and averaging["of"] == "last" and averaging["k"] == 2
    assert "val_auc" in averaging and "best_single_epoch" in averaging
    assert not list(run_dir.glob(WEIGHTS_PATTERN.replace("{:04d}", "*")))  # cleared with the checkpoints
    assert load_model(run_dir / MODEL_FILE) is not None
