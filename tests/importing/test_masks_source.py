"""Index and CVAT colour masks read into RLEs, and every kind of bad input named in one line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from steeldefect.data.rle import rle_decode
from steeldefect.errors import SteelDefectError
from steeldefect.importing.labelmap import Labelmap, write_labelmap
from steeldefect.importing.masks_source import (colors_to_index, find_labelmap, pair_masks, read_index_mask,
                                                read_masks_export)
from steeldefect.importing.problems import Problems

COLORS = ((250, 50, 83), (51, 221, 255))


def _image(path: Path, shape) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.full((*shape, 3), 90, np.uint8)).save(path)


def _mask(path: Path, values: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(values.astype(np.uint8)).save(path)


def _index(shape, boxes) -> np.ndarray:
    index = np.zeros(shape, np.uint8)
    for value, (y0, x0, y1, x1) in boxes:
        index[y0:y1, x0:x1] = value
    return index


@pytest.fixture
def export(tmp_path):
    """Two images of two sizes with index masks (values 1 and 2)."""
    a, b = _index((12, 20), [(1, (2, 3, 6, 9))]), _index((10, 16), [(2, (1, 1, 4, 4)), (1, (6, 8, 9, 15))])
    _image(tmp_path / "images/a.jpg", a.shape)
    _image(tmp_path / "images/b.png", b.shape)
    _mask(tmp_path / "masks/a.png", a)
    _mask(tmp_path / "masks/b.png", b)
    return tmp_path, {"a.jpg": a, "b.png": b}


def _decoded(imported, name, shape) -> np.ndarray:
    image = next(i for i in imported.images if i.name == name)
    index = np.zeros(shape, np.uint8)
    for k, rle in enumerate(image.rles, start=1):
        index[rle_decode(rle, shape) > 0] = k
    return index


def test_index_masks_give_each_class_its_rle_at_the_image_size(export):
    root, truth = export
    imported = read_masks_export(root / "images", root / "masks")
    assert imported.class_names == ("class_1", "class_2")  # K = the largest value found
    assert [i.name for i in imported.images] == ["a.jpg", "b.png"]
    for name, index in truth.items():
        assert _decoded(imported, name, index.shape).tolist() == index.tolist()
    assert imported.source["kind"] == "index" and imported.skipped == ()


def test_classes_name_the_values_and_pad_to_their_count(export):
    root, _ = export
    imported = read_masks_export(root / "images", root / "masks", classes=("x", "y", "z"))
    assert imported.class_names == ("x", "y", "z") and all(len(i.rles) == 3 for i in imported.images)


def test_a_value_above_the_named_classes_is_bad(export):
    root, _ = export
    with pytest.raises(SteelDefectError, match=r"b\.png: pixel value 2 is above the class count \(there are 1"):
        read_masks_export(root / "images", root / "masks", classes=("only",))


def test_a_classes_file_beside_the_masks_names_them(export):
    root, _ = export
    (root / "masks/classes.txt").write_text("scratch\npit\n")
    assert read_masks_export(root / "images", root / "masks").class_names == ("scratch", "pit")


def test_palette_and_grey_rgb_masks_read_as_class_ids(tmp_path):
    index = _index((5, 7), [(3, (1, 1, 3, 4))])
    palette = Image.fromarray(index, mode="P")
    palette.putpalette([0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255] + [0] * 756)
    palette.save(tmp_path / "p.png")
    Image.fromarray(np.repeat(index[..., None], 3, axis=2)).save(tmp_path / "rgb.png")
    assert read_index_mask(tmp_path / "p.png").tolist() == index.tolist()
    assert read_index_mask(tmp_path / "rgb.png").tolist() == index.tolist()
    Image.fromarray(np.dstack([index, index * 0, index])).save(tmp_path / "colour.png")
    with pytest.raises(SteelDefectError, match="colour.png: a colour mask, but no labelmap.txt"):
        read_index_mask(tmp_path / "colour.png")


def test_colors_map_to_ids_and_an_unknown_colour_is_named():
    labelmap = Labelmap(("a", "b"), COLORS)
    rgb = np.zeros((2, 3, 3), np.uint8)
    rgb[0, 1], rgb[1, 2] = COLORS[1], COLORS[0]
    assert colors_to_index(rgb, labelmap).tolist() == [[0, 2, 0], [0, 0, 1]]
    rgb[1, 0] = (1, 2, 3)
    with pytest.raises(SteelDefectError, match="m.png: colour 1,2,3 is not in labelmap.txt"):
        colors_to_index(rgb, labelmap, "m.png")


def test_cvat_colour_masks_are_read_with_their_labelmap(export):
    root, truth = export
    palette = np.array([(0, 0, 0), *COLORS], np.uint8)
    for name, index in truth.items():
        Image.fromarray(palette[index]).save(root / "masks" / f"{Path(name).stem}.png")
    write_labelmap(Labelmap(("scratch", "pit"), COLORS), root / "masks")
    imported = read_masks_export(root / "images", root / "masks")
    assert imported.class_names == ("scratch", "pit") and imported.source["kind"] == "cvat"
    assert _decoded(imported, "b.png", truth["b.png"].shape).tolist() == truth["b.png"].tolist()
    with pytest.raises(SteelDefectError, match="leave out --classes"):
        read_masks_export(root / "images", root / "masks", classes=("a", "b"))


def test_pairs_go_by_stem_and_partners_missing_are_problems(tmp_path):
    for name in ("images/a.jpg", "images/b.jpg", "masks/a.png", "masks/c.png"):
        _image(tmp_path / name, (4, 4))
    problems = Problems(skip_bad=True)
    pairs = pair_masks(tmp_path / "images", tmp_path / "masks", problems)
    assert [(i.name, m.name) for i, m in pairs] == [("a.jpg", "a.png")]
    assert problems.found == [f"{tmp_path / 'masks/c.png'}: mask without an image (no image named c.* in "
                              f"{tmp_path / 'images'})",
                              f"{tmp_path / 'images/b.jpg'}: image without a mask (no b.png in {tmp_path / 'masks'})"]
    with pytest.raises(SteelDefectError, match="c.png: mask without an image"):
        pair_masks(tmp_path / "images", tmp_path / "masks", Problems())


def test_bad_masks_stop_the_import_or_are_left_out_and_listed(export):
    root, _ = export
    _mask(root / "masks/a.png", np.zeros((11, 20)))  # one row short
    _image(root / "images/c.jpg", (4, 4))
    (root / "masks/c.png").write_bytes(b"not a png")
    with pytest.raises(SteelDefectError, match=r"a\.png: mask is 11x20 but its image a\.jpg is 12x20"):
        read_masks_export(root / "images", root / "masks")
    imported = read_masks_export(root / "images", root / "masks", problems=Problems(skip_bad=True))
    assert [i.name for i in imported.images] == ["b.png"]
    assert len(imported.skipped) == 2 and "cannot read mask file" in imported.skipped[1]
    assert all("\n" not in s for s in imported.skipped)


def test_an_unreadable_image_is_a_problem_naming_it(export):
    root, _ = export
    (root / "images/a.jpg").write_bytes(b"garbage")
    with pytest.raises(SteelDefectError, match="cannot read image file .*a.jpg"):
        read_masks_export(root / "images", root / "masks")


def test_cvat_labelmap_one_folder_up_as_the_cvat_zip_has_it(tmp_path):
    """CVAT's "Segmentation mask 1.1" zip: labelmap.txt at the root, the masks in SegmentationClass/."""

    masks = tmp_path / "SegmentationClass"
    masks.mkdir()
    assert find_labelmap(masks) is None
    (tmp_path / "labelmap.txt").write_text("background:0,0,0::\nscratch:255,0,0::\n")
    assert find_labelmap(masks) == tmp_path / "labelmap.txt"
    (masks / "labelmap.txt").write_text("background:0,0,0::\n")
    assert find_labelmap(masks) == masks / "labelmap.txt"  # beside the masks wins
