"""Read a COCO instances JSON (CVAT, Label Studio, Roboflow exports) with its images into an ``Imported``.

Classes are the categories ordered by id, numbered 1..K (the coco id -> our id map goes to
dataset.yaml's ``source``). Segmentations may be polygons, or RLE with compressed (string) or
uncompressed (list) counts; pycocotools rasterises and decodes them all. Each class has its own mask,
so annotations of different classes may overlap; ``iscrowd`` annotations are masks like the others.
Images listed without annotations are clean images. An annotation of an unknown image or category, an
image missing from the image folder, or a size that disagrees with the image file is bad.
"""

from __future__ import annotations

import json
import os
import warnings
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
from pycocotools import mask as coco_mask

from steeldefect.artifacts.dataset_file import check_class_names
from steeldefect.data.images import list_images, read_image_shape
from steeldefect.data.io import require_dir, require_file
from steeldefect.errors import SteelDefectError
from steeldefect.importing.imported import Imported, ImportedImage, encode_class_masks
from steeldefect.importing.masks_source import Track
from steeldefect.importing.problems import Problems


def read_coco_json(path: str | os.PathLike) -> dict:
    """The parsed COCO file, with ``images``, ``annotations`` and ``categories`` lists checked."""
    path = require_file(path, "COCO annotations file")
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise SteelDefectError(f"{path}: not a readable JSON file ({str(err).splitlines()[0]})") from None
    if not isinstance(data, dict):
        raise SteelDefectError(f"{path}: expected a COCO object with images, annotations and categories")
    for key in ("images", "categories"):
        if not isinstance(data.get(key), list):
            raise SteelDefectError(f"{path}: no {key!r} list; is it a COCO instances file?")
    if not isinstance(data.get("annotations", []), list):
        raise SteelDefectError(f"{path}: 'annotations' must be a list")
    return data


def coco_categories(data: dict, source: str) -> tuple[tuple[str, ...], dict[int, int]]:
    """Class names ordered by category id, and the map coco id -> our id 1..K."""
    cats = data["categories"]
    if not all(isinstance(c, dict) and isinstance(c.get("id"), int) for c in cats):
        raise SteelDefectError(f"{source}: every category needs an integer id and a name")
    cats = sorted(cats, key=lambda c: c["id"])
    ids = [c["id"] for c in cats]
    if len(set(ids)) != len(ids):
        raise SteelDefectError(f"{source}: category id {next(i for i in ids if ids.count(i) > 1)} is used twice")
    names = check_class_names([c.get("name", "") for c in cats], f"{source} categories")
    return names, {coco_id: k for k, coco_id in enumerate(ids, start=1)}


def decode_rle(rle: dict) -> np.ndarray:
    """(H, W) bool mask of a pycocotools RLE object (compressed counts)."""
    with warnings.catch_warnings():  # pycocotools' __array__ predates numpy 2's copy keyword: harmless
        warnings.simplefilter("ignore", DeprecationWarning)
        return coco_mask.decode(rle).astype(bool)


def compressed_counts(counts: str) -> list[int]:
    """The run lengths of COCO's compressed RLE string (pycocotools' ``rleFrString``), to check them
    before decoding: pycocotools writes past its buffer when they do not sum to the image size."""
    runs: list[int] = []
    p = 0
    while p < len(counts):
        x, k, more = 0, 0, True
        while more:
            if p >= len(counts):
                raise ValueError("the counts string ends inside a number")
            c = ord(counts[p]) - 48
            x |= (c & 0x1F) << (5 * k)
            more = bool(c & 0x20)
            p, k = p + 1, k + 1
            if not more and c & 0x10:
                x |= -1 << (5 * k)
        runs.append(x + runs[-2] if len(runs) > 2 else x)
    return runs


def _compressed_rle(counts, shape: tuple[int, int], where: str) -> dict:
    text = counts.decode("ascii", "replace") if isinstance(counts, bytes) else str(counts)
    try:
        runs = compressed_counts(text)
    except ValueError as err:
        raise SteelDefectError(f"{where}: RLE counts are not COCO's compressed string ({err})") from None
    if any(r < 0 for r in runs) or sum(runs) != shape[0] * shape[1]:
        raise SteelDefectError(f"{where}: RLE counts cover {sum(runs)} pixels, not {shape[0]}x{shape[1]} = "
                               f"{shape[0] * shape[1]}")
    return {"size": list(shape), "counts": text.encode("ascii", "replace")}


def _rle_of(segmentation: Any, shape: tuple[int, int], where: str):
    """The pycocotools RLE object of one COCO segmentation, its counts checked."""
    h, w = shape
    if isinstance(segmentation, list):
        if not segmentation or not all(isinstance(p, list) and len(p) >= 6 and len(p) % 2 == 0 for p in segmentation):
            raise SteelDefectError(f"{where}: a polygon needs an even number of coordinates, at least 6")
        return coco_mask.merge(coco_mask.frPyObjects(segmentation, h, w))
    if not (isinstance(segmentation, dict) and "counts" in segmentation and "size" in segmentation):
        raise SteelDefectError(f"{where}: no polygon or RLE segmentation (a box-only export cannot be imported)")
    if [int(v) for v in segmentation["size"]] != [h, w]:
        raise SteelDefectError(f"{where}: RLE size {segmentation['size']} is not the image's [{h}, {w}]")
    counts = segmentation["counts"]
    if not isinstance(counts, list):
        return _compressed_rle(counts, shape, where)
    if any(not isinstance(c, int) or c < 0 for c in counts) or sum(counts) != h * w:
        raise SteelDefectError(f"{where}: RLE counts must be whole numbers >= 0 summing to {h}x{w} = {h * w} pixels")
    return coco_mask.frPyObjects(segmentation, h, w)


