"""tf.data batches: shapes and targets, image/mask alignment under augmentation, determinism."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from pipeline_fixtures import ALL_AUGMENTATIONS, BRIGHT, DARK, TINY_INPUT, tiny_config
from steeldefect.data.labels import label_presence
from steeldefect.pipeline.tf_dataset import eval_dataset, train_dataset
from steeldefect.pipeline.preprocess import prepare_example, resize_mask
from steeldefect.pipeline.image_sources import FOLDER, open_source

THRESHOLD = (BRIGHT + DARK) / 2  # a pixel brighter than this belongs to a painted defect


def _arrays(ds):
    xs, ys = zip(*[(x.numpy(), y.numpy()) for x, y in ds])
    return np.concatenate(xs), np.concatenate(ys)


def test_folder_source_reads_labels(painted):
    source = open_source(painted)
    assert source.kind == FOLDER and len(source.table) == 12


def test_eval_batches_have_the_right_shapes_and_targets(painted):
    source = open_source(painted)
    ids = source.table["ImageId"].tolist()
    config = tiny_config()
    x, y = _arrays(eval_dataset(source, ids, config, "segmenter"))
    assert x.shape == (12, *TINY_INPUT, 3) and x.dtype == np.float32 and x.max() <= 255
    assert y.shape == (12, *TINY_INPUT, 4) and set(np.unique(y)) <= {0.0, 1.0}
    presence = label_presence(source.table)
    assert np.array_equal(y.max(axis=(1, 2)) > 0, presence)
    _, gate = _arrays(eval_dataset(source, ids, config, "classifier"))
    assert gate.shape == (12, 1) and np.array_equal(gate[:, 0] > 0, presence.any(axis=1))
    four = replace(config, classifier=replace(config.classifier, n_outputs=4))
    _, per_class = _arrays(eval_dataset(source, ids, four, "classifier"))
    assert np.array_equal(per_class > 0, presence)


def test_painted_defects_stay_under_their_masks_through_augmentation(painted):
    source = open_source(painted)
    config = tiny_config(ALL_AUGMENTATIONS)
    ds, steps = train_dataset(source, source.table["ImageId"].tolist(), config, "segmenter", 0, 3)
    x, y = _arrays(ds)
    assert len(x) == 3 * steps * config.data.batch_size
    bright = x.mean(axis=-1) > THRESHOLD
    mask = y.max(axis=-1) > 0
    assert mask.any(axis=(1, 2)).sum() > len(x) // 2
    # defects land where their masks are (edges may blur under rotation) and nowhere else
    assert (bright & mask).sum() / mask.sum() > 0.9
    assert (bright & ~mask).sum() / (~mask).sum() < 0.01
    # the augmentation really moved things: the masks are not all the unaugmented ones
    plain, _ = train_dataset(source, source.table["ImageId"].tolist(), tiny_config(), "segmenter", 0, 3)
    assert not np.array_equal(y, _arrays(plain)[1])


def test_segmenter_crops_hold_the_defect_and_stay_aligned(painted):
    source = open_source(painted)
    ids = source.table["ImageId"].tolist()
    crop = (32, 64)  # half the width of TINY_INPUT
    config = tiny_config(ALL_AUGMENTATIONS[:2])
    config = replace(config, segmenter=replace(config.segmenter, crop=crop))
    x, y = _arrays(train_dataset(source, ids, config, "segmenter", 0, 2)[0])
    assert x.shape[1:] == (*crop, 3) and y.shape[1:] == (*crop, 4)
    bright, mask = x.mean(axis=-1) > THRESHOLD, y.max(axis=-1) > 0
    assert (bright & mask).sum() / mask.sum() > 0.9  # defects under their masks (resizing blurs edges)
    assert (bright & ~mask).sum() / (~mask).sum() < 0.01
    holds = label_presence(source.table).any(axis=1)  # images with a defect: every crop shows some of it
    sampled = np.array([mask[i].any() for i in range(len(x))])
    assert sampled.sum() >= holds.mean() * len(x) - 1
    # classifiers and validation still see whole images
    cx, _ = _arrays(train_dataset(source, ids, config, "classifier", 0, 1)[0])
    vx, _ = _arrays(eval_dataset(source, ids, config, "segmenter"))
    assert cx.shape[1:3] == TINY_INPUT and vx.shape[1:3] == TINY_INPUT


def test_prepare_example_aligns_a_square_under_a_flip():
    image = np.full((64, 256, 3), DARK, np.uint8)
    mask = np.zeros((64, 256), np.uint8)
    mask[10:30, 200:240] = 1
    image[mask > 0] = BRIGHT
    from steeldefect.data.rle import rle_encode
    from steeldefect.pipeline.augment import build_augmenter
    from steeldefect.config import AugmentationConfig

    flip = build_augmenter((AugmentationConfig("HorizontalFlip", {"p": 1.0}),))
    small, masks = prepare_example(image, [rle_encode(mask), "", "", ""], TINY_INPUT, flip, seed=1)
    assert np.array_equal(masks[..., 0], resize_mask(mask[:, ::-1, None], TINY_INPUT)[..., 0])
    assert np.array_equal(small.mean(axis=-1) > THRESHOLD, masks[..., 0] > 0)


def test_training_batches_are_deterministic_for_a_seed_and_resume_exactly(painted):
    source = open_source(painted)
    ids = source.table["ImageId"].tolist()
    config = tiny_config(ALL_AUGMENTATIONS, segmenter_clean_share=0.2)
    first, steps = train_dataset(source, ids, config, "segmenter", 0, 2)
    again, _ = train_dataset(source, ids, config, "segmenter", 0, 2)
    a, b = _arrays(first), _arrays(again)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    resumed, _ = train_dataset(source, ids, config, "segmenter", 1, 2)  # epoch 1 alone, as after a restart
    r = _arrays(resumed)
    n = steps * config.data.batch_size
    assert np.array_equal(r[0], a[0][n:]) and np.array_equal(r[1], a[1][n:])
    other, _ = train_dataset(source, ids, replace(config, seed=config.seed + 1), "segmenter", 0, 2)
    assert not np.array_equal(_arrays(other)[0], a[0])


def test_unknown_fold_image_is_reported(painted):
    from steeldefect.errors import SteelDefectError

    source = open_source(painted)
    with pytest.raises(SteelDefectError, match="image nope.jpg of the folds is not in the training labels"):
        eval_dataset(source, ["nope.jpg"], tiny_config(), "classifier")


@pytest.mark.parametrize("outputs", [1, 4])
def test_defect_blackout_blacks_out_every_defect_and_labels_the_image_clean(painted, outputs):
    source = open_source(painted)
    base = tiny_config()
    config = replace(base, classifier=replace(base.classifier, blackout=0.5, n_outputs=outputs))
    ds, steps = train_dataset(source, source.table["ImageId"].tolist(), config, "classifier", 0, 4)
    x, y = _arrays(ds)
    bright = (x.mean(axis=-1) > THRESHOLD).any(axis=(1, 2))  # a painted defect is still there
    labelled = y.max(axis=-1) > 0
    np.testing.assert_array_equal(bright, labelled)  # no visible defect without its label, nor the reverse
    blacked = (x.mean(axis=-1) < DARK / 2).any(axis=(1, 2))  # black pixels: a blacked-out defect
    assert blacked.sum() > 0 and not (blacked & labelled).any()
    assert 0.25 < blacked.sum() / (blacked.sum() + labelled.sum()) < 0.75  # about half the defective ones
    plain, _ = train_dataset(source, source.table["ImageId"].tolist(), base, "classifier", 0, 4)
    assert not (_arrays(plain)[0].mean(axis=-1) < DARK / 2).any()  # off by default
    x_eval, _ = _arrays(eval_dataset(source, source.table["ImageId"].tolist(), config, "classifier"))
    assert not (x_eval.mean(axis=-1) < DARK / 2).any()  # validation images are never blacked out
