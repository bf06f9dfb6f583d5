"""Stage `import` from Python and from the CLI: the three exports of one dataset give one dataset
folder; bad input stops with one line or is left out and listed (--skip-bad)."""

from __future__ import annotations

import shutil

import pytest

from steeldefect import stages
from steeldefect.artifacts.dataset_file import ImageSize, read_dataset
from steeldefect.cli.main import main
from steeldefect.data.kaggle_folder import SAMPLE_SUBMISSION, TEST_IMAGES, TRAIN_CSV, train_labels
from steeldefect.data.submission import sample_image_ids
from steeldefect.errors import SteelDefectError
from testkit.own_dataset import make_own_dataset


@pytest.fixture(scope="module")
def own(tmp_path_factory):
    return make_own_dataset(tmp_path_factory.mktemp("own") / "src", n_images=8, n_test=2)


def _args(own, out, fmt="masks", **kw):
    source = {"masks": own.masks_index} if fmt == "masks" else {"annotations": own.coco}
    return stages.ImportArgs(format=fmt, images=own.images, out=out, progress=False, **{**source, **kw})


@pytest.mark.parametrize("fmt", ["masks", "coco"])
def test_import_writes_a_dataset_folder_the_other_stages_read(own, tmp_path, fmt):
    result = stages.import_dataset(_args(own, tmp_path / "data", fmt, test=own.test_images, name="own"))
    spec = read_dataset(tmp_path / "data")
    assert result.class_names == spec.class_names == own.class_names and spec.name == "own"
    assert spec.sizes == (ImageSize(192, 768, 4), ImageSize(160, 640, 4)) == result.sizes
    assert (result.n_images, result.n_test, result.skipped) == (8, 2, ())
    assert train_labels(tmp_path / "data")["ImageId"].tolist() == sorted(own.truth)
    assert sample_image_ids(tmp_path / "data" / SAMPLE_SUBMISSION)[0] == sorted(own.test_truth)
    assert "8 images and 2 test images, 3 classes (scratch, pit, stain), sizes 192x768 (4), 160x640 (4)" in result.text()
    folds = stages.folds(stages.FoldsArgs(data=tmp_path / "data", out=tmp_path / "folds.csv", k=2))
    assert folds.n_images == 8 and "scratch" in folds.counts


def test_bad_images_stop_the_import_or_are_left_out_and_listed(own, tmp_path):
    masks = tmp_path / "masks"
    shutil.copytree(own.masks_index, masks)
    (masks / "img_003.png").unlink()
    (masks / "stray.png").write_bytes((masks / "img_000.png").read_bytes())
    with pytest.raises(SteelDefectError, match="stray.png: mask without an image"):
        stages.import_dataset(_args(own, tmp_path / "data", masks=masks))
    assert not (tmp_path / "data").exists()
    result = stages.import_dataset(_args(own, tmp_path / "data", masks=masks, skip_bad=True))
    assert result.n_images == 7 and len(result.skipped) == 2
    assert "left out 2 bad inputs:" in result.text() and "img_003.jpg: image without a mask" in result.text()


def test_format_and_source_flags_must_agree(own, tmp_path):
    with pytest.raises(SteelDefectError, match="--format masks takes --masks"):
        stages.import_dataset(stages.ImportArgs(format="masks", images=own.images, out=tmp_path / "d", progress=False))
    with pytest.raises(SteelDefectError, match="no --masks or --classes"):
        stages.import_dataset(_args(own, tmp_path / "d", "coco", classes=("a", "b", "c")))
    with pytest.raises(SteelDefectError, match="unknown import format 'voc'"):
        stages.import_dataset(stages.ImportArgs(format="voc", images=own.images, out=tmp_path / "d"))


def test_the_cli_imports_refuses_a_full_out_and_replaces_it_with_force(own, tmp_path, capsys):
    argv = ["import", "--format", "masks", "--images", str(own.images), "--masks", str(own.masks_index),
            "--classes", "a,b,c", "--out", str(tmp_path / "data"), "--test", str(own.test_images), "--link"]
    assert main(argv) == 0
    assert "3 classes (a, b, c)" in capsys.readouterr().out
    assert (tmp_path / "data" / "train_images" / "img_000.jpg").is_symlink()
    assert sorted(p.name for p in (tmp_path / "data" / TEST_IMAGES).iterdir()) == sorted(own.test_truth)
    assert main(argv) == 2
    assert "exists and is not empty; give --force" in capsys.readouterr().err
    csv_before = (tmp_path / "data" / TRAIN_CSV).read_text()
    assert main([*argv, "--force"]) == 0
    assert (tmp_path / "data" / TRAIN_CSV).read_text() == csv_before
    assert main([*argv[:-7], "--classes", "a,,c", "--out", str(tmp_path / "x")]) == 2
    assert "--classes: class 2 has an empty name" in capsys.readouterr().err
