"""The callback that makes training resumable: best model, early stopping, plateau, checkpoints."""

from __future__ import annotations

import math
import time
from pathlib import Path

import keras
import pandas as pd

from steeldefect.config.schema import TrainConfig
from steeldefect.data.io import atomic_write
from steeldefect.artifacts.run_folder import HISTORY_FILE, MODEL_FILE
from steeldefect.training.weight_averaging import save_epoch_weights, update_pool
from steeldefect.training.model_setup import Monitor
from steeldefect.training.optim import current_lr, epoch_learning_rate
from steeldefect.training.state import RunState, save_checkpoint, save_keras
from steeldefect.training.validation import Validator


def write_history(run_dir: Path, state: RunState) -> None:
    """history.csv from the state's rows (so a restart never duplicates or loses a row)."""
    with atomic_write(run_dir / HISTORY_FILE) as tmp:
        pd.DataFrame(state.history).to_csv(tmp, index=False)


class ResumableTraining(keras.callbacks.Callback):
    """After each epoch: validate, keep the best model, early stopping, reduce-on-plateau, save state.

    Every decision lives in :class:`RunState`, saved with the checkpoint, so a restarted run
    continues with the same best value, patience counters and learning rate.
    """

    def __init__(self, run_dir: Path, state: RunState, monitor: Monitor, train: TrainConfig, validator: Validator):
        super().__init__()
        self.run_dir, self.state, self.monitor, self.train = run_dir, state, monitor, train
        self.validator = validator
        self.diverged = False
        self._start = 0.0

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()
        if self.train.schedule != "plateau":  # plateau: the rate lives on in the optimizer's variable
            self.model.optimizer.learning_rate = epoch_learning_rate(self.train, epoch)

    def _plateau(self, improved: bool) -> None:
        if self.train.schedule != "plateau":
            return
        self.state.plateau_wait = 0 if improved else self.state.plateau_wait + 1
        if self.state.plateau_wait >= self.train.plateau_patience:
            optimizer = self.model.optimizer
            optimizer.learning_rate = max(current_lr(optimizer) * self.train.plateau_factor, self.train.min_lr)
            self.state.plateau_wait = 0

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        if not math.isfinite(float(logs.get("loss", math.nan))):
            self.diverged = True  # TerminateOnNaN stops the run; never checkpoint a broken model
            self.model.stop_training = True
            return
        logs.update(self.validator.evaluate(self.model))  # in place: the progress bar shows them too
        value = float(logs[self.monitor.name])
        improved = math.isfinite(value) and self.monitor.better(value, self.state.best)
        if improved:
            save_keras(self.model, self.run_dir / MODEL_FILE)
            self.state.best, self.state.best_epoch, self.state.wait = value, epoch, 0
        else:
            self.state.wait += 1
        row = {"epoch": epoch, **{k: float(v) for k, v in logs.items()},
               "lr": current_lr(self.model.optimizer), "time_s": round(time.perf_counter() - self._start, 3)}
        self._plateau(improved)
        patience = self.train.early_stopping_patience
        if patience is not None and self.state.wait >= patience:
            self.state.stopped = True
            self.model.stop_training = True
        averaging = self.train.average_weights
        if averaging:
            self.state.average_pool = update_pool(self.state.average_pool, epoch, value, averaging,
                                                  self.train.average_of, self.monitor.mode == "max")
            save_epoch_weights(self.model, self.run_dir, epoch, self.state.average_pool)
        self.state.epoch = epoch + 1
        self.state.history.append(row)
        save_checkpoint(self.model, self.run_dir, self.state)
        write_history(self.run_dir, self.state)
