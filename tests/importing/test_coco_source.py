"""COCO instances: polygons, compressed and uncompressed RLE (with a hole), overlapping classes,
category ids mapped to 1..K, and bad annotations named in one line."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from pycocotools import mask as coco_mask

from steeldefect.data.rle import rle_decode
from steeldefect.errors import SteelDefectError
from steeldefect.importing.coco_source import (coco_categories, compressed_counts, decode_rle, decode_segmentation,
                                                read_coco_export)
from steeldefect.importing.problems import Problems

SHAPE = (20, 30)


def _ring() -> np.ndarray:
    mask = np.zeros(SHAPE, bool)
    mask[2:12, 4:16] = True
    mask[5:9, 8:12] = False  # the hole
    return mask


def _compressed(mask: np.ndarray) -> dict:
    rle = coco_mask.encode(np.asfortranarray(mask.astype(np.uint8)))
    return {"size": list(SHAPE), "counts": rle["counts"].decode()}


def _uncompressed(mask: np.ndarray) -> dict:
    flat = np.concatenate(([0], mask.ravel(order="F").astype(int), [0]))
    counts = np.diff(np.concatenate(([0], np.flatnonzero(flat[1:] != flat[:-1]), [mask.size]))).tolist()
    return {"size": list(SHAPE), "counts": [c for c in counts if c] if counts[0] else counts}


def _rect(y0, x0, y1, x1) -> np.ndarray:
    mask = np.zeros(SHAPE, bool)
    mask[y0:y1, x0:x1] = True
    return mask


def _polygon_truth(poly) -> np.ndarray:
    return decode_rle(coco_mask.merge(coco_mask.frPyObjects(poly, *SHAPE))).astype(bool)


POLYGON = [[18.0, 10.0, 28.0, 10.0, 28.0, 18.0, 18.0, 18.0]]


@pytest.fixture
def export(tmp_path):
    """Images a (polygon pit, ring stain with a hole overlapping an iscrowd scratch), b (clean), c (unlisted)."""
    for name in ("a.jpg", "b.jpg", "c.jpg"):
        (tmp_path / "images").mkdir(exist_ok=True)
        Image.fromarray(np.zeros((*SHAPE, 3), np.uint8)).save(tmp_path / "images" / name)
    scratch = _rect(8, 10, 14, 25)
    doc = {"images": [{"id": 7, "file_name": "a.jpg", "height": SHAPE[0], "width": SHAPE[1]},
                      {"id": 9, "file_name": "sub/b.jpg", "height": SHAPE[0], "width": SHAPE[1]}],
           "categories": [{"id": 30, "name": "stain"}, {"id": 4, "name": "scratch"}, {"id": 12, "name": "pit"}],
           "annotations": [
               {"id": 1, "image_id": 7, "category_id": 12, "segmentation": POLYGON, "iscrowd": 0},
               {"id": 2, "image_id": 7, "category_id": 30, "segmentation": _compressed(_ring()), "iscrowd": 0},
               {"id": 3, "image_id": 7, "category_id": 4, "segmentation": _uncompressed(scratch), "iscrowd": 1}]}
    path = tmp_path / "coco.json"
    path.write_text(json.dumps(doc))
    truth = np.stack([scratch, _polygon_truth(POLYGON), _ring()], axis=-1)  # scratch(4), pit(12), stain(30)
    return path, tmp_path / "images", doc, truth


def _masks(imported, name) -> np.ndarray:
    image = next(i for i in imported.images if i.name == name)
    return np.stack([rle_decode(r, image.shape) > 0 for r in image.rles], axis=-1)


def test_categories_ordered_by_id_become_classes_1_to_k(export):
    _, _, doc, _ = export
    assert coco_categories(doc, "coco.json") == (("scratch", "pit", "stain"), {4: 1, 12: 2, 30: 3})


def test_polygons_rle_holes_and_overlaps_come_through_pixel_for_pixel(export):
    path, images, _, truth = export
    imported = read_coco_export(path, images)
    assert imported.class_names == ("scratch", "pit", "stain")
    assert [i.name for i in imported.images] == ["a.jpg", "b.jpg"]
    got = _masks(imported, "a.jpg")
    assert (got == truth).all()
    assert not got[6, 9, 2] and got[2, 4, 2]  # the hole stays a hole
    assert (got[..., 0] & got[..., 2]).any()  # scratch and stain overlap, each keeps its pixels
    assert not _masks(imported, "b.jpg").any()  # listed without annotations: a clean image
    assert imported.source["category_ids"] == {4: 1, 12: 2, 30: 3}
    assert imported.notes == (f"1 images of {images} are not in {path} and were left out",)


@pytest.mark.parametrize("change, needle", [
    (lambda d: d["annotations"].append({"id": 5, "image_id": 99, "category_id": 4, "segmentation": POLYGON}),
     "annotation 5: image_id 99 is not among the file's images"),
    (lambda d: d["annotations"].append({"id": 6, "image_id": 7, "category_id": 5, "segmentation": POLYGON}),
     r"annotation 6: category_id 5 is not among the file's categories \(a.jpg\)"),
    (lambda d: d["images"].append({"id": 3, "file_name": "gone.jpg", "height": 2, "width": 2}),
     "image 3 \\('gone.jpg'\\): file not found"),
    (lambda d: d["images"][0].update(height=21), "listed as 21x30 but .*a.jpg is 20x30"),
    (lambda d: d["annotations"][1]["segmentation"].update(size=[20, 31]), "annotation 2: RLE size"),
    (lambda d: d["annotations"].append({"id": 8, "image_id": 7, "category_id": 4, "bbox": [1, 2, 3, 4]}),
     "annotation 8: no polygon or RLE segmentation"),
    (lambda d: d["annotations"][0].update(segmentation=[[1.0, 2.0, 3.0, 4.0]]), "annotation 1: a polygon needs"),
])
def test_bad_annotations_are_one_line_naming_the_file_or_left_out(export, change, needle):
    path, images, doc, _ = export
    change(doc)
    path.write_text(json.dumps(doc))
    with pytest.raises(SteelDefectError, match=needle) as info:
        read_coco_export(path, images)
    assert str(path) in str(info.value) and "\n" not in str(info.value)
    imported = read_coco_export(path, images, Problems(skip_bad=True))
    assert len(imported.skipped) == 1 and "b.jpg" in [i.name for i in imported.images]


def test_a_file_that_is_not_coco_is_refused(tmp_path):
    (tmp_path / "x.json").write_text("[1, 2]")
    with pytest.raises(SteelDefectError, match="expected a COCO object"):
        read_coco_export(tmp_path / "x.json", tmp_path)
    (tmp_path / "x.json").write_text("{not json")
    with pytest.raises(SteelDefectError, match="not a readable JSON file"):
        read_coco_export(tmp_path / "x.json", tmp_path)


@pytest.mark.parametrize("counts, needle", [
    ([2, 3], "counts must be whole numbers >= 0 summing to 20x30"),
    ([700, -100], "counts must be whole numbers >= 0"),
    ("zzzzzzzz", "counts cover 170 pixels, not 20x30 = 600"),  # pycocotools would write past its buffer
    ("abc```", "not COCO's compressed string"),
])
def test_rle_counts_must_cover_the_image_exactly(counts, needle):
    with pytest.raises(SteelDefectError, match=needle):
        decode_segmentation({"size": list(SHAPE), "counts": counts}, SHAPE, "ann 1")


def test_compressed_counts_read_as_pycocotools_writes_them():
    rng = np.random.default_rng(0)
    for _ in range(50):
        mask = rng.random(SHAPE) < rng.random()
        assert (decode_segmentation(_compressed(mask), SHAPE, "ann") == mask).all()
        assert sum(compressed_counts(_compressed(mask)["counts"])) == mask.size
