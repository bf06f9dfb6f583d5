"""The closed choices of config fields, each name list defined once, light enough for config loading.

The registries behind some of them import Keras at their top (``losses``, ``segmenter.decoders``),
and loading a config must not, so their names live here: the schema's ``Literal`` fields are built
from these tuples, and each registry is declared with its tuple (``Registry(..., declared=...)``),
refuses to register a name outside it, and is checked to register all of it
(tests/config/test_choices.py). A new loss or decoder is added here and registered in its module.
Backbones are open (tests and plugins register their own): validation checks them against the
backbone registry where the model is built (``training.buildable``).
"""

from __future__ import annotations

LOSSES = ("bce", "dice", "bce_dice", "focal", "lovasz", "bce_lovasz")  # registered by losses/losses.py
DECODERS = ("unetpp", "unet", "fpn")  # registered by segmenter/decoders.py
POOLINGS = ("avg", "avgmax")  # classifier: global average pooling, or average and max concatenated
AUGMENTATIONS = ("HorizontalFlip", "VerticalFlip", "RandomBrightnessContrast", "Affine",
                 "GaussNoise")  # albumentations transforms a config may list (pipeline/augment.py)
OPTIMIZERS = ("adam", "adamw", "sgd")  # training/optim.py
SCHEDULES = ("cosine", "plateau", "constant")  # learning-rate schedules (training/optim.py, callbacks.py)
AVERAGE_OF = ("last", "best")  # which epochs' weights are averaged: the last k, or the best k by the monitor
KIND_MONITORS = {"classifier": ("auto", "val_loss", "val_auc"),
                 "segmenter": ("auto", "val_loss", "val_competition_dice")}  # what each kind can monitor
MONITORS = tuple(dict.fromkeys(m for kind in KIND_MONITORS.values() for m in kind))  # any kind's
STRATEGIES = ("auto", "tpu", "mirrored", "default")  # tf.distribute strategies (training/device.py)
MIXED_PRECISION = ("auto", "on", "off")  # auto: on with a GPU or TPU
ALL_FOLDS = "all"  # folds.run: every fold
WEIGHTS_NONE = "none"  # backbone weights: random initialisation
WEIGHTS_IMAGENET = "imagenet"  # backbone weights: keras-applications' ImageNet file
WEIGHTS = (WEIGHTS_NONE, WEIGHTS_IMAGENET)  # besides these, weights may be a file path ...
WEIGHT_FILE_SUFFIXES = (".h5", ".hdf5", ".pth")  # ... ending so: Keras 3 .weights.h5, keras-applications .h5 or
# .hdf5, or a PyTorch state dict .pth (EfficientNet-Lite0's, read by backbones.torch_pickle)
