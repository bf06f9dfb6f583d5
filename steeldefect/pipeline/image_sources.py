"""Where training examples come from: a Kaggle-layout folder or a folder of TFRecords.

A TFRecords folder (local or ``gs://``) holds ``tfrecords.json`` (the shard list), the shards
and ``labels.csv``, the label table, so folds and sampling need no image folder.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from steeldefect.artifacts.dataset_file import KAGGLE, DatasetSpec, read_dataset
from steeldefect.artifacts.tfrecords_manifest import (TFRECORDS_MANIFEST_FILE,
                                                       has_tfrecords_manifest, is_remote, join,
                                                       read_tfrecords_manifest)
from steeldefect.data.kaggle_folder import TRAIN_IMAGES, train_labels
from steeldefect.data.labels import read_labels
from steeldefect.errors import SteelDefectError

FOLDER = "folder"  # Kaggle layout: train.csv + train_images/
TFRECORDS = "tfrecords"  # written by `steeldefect tfrecords`
MANIFEST = TFRECORDS_MANIFEST_FILE  # alias kept for importers: the shard list of a TFRecords folder


@dataclass(frozen=True, eq=False)
class DataSource:
    """A training set: its label table and where the encoded images live."""

    location: str
    kind: str  # FOLDER or TFRECORDS
    table: pd.DataFrame  # label table: ImageId + rle_1..rle_K
    shards: tuple[str, ...] = field(default=())  # TFRecord files (TFRECORDS only)
    pseudo_dir: str | None = None  # folder of the pseudo-labelled images (``with_pseudo``)
    pseudo_ids: frozenset = frozenset()
    spec: DatasetSpec = KAGGLE  # the dataset's classes and image sizes (its dataset.yaml)

    def image_paths(self, image_ids) -> list[str]:
        """Paths of training (and pseudo-labelled) images by id (FOLDER only)."""
        return [os.path.join(self.pseudo_dir, i) if i in self.pseudo_ids else os.path.join(self.location, TRAIN_IMAGES, i)
                for i in image_ids]

    def with_pseudo(self, labels: pd.DataFrame, images_dir: str | os.PathLike) -> "DataSource":
        """This source plus pseudo-labelled images (a label table of images in ``images_dir``)."""
        if self.kind != FOLDER:
            raise SteelDefectError(f"{self.location}: pseudo labels need a dataset folder, not TFRecords")
        clash = sorted(set(labels["ImageId"]) & set(self.table["ImageId"]))
        if clash:
            raise SteelDefectError(f"pseudo label image {clash[0]} is also a training image ({len(clash)} such); "
                                   "pseudo-label test images only")
        missing = [i for i in labels["ImageId"] if not Path(images_dir, i).is_file()]
        if missing:
            raise SteelDefectError(f"pseudo-labelled image {missing[0]} is not in {images_dir} ({len(missing)} missing)")
        if len(labels.columns) != len(self.table.columns):
            raise SteelDefectError(f"the pseudo labels have {len(labels.columns) - 1} classes, the dataset "
                                   f"{self.spec.n_classes}")
        table = pd.concat([self.table, labels], ignore_index=True)
        return DataSource(self.location, self.kind, table, self.shards, str(images_dir), frozenset(labels["ImageId"]),
                          self.spec)


def _read_labels(location: str, name: str, n_classes: int) -> pd.DataFrame:
    """The label table ``name`` of a TFRecords folder (copied to a temporary file first from gs://); an
    imported dataset's RLEs were checked at their images' sizes when the records were written."""
    check = n_classes == KAGGLE.n_classes
    if not is_remote(location):
        return read_labels(Path(location, name), n_classes=n_classes, check=check)
    import tensorflow as tf  # heavy: TensorFlow, only when this runs

    with tempfile.TemporaryDirectory() as tmp:
        local = os.path.join(tmp, os.path.basename(name))
        tf.io.gfile.copy(join(location, name), local)
        return read_labels(local, n_classes=n_classes, check=check)


def open_source(location: str | os.PathLike) -> DataSource:
    """Open a dataset folder or a TFRecords folder; one clear error when it is neither."""
    location = str(location)
    if has_tfrecords_manifest(location):
        manifest = read_tfrecords_manifest(location)
        spec = DatasetSpec(class_names=manifest.class_names) if manifest.class_names else KAGGLE
        table = _read_labels(location, manifest.labels, spec.n_classes)
        return DataSource(location, TFRECORDS, table, tuple(join(location, s) for s in manifest.shards), spec=spec)
    if is_remote(location):
        raise SteelDefectError(f"{location}: no {TFRECORDS_MANIFEST_FILE} there; remote data must be TFRecords "
                               "written by `steeldefect tfrecords`")

    return DataSource(location, FOLDER, train_labels(location), spec=read_dataset(location))
