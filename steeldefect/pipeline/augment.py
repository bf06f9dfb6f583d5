"""Albumentations transforms named in the config, applied to image and mask together.

Each example carries its own seed, so an augmented epoch is the same on every run and in any
thread order: the transform chain is re-seeded per call (one chain per worker thread, because a
chain holds its random state).
"""

from __future__ import annotations

import inspect
import os
import threading
from typing import Callable

import numpy as np

from steeldefect.config.choices import AUGMENTATIONS
from steeldefect.config.schema import AugmentationConfig
from steeldefect.pipeline.crops import class_aware_window

os.environ.setdefault("NO_ALBUMENTATIONS_UPDATE", "1")  # no network check on import

Augmenter = Callable[[np.ndarray, np.ndarray | None, int], tuple[np.ndarray, np.ndarray | None]]


def _albumentations():
    """albumentations, imported when a pipeline augments (config validation and prediction never do)."""
    import albumentations  # heavy: albumentations

    return albumentations


def build_transform(spec: AugmentationConfig):
    """The albumentations transform of one config entry; raises if the name or params are bad."""
    A = _albumentations()

    if spec.name not in AUGMENTATIONS:
        raise ValueError(f"unknown augmentation {spec.name!r}; valid names are {', '.join(AUGMENTATIONS)}")
    cls = getattr(A, spec.name)
    accepted = [p for p in inspect.signature(cls.__init__).parameters if p not in ("self", "args", "kwargs")]
    unknown = sorted(set(spec.params) - set(accepted))
    if unknown:  # albumentations only warns about these
        raise ValueError(f"no parameter {', '.join(unknown)}; its parameters are {', '.join(accepted)}")
    params = {k: tuple(v) if isinstance(v, list) else v for k, v in spec.params.items()}
    return cls(**params)


def build_augmenter(specs: tuple[AugmentationConfig, ...], crop: tuple[int, int] | None = None,
                    crop_class_weights=None) -> Augmenter | None:
    """A function ``(image, mask, seed) -> (image, mask)``; None when there is nothing to apply.

    image: uint8 (h, w, 3); mask: uint8 (h, w, C) or None; seed: int. Thread safe. ``crop``
    (height, width) first cuts a crop that holds defect pixels when the mask has any
    (albumentations' CropNonEmptyMaskIfExists), a random one otherwise or when there is no mask.
    With ``crop_class_weights`` (one per class) the crop is class-aware (``crops.class_aware_window``).
    """
    if not specs and crop is None:
        return None
    A = _albumentations()

    local = threading.local()

    def chain_for(with_mask: bool):
        """One chain per thread and per call kind; an image without a mask gets a plain random crop."""
        chains = local.__dict__.setdefault("chains", {})
        if with_mask not in chains:
            first = []
            if crop and not (with_mask and crop_class_weights is not None):
                cut = A.CropNonEmptyMaskIfExists if with_mask else A.RandomCrop
                first = [cut(height=int(crop[0]), width=int(crop[1]))]
            chains[with_mask] = A.Compose(first + [build_transform(s) for s in specs], seed=0)
        return chains[with_mask]

    def augment(image: np.ndarray, mask: np.ndarray | None, seed: int):
        chain = chain_for(mask is not None)
        chain.set_random_seed(int(seed))
        if mask is None:
            return chain(image=image)["image"], None
        if crop and crop_class_weights is not None:
            top, left = class_aware_window(mask, crop, crop_class_weights, np.random.default_rng(int(seed)))
            image = image[top:top + crop[0], left:left + crop[1]]
            mask = mask[top:top + crop[0], left:left + crop[1]]
        out = chain(image=image, mask=mask)
        return out["image"], out["mask"]

    return augment
