"""Which images an epoch holds, in which order, with which augmentation seeds (pure numpy).

Rare classes are oversampled by repeating images that hold them; a segmenter epoch can keep
only a share of the clean images, drawn afresh each epoch. Every choice derives from
(seed, epoch), so epoch 7 is the same whether a run got there directly or after a restart.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from steeldefect.config.schema import DataConfig

SEED_LIMIT = 2**31 - 1  # augmentation seeds stay in int32 range


@dataclass(frozen=True)
class EpochPlan:
    """One epoch: ``index`` into the training image list and an augmentation ``seed`` per example."""

    index: np.ndarray  # int64 (steps * batch,)
    seed: np.ndarray  # int64 (steps * batch,)


def repeat_factors(presence: np.ndarray, oversample: dict[int, int]) -> np.ndarray:
    """int64 (N,): times each image appears per epoch: the largest factor of the classes it holds.

    presence: bool (N, K); ``oversample`` keys are class ids 1..K.
    """
    factors = np.ones(len(presence), np.int64)
    for c, factor in oversample.items():
        holds = presence[:, int(c) - 1]
        factors[holds] = np.maximum(factors[holds], factor)
    return factors


def epoch_counts(presence: np.ndarray, data: DataConfig, kind: str, seed: int, epoch: int) -> np.ndarray:
    """int64 (N,): how often each image appears in ``epoch`` (0 for clean images left out)."""
    counts = repeat_factors(presence, data.oversample)
    share = data.segmenter_clean_share
    if kind != "segmenter" or share is None:
        return counts
    clean = np.flatnonzero(~presence.any(axis=1))
    defect_examples = int(counts.sum() - len(clean))
    wanted = len(clean) if share >= 1 else int(round(share / (1 - share) * defect_examples))
    if wanted < len(clean):
        rng = np.random.default_rng([seed, epoch, 1])
        counts[rng.choice(clean, len(clean) - wanted, replace=False)] = 0
    return counts


def steps_per_epoch(presence: np.ndarray, data: DataConfig, kind: str, batch_size: int, seed: int) -> int:
    """Training steps per epoch; the same for every epoch (the clean share fixes the count)."""
    n = int(epoch_counts(presence, data, kind, seed, 0).sum())
    return max(1, -(-n // batch_size))


def epoch_plan(presence: np.ndarray, data: DataConfig, kind: str, batch_size: int, seed: int,
               epoch: int) -> EpochPlan:
    """The shuffled examples of ``epoch``, padded by wrapping to whole batches."""
    counts = epoch_counts(presence, data, kind, seed, epoch)
    rng = np.random.default_rng([seed, epoch, 2])
    index = rng.permutation(np.repeat(np.arange(len(presence)), counts))
    total = steps_per_epoch(presence, data, kind, batch_size, seed) * batch_size
    index = np.resize(index, total)  # wraps around when the epoch is not a whole number of batches
    return EpochPlan(index.astype(np.int64), rng.integers(0, SEED_LIMIT, total, dtype=np.int64))


PSEUDO_STREAM = 3  # the seed stream of the pseudo-label draws


def pseudo_slots(share: float, batch_size: int) -> int:
    """Examples of each batch given to pseudo-labelled images: round(share * batch), at least 1 when share > 0."""
    if share <= 0:
        return 0
    return min(batch_size - 1, max(1, int(round(share * batch_size))))


def mix_pseudo(plan: EpochPlan, n_regular: int, n_pseudo: int, share: float, batch_size: int, seed: int,
               epoch: int) -> EpochPlan:
    """``plan`` with the last ``pseudo_slots`` examples of every batch replaced by pseudo-labelled images
    (indices ``n_regular ..``), drawn in a fresh order each epoch; steps stay the same."""
    k = pseudo_slots(share, batch_size) if n_pseudo else 0
    if not k:
        return plan
    index, seeds = plan.index.copy(), plan.seed.copy()
    slots = (np.arange(len(index)) % batch_size) >= batch_size - k
    rng = np.random.default_rng([seed, epoch, PSEUDO_STREAM])
    order = np.resize(rng.permutation(n_pseudo), int(slots.sum()))
    index[slots] = n_regular + order
    seeds[slots] = rng.integers(0, SEED_LIMIT, int(slots.sum()), dtype=np.int64)
    return EpochPlan(index, seeds)
