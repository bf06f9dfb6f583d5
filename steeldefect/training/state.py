"""The resumable state of a training run: state.json plus the epoch checkpoint it names.

After every epoch the model and its optimizer go to ``ckpt-<epoch>.keras`` (written under a
temporary name, then renamed), then state.json is replaced atomically to point at it, then the
older checkpoint is deleted. A run killed at any moment restarts from the last state.json.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from steeldefect.data.io import atomic_write
from steeldefect.artifacts.run_folder import CHECKPOINT_GLOB, CHECKPOINT_PATTERN, STATE_FILE, WEIGHTS_GLOB


@dataclass
class RunState:
    """What a restarted run needs to carry on as if it had never stopped."""

    epoch: int = 0  # completed epochs
    checkpoint: str | None = None  # file name of the checkpoint after `epoch` epochs
    best: float | None = None  # best monitored value so far
    best_epoch: int | None = None  # 0-based epoch of the best value
    wait: int = 0  # epochs since the best (early stopping)
    plateau_wait: int = 0  # epochs since the last improvement or rate cut (reduce-on-plateau)
    stopped: bool = False  # early stopping ended training
    history: list[dict] = field(default_factory=list)  # one row per completed epoch
    average_pool: list[list] = field(default_factory=list)  # [epoch, monitor value] weight averaging keeps

    @classmethod
    def load(cls, run_dir: Path) -> "RunState":
        path = run_dir / STATE_FILE
        return cls(**json.loads(path.read_text())) if path.is_file() else cls()

    def save(self, run_dir: Path) -> None:
        with atomic_write(run_dir / STATE_FILE) as tmp:
            tmp.write_text(json.dumps(asdict(self), indent=1))


def save_keras(model, path: Path) -> None:
    """model.save under a temporary .keras name, then rename (Keras insists on the suffix)."""
    tmp = path.with_name(f".{path.stem}.partial.keras")
    try:
        model.save(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def save_checkpoint(model, run_dir: Path, state: RunState) -> None:
    """Checkpoint after ``state.epoch`` epochs, point state.json at it, drop older checkpoints."""
    name = CHECKPOINT_PATTERN.format(state.epoch)
    save_keras(model, run_dir / name)
    state.checkpoint = name
    state.save(run_dir)
    for old in run_dir.glob(CHECKPOINT_GLOB):
        if old.name != name:
            old.unlink(missing_ok=True)


def clear_checkpoints(run_dir: Path) -> None:
    """Remove epoch checkpoints (and averaging weights) once a run is done (model.keras keeps the model)."""
    for pattern in (CHECKPOINT_GLOB, WEIGHTS_GLOB):
        for old in run_dir.glob(pattern):
            old.unlink(missing_ok=True)
