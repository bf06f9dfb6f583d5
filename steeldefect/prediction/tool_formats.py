"""Predictions back to the annotation tools: index masks with classes.txt, and COCO instances JSON.

Both take a label table (``ImageId``, ``rle_1`` .. ``rle_K``, as ``read_submission`` gives it), each
image's (height, width) and the class names, and write what ``steeldefect import`` reads back to the
same masks:

- ``write_index_masks``: one 8-bit PNG per image, ``<stem>.png``, pixel value = class id (0 =
  background), and ``classes.txt`` naming the classes (MMSegmentation's layout; CVAT and Label Studio
  load such masks too). A pixel holds one class: where predicted classes overlap, the later class
  (the higher id) wins, so overlaps do not survive this format; use COCO to keep them.
- ``write_coco``: one annotation per (image, class) with a compressed RLE segmentation (pycocotools),
  its bbox and area; categories 1..K with their names; images with file_name, height and width.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image
from pycocotools import mask as coco_mask

from steeldefect.artifacts.dataset_file import check_class_names, default_class_names
from steeldefect.data.io import atomic_write
from steeldefect.data.labels import table_rle_columns
from steeldefect.data.rle import rle_decode
from steeldefect.errors import SteelDefectError
from steeldefect.importing.class_list import write_class_list
from steeldefect.importing.staged import staged_folder

Shapes = dict  # ImageId -> (height, width)
MASK_SUFFIX = ".png"  # index masks are PNG, named after their image's stem


def _shape(shapes: Shapes, image_id: str) -> tuple[int, int]:
    if image_id not in shapes:
        raise SteelDefectError(f"no image size for {image_id}; pass the (height, width) of every image")
    return tuple(int(v) for v in shapes[image_id])  # type: ignore[return-value]


def class_masks(row: pd.Series, columns, shape: tuple[int, int]) -> np.ndarray:
    """(H, W, K) uint8 masks of one label-table row."""
    return np.stack([rle_decode(row[c], shape, context=f"image {row['ImageId']} {c}") for c in columns], axis=-1)


def index_mask(masks: np.ndarray) -> np.ndarray:
    """(H, W, K) masks -> (H, W) uint8 class ids, 0 = background; the later class wins where they overlap."""
    index = np.zeros(masks.shape[:2], np.uint8)
    for k in range(masks.shape[-1]):
        index[masks[..., k] > 0] = k + 1
    return index


def encode_png(index: np.ndarray) -> bytes:
    """An 8-bit grey PNG of (H, W) uint8 values."""
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(index, dtype=np.uint8), mode="L").save(buffer, format="PNG")
    return buffer.getvalue()


def _names(table: pd.DataFrame, class_names) -> tuple[tuple[str, ...], tuple[str, ...]]:
    columns = table_rle_columns(table)
    names = check_class_names(class_names if class_names is not None else default_class_names(len(columns)),
                              "class names")
    if len(names) != len(columns):
        raise SteelDefectError(f"{len(names)} class names for a table of {len(columns)} classes")
    return columns, names


def write_index_masks(table: pd.DataFrame, shapes: Shapes, out_dir: str | os.PathLike, class_names=None) -> Path:
    """Write ``out_dir`` (replacing it once complete): one index-mask PNG per image and classes.txt
    (``class_names``, default ``class_1`` .. ``class_K``)."""
    columns, names = _names(table, class_names)
    stems = [Path(i).stem for i in table["ImageId"]]
    if len(set(stems)) != len(stems):
        twice = next(s for s in stems if stems.count(s) > 1)
        raise SteelDefectError(f"two images share the file stem {twice!r}; their masks would have one name")
    with staged_folder(out_dir) as staging:
        for stem, (_, row) in zip(stems, table.iterrows()):
            masks = class_masks(row, columns, _shape(shapes, row["ImageId"]))
            (staging / f"{stem}{MASK_SUFFIX}").write_bytes(encode_png(index_mask(masks)))
        write_class_list(names, staging)
    return Path(out_dir)


def coco_annotation(mask: np.ndarray, annotation_id: int, image_id: int, category_id: int) -> dict:
    """A COCO annotation of one (H, W) mask: compressed RLE segmentation, bbox [x, y, w, h] and area."""
    rle = coco_mask.encode(np.asfortranarray(mask.astype(np.uint8)))
    return {"id": annotation_id, "image_id": image_id, "category_id": category_id,
            "segmentation": {"size": [int(v) for v in rle["size"]], "counts": rle["counts"].decode("ascii")},
            "area": int(coco_mask.area(rle)), "bbox": [float(v) for v in coco_mask.toBbox(rle)], "iscrowd": 0}


def coco_document(table: pd.DataFrame, shapes: Shapes, class_names) -> dict:
    """The COCO instances document of a label table (see the module docstring)."""
    columns, names = _names(table, class_names)
    images, annotations = [], []
    for image_id, (_, row) in enumerate(table.iterrows(), start=1):
        shape = _shape(shapes, row["ImageId"])
        images.append({"id": image_id, "file_name": row["ImageId"], "height": shape[0], "width": shape[1]})
        for k, column in enumerate(columns, start=1):
            if str(row[column]).strip():
                mask = rle_decode(row[column], shape, context=f"image {row['ImageId']} {column}")
                annotations.append(coco_annotation(mask, len(annotations) + 1, image_id, k))
    categories = [{"id": k, "name": n, "supercategory": ""} for k, n in enumerate(names, start=1)]
    return {"info": {"description": "steeldefect predictions"}, "licenses": [], "images": images,
            "annotations": annotations, "categories": categories}


def write_coco(table: pd.DataFrame, shapes: Shapes, class_names, path: str | os.PathLike) -> Path:
    """Write the COCO instances JSON of a label table at ``path``, atomically."""
    document = coco_document(table, shapes, class_names)
    with atomic_write(path) as tmp:
        tmp.write_text(json.dumps(document))
    return Path(path)


def masks_dir_for(submission: str | os.PathLike) -> Path:
    """Where ``predict --format masks`` writes the index masks: ``<submission stem>_masks/`` beside it."""
    submission = Path(submission)
    return submission.with_name(f"{submission.stem}_masks")


def coco_path_for(submission: str | os.PathLike) -> Path:
    """Where ``predict --format coco`` writes the COCO JSON: ``<submission stem>_coco.json`` beside it."""
    submission = Path(submission)
    return submission.with_name(f"{submission.stem}_coco.json")


def write_tool_format(fmt: str, table: pd.DataFrame, shapes: Shapes, class_names, submission) -> Path | None:
    """Write ``table`` beside ``submission`` in format ``fmt`` (see PREDICT_FORMATS); None for csv."""
    if fmt == "masks":
        return write_index_masks(table, shapes, masks_dir_for(submission), class_names)
    if fmt == "coco":
        return write_coco(table, shapes, class_names, coco_path_for(submission))
    check_format(fmt)
    return None


PREDICT_FORMATS = ("csv", "masks", "coco")  # predict --format: the CSV alone, or with index masks or COCO


def check_format(fmt: str) -> str:
    if fmt not in PREDICT_FORMATS:
        raise SteelDefectError(f"unknown prediction format {fmt!r}; choose from {', '.join(PREDICT_FORMATS)}")
    return fmt
