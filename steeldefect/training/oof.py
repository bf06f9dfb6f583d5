"""Out-of-fold predictions of a trained model on its fold's validation images (oof.npz)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from steeldefect.data.io import atomic_write

OOF_FILE = "oof.npz"  # image_ids + probs
PROB_SCALE = 255  # segmenter probabilities are stored as uint8 round(p * 255)


def to_oof_probs(kind: str, probs: np.ndarray) -> np.ndarray:
    """Storage form: classifier float32 (N,) or (N, 4); segmenter uint8 (N, h, w, 4)."""
    if kind == "segmenter":
        return np.rint(np.clip(probs, 0.0, 1.0) * PROB_SCALE).astype(np.uint8)
    probs = probs.astype(np.float32)
    return probs[:, 0] if probs.ndim == 2 and probs.shape[1] == 1 else probs


def write_oof(run_dir: Path, image_ids: list[str], probs: np.ndarray) -> Path:
    """Write oof.npz atomically; returns its path."""
    path = run_dir / OOF_FILE
    with atomic_write(path) as tmp, open(tmp, "wb") as f:
        np.savez_compressed(f, image_ids=np.asarray(image_ids, dtype=str), probs=probs)
    return path
