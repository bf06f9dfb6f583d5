"""Random out-of-fold (OOF) cases and fake RUNS trees of them, for the tuning tests (no training needed).

``make_oof_case(seed, ...)`` draws truth masks with rectangular defects and probabilities correlated
with them, at a tiny resolution; ``write_oof_runs`` writes them as the OOF files of a RUNS tree, split
into folds and backbones, through the names of ``steeldefect.artifacts``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from steeldefect.constants import IMAGE_HEIGHT, IMAGE_WIDTH, NUM_CLASSES
from steeldefect.data.labels import empty_table
from steeldefect.data.rle import rle_encode
from steeldefect.artifacts.oof import OOF_FILE, quantise
from steeldefect.artifacts.run_folder import DONE_FILE
from steeldefect.artifacts.run_meta import META_FILE


@dataclass
class OOFCase:
    """A random OOF set: ids, truth bool (N, h, w, 4) and per-backbone uint8 levels and classifier probs."""

    image_ids: list[str]
    truth: np.ndarray
    seg_levels: list[np.ndarray]  # one uint8 (N, h, w, 4) per segmenter backbone
    cls_probs: list[np.ndarray]  # one (N,) or (N, 4) per classifier backbone

    @property
    def mean_levels(self) -> np.ndarray:
        """The backbone average as oof.iter_oof computes it."""
        total = sum(q.astype(np.uint16) for q in self.seg_levels)
        k = len(self.seg_levels)
        return total.astype(np.uint8) if k == 1 else ((total + k // 2) // k).astype(np.uint8)

    @property
    def mean_cls(self) -> np.ndarray | None:
        return np.mean(self.cls_probs, axis=0) if self.cls_probs else None

    def labels(self):
        """Label table at 256x1600 whose nearest downscale to (h, w) is exactly ``truth``."""
        n, h, w, _ = self.truth.shape
        table = empty_table(self.image_ids)
        for c in range(NUM_CLASSES):
            col = f"rle_{c + 1}"
            table[col] = [rle_encode(np.repeat(np.repeat(self.truth[i, :, :, c], IMAGE_HEIGHT // h, 0),
                                               IMAGE_WIDTH // w, 1)) for i in range(n)]
        return table


def _draw_truth(rng, n, h, w, p_defect):
    truth = np.zeros((n, h, w, NUM_CLASSES), bool)
    for i in range(n):
        for c in range(NUM_CLASSES):
            if rng.random() < p_defect:
                for _ in range(rng.integers(1, 3)):
                    y0, x0 = rng.integers(0, h - 2), rng.integers(0, w - 2)
                    truth[i, y0:y0 + rng.integers(2, h // 2 + 2), x0:x0 + rng.integers(2, w // 3 + 2), c] = True
    return truth


def make_oof_case(seed: int = 0, n: int = 30, h: int = 16, w: int = 40, n_seg: int = 1, n_cls: int = 1,
                  cls_outputs: int = 1, p_defect: float = 0.35) -> OOFCase:
    """A random OOF case; probabilities are noisy, with spurious blobs, so the tuning is not trivial."""
    rng = np.random.default_rng(seed)
    truth = _draw_truth(rng, n, h, w, p_defect)
    seg = []
    for _ in range(n_seg):
        noise = rng.uniform(0, 0.55, truth.shape) * rng.uniform(0.2, 1.0, (n, 1, 1, NUM_CLASSES))
        signal = truth * rng.uniform(0.2, 0.7, (n, 1, 1, NUM_CLASSES))
        spurious = _draw_truth(rng, n, h, w, 0.25) * rng.uniform(0.1, 0.6, (n, 1, 1, NUM_CLASSES))
        seg.append(quantise(np.clip(noise + signal + spurious, 0, 1)))
    present = truth.any(axis=(1, 2))
    cls = []
    for _ in range(n_cls):
        if cls_outputs == 1:
            cls.append(np.clip(0.45 * present.any(1) + rng.uniform(0, 0.6, n), 0, 1).astype(np.float32))
        else:
            cls.append(np.clip(0.45 * present + rng.uniform(0, 0.6, present.shape), 0, 1).astype(np.float32))
    return OOFCase([f"{i:05d}abc.jpg" for i in range(n)], truth, seg, cls)


def write_oof_runs(runs: Path, case: OOFCase, k: int = 2) -> Path:
    """Write ``case`` as RUNS/<kind>/bb<j>/fold<f>/oof.npz (+ DONE) with ``k`` folds; returns RUNS.

    Compressed like training writes them, except backbone 1's fold 0 (stored: memory-mapped); the
    images are listed in reverse order, except backbone 1's other folds (shuffled: no streaming).
    """
    n = len(case.image_ids)
    folds = np.arange(n) % k
    ids = np.array(case.image_ids)
    rng = np.random.default_rng(0)
    for kind, arrays in (("segmenter", case.seg_levels), ("classifier", case.cls_probs)):
        for j, arr in enumerate(arrays):
            for f in range(k):
                run = runs / kind / f"bb{j}" / f"fold{f}"
                run.mkdir(parents=True)
                rows = np.flatnonzero(folds == f)[::-1]
                if j == 1 and f > 0:
                    rows = rng.permutation(rows)
                save = np.savez if (j == 1 and f == 0) else np.savez_compressed
                save(run / OOF_FILE, image_ids=ids[rows], probs=arr[rows])
                (run / META_FILE).write_text(json.dumps({"kind": kind, "backbone": f"bb{j}", "fold": f}))
                (run / DONE_FILE).write_text("")
    return runs
