"""Read a folder of PNG masks, one per image with the same file stem, into an ``Imported``.

Two kinds, told apart by the folder:

- index masks (MMSegmentation's layout, ``predict --format masks``): pixel value = class id, 0 =
  background. Class names from ``classes`` (``--classes``), else a ``classes.txt`` beside the masks,
  else ``class_1`` .. ``class_K`` with K the largest value found. A value above the named classes is bad.
- colour masks (CVAT's "Segmentation mask" export): a ``labelmap.txt`` beside them names the classes
  and their colours; a colour it does not list is bad.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Iterable

import numpy as np
from PIL import Image, UnidentifiedImageError

from steeldefect.artifacts.dataset_file import MAX_CLASSES, check_class_names, default_class_names
from steeldefect.data.images import list_images, read_image_shape
from steeldefect.data.io import require_dir
from steeldefect.errors import SteelDefectError
from steeldefect.importing.class_list import CLASSES_FILE, read_class_list
from steeldefect.importing.imported import Imported, ImportedImage, encode_index_mask, pad_rles
from steeldefect.importing.labelmap import LABELMAP_FILE, Labelmap, read_labelmap
from steeldefect.importing.problems import Problems

Track = Callable[[Iterable], Iterable]  # wraps the per-image loop (a progress bar)


def _pixels(path: Path) -> np.ndarray:
    """The pixels of a mask file as stored: (H, W) for grey and palette images (palette: the indices),
    (H, W, C) for colour ones."""
    try:
        with Image.open(path) as image:
            image.load()
            return np.array(image.convert("RGB") if image.mode in ("RGBA", "LA", "PA", "CMYK", "YCbCr") else image)
    except FileNotFoundError:
        raise SteelDefectError(f"mask file not found: {path}") from None
    except (UnidentifiedImageError, OSError) as err:
        why = getattr(err, "strerror", None) or "not a readable image"
        raise SteelDefectError(f"cannot read mask file {path}: {why}") from None


def read_index_mask(path: str | os.PathLike) -> np.ndarray:
    """(H, W) int64 class ids of an index mask file (grey, palette, or colour with equal channels)."""
    path = Path(path)
    pixels = _pixels(path)
    if pixels.ndim == 3:
        if not (pixels == pixels[..., :1]).all():
            raise SteelDefectError(f"{path}: a colour mask, but no {LABELMAP_FILE} beside it names the colours "
                                   "(index masks hold class ids as grey values)")
        pixels = pixels[..., 0]
    return pixels.astype(np.int64)


def read_color_mask(path: str | os.PathLike) -> np.ndarray:
    """(H, W, 3) uint8 RGB of a colour mask file."""
    pixels = _pixels(Path(path))
    rgb = np.repeat(pixels[..., None], 3, axis=2) if pixels.ndim == 2 else pixels[..., :3]
    return rgb.astype(np.uint8)


def colors_to_index(rgb: np.ndarray, labelmap: Labelmap, source: str = "mask") -> np.ndarray:
    """(H, W, 3) uint8 colours -> (H, W) uint8 class ids; a colour not in ``labelmap`` raises one line
    naming ``source`` and the colour."""
    keys = (rgb[..., 0].astype(np.int64) << 16) | (rgb[..., 1].astype(np.int64) << 8) | rgb[..., 2]
    table = {(r << 16) | (g << 8) | b: k for (r, g, b), k in labelmap.color_ids().items()}
    values, inverse = np.unique(keys.ravel(), return_inverse=True)
    ids = np.empty(len(values), np.uint8)
    for i, key in enumerate(values.tolist()):
        if key not in table:
            colour = f"{key >> 16},{(key >> 8) & 255},{key & 255}"
            raise SteelDefectError(f"{source}: colour {colour} is not in {LABELMAP_FILE}")
        ids[i] = table[key]
    return ids[inverse].reshape(rgb.shape[:2])


def pair_masks(images_dir: Path, masks_dir: Path, problems: Problems) -> list[tuple[Path, Path]]:
    """(image, mask) file pairs by file stem, in image name order; an image or mask without its partner,
    or two files of one stem, is a problem."""
    images, masks = _by_stem(images_dir, problems), _by_stem(masks_dir, problems)
    for stem in sorted(masks.keys() - images.keys()):
        problems.report(f"{masks[stem]}: mask without an image (no image named {stem}.* in {images_dir})")
    for stem in sorted(images.keys() - masks.keys(), key=lambda s: images[s].name):
        problems.report(f"{images[stem]}: image without a mask (no {stem}.png in {masks_dir})")
    pairs = [(images[s], masks[s]) for s in images.keys() & masks.keys()]
    return sorted(pairs, key=lambda pair: pair[0].name)


def _by_stem(folder: Path, problems: Problems) -> dict[str, Path]:
    found: dict[str, Path] = {}
    twice: set[str] = set()
    for name in list_images(folder):
        path = folder / name
        if path.stem in found:
            problems.report(f"{path}: same file stem as {found[path.stem]}; which is which is ambiguous")
            twice.add(path.stem)
        found.setdefault(path.stem, path)
    return {stem: path for stem, path in found.items() if stem not in twice}


def _class_ids(image: Path, mask: Path, labelmap: Labelmap | None, n_classes: int | None) -> np.ndarray:
    """The checked (H, W) class ids of one pair; SteelDefectError naming the file when bad."""
    shape = read_image_shape(image)
    ids = colors_to_index(read_color_mask(mask), labelmap, str(mask)) if labelmap else read_index_mask(mask)
    if ids.shape != shape:
        raise SteelDefectError(f"{mask}: mask is {ids.shape[0]}x{ids.shape[1]} but its image {image.name} is "
                               f"{shape[0]}x{shape[1]} (height x width)")
    top = int(ids.max()) if ids.size else 0
    limit = n_classes if n_classes is not None else MAX_CLASSES
    if top > limit:
        named = (f"there are {n_classes} classes" if n_classes is not None
                 else f"at most {MAX_CLASSES} classes are supported")
        raise SteelDefectError(f"{mask}: pixel value {top} is above the class count ({named}; 0 is background)")
    return ids


def _names(masks_dir: Path, classes, labelmap: Labelmap | None) -> tuple[tuple[str, ...] | None, str]:
    """The class names (None: from the largest value) and where they came from."""
    if labelmap is not None:
        if classes:
            raise SteelDefectError(f"CVAT's {LABELMAP_FILE} names the classes of colour masks; "
                                   "leave out --classes")
        return labelmap.class_names, LABELMAP_FILE
    if classes:
        return check_class_names(classes, "--classes"), "--classes"
    if (masks_dir / CLASSES_FILE).is_file():
        return read_class_list(masks_dir / CLASSES_FILE), CLASSES_FILE
    return None, "largest mask value"


def find_labelmap(masks_dir: Path) -> Path | None:
    """CVAT's labelmap.txt: beside the masks, or one folder up, where CVAT's "Segmentation mask 1.1" zip
    puts it (next to SegmentationClass/)."""
    for folder in (masks_dir, masks_dir.parent):
        if (folder / LABELMAP_FILE).is_file():
            return folder / LABELMAP_FILE
    return None


def read_masks_export(images_dir: str | os.PathLike, masks_dir: str | os.PathLike, classes=None,
                      problems: Problems | None = None, track: Track = iter) -> Imported:
    """Read index or colour masks (see the module docstring) with their images."""
    images_dir, masks_dir = require_dir(images_dir, "image folder"), require_dir(masks_dir, "mask folder")
    problems = problems if problems is not None else Problems()
    labelmap_path = find_labelmap(masks_dir)
    labelmap = read_labelmap(labelmap_path) if labelmap_path is not None else None
    names, named_by = _names(masks_dir, classes, labelmap)
    n_classes = len(names) if names is not None else None
    found, top = [], 0
    for image, mask in track(pair_masks(images_dir, masks_dir, problems)):
        ids = problems.guard(_class_ids, image, mask, labelmap, n_classes)
        if ids is not None:
            k = int(ids.max()) if ids.size else 0
            top = max(top, k)
            found.append(ImportedImage(image, ids.shape, encode_index_mask(ids, k)))
    names = names if names is not None else default_class_names(max(top, 1))
    kind = "cvat" if labelmap else "index"
    source = {"format": "masks", "kind": kind, "images": str(images_dir), "masks": str(masks_dir),
              "classes_from": named_by}
    return Imported(names, tuple(ImportedImage(i.path, i.shape, pad_rles(i.rles, len(names))) for i in found),
                    source, tuple(problems.found))
