"""A small dataset of one's own, in every export the importer reads, with its true masks.

``make_own_dataset`` writes, under ``root``:

- ``images/``: strips of mixed sizes (JPEG), a textured grey background with defects drawn as
  rectangles and ellipses of a class-specific brightness (simple enough for a tiny model to learn);
- ``masks_index/``: one PNG per image, pixel value = class id (0 = background), and ``classes.txt``;
- ``masks_cvat/``: the same masks colour-coded as CVAT's "Segmentation mask" export, and ``labelmap.txt``;
- ``coco.json``: COCO instances with polygons (rectangles), compressed RLE (ellipses, and one ring with
  a hole) and uncompressed RLE (``iscrowd`` ellipses), plus on some images an extra annotation of a
  later class overlapping an earlier one (COCO only: index and colour masks cannot hold overlaps);
- ``test_images/``: unlabelled strips drawn the same way.

The truths are {image file name: (H, W, K) bool}. Masks files hold ``truth``: where COCO's classes
overlap, the later class wins there (as the image shows it: later classes are drawn on top). Every
fourth image from the third on has overlapping classes in COCO; image 1 holds the ring with a hole;
every seventh (not overlapping) is clean. Same seed, same bytes.

    own = make_own_dataset(tmp_path / "src")  # 24 images at 192x768 and 160x640, 6 test images
    stages.import_dataset(stages.ImportArgs(format="coco", images=own.images, annotations=own.coco,
                                            out=tmp_path / "data", test=own.test_images))
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
from pycocotools import mask as coco_mask

from steeldefect.data.images import write_jpeg
from steeldefect.importing.class_list import write_class_list
from steeldefect.importing.coco_source import decode_rle
from steeldefect.importing.labelmap import LABELMAP_FILE, Labelmap, write_labelmap

SIZES = ((192, 768), (160, 640))  # (height, width) of the images, used in turn
BACKGROUND_GREY = 105.0  # mean grey level of the background
CLASS_GREYS = (215.0, 25.0, 165.0, 60.0, 245.0)  # grey level of class 1, 2, ... (cycled)
CLASS_COLORS = ((250, 50, 83), (51, 221, 255), (255, 204, 51), (131, 224, 112), (184, 61, 245))  # CVAT colours
COCO_FILE = "coco.json"


@dataclass(frozen=True)
class OwnDataset:
    """Paths of the exports written by ``make_own_dataset`` and the true masks of every image."""

    root: Path
    images: Path
    masks_index: Path
    masks_cvat: Path
    coco: Path
    test_images: Path
    class_names: tuple[str, ...]
    truth: dict[str, np.ndarray] = field(repr=False)  # what index / CVAT masks hold (no overlaps)
    coco_truth: dict[str, np.ndarray] = field(repr=False)  # what coco.json holds (classes may overlap)
    test_truth: dict[str, np.ndarray] = field(repr=False)  # of test_images/ (not written anywhere)

    @property
    def labelmap(self) -> Path:
        return self.masks_cvat / LABELMAP_FILE

    @property
    def shapes(self) -> dict[str, tuple[int, int]]:
        return {k: v.shape[:2] for k, v in self.truth.items()}


@dataclass
class _Object:
    cls: int  # 1..K
    mask: np.ndarray  # (H, W) bool
    segmentation: object  # as COCO writes it


def _rect_polygon(y0: int, x0: int, y1: int, x1: int) -> list[float]:
    return [float(x0), float(y0), float(x1), float(y0), float(x1), float(y1), float(x0), float(y1)]


def _polygon_object(cls: int, box, shape) -> _Object:
    poly = [_rect_polygon(*box)]
    rle = coco_mask.merge(coco_mask.frPyObjects(poly, shape[0], shape[1]))
    return _Object(cls, decode_rle(rle).astype(bool), poly)


def _uncompressed(mask: np.ndarray) -> dict:
    """COCO's uncompressed RLE: counts of alternating 0 / 1 runs, column-major, starting with zeros."""
    flat = np.concatenate(([0], mask.ravel(order="F").astype(np.int8), [0]))
    edges = np.flatnonzero(flat[1:] != flat[:-1])
    bounds = np.concatenate(([0], edges, [mask.size]))
    counts = np.diff(bounds).tolist()
    while counts and counts[-1] == 0:
        counts.pop()
    return {"size": [int(mask.shape[0]), int(mask.shape[1])], "counts": [int(c) for c in counts]}


def _compressed(mask: np.ndarray) -> dict:
    rle = coco_mask.encode(np.asfortranarray(mask.astype(np.uint8)))
    return {"size": [int(v) for v in rle["size"]], "counts": rle["counts"].decode("ascii")}


