"""tf.data pipelines of training and validation batches for both model kinds.

Batches are ``(images, targets)``: images float32 (B, h, w, 3) in 0..255 (the backbone
normalises); targets float32 (B, 1) or (B, K) class presence for a classifier, (B, h, w, K) masks
for a segmenter (K: the dataset's class count). Decoding runs in TensorFlow (by content), resizing, RLE decoding and
augmentation in numpy (tf.numpy_function), all in parallel and in a fixed order.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd
import tensorflow as tf

from steeldefect.config.schema import Config
from steeldefect.constants import NUM_CLASSES
from steeldefect.data.labels import label_presence, table_rle_columns
from steeldefect.errors import SteelDefectError
from steeldefect.pipeline.augment import build_augmenter
from steeldefect.pipeline.preprocess import blackout_defects, prepare_example
from steeldefect.pipeline.oversampling import SEED_LIMIT, epoch_counts, epoch_plan, mix_pseudo, steps_per_epoch
from steeldefect.pipeline.image_sources import FOLDER, DataSource
from steeldefect.pipeline.tfrecords import read_records
from steeldefect.artifacts.run_folder import FOLDS_FILE

AUTOTUNE = tf.data.AUTOTUNE
CACHE_LIMIT_BYTES = 1 << 30  # validation batches are cached in memory below this size
SEED_MIX = (1_000_003, 10_007)  # multipliers mixing (seed, epoch, index) into TFRecord example seeds


@dataclass(frozen=True)
class Spec:
    """What a pipeline produces: model kind, size, outputs and batch size."""

    kind: str  # classifier or segmenter
    size: tuple[int, int]  # (height, width)
    n_outputs: int  # classifier outputs: 1 (any defect) or n_classes
    batch_size: int
    n_classes: int = NUM_CLASSES  # the dataset's classes: RLE strings per example, mask channels

    @classmethod
    def of(cls, config: Config, kind: str, n_classes: int = NUM_CLASSES) -> "Spec":
        model = config.model(kind)
        batch = model.train.batch_size or config.data.batch_size
        n_outputs = model.n_outputs if kind == "classifier" else n_classes
        return cls(kind, (config.data.height, config.data.width), n_outputs, batch, n_classes)


def _subset(source: DataSource, image_ids) -> pd.DataFrame:
    table = source.table.set_index("ImageId", drop=False)
    missing = [i for i in image_ids if i not in table.index]
    if missing:
        raise SteelDefectError(f"{source.location}: image {missing[0]} of the folds is not in the training "
                               f"labels ({len(missing)} missing); rebuild {FOLDS_FILE} for this dataset")
    return table.loc[list(image_ids)].reset_index(drop=True)


def _to_batch_element(spec: Spec, augment, out_size: tuple[int, int] | None = None, blackout: float = 0.0):
    """Map fn: {image (encoded bytes), rle, seed, image_id} -> (image float32, target).

    ``out_size``: the (h, w) that ``augment`` returns when it crops; default ``spec.size``.
    ``blackout``: a classifier's defect-blackout probability (training only; ``blackout_defects``).
    """
    h, w = out_size or spec.size

    def with_mask(image, rles, seed, image_id):
        img, mask = prepare_example(image, [r.decode() for r in rles], spec.size, augment, int(seed),
                                    context=f"image {image_id.decode()}")
        return img, mask

    def image_only(image, seed):
        return prepare_example(image, (), spec.size, augment, int(seed), with_mask=False)[0]

    def blacked_out(image, rles, seed, image_id):
        image, present = blackout_defects(image, [r.decode() for r in rles], int(seed), blackout,
                                          context=f"image {image_id.decode()}")
        return prepare_example(image, (), spec.size, augment, int(seed), with_mask=False)[0], present

    def fn(ex):
        image = tf.io.decode_image(ex["image"], channels=3, expand_animations=False)
        if spec.kind == "segmenter":
            img, mask = tf.numpy_function(with_mask, [image, ex["rle"], ex["seed"], ex["image_id"]],
                                          [tf.uint8, tf.uint8], stateful=False)
            target = tf.ensure_shape(tf.cast(mask, tf.float32), (h, w, spec.n_classes))
        elif blackout > 0:
            img, present = tf.numpy_function(blacked_out, [image, ex["rle"], ex["seed"], ex["image_id"]],
                                             [tf.uint8, tf.float32], stateful=False)
            present = tf.ensure_shape(present, (spec.n_classes,))
            target = tf.reduce_max(present, keepdims=True) if spec.n_outputs == 1 else present
        else:
            img = tf.numpy_function(image_only, [image, ex["seed"]], tf.uint8, stateful=False)
            present = tf.cast(tf.strings.length(tf.strings.strip(ex["rle"])) > 0, tf.float32)
            target = tf.reduce_max(present, keepdims=True) if spec.n_outputs == 1 else present
        return tf.ensure_shape(tf.cast(img, tf.float32), (h, w, 3)), target

    return fn


def _read_file(ex):
    ex = dict(ex)
    ex["image"] = tf.io.read_file(ex.pop("path"))
    return ex


def _folder_examples(source: DataSource, sub: pd.DataFrame, index: np.ndarray, seeds: np.ndarray):
    paths = tf.constant(source.image_paths(sub["ImageId"]))
    rles = tf.constant(sub.loc[:, list(table_rle_columns(sub))].to_numpy().astype(str))
    ids = tf.constant(sub["ImageId"].to_numpy().astype(str))
    ds = tf.data.Dataset.from_tensor_slices((index, seeds))
    ds = ds.map(lambda i, s: {"path": tf.gather(paths, i), "rle": tf.gather(rles, i),
                              "image_id": tf.gather(ids, i), "seed": s})
    return ds.map(_read_file, num_parallel_calls=AUTOTUNE)


def _record_position(sub: pd.DataFrame):
    keys = tf.constant(sub["ImageId"].to_numpy().astype(str))
    init = tf.lookup.KeyValueTensorInitializer(keys, tf.range(len(sub), dtype=tf.int64))
    return tf.lookup.StaticHashTable(init, default_value=-1)


def _tfrecord_train_examples(source: DataSource, sub: pd.DataFrame, config: Config, spec: Spec,
                             first_epoch: int, last_epoch: int, seed: int):
    presence = label_presence(sub)
    counts = np.stack([epoch_counts(presence, config.data, spec.kind, seed, e)
                       for e in range(first_epoch, last_epoch)])
    counts_t = tf.constant(counts, tf.int64)
    position = _record_position(sub)
    total = steps_per_epoch(presence, config.data, spec.kind, spec.batch_size, seed) * spec.batch_size
    records = read_records(source.shards, source.spec.n_classes)

    def one_epoch(e: int):
        # ``e`` is a Python int on purpose: a tensor shuffle seed breaks under a global seed of 0
        # (TensorFlow's get_seed compares the seed pair to (0, 0) in Python).
        row = counts_t[e - first_epoch]

        def expand(ex):
            pos = position.lookup(ex["image_id"])
            n = tf.where(pos >= 0, tf.gather(row, tf.maximum(pos, 0)), tf.constant(0, tf.int64))
            return tf.data.Dataset.from_tensors(ex).repeat(n)

        ds = records.flat_map(expand)
        ds = ds.shuffle(config.data.shuffle_buffer, seed=seed * SEED_MIX[0] + e, reshuffle_each_iteration=False)
        ds = ds.repeat().take(total).enumerate()

        def add_seed(i, ex):
            ex = dict(ex)
            ex["seed"] = (seed * SEED_MIX[0] + e * SEED_MIX[1] + i) % SEED_LIMIT
            return ex

        return ds.map(add_seed)

    epochs = [one_epoch(e) for e in range(first_epoch, last_epoch)]
    return functools.reduce(lambda a, b: a.concatenate(b), epochs)


def train_dataset(source: DataSource, image_ids, config: Config, kind: str, first_epoch: int = 0,
                  last_epoch: int | None = None, pseudo_ids=()) -> tuple[tf.data.Dataset, int]:
    """Augmented, oversampled training batches for epochs [first_epoch, last_epoch).

    ``pseudo_ids``: pseudo-labelled images (``DataSource.with_pseudo``) that take ``data.pseudo_share``
    of every batch (``oversampling.mix_pseudo``); folder sources only.

    Returns the dataset (exactly steps * epochs batches, fixed batch shape) and steps per epoch.
    Deterministic for ``config.seed``: the same epoch gives the same batches on every run.
    """
    spec = Spec.of(config, kind, source.spec.n_classes)
    last_epoch = config.model(kind).train.epochs if last_epoch is None else last_epoch
    sub = _subset(source, image_ids)
    presence = label_presence(sub)
    steps = steps_per_epoch(presence, config.data, kind, spec.batch_size, config.seed)
    if pseudo_ids and source.kind != FOLDER:
        raise SteelDefectError(f"{source.location}: pseudo labels need a dataset folder, not TFRecords")
    if source.kind == FOLDER:
        plans = [epoch_plan(presence, config.data, kind, spec.batch_size, config.seed, e)
                 for e in range(first_epoch, last_epoch)]
        if pseudo_ids:
            plans = [mix_pseudo(p, len(sub), len(pseudo_ids), config.data.pseudo_share, spec.batch_size,
                                config.seed, e) for p, e in zip(plans, range(first_epoch, last_epoch))]
            sub = pd.concat([sub, _subset(source, pseudo_ids)], ignore_index=True)
        index = np.concatenate([p.index for p in plans]) if plans else np.zeros(0, np.int64)
        seeds = np.concatenate([p.seed for p in plans]) if plans else np.zeros(0, np.int64)
        ds = _folder_examples(source, sub, index, seeds)
    else:
        ds = _tfrecord_train_examples(source, sub, config, spec, first_epoch, last_epoch, config.seed)
    crop = config.train_crop(kind)
    weights = config.segmenter.crop_class_weights if kind == "segmenter" else None
    augment = build_augmenter(config.data.augmentations, crop, weights)
    blackout = config.classifier.blackout if kind == "classifier" else 0.0
    ds = ds.map(_to_batch_element(spec, augment, crop, blackout), num_parallel_calls=AUTOTUNE)
    return ds.batch(spec.batch_size, drop_remainder=True).prefetch(AUTOTUNE), steps


def eval_order(source: DataSource, image_ids) -> list[str]:
    """The order in which :func:`eval_dataset` yields ``image_ids``."""
    if source.kind == FOLDER:
        return list(image_ids)
    position = _record_position(_subset(source, image_ids))
    ds = read_records(source.shards, source.spec.n_classes).filter(lambda ex: position.lookup(ex["image_id"]) >= 0)
    return [i.decode() for i in ds.map(lambda ex: ex["image_id"]).as_numpy_iterator()]


def eval_dataset(source: DataSource, image_ids, config: Config, kind: str, cache: bool | None = None):
    """Validation batches of ``image_ids`` (no augmentation, no sampling), in :func:`eval_order`.

    The last batch may be smaller. ``cache`` keeps decoded batches in memory (default: when small).
    """
    spec = Spec.of(config, kind, source.spec.n_classes)
    sub = _subset(source, image_ids)
    zeros = np.zeros(len(sub), np.int64)
    if source.kind == FOLDER:
        ds = _folder_examples(source, sub, np.arange(len(sub), dtype=np.int64), zeros)
    else:
        position = _record_position(sub)
        ds = read_records(source.shards, source.spec.n_classes).filter(lambda ex: position.lookup(ex["image_id"]) >= 0)
        ds = ds.map(lambda ex: {**ex, "seed": tf.constant(0, tf.int64)})
    ds = ds.map(_to_batch_element(spec, None), num_parallel_calls=AUTOTUNE).batch(spec.batch_size)
    h, w = spec.size
    per_image = h * w * 3 * 4 + (h * w * spec.n_classes * 4 if kind == "segmenter" else 0)
    if cache if cache is not None else len(sub) * per_image < CACHE_LIMIT_BYTES:
        ds = ds.cache()
    return ds.prefetch(AUTOTUNE)
