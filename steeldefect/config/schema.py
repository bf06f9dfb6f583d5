"""The configuration schema: frozen, typed, nested dataclasses, one per concern.

A YAML file maps onto :class:`Config` key by key (see ``configs/demo.yaml``). Field types are
the schema: ``Literal`` fields list their valid choices (built from the one name list of each in
``choices.py``, which the registries are declared with), tuples are YAML lists, dicts YAML
mappings. Other stages (tuning, prediction) add their own section as a new field of
:class:`Config` with a default, so older YAML files stay valid.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from steeldefect.config import choices
from steeldefect.artifacts.run_folder import check_kind

# Literal[tuple] is Literal[*tuple]: each field's choices are the name list in choices.py.
AugmentationName = Literal[choices.AUGMENTATIONS]
LossName = Literal[choices.LOSSES]
OptimizerName = Literal[choices.OPTIMIZERS]
ScheduleName = Literal[choices.SCHEDULES]
MonitorName = Literal[choices.MONITORS]
AverageOf = Literal[choices.AVERAGE_OF]
PoolingName = Literal[choices.POOLINGS]
DecoderName = Literal[choices.DECODERS]
StrategyName = Literal[choices.STRATEGIES]
MixedPrecision = Literal[choices.MIXED_PRECISION]
AllFolds = Literal[choices.ALL_FOLDS]
DEFAULT_DECODER_FILTERS = (256, 128, 64, 32, 16)  # decoder channels, deepest stage first


@dataclass(frozen=True)
class AugmentationConfig:
    """One albumentations transform, applied to image and mask together."""

    name: AugmentationName
    params: dict[str, Any] = field(default_factory=dict)  # keyword arguments of the transform


@dataclass(frozen=True)
class DataConfig:
    """What the input pipeline feeds the models."""

    height: int = 128  # training rows, divisible by 32 (the original strips have 256)
    width: int = 800  # training columns, divisible by 32 (the original strips have 1600)
    batch_size: int = 8  # examples per training step, per replica set (global batch)
    shuffle_buffer: int = 512  # examples held for shuffling when streaming TFRecords
    augmentations: tuple[AugmentationConfig, ...] = ()
    oversample: dict[int, int] = field(default_factory=dict)  # class id -> times an image holding it is repeated
    segmenter_clean_share: float | None = None  # clean images' share of a segmenter epoch; null keeps all
    pseudo_labels: str | None = None  # train.csv-layout labels of pseudo-labelled images (`steeldefect pseudo-label`)
    pseudo_images: str | None = None  # the folder holding those images (e.g. test_images)
    pseudo_share: float = 0.12  # share of every training batch given to them (khornlund: ~12%)


@dataclass(frozen=True)
class FoldsConfig:
    """The cross-validation split and which folds to train."""

    k: int = 5  # number of folds in RUNS/folds.csv
    seed: int = 42  # seed of the stratified split
    run: tuple[int, ...] | AllFolds = choices.ALL_FOLDS  # folds to train: a list, or all


@dataclass(frozen=True)
class TrainConfig:
    """How one model kind is trained."""

    epochs: int = 20
    loss: LossName = "bce"
    class_weights: tuple[float, ...] | None = None  # one weight per class (segmenter / 4-label classifier)
    optimizer: OptimizerName = "adam"
    lr: float = 1e-3  # peak learning rate
    weight_decay: float = 0.0  # adamw only
    schedule: ScheduleName = "cosine"
    warmup_epochs: int = 0  # linear warm-up before the cosine decay
    min_lr: float = 1e-6  # floor of the cosine decay and of reduce-on-plateau
    plateau_factor: float = 0.5  # reduce-on-plateau multiplies the rate by this
    plateau_patience: int = 2  # epochs without improvement before reducing the rate
    early_stopping_patience: int | None = 5  # epochs without improvement before stopping; null = never
    batch_size: int | None = None  # overrides data.batch_size for this kind
    monitor: MonitorName = "auto"  # picks the best epoch;
    # auto: val_auc for classifiers, val_competition_dice (threshold 0.5) for segmenters
    bn_momentum: float | None = None  # batch-norm moving-average momentum; lower (0.9) helps short runs from scratch
    average_weights: int | None = None  # checkpoint weight averaging (12th place): the model is the mean of
    # k epochs' weights; null keeps the best epoch
    average_of: AverageOf = "best"  # which k epochs: the last k, or the best k by the monitor


@dataclass(frozen=True)
class ClassifierConfig:
    """The defect/no-defect gate (or per-class presence when n_outputs is 4)."""

    backbones: tuple[str, ...] = ("efficientnetb0",)
    variant: str | None = None  # names runs of another recipe apart: <kind>/<backbone>-<variant>/fold<k>
    weights: str = "none"  # none, imagenet, or a path to a weights file
    dropout: float = 0.3
    n_outputs: int = 1  # 1: any defect; K (the dataset's class count, 4 for Severstal): presence of each class
    pooling: PoolingName = "avg"  # global pooling of the deepest feature map
    blackout: float = 0.0  # defect blackout (1st place): share of defective training images whose defects
    # are blacked out, labelled clean
    train: TrainConfig = field(default_factory=TrainConfig)


@dataclass(frozen=True)
class SegmenterConfig:
    """The per-class mask model."""

    backbones: tuple[str, ...] = ("efficientnetb0",)
    variant: str | None = None  # names runs of another recipe apart, e.g. "fpn": <kind>/<backbone>-fpn/fold<k>
    weights: str = "none"  # none, imagenet, or a path to a weights file
    decoder: DecoderName = "unetpp"
    decoder_filters: tuple[int, ...] = DEFAULT_DECODER_FILTERS
    deep_supervision: bool = False
    output_prior: float | None = 1e-5  # probability every pixel starts at (head bias); null: 0.5
    output_stride: int = 1  # unetpp / unet / fpn: 2 or 4 stops the decoder at that stride and upsamples the logits
    # bilinearly (SMP's FPN: 4); the full-resolution blocks are most of a CPU training step
    crop: tuple[int, ...] | None = None  # [height, width] of training crops (on a defect when there is one);
    # validation, OOF and prediction use whole images; null trains on whole images
    crop_class_weights: tuple[float, ...] | None = None  # class-aware crops: the class to crop on is drawn
    # among those present with these weights, then one of its pixels; null: a defect pixel drawn uniformly
    train: TrainConfig = field(default_factory=lambda: TrainConfig(loss="bce_dice"))


@dataclass(frozen=True)
class RuntimeConfig:
    """Where and how training runs; the defaults pick the best the machine offers."""

    strategy: StrategyName = "auto"
    mixed_precision: MixedPrecision = "auto"  # auto: on with a GPU or TPU
    tpu: str | None = None  # TPU name or grpc address for the cluster resolver; null finds it


@dataclass(frozen=True)
class Config:
    """The whole configuration of an experiment."""

    name: str = "experiment"
    seed: int = 42  # seed of sampling, shuffling, augmentation and weight initialisation
    data: DataConfig = field(default_factory=DataConfig)
    folds: FoldsConfig = field(default_factory=FoldsConfig)
    classifier: ClassifierConfig = field(default_factory=ClassifierConfig)
    segmenter: SegmenterConfig = field(default_factory=SegmenterConfig)
    runtime: RuntimeConfig = field(default_factory=RuntimeConfig)

    def model(self, kind: str) -> ClassifierConfig | SegmenterConfig:
        """The model section of a kind: "classifier" or "segmenter"."""
        return getattr(self, check_kind(kind))

    def train_crop(self, kind: str) -> tuple[int, int] | None:
        """(h, w) of the training crops of ``kind``: segmenter.crop for segmenters, else None."""
        crop = self.segmenter.crop if kind == "segmenter" else None
        return (int(crop[0]), int(crop[1])) if crop else None

    def fold_list(self) -> tuple[int, ...]:
        """The folds to train, as a tuple of fold numbers."""
        return tuple(range(self.folds.k)) if self.folds.run == choices.ALL_FOLDS else tuple(self.folds.run)