def _ellipse(shape, centre, axes) -> np.ndarray:
    yy, xx = np.mgrid[:shape[0], :shape[1]]
    return ((yy - centre[0]) / axes[0]) ** 2 + ((xx - centre[1]) / axes[1]) ** 2 <= 1.0


def _box(rng: np.random.Generator, shape, height: tuple[int, int], width: tuple[int, int]):
    h = int(rng.integers(*height))
    w = int(rng.integers(*width))
    y0 = int(rng.integers(4, shape[0] - h - 4))
    x0 = int(rng.integers(4, shape[1] - w - 4))
    return y0, x0, y0 + h, x0 + w


def _random_object(rng: np.random.Generator, cls: int, shape, n: int) -> _Object:
    """A rectangle (as a COCO polygon) for odd classes, an ellipse (as RLE) for even ones."""
    if cls % 2:
        tall = shape[0] // 6 if cls == 1 else shape[0] // 3
        return _polygon_object(cls, _box(rng, shape, (8, max(tall, 9)), (shape[1] // 10, shape[1] // 4)), shape)
    y0, x0, y1, x1 = _box(rng, shape, (shape[0] // 6, shape[0] // 3), (shape[1] // 16, shape[1] // 8))
    mask = _ellipse(shape, ((y0 + y1) / 2, (x0 + x1) / 2), ((y1 - y0) / 2, (x1 - x0) / 2))
    return _Object(cls, mask, _uncompressed(mask) if n % 2 else _compressed(mask))


def _ring(shape, cls: int) -> _Object:
    """A rectangle with a rectangular hole: only RLE can say it."""
    mask = np.zeros(shape, bool)
    h, w = shape
    mask[h // 4: 3 * h // 4, w // 2: w // 2 + w // 6] = True
    mask[3 * h // 8: 5 * h // 8, w // 2 + w // 24: w // 2 + w // 8] = False
    return _Object(cls, mask, _compressed(mask))


def _overlapping(objects: list[_Object], n_classes: int, shape) -> _Object:
    """A rectangle of the last class over the first object of an earlier class."""
    under = next(o for o in objects if o.cls < n_classes)
    ys, xs = np.nonzero(under.mask)
    y0, x0 = int(ys.min()), int(xs.min())
    box = (y0, x0, min(y0 + max((ys.max() - y0) // 2, 4), shape[0] - 1), min(x0 + 3 * shape[1] // 20, shape[1] - 1))
    return _polygon_object(n_classes, box, shape)


def _objects(rng: np.random.Generator, index: int, shape, n_classes: int) -> list[_Object]:
    if index % 7 == 6 and index % 4 != 2:  # a clean image now and then
        return []
    if index == 1:
        return [_ring(shape, min(3, n_classes))]
    count = int(rng.integers(1, 4))
    classes = sorted(int(c) for c in rng.integers(1, n_classes + 1, size=count))
    return [_random_object(rng, c, shape, index + k) for k, c in enumerate(classes)]


def _class_masks(objects: list[_Object], shape, n_classes: int) -> np.ndarray:
    out = np.zeros((*shape, n_classes), bool)
    for obj in objects:
        out[..., obj.cls - 1] |= obj.mask
    return out


def flatten(masks: np.ndarray) -> np.ndarray:
    """(H, W, K) bool -> (H, W) uint8 class ids, the later class winning where classes overlap."""
    index = np.zeros(masks.shape[:2], np.uint8)
    for k in range(masks.shape[2]):
        index[masks[..., k]] = k + 1
    return index


def one_hot(index: np.ndarray, n_classes: int) -> np.ndarray:
    """(H, W) class ids -> (H, W, K) bool."""
    return np.stack([index == k for k in range(1, n_classes + 1)], axis=-1)


def _render(rng: np.random.Generator, index: np.ndarray) -> np.ndarray:
    """A grey strip: smooth texture and grain, each class painted at its own grey level."""
    h, w = index.shape
    low = cv2.resize(rng.normal(0.0, 12.0, (max(h // 16, 2), max(w // 16, 2))).astype(np.float32), (w, h))
    grey = BACKGROUND_GREY + low + rng.normal(0.0, 4.0, (h, w)) + 6.0 * np.sin(np.arange(w) / 3.0)[None, :]
    for k in range(1, int(index.max()) + 1):
        grey[index == k] = CLASS_GREYS[(k - 1) % len(CLASS_GREYS)] + rng.normal(0.0, 4.0, int((index == k).sum()))
    grey = np.clip(grey, 0, 255).astype(np.uint8)
    return np.repeat(grey[:, :, None], 3, axis=2)


def _write_png(path: Path, image: np.ndarray) -> None:
    bgr = cv2.cvtColor(image, cv2.COLOR_RGB2BGR) if image.ndim == 3 else image
    if not cv2.imwrite(str(path), bgr):
        raise OSError(f"cannot write {path}")


def _colour(index: np.ndarray, colors) -> np.ndarray:
    palette = np.array([(0, 0, 0), *colors], np.uint8)
    return palette[index]


def _coco_document(names, shapes: dict[str, tuple[int, int]], objects: dict[str, list[_Object]]) -> dict:
    images, annotations = [], []
    for image_id, (name, shape) in enumerate(shapes.items(), start=1):
        images.append({"id": image_id, "file_name": name, "height": shape[0], "width": shape[1]})
        for obj in objects[name]:
            rle = coco_mask.encode(np.asfortranarray(obj.mask.astype(np.uint8)))
            annotations.append({
                "id": len(annotations) + 1, "image_id": image_id, "category_id": obj.cls,
                "segmentation": obj.segmentation, "area": float(obj.mask.sum()),
                "bbox": [float(v) for v in coco_mask.toBbox(rle)],
                "iscrowd": int(isinstance(obj.segmentation, dict) and isinstance(obj.segmentation["counts"], list))})
    categories = [{"id": i, "name": n, "supercategory": ""} for i, n in enumerate(names, start=1)]
    return {"info": {"description": "own dataset (tests)"}, "licenses": [], "images": images,
            "annotations": annotations, "categories": categories}


def _write_images(folder: Path, rng, n: int, sizes, n_classes: int, prefix: str, overlaps: bool):
    """Draw ``n`` images into ``folder``; return their objects (COCO's, overlaps included) by name."""
    folder.mkdir(parents=True, exist_ok=True)
    objects: dict[str, list[_Object]] = {}
    for i in range(n):
        shape = tuple(sizes[i % len(sizes)])
        objs = _objects(rng, i, shape, n_classes)
        name = f"{prefix}_{i:03d}.jpg"
        index = flatten(_class_masks(objs, shape, n_classes))
        if overlaps and i % 4 == 2 and n_classes > 1:  # images 2, 6, 10, ...: never clean ones
            if not any(o.cls < n_classes for o in objs):
                objs = [_random_object(rng, 1, shape, i)] + objs
            objs = objs + [_overlapping(objs, n_classes, shape)]
            index = flatten(_class_masks(objs, shape, n_classes))
        write_jpeg(folder / name, _render(rng, index), quality=95)
        objects[name] = objs
    return objects


def make_own_dataset(root: str | os.PathLike, sizes=SIZES, n_images: int = 24, n_test: int = 6,
                     class_names=("scratch", "pit", "stain"), seed: int = 0) -> OwnDataset:
    """Write the exports described in the module docstring under ``root``; return their paths and truths."""
    root = Path(root)
    names = tuple(class_names)
    k = len(names)
    rng = np.random.default_rng(seed)
    objects = _write_images(root / "images", rng, n_images, sizes, k, "img", overlaps=True)
    tests = _write_images(root / "test_images", rng, n_test, sizes[::-1], k, "test", overlaps=False)
    masks = {n: _class_masks(o, _shape(o, n, root / "images"), k) for n, o in objects.items()}
    truth = {n: one_hot(flatten(m), k) for n, m in masks.items()}
    index_dir, cvat_dir = root / "masks_index", root / "masks_cvat"
    index_dir.mkdir(parents=True, exist_ok=True)
    cvat_dir.mkdir(parents=True, exist_ok=True)
    colors = tuple(CLASS_COLORS[i % len(CLASS_COLORS)] for i in range(k))
    for name, m in truth.items():
        _write_png(index_dir / f"{Path(name).stem}.png", flatten(m))
        _write_png(cvat_dir / f"{Path(name).stem}.png", _colour(flatten(m), colors))
    write_class_list(names, index_dir)
    write_labelmap(Labelmap(names, colors), cvat_dir)
    shapes = {n: m.shape[:2] for n, m in masks.items()}
    (root / COCO_FILE).write_text(json.dumps(_coco_document(names, shapes, objects)))
    test_truth = {n: one_hot(flatten(_class_masks(o, _shape(o, n, root / "test_images"), k)), k)
                  for n, o in tests.items()}
    return OwnDataset(root, root / "images", index_dir, cvat_dir, root / COCO_FILE, root / "test_images",
                      names, truth, masks, test_truth)


def _shape(objs: list[_Object], name: str, folder: Path) -> tuple[int, int]:
    if objs:
        return objs[0].mask.shape
    image = cv2.imread(str(folder / name), cv2.IMREAD_GRAYSCALE)
    return image.shape[:2]
