"""Checkpoint weight averaging (the 12th place's +0.003-0.005): the model becomes the mean of the
weights of k epochs, the last k or the best k by the validation monitor.

During training each epoch's weights go to ``weights-<epoch>.weights.h5`` while the epoch is in the
pool (``update_pool``); the others are deleted, so at most k + 1 such files exist. The pool lives in
state.json, so a resumed run averages the same epochs. At the end the pool's weights are averaged
(``average_weights``: floating variables averaged, others such as seed states taken from the last)
and written as model.keras, in place of the best epoch.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from steeldefect.artifacts.run_folder import WEIGHTS_GLOB, WEIGHTS_PATTERN


def update_pool(pool: list[list], epoch: int, value: float, k: int, mode: str, higher_is_better: bool) -> list[list]:
    """The pool after ``epoch`` (monitor ``value``): [[epoch, value], ...] of the last ``k`` epochs, or of
    the best ``k`` (ties to the earlier epoch), in epoch order. Pure."""
    pool = [list(p) for p in pool if p[0] != epoch] + [[int(epoch), float(value)]]
    if mode == "last":
        keep = sorted(pool, key=lambda p: p[0])[-k:]
    else:
        finite = [p for p in pool if np.isfinite(p[1])]
        sign = -1.0 if higher_is_better else 1.0
        keep = sorted(finite, key=lambda p: (sign * p[1], p[0]))[:k]
    return sorted(keep, key=lambda p: p[0])


def average_weights(weight_lists: list[list[np.ndarray]]) -> list[np.ndarray]:
    """Element-wise mean of several models' weight lists; non-floating arrays come from the last."""
    if not weight_lists:
        raise ValueError("no weights to average")
    out = []
    for arrays in zip(*weight_lists):
        last = np.asarray(arrays[-1])
        if np.issubdtype(last.dtype, np.floating):
            out.append(np.mean([np.asarray(a, np.float64) for a in arrays], axis=0).astype(last.dtype))
        else:
            out.append(last)
    return out


def weights_path(run_dir: Path, epoch: int) -> Path:
    return Path(run_dir) / WEIGHTS_PATTERN.format(epoch)


def save_epoch_weights(model, run_dir: Path, epoch: int, pool: list[list]) -> None:
    """Write this epoch's weights if it entered the pool; delete the files of epochs that left it."""
    keep = {weights_path(run_dir, e) for e, _ in pool}
    if weights_path(run_dir, epoch) in keep:
        model.save_weights(weights_path(run_dir, epoch))
    for path in Path(run_dir).glob(WEIGHTS_GLOB):
        if path not in keep:
            path.unlink(missing_ok=True)


def load_average(model, run_dir: Path, pool: list[list]) -> list[int]:
    """Set ``model``'s weights to the mean of the pool's epoch weights; returns the epochs averaged."""
    lists = []
    for epoch, _ in pool:
        model.load_weights(weights_path(run_dir, epoch))
        lists.append([np.array(w) for w in model.get_weights()])
    model.set_weights(average_weights(lists))
    return [int(e) for e, _ in pool]
