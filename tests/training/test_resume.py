"""A training killed with SIGKILL in the middle of an epoch continues from its last completed epoch."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from steeldefect.config import save_config
from steeldefect.artifacts.run_folder import DONE_FILE, HISTORY_FILE, STATE_FILE
from steeldefect.artifacts.run_meta import META_FILE
from steeldefect.training import train
from training_fixtures import tiny_training_config

EPOCHS = 3
WAIT_S = 300  # how long to wait for the first epoch in the child process (TF import included)

CHILD = """
import sys, time
sys.path.insert(0, {tests!r})
from training_fixtures import register_tiny_backbone
register_tiny_backbone()
from steeldefect.training.callbacks import ResumableTraining

def stall(self, batch, logs=None):  # hang inside the second epoch, where the test kills the process
    if self.state.epoch >= 1:
        time.sleep(600)

ResumableTraining.on_train_batch_end = stall
from steeldefect.training import train
train("classifier", {config!r}, 0, {data!r}, {runs!r})
"""


@pytest.mark.slow
def test_killed_run_resumes_from_its_last_completed_epoch(tiny_backbone, synth_set, tmp_path, capsys):
    config = tiny_training_config(epochs=EPOCHS)
    config_path, runs = tmp_path / "tiny.yaml", tmp_path / "runs"
    save_config(config, config_path)
    script = tmp_path / "child.py"
    script.write_text(CHILD.format(tests=str(Path(__file__).parent), config=str(config_path),
                                   data=str(synth_set), runs=str(runs)))
    run_dir = runs / "classifier" / tiny_backbone / "fold0"
    state_path = run_dir / STATE_FILE
    child = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    try:
        deadline = time.monotonic() + WAIT_S
        while not (state_path.is_file() and json.loads(state_path.read_text())["epoch"] >= 1):
            assert child.poll() is None, child.stderr.read().decode()[-2000:]
            assert time.monotonic() < deadline, "the child never finished its first epoch"
            time.sleep(0.2)
        time.sleep(0.5)  # let it enter the second epoch
        child.send_signal(signal.SIGKILL)
    finally:
        child.kill()
        child.wait()
        child.stderr.close()
    assert not (run_dir / DONE_FILE).exists()
    state = json.loads(state_path.read_text())
    assert state["epoch"] == 1 and (run_dir / state["checkpoint"]).is_file()
    first_row = state["history"][0]

    train("classifier", config_path, 0, synth_set, runs)
    assert f"resuming after epoch 1 of {EPOCHS}" in capsys.readouterr().out
    assert (run_dir / DONE_FILE).is_file()
    history = pd.read_csv(run_dir / HISTORY_FILE)
    assert history["epoch"].tolist() == list(range(EPOCHS))  # no second epoch 0: it did not start over
    assert history.iloc[0]["time_s"] == first_row["time_s"] and history.iloc[0]["loss"] == first_row["loss"]
    assert json.loads((run_dir / META_FILE).read_text())["epochs_run"] == EPOCHS
    assert not list(run_dir.glob("ckpt-*.keras"))