def decode_segmentation(segmentation: Any, shape: tuple[int, int], where: str) -> np.ndarray:
    """(H, W) bool mask of one COCO segmentation: polygons, or RLE with string or list counts."""
    try:
        return decode_rle(_rle_of(segmentation, shape, where))
    except SteelDefectError:
        raise
    except Exception as err:  # pycocotools raises bare TypeErrors and ValueErrors on malformed input
        raise SteelDefectError(f"{where}: cannot read the segmentation ({err})") from None


def _image_file(images_dir: Path, entry: dict, names: set[str]) -> Path | None:
    """The file of a COCO image entry: its file_name under the image folder, or its base name there."""
    file_name = str(entry.get("file_name", ""))
    if (images_dir / file_name).is_file():
        return images_dir / file_name
    base = Path(file_name.replace("\\", "/")).name
    return images_dir / base if base in names else None


def _image_entries(data: dict, images_dir: Path, source: str,
                   problems: Problems) -> dict[int, tuple[Path, tuple[int, int]]]:
    """COCO image id -> (file, (height, width)) of the listed images found in the image folder."""
    names, out, seen = set(list_images(images_dir)), {}, {}
    for entry in data["images"]:
        where = f"{source} image {entry.get('id')!r} ({entry.get('file_name')!r})"
        path = _image_file(images_dir, entry, names) if isinstance(entry, dict) else None
        if path is None:
            problems.report(f"{where}: file not found in {images_dir}")
        elif path.name in seen:
            problems.report(f"{where}: a second image named {path.name} (image {seen[path.name]!r} has it too)")
        else:
            seen[path.name] = entry.get("id")
            shape = problems.guard(_checked_shape, path, entry, where)
            if shape is not None:
                out[entry.get("id")] = (path, shape)
    return out


def _checked_shape(path: Path, entry: dict, where: str) -> tuple[int, int]:
    shape = read_image_shape(path)
    listed = (entry.get("height"), entry.get("width"))
    if None not in listed and tuple(listed) != shape:
        raise SteelDefectError(f"{where}: listed as {listed[0]}x{listed[1]} but {path} is {shape[0]}x{shape[1]}")
    return shape


def _grouped(data: dict, images: dict, cat_ids: dict[int, int], source: str, problems: Problems) -> dict[int, list]:
    """Annotations by image id; one of an unknown image or category is a problem (its image left out)."""
    listed = {e.get("id") for e in data["images"] if isinstance(e, dict)}
    groups: dict[int, list] = defaultdict(list)
    for ann in data.get("annotations", []):
        where = f"{source} annotation {ann.get('id')!r}" if isinstance(ann, dict) else f"{source} annotation {ann!r}"
        image_id = ann.get("image_id") if isinstance(ann, dict) else None
        if image_id not in listed:
            problems.report(f"{where}: image_id {image_id!r} is not among the file's images")
        elif ann.get("category_id") not in cat_ids:
            problems.report(f"{where}: category_id {ann.get('category_id')!r} is not among the file's categories "
                            f"({images[image_id][0].name if image_id in images else 'image ' + repr(image_id)})")
            images.pop(image_id, None)
        else:
            groups[image_id].append(ann)
    return groups


def _masks(anns: list, shape: tuple[int, int], cat_ids: dict[int, int], where: str) -> np.ndarray:
    out = np.zeros((*shape, len(cat_ids)), bool)
    for ann in anns:
        out[..., cat_ids[ann["category_id"]] - 1] |= decode_segmentation(
            ann.get("segmentation"), shape, f"{where} annotation {ann.get('id')!r}")
    return out


def read_coco_export(annotations: str | os.PathLike, images_dir: str | os.PathLike,
                     problems: Problems | None = None, track: Track = iter) -> Imported:
    """Read a COCO instances file and its image folder (see the module docstring)."""
    images_dir = require_dir(images_dir, "image folder")
    problems = problems if problems is not None else Problems()
    data, source = read_coco_json(annotations), str(annotations)
    names, cat_ids = coco_categories(data, source)
    images = _image_entries(data, images_dir, source, problems)
    groups = _grouped(data, images, cat_ids, source, problems)
    found = []
    for image_id, (path, shape) in track(sorted(images.items(), key=lambda item: item[1][0].name)):
        masks = problems.guard(_masks, groups.get(image_id, []), shape, cat_ids, f"{source} ({path.name})")
        if masks is not None:
            found.append(ImportedImage(path, shape, encode_class_masks(masks)))
    listed = {Path(str(e.get("file_name", "")).replace("\\", "/")).name for e in data["images"] if isinstance(e, dict)}
    unlisted = len(set(list_images(images_dir)) - listed)
    notes = (f"{unlisted} images of {images_dir} are not in {source} and were left out",) if unlisted else ()
    info = {"format": "coco", "annotations": source, "images": str(images_dir), "category_ids": dict(cat_ids)}
    return Imported(names, tuple(found), info, tuple(problems.found), notes)
