"""Which label sets go together: a submission is compared with the truth that lists its images.

A submission of the test images shares no image with train.csv; the test labels (when the dataset has
them) are its truth. These functions choose the pair a page starts on and what to suggest when the two
sets chosen share nothing.
"""

from __future__ import annotations

from functools import lru_cache

from steeldefect.analysis.app.index import TRUTH, TRUTH_KEYS, AppData, LabelSet
from steeldefect.data.kaggle_folder import TEST_LABELS

CACHE_PAIRS = 64  # shared-image counts remembered (label sets are hashed by identity)


@lru_cache(maxsize=CACHE_PAIRS)
def shared_images(a: LabelSet, b: LabelSet) -> int:
    """Number of image ids listed by both ``a`` and ``b``."""
    small, large = sorted((a, b), key=lambda s: len(s.row_of))
    return sum(1 for image_id in small.row_of if image_id in large.row_of)


def default_pair(data: AppData) -> tuple[str, str]:
    """(A, B) the comparison starts on: the truth set and submission sharing the most images (the
    later submission and the training truth win ties); the truth and the last submission if none share."""
    sets = data.sets()
    truths = [k for k in TRUTH_KEYS if k in sets]
    subs = [k for k in sets if k not in TRUTH_KEYS]
    if not subs:
        return truths[0], truths[-1]
    best = max((shared_images(sets[t], sets[s]), j, -i, t, s)
               for j, s in enumerate(subs) for i, t in enumerate(truths))
    return (best[3], best[4]) if best[0] else (TRUTH, subs[-1])


def best_partner(data: AppData, key: str, exclude: tuple[str, ...] = ()) -> tuple[str, int] | None:
    """(key, shared images) of the loaded set sharing the most images with set ``key`` (truths first on
    ties), or None when none shares any."""
    sets = data.sets()
    order = [k for k in TRUTH_KEYS if k in sets] + [k for k in sets if k not in TRUTH_KEYS]
    counts = [(shared_images(sets[key], sets[k]), -n, k) for n, k in enumerate(order)
              if k != key and k not in exclude]
    best = max(counts, default=(0, 0, None))
    return (best[2], best[0]) if best[0] else None


def suggestion(data: AppData, a: LabelSet, b: LabelSet) -> str:
    """What to compare instead when ``a`` and ``b`` share no image."""
    for fixed in (b, a):
        partner = best_partner(data, fixed.key, exclude=(a.key, b.key))
        if partner is not None:
            key, n = partner
            return f"compare {fixed.name} with {data.get(key).name} ({n:,} images in common)"
    return (f"no loaded label set shares images with {b.name}; to score a submission of the test images, "
            f"put their labels in the data folder as {TEST_LABELS} or pass them with --labels")
