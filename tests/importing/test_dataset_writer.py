"""The dataset folder written from an import: its files, all or nothing, and --out refused or replaced."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from steeldefect.artifacts.dataset_file import DATASET_FILE, ImageSize, read_dataset
from steeldefect.data.kaggle_folder import SAMPLE_SUBMISSION, TEST_IMAGES, TRAIN_CSV, TRAIN_IMAGES, train_labels
from steeldefect.data.rle import rle_encode
from steeldefect.data.submission import sample_image_ids
from steeldefect.errors import SteelDefectError
from steeldefect.importing.dataset_writer import FolderOptions, check_out, image_sizes, write_dataset_folder
from steeldefect.importing.imported import Imported, ImportedImage
from steeldefect.importing.staged import staged_folder


def _image(path: Path, shape) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.zeros((*shape, 3), np.uint8)).save(path)
    return path


@pytest.fixture
def imported(tmp_path) -> Imported:
    mask = np.zeros((6, 10), bool)
    mask[1:3, 2:7] = True
    images = (ImportedImage(_image(tmp_path / "src/a.png", (6, 10)), (6, 10), (rle_encode(mask), "")),
              ImportedImage(_image(tmp_path / "src/b.png", (4, 8)), (4, 8), ("", "")),
              ImportedImage(_image(tmp_path / "src/c.png", (6, 10)), (6, 10), ("", "1 3")))
    return Imported(("scratch", "pit"), images, {"format": "masks"}, ("x.png: bad",))


def test_image_sizes_most_common_first():
    assert image_sizes([(4, 8), (6, 10), (6, 10)]) == (ImageSize(6, 10, 2), ImageSize(4, 8, 1))


def test_the_folder_holds_images_labels_spec_and_test_part(tmp_path, imported):
    _image(tmp_path / "test/t1.png", (6, 10))
    (tmp_path / "test/t2.png").write_bytes(b"broken")
    out = tmp_path / "data"
    written = write_dataset_folder(imported, FolderOptions(out, test_images=tmp_path / "test", name="line3"))
    assert sorted(p.name for p in out.iterdir()) == sorted([TRAIN_IMAGES, TRAIN_CSV, DATASET_FILE, TEST_IMAGES,
                                                            SAMPLE_SUBMISSION])
    assert (out / TRAIN_CSV).read_text().splitlines() == ["ImageId,ClassId,EncodedPixels", "a.png,1,14 2 20 2 26 2 32 2 38 2",
                                                          "c.png,2,1 3"]
    spec = read_dataset(out)
    assert spec.class_names == ("scratch", "pit") and spec.name == "line3"
    assert spec.sizes == (ImageSize(6, 10, 2), ImageSize(4, 8, 1)) and spec.source["format"] == "masks"
    assert train_labels(out)["ImageId"].tolist() == ["a.png", "b.png", "c.png"]
    assert sample_image_ids(out / SAMPLE_SUBMISSION) == (["t1.png"], "later")
    assert (written.n_images, written.n_test) == (3, 1) and "t2.png" in written.skipped_test[0]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no staging left


def test_link_symlinks_the_training_images(tmp_path, imported):
    write_dataset_folder(imported, FolderOptions(tmp_path / "data", link=True))
    link = tmp_path / "data" / TRAIN_IMAGES / "a.png"
    assert link.is_symlink() and link.resolve() == (tmp_path / "src/a.png").resolve()


def test_a_non_empty_out_is_refused_without_force_and_replaced_with_it(tmp_path, imported):
    out = tmp_path / "data"
    out.mkdir()
    (out / "old.txt").write_text("keep me")
    with pytest.raises(SteelDefectError, match="exists and is not empty; give --force"):
        write_dataset_folder(imported, FolderOptions(out))
    write_dataset_folder(imported, FolderOptions(out, force=True))
    assert not (out / "old.txt").exists() and (out / TRAIN_CSV).is_file()


def test_a_failure_leaves_the_old_folder_untouched_and_nothing_half_written(tmp_path, imported):
    out = tmp_path / "data"
    out.mkdir()
    (out / "old.txt").write_text("keep me")
    gone = Imported(imported.class_names, imported.images + (ImportedImage(tmp_path / "src/nothere.png", (2, 2), ("", "")),))
    with pytest.raises(SteelDefectError, match="cannot write"):
        write_dataset_folder(gone, FolderOptions(out, force=True))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "src"]
    assert (out / "old.txt").read_text() == "keep me"


def test_out_may_not_hold_an_input_nor_be_a_file(tmp_path):
    with pytest.raises(SteelDefectError, match="holds the input"):
        check_out(tmp_path, force=True, inputs=(tmp_path / "images",))
    (tmp_path / "f").write_text("")
    with pytest.raises(SteelDefectError, match="is a file"):
        check_out(tmp_path / "f", force=True)


def test_nothing_to_import_is_an_error(tmp_path):
    with pytest.raises(SteelDefectError, match=r"no image could be imported \(1 left out as bad\)"):
        write_dataset_folder(Imported(("a",), (), skipped=("x",)), FolderOptions(tmp_path / "out"))


def test_a_staged_folder_appears_only_when_complete(tmp_path):
    with pytest.raises(RuntimeError):
        with staged_folder(tmp_path / "x") as staging:
            (staging / "f").write_text("1")
            raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []
    with staged_folder(tmp_path / "x") as staging:
        (staging / "f").write_text("2")
        assert not (tmp_path / "x").exists()
    assert (tmp_path / "x/f").read_text() == "2"
