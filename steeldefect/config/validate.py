"""Checks of config values that types alone cannot express (ranges, divisibility, fold numbers).

Pure: imports no model or pipeline code. Backbone names are checked here only against a list the
caller passes; the model registry and albumentations check theirs where the run is built
(:func:`steeldefect.training.buildable.check_buildable`).
"""

from __future__ import annotations

import re

from steeldefect.config.choices import ALL_FOLDS, KIND_MONITORS, WEIGHT_FILE_SUFFIXES, WEIGHTS
from steeldefect.config.schema import (ClassifierConfig, Config, DataConfig, FoldsConfig,
                                       SegmenterConfig, TrainConfig)
from steeldefect.constants import MIN_OUTPUT_PRIOR
from steeldefect.errors import ConfigError

SIZE_MULTIPLE = 32  # input height and width must divide by the backbone's total stride
DECODER_STAGES = 5  # UNet / UNet++ decoders have one stage per backbone stride 2..32
OUTPUT_STRIDES = (1, 2, 4)  # strides a decoder may stop at (full resolution, or a x2 / x4 logit upsampling)
VARIANT_PATTERN = re.compile(r"[a-z0-9_]+")  # a model variant names run folders


class _Checker:
    def __init__(self, source: str):
        self.source = source

    def fail(self, path: str, message: str):
        raise ConfigError(f"{self.source}: {path}: {message}")

    def at_least(self, path: str, value, low):
        if value is not None and value < low:
            self.fail(path, f"{value!r} must be at least {low}")

    def between(self, path: str, value, low, high, high_open: bool = False):
        if value is None:
            return
        if value < low or value > high or (high_open and value == high):
            bound = ")" if high_open else "]"
            self.fail(path, f"{value!r} must lie in [{low}, {high}{bound}")


def _size(c: _Checker, path: str, value: int) -> None:
    c.at_least(path, value, SIZE_MULTIPLE)
    if value % SIZE_MULTIPLE:
        lower = value // SIZE_MULTIPLE * SIZE_MULTIPLE
        c.fail(path, f"{value} is not divisible by {SIZE_MULTIPLE}; use {lower or SIZE_MULTIPLE} "
                     f"or {lower + SIZE_MULTIPLE}")


def _data(c: _Checker, d: DataConfig, n_classes: int | None) -> None:
    _size(c, "data.height", d.height)
    _size(c, "data.width", d.width)
    c.at_least("data.batch_size", d.batch_size, 1)
    c.at_least("data.shuffle_buffer", d.shuffle_buffer, 1)
    for cls, factor in d.oversample.items():
        if not 1 <= cls <= (n_classes or cls):
            c.fail(f"data.oversample.{cls}", f"{cls} is not a class id; valid ids are "
                                             f"{', '.join(map(str, range(1, n_classes + 1)))}")
        c.at_least(f"data.oversample.{cls}", factor, 1)
    c.between("data.segmenter_clean_share", d.segmenter_clean_share, 0.0, 1.0)
    c.between("data.pseudo_share", d.pseudo_share, 0.0, 1.0, high_open=True)
    if (d.pseudo_labels is None) != (d.pseudo_images is None):
        c.fail("data.pseudo_labels" if d.pseudo_labels is None else "data.pseudo_images",
               "is needed too: pseudo labels name their images' folder (data.pseudo_images)")


def _folds(c: _Checker, f: FoldsConfig) -> None:
    c.at_least("folds.k", f.k, 2)
    if f.run != ALL_FOLDS:
        if not f.run:
            c.fail("folds.run", "is empty; list fold numbers or write all")
        for i, fold in enumerate(f.run):
            if not 0 <= fold < f.k:
                c.fail(f"folds.run[{i}]", f"fold {fold} does not exist with k={f.k}; use 0..{f.k - 1}")
        if len(set(f.run)) != len(f.run):
            c.fail("folds.run", f"{list(f.run)} lists a fold twice")


def _train(c: _Checker, path: str, t: TrainConfig, n_outputs: int, n_classes: int | None) -> None:
    c.at_least(f"{path}.epochs", t.epochs, 1)
    if t.lr <= 0:
        c.fail(f"{path}.lr", f"{t.lr!r} must be positive")
    c.between(f"{path}.min_lr", t.min_lr, 0.0, t.lr)
    c.at_least(f"{path}.weight_decay", t.weight_decay, 0.0)
    c.between(f"{path}.warmup_epochs", t.warmup_epochs, 0, t.epochs - 1)
    c.between(f"{path}.plateau_factor", t.plateau_factor, 0.0, 1.0, high_open=True)
    c.at_least(f"{path}.plateau_patience", t.plateau_patience, 1)
    c.at_least(f"{path}.early_stopping_patience", t.early_stopping_patience, 1)
    c.at_least(f"{path}.batch_size", t.batch_size, 1)
    c.between(f"{path}.bn_momentum", t.bn_momentum, 0.0, 1.0, high_open=True)
    c.between(f"{path}.average_weights", t.average_weights, 1, t.epochs)
    if t.class_weights is not None:
        if n_outputs == 1 or (n_classes is not None and n_outputs != n_classes):
            c.fail(f"{path}.class_weights", f"needs one output per class, the model has {n_outputs}")
        if len(t.class_weights) != n_outputs or min(t.class_weights) <= 0:
            c.fail(f"{path}.class_weights", f"{list(t.class_weights)} must be {n_outputs} positive numbers, "
                                            "one per class")




def _backbone_names(c: _Checker, kind: str, m: ClassifierConfig | SegmenterConfig,
                    backbones: tuple[str, ...] | None) -> None:
    if not m.backbones:
        choices = f"choose from {', '.join(backbones)}" if backbones is not None else "list at least one backbone"
        c.fail(f"{kind}.backbones", f"is empty; {choices}")
    for i, name in enumerate(m.backbones):
        if backbones is not None and name not in backbones:
            c.fail(f"{kind}.backbones[{i}]", f"{name!r} is not one of {', '.join(backbones)}")


