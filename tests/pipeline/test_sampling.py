"""Epoch plans: rare-class oversampling, the segmenter's clean share, determinism per (seed, epoch)."""

from __future__ import annotations

import numpy as np

from steeldefect.config import DataConfig
from steeldefect.pipeline.oversampling import epoch_counts, epoch_plan, repeat_factors, steps_per_epoch

# 10 images: 4 clean, then class 1, class 2, classes 1+4, class 3, class 3, class 4
PRESENCE = np.array([[0, 0, 0, 0]] * 4 + [[1, 0, 0, 0], [0, 1, 0, 0], [1, 0, 0, 1], [0, 0, 1, 0], [0, 0, 1, 0],
                                           [0, 0, 0, 1]], bool)
DATA = DataConfig(oversample={1: 2, 2: 4, 4: 3}, segmenter_clean_share=0.25)


def test_repeat_factor_is_the_largest_of_the_classes_an_image_holds():
    assert repeat_factors(PRESENCE, DATA.oversample).tolist() == [1, 1, 1, 1, 2, 4, 3, 1, 1, 3]


def test_clean_share_applies_to_segmenters_only():
    assert epoch_counts(PRESENCE, DATA, "classifier", 0, 0)[:4].tolist() == [1, 1, 1, 1]
    counts = epoch_counts(PRESENCE, DATA, "segmenter", 0, 0)
    defect_examples = 2 + 4 + 3 + 1 + 1 + 3
    assert round(0.25 / 0.75 * defect_examples) == 5 and counts[:4].sum() == 4  # 5 wanted, 4 exist
    small = DataConfig(oversample={}, segmenter_clean_share=0.25)
    counts = epoch_counts(PRESENCE, small, "segmenter", 0, 0)
    assert counts[:4].sum() == 2 and counts[4:].tolist() == [1] * 6  # 2 / (2 + 6) = 0.25


def test_clean_images_are_redrawn_each_epoch_and_steps_stay_fixed():
    small = DataConfig(oversample={}, segmenter_clean_share=0.25)
    chosen = {tuple(np.flatnonzero(epoch_counts(PRESENCE, small, "segmenter", 3, e)[:4])) for e in range(8)}
    assert len(chosen) > 1
    steps = steps_per_epoch(PRESENCE, small, "segmenter", 3, seed=3)
    for e in range(4):
        plan = epoch_plan(PRESENCE, small, "segmenter", 3, 3, e)
        assert len(plan.index) == len(plan.seed) == steps * 3


def test_plans_depend_only_on_seed_and_epoch():
    a = epoch_plan(PRESENCE, DATA, "classifier", 4, seed=7, epoch=2)
    b = epoch_plan(PRESENCE, DATA, "classifier", 4, seed=7, epoch=2)
    c = epoch_plan(PRESENCE, DATA, "classifier", 4, seed=7, epoch=3)
    assert np.array_equal(a.index, b.index) and np.array_equal(a.seed, b.seed)
    assert not np.array_equal(a.seed, c.seed)
    # every example of the epoch is in the plan (18 examples, padded by wrapping to 20)
    assert np.bincount(a.index[:18], minlength=10).tolist() == repeat_factors(PRESENCE, DATA.oversample).tolist()
