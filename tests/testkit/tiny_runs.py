"""Tiny untrained runs in the RUNS layout, for tests and benchmarks of prediction and packaging.

``write_tiny_runs`` builds a classifier and a segmenter with the project's builders (random weights)
at a small input size and saves them as finished runs, so that predict and the Kaggle kernel can be
exercised end to end without training. The models predict noise; only the plumbing is real.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from steeldefect.artifacts.run_folder import DONE_FILE, MODEL_FILE
from steeldefect.artifacts.run_meta import META_FILE

TINY_INPUT = (32, 192)  # (h, w) of the tiny models: multiples of 32, the strip's aspect ratio roughly
TINY_DECODER_FILTERS = (16, 8, 8, 4, 4)  # a small decoder: the backbone dominates anyway
TINY_BACKBONE = "efficientnetb0"  # the smallest registered backbone


def _finish(run: Path, kind: str, backbone: str, fold: int, size) -> None:
    meta = {"kind": kind, "backbone": backbone, "fold": fold, "input_size": list(size), "tiny": True}
    (run / META_FILE).write_text(json.dumps(meta))
    (run / DONE_FILE).write_text("tiny run\n")


def write_tiny_runs(runs_dir: str | os.PathLike, input_size=TINY_INPUT, backbone: str = TINY_BACKBONE,
                    folds: int = 2, classifier_outputs: int | None = 1, seed: int = 0) -> Path:
    """Save a tiny classifier (unless ``classifier_outputs`` is None) and segmenter as finished runs
    of ``folds`` folds (the folds share one model file's weights). Returns ``runs_dir``."""
    import keras

    from steeldefect.models.classifier import build_classifier
    from steeldefect.models.segmenter import build_segmenter

    keras.utils.set_random_seed(seed)
    runs_dir = Path(runs_dir)
    shape = (int(input_size[0]), int(input_size[1]), 3)
    models = {"segmenter": build_segmenter(backbone, shape, decoder="unet", decoder_filters=TINY_DECODER_FILTERS)}
    if classifier_outputs:
        models["classifier"] = build_classifier(backbone, shape, n_outputs=classifier_outputs)
    for kind, model in models.items():
        first = runs_dir / kind / backbone / "fold0"
        first.mkdir(parents=True, exist_ok=True)
        model.save(first / MODEL_FILE)
        _finish(first, kind, backbone, 0, input_size)
        for fold in range(1, folds):
            run = runs_dir / kind / backbone / f"fold{fold}"
            run.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(first / MODEL_FILE, run / MODEL_FILE)
            _finish(run, kind, backbone, fold, input_size)
    return runs_dir