def check_backbone_names(config: Config, backbones: tuple[str, ...], source: str = "config") -> None:
    """Raise ConfigError naming the key path of the first backbone of either model not in ``backbones``."""
    c = _Checker(source)
    for kind in ("classifier", "segmenter"):
        _backbone_names(c, kind, config.model(kind), tuple(backbones))


def _model(c: _Checker, kind: str, m: ClassifierConfig | SegmenterConfig,
           backbones: tuple[str, ...] | None, n_classes: int | None) -> None:
    _backbone_names(c, kind, m, backbones)
    if len(set(m.backbones)) != len(m.backbones):
        c.fail(f"{kind}.backbones", f"{list(m.backbones)} lists a backbone twice")
    if m.variant is not None and not VARIANT_PATTERN.fullmatch(str(m.variant)):
        c.fail(f"{kind}.variant", f"{m.variant!r} must be lower-case letters, digits and _ (it names run folders)")
    if m.weights not in WEIGHTS and not m.weights.endswith(WEIGHT_FILE_SUFFIXES):
        c.fail(f"{kind}.weights", f"{m.weights!r} is not one of {', '.join(WEIGHTS)} "
                                  f"or a path to a {' / '.join(WEIGHT_FILE_SUFFIXES)} weights file")
    if m.train.monitor not in KIND_MONITORS[kind]:
        c.fail(f"{kind}.train.monitor", f"{m.train.monitor!r} is not one of {', '.join(KIND_MONITORS[kind])} "
                                        f"for a {kind}")
    if isinstance(m, ClassifierConfig):
        c.between(f"{kind}.dropout", m.dropout, 0.0, 1.0, high_open=True)
        c.between(f"{kind}.blackout", m.blackout, 0.0, 1.0)
        if isinstance(m.n_outputs, bool) or not isinstance(m.n_outputs, int) or m.n_outputs < 1 or (
                n_classes is not None and m.n_outputs not in (1, n_classes)):
            each = f"{n_classes}, one per class of the dataset" if n_classes else "one per class of the dataset"
            c.fail(f"{kind}.n_outputs", f"{m.n_outputs!r} must be 1 (any defect) or {each}")
        _train(c, f"{kind}.train", m.train, m.n_outputs, n_classes)
    else:
        if len(m.decoder_filters) != DECODER_STAGES or min(m.decoder_filters, default=0) < 1:
            c.fail(f"{kind}.decoder_filters", f"{list(m.decoder_filters)} must be {DECODER_STAGES} positive "
                                              "channel counts, deepest stage first")
        if m.output_prior is not None and not MIN_OUTPUT_PRIOR <= m.output_prior < 1.0:
            c.fail(f"{kind}.output_prior", f"{m.output_prior!r} must lie in [{MIN_OUTPUT_PRIOR:g}, 1) (below, the "
                                           "losses' probability clip leaves no gradient), or null")
        if isinstance(m.output_stride, bool) or m.output_stride not in OUTPUT_STRIDES:
            c.fail(f"{kind}.output_stride", f"{m.output_stride!r} must be one of {', '.join(map(str, OUTPUT_STRIDES))} "
                                            "(the decoder registry checks which its decoder supports)")
        weights = m.train.class_weights
        _train(c, f"{kind}.train", m.train, n_classes or len(weights or ()) or 2, n_classes)


def _crop(c: _Checker, crop: tuple[int, ...] | None, d: DataConfig, weights, n_classes: int | None) -> None:
    if weights is not None:
        if crop is None:
            c.fail("segmenter.crop_class_weights", "needs segmenter.crop (the weights choose where crops go)")
        count = n_classes or len(weights)
        if len(weights) != count or min(weights) < 0 or sum(weights) <= 0:
            c.fail("segmenter.crop_class_weights", f"{list(weights)} must be {count} non-negative weights "
                                                   "with a positive sum, one per class")
    if crop is None:
        return
    if len(crop) != 2:
        c.fail("segmenter.crop", f"{list(crop)} must be [height, width]")
    for i, (name, value, full) in enumerate((("height", crop[0], d.height), ("width", crop[1], d.width))):
        _size(c, f"segmenter.crop[{i}]", value)
        if value > full:
            c.fail("segmenter.crop", f"{name} {value} exceeds data.{name} {full}; crops are cut from the "
                                     f"resized image, use at most {full} or null")


def validate(config: Config, source: str = "config", backbones: tuple[str, ...] | None = None,
             n_classes: int | None = None) -> Config:
    """Raise ConfigError naming ``source`` and the key path of the first invalid value.

    Fields about classes (``classifier.n_outputs``, class weights, ``data.oversample``) are checked
    against ``n_classes``, the dataset's class count; without it (loading a config, before a dataset is
    known) only against themselves. Training validates again with its dataset's count.

    ``backbones`` is the list of valid backbone names; without it names are not checked here (the
    run checks them against the model registry where it builds the model, see
    :func:`steeldefect.training.buildable.check_buildable`). Augmentation params are checked there too.
    """
    c = _Checker(source)
    if not config.name.strip():
        c.fail("name", "must not be empty")
    _data(c, config.data, n_classes)
    _folds(c, config.folds)
    backbones = None if backbones is None else tuple(backbones)
    _model(c, "classifier", config.classifier, backbones, n_classes)
    _model(c, "segmenter", config.segmenter, backbones, n_classes)
    _crop(c, config.segmenter.crop, config.data, config.segmenter.crop_class_weights, n_classes)
    return config
