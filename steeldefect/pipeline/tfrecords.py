"""TFRecords of the training set: original encoded image bytes plus the K RLE strings (4 for Severstal).

The image bytes are stored as read (JPEG, or PNG under a .jpg name), so decoding a record gives
exactly the pixels the folder pipeline decodes; masks stay RLE, decoded like the folder's.
Works with local paths and gs:// (tf.io.gfile). TensorFlow is imported when records are first written or
read (``_tf``), so the `tfrecords` stage reports a wrong dataset folder without starting it.
"""

from __future__ import annotations

import os
import tempfile

from tqdm import tqdm

from steeldefect.artifacts.tfrecords_manifest import (TFRECORDS_LABELS_FILE, TfrecordsManifest, join,
                                                       write_tfrecords_manifest)
from steeldefect.artifacts.dataset_file import KAGGLE
from steeldefect.constants import NUM_CLASSES
from steeldefect.data.labels import table_rle_columns, write_labels
from steeldefect.errors import SteelDefectError
from steeldefect.pipeline.image_sources import open_source

SHARD_PATTERN = "train-{:05d}-of-{:05d}.tfrecord"  # shard file names


def _tf():
    import tensorflow as tf  # heavy: TensorFlow, imported when records are written or read

    return tf


def feature_spec(n_classes: int = NUM_CLASSES):
    """The parsing spec of one record of a dataset of ``n_classes`` classes."""
    tf = _tf()
    return {
        "image_id": tf.io.FixedLenFeature([], tf.string),
        "image": tf.io.FixedLenFeature([], tf.string),
        "rle": tf.io.FixedLenFeature([int(n_classes)], tf.string),
    }


def _example(image_id: str, data: bytes, rles: list[str]):
    tf = _tf()

    def b(values):
        return tf.train.Feature(bytes_list=tf.train.BytesList(value=values))

    return tf.train.Example(features=tf.train.Features(feature={
        "image_id": b([image_id.encode()]), "image": b([data]), "rle": b([r.encode() for r in rles])}))


def write_tfrecords(data_dir: str | os.PathLike, out: str, shards: int = 8, progress: bool = True) -> TfrecordsManifest:
    """Write the training set of a Kaggle-layout folder as ``shards`` TFRecord files into ``out``.

    Images go round-robin over the shards. Each shard is written under a temporary name and
    renamed; the manifest is written last, so a folder with a manifest is complete.
    Returns the manifest written.
    """
    if shards < 1:
        raise SteelDefectError(f"--shards must be at least 1, got {shards}")
    source = open_source(str(data_dir))
    tf = _tf()
    table = source.table
    shards = min(shards, max(1, len(table)))
    tf.io.gfile.makedirs(out)
    names = [SHARD_PATTERN.format(i, shards) for i in range(shards)]
    paths = source.image_paths(table["ImageId"])
    rles = table.loc[:, list(table_rle_columns(table))].to_numpy()
    bar = tqdm(total=len(table), desc="tfrecords", unit="img", disable=not progress)
    for s, name in enumerate(names):
        tmp = join(out, f".{name}.tmp")
        with tf.io.TFRecordWriter(tmp) as writer:
            for i in range(s, len(table), shards):
                try:
                    with open(paths[i], "rb") as f:
                        data = f.read()
                except OSError as err:
                    raise SteelDefectError(f"cannot read image file {paths[i]}: {err.strerror}") from None
                writer.write(_example(table["ImageId"].iat[i], data, list(rles[i])).SerializeToString())
                bar.update()
        tf.io.gfile.rename(tmp, join(out, name), overwrite=True)
    bar.close()
    with tempfile.TemporaryDirectory() as tmp_dir:
        local_labels = os.path.join(tmp_dir, TFRECORDS_LABELS_FILE)
        write_labels(table, local_labels)
        tf.io.gfile.copy(local_labels, join(out, TFRECORDS_LABELS_FILE), overwrite=True)
    names_of_classes = None if source.spec.class_names == KAGGLE.class_names else source.spec.class_names
    manifest = TfrecordsManifest(count=len(table), shards=tuple(names), labels=TFRECORDS_LABELS_FILE,
                                 class_names=names_of_classes)
    write_tfrecords_manifest(out, manifest)
    return manifest


def read_records(shards: tuple[str, ...], n_classes: int = NUM_CLASSES):
    """A tf.data.Dataset of parsed records {image_id, image, rle (K strings)}, in a fixed order."""
    tf = _tf()
    spec = feature_spec(n_classes)
    ds = tf.data.TFRecordDataset(list(shards), num_parallel_reads=min(len(shards), 8) or None)
    return ds.map(lambda r: tf.io.parse_single_example(r, spec), num_parallel_calls=tf.data.AUTOTUNE)
