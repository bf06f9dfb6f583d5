"""A plant's own labelled images, end to end through the CLI: import (CVAT masks and COCO) -> folds ->
train -> tune -> predict (csv, masks, coco) -> validate -> score -> export -> Predictor.

Three named classes on strips of two sizes (192x768 and 160x640), trained for one epoch on a tiny
backbone at 64x256: the scores mean nothing, so the tests check consistency instead: three classes
everywhere, named as the labelling tool named them, and every mask at its own image's size.
"""

from __future__ import annotations

import contextlib
import io
import json
from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np
import pandas as pd
import pytest

pytestmark = [pytest.mark.slow,
              pytest.mark.filterwarnings("ignore::DeprecationWarning")]  # Keras saving under numpy 2

ROOT = Path(__file__).resolve().parents[1]
CLASS_NAMES = ("scratch", "pit", "stain")
SIZES = ((192, 768), (160, 640))  # (height, width) of the strips, used in turn
INPUT = (64, 256)  # the tiny models' input: a third of the larger strips, the same aspect ratio
N_IMAGES, N_TEST = 16, 4
FORMATS = ("masks", "coco")  # the imports: CVAT's colour masks + labelmap.txt, and COCO instances JSON


@dataclass(frozen=True)
class Pipeline:
    own: object  # testkit.own_dataset.OwnDataset: the exports and their true masks
    data: dict[str, Path]  # import format -> dataset folder written by `steeldefect import`
    runs: Path
    tuned: dict[str, Path]  # predict --format -> submission with the tuned thresholds
    full: dict[str, Path]  # predict --format -> submission with every pixel foreground
    truth: Path  # test_labels of the test images (later layout), written from the generator's masks
    score: dict  # `score --json`
    export: Path
    logs: str  # what the commands printed


def _cli(*argv: str) -> str:
    """Run ``steeldefect argv`` in this process (the tiny backbone is registered here only); its stdout."""
    from steeldefect.cli.main import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    assert code == 0, f"steeldefect {' '.join(argv)} exited {code}\n{out.getvalue()[-3000:]}\n{err.getvalue()[-3000:]}"
    return out.getvalue()


def _write_truth(truths: dict[str, np.ndarray], path: Path) -> Path:
    """The later layout (ImageId, ClassId, EncodedPixels; defect rows only), each RLE at its image's size."""
    from steeldefect import rle_encode

    rows = [(name, k + 1, rle_encode(masks[..., k])) for name, masks in sorted(truths.items())
            for k in range(masks.shape[-1]) if masks[..., k].any()]
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows, columns=["ImageId", "ClassId", "EncodedPixels"]).to_csv(path, index=False)
    return path


def _all_foreground(tuned: Path, out: Path) -> Path:
    """The tuned thresholds with every pixel foreground and nothing gated or removed: each predicted
    mask is then its whole image, which shows the size it was written at."""
    from steeldefect.artifacts.thresholds_file import load_thresholds, save_thresholds
    from steeldefect.postprocess.rules import ClassThresholds

    th = load_thresholds(tuned)
    save_thresholds(replace(th, classes=tuple(ClassThresholds(pixel_threshold=0.0) for _ in th.classes)), out)
    return out


def _image_shape(path: Path) -> tuple[int, int]:
    image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    assert image is not None, path
    return tuple(image.shape[:2])


def _tiny_config(path: Path) -> Path:
    """The training tests' tiny config (a five-convolution backbone, 2 folds) at INPUT, one epoch."""
    from steeldefect.config import save_config
    from training_fixtures import tiny_training_config

    config = tiny_training_config(epochs=1)
    save_config(replace(config, data=replace(config.data, height=INPUT[0], width=INPUT[1])), path)
    return path


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory) -> Pipeline:
    """Every stage once, through the CLI in this process; the tests below read what they wrote."""
    from steeldefect.artifacts.run_folder import FOLDS_FILE
    from steeldefect.artifacts.thresholds_file import THRESHOLDS_FILE
    from steeldefect.data.kaggle_folder import SAMPLE_SUBMISSION, TEST_IMAGES, TEST_LABELS
    from testkit.own_dataset import make_own_dataset

    root = tmp_path_factory.mktemp("own")
    own = make_own_dataset(root / "export", sizes=SIZES, n_images=N_IMAGES, n_test=N_TEST,
                           class_names=CLASS_NAMES, seed=0)
    logs = []
    data = {"masks": root / "data_masks", "coco": root / "data_coco"}
    logs.append(_cli("import", "--format", "masks", "--images", str(own.images), "--masks", str(own.masks_cvat),
                     "--test", str(own.test_images), "--out", str(data["masks"]), "--quiet"))
    logs.append(_cli("import", "--format", "coco", "--images", str(own.images), "--annotations", str(own.coco),
                     "--test", str(own.test_images), "--out", str(data["coco"]), "--quiet"))

    with pytest.MonkeyPatch.context() as mp:
        mp.syspath_prepend(str(ROOT / "tests" / "training"))
        from training_fixtures import register_tiny_backbone

        register_tiny_backbone()
        config = _tiny_config(root / "tiny.yaml")
        train_data, runs = data["coco"], root / "runs"  # COCO: the names come from its categories

        logs.append(_cli("folds", "--data", str(train_data), "--config", str(config), "--out", str(runs / FOLDS_FILE),
                         "--quiet"))
        for kind in ("classifier", "segmenter"):
            logs.append(_cli("train", kind, "--config", str(config), "--data", str(train_data), "--fold", "0",
                             "--out", str(runs), "--yes", "--quiet"))
        thresholds = runs / THRESHOLDS_FILE
        logs.append(_cli("tune", "--runs", str(runs), "--data", str(train_data), "--out", str(thresholds),
                         "--no-plots", "--quiet"))
        full_thresholds = _all_foreground(thresholds, root / "all_foreground.yaml")
        predict = ("predict", "--runs", str(runs), "--images", str(train_data / TEST_IMAGES),
                   "--sample", str(train_data / SAMPLE_SUBMISSION))
        tuned, full = {}, {}
        for fmt in ("csv", "masks", "coco"):
            tuned[fmt] = runs / f"submission_{fmt}.csv"
            logs.append(_cli(*predict, "--thresholds", str(thresholds), "--format", fmt, "--out", str(tuned[fmt]),
                             "--quiet"))
        for fmt in ("masks", "coco"):
            full[fmt] = runs / f"full_{fmt}.csv"
            logs.append(_cli(*predict, "--thresholds", str(full_thresholds), "--format", fmt, "--out", str(full[fmt]),
                             "--quiet"))
        for sub in (tuned["csv"], full["masks"]):
            logs.append(_cli("validate", str(sub), "--sample", str(train_data / SAMPLE_SUBMISSION),
                             "--data", str(train_data)))
        truth = _write_truth(own.test_truth, root / "truth" / TEST_LABELS)
        score = json.loads(_cli("score", "--truth", str(truth), "--pred", str(tuned["csv"]), "--data", str(train_data),
                                "--images", str(train_data / TEST_IMAGES), "--json", "--quiet"))
        export = runs / "export"
        logs.append(_cli("export", "--runs", str(runs), "--thresholds", str(thresholds), "--format", "savedmodel",
                         "--out", str(export), "--quiet"))
    return Pipeline(own, data, runs, tuned, full, truth, score, export, "\n".join(logs))


def _test_shapes(pipeline: Pipeline) -> dict[str, tuple[int, int]]:
    from steeldefect.data.kaggle_folder import TEST_IMAGES

    folder = pipeline.data["coco"] / TEST_IMAGES
    return {p.name: _image_shape(p) for p in sorted(folder.iterdir())}


def test_both_imports_name_the_classes_and_keep_every_size(pipeline):
    from steeldefect.artifacts.dataset_file import read_dataset
    from steeldefect.data.kaggle_folder import train_labels

    for fmt in FORMATS:
        spec = read_dataset(pipeline.data[fmt])
        assert spec.class_names == CLASS_NAMES, fmt
        assert {s.shape for s in spec.sizes} == set(SIZES), fmt
        table = train_labels(pipeline.data[fmt])  # every RLE checked at its own image's size
        assert len(table) == N_IMAGES and set(spec.rle_columns) <= set(table.columns), fmt
    assert set(_test_shapes(pipeline).values()) == set(SIZES)
    assert pipeline.logs.count(f"{len(CLASS_NAMES)} classes ({', '.join(CLASS_NAMES)})") == len(FORMATS)


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_import_holds_the_true_masks_at_each_image_size(pipeline, fmt):
    from steeldefect import rle_decode
    from steeldefect.artifacts.dataset_file import read_dataset
    from steeldefect.data.kaggle_folder import train_labels

    table = train_labels(pipeline.data[fmt]).set_index("ImageId")
    columns = read_dataset(pipeline.data[fmt]).rle_columns
    truths = pipeline.own.truth if fmt == "masks" else pipeline.own.coco_truth  # COCO keeps overlaps
    for name, masks in truths.items():
        for k, column in enumerate(columns):
            decoded = rle_decode(table.loc[name, column], masks.shape[:2])
            assert np.array_equal(decoded.astype(bool), masks[..., k]), (name, column)


def test_tuned_predictions_have_three_classes_at_each_image_size(pipeline):
    from steeldefect import rle_decode
    from steeldefect.artifacts.thresholds_file import THRESHOLDS_FILE, load_thresholds

    shapes = _test_shapes(pipeline)
    assert len(load_thresholds(pipeline.runs / THRESHOLDS_FILE).classes) == len(CLASS_NAMES)
    sub = pd.read_csv(pipeline.tuned["csv"], keep_default_na=False)
    assert sorted(sub["ImageId"].unique()) == sorted(shapes)
    assert sorted(sub["ClassId"].unique()) == [1, 2, 3]
    assert len(sub) == len(shapes) * len(CLASS_NAMES)
    for row in sub.itertuples():
        rle_decode(row.EncodedPixels, shapes[row.ImageId])  # inside its own image, or an error


def test_every_pixel_foreground_comes_back_at_each_image_size(pipeline):
    from steeldefect import rle_decode

    shapes = _test_shapes(pipeline)
    sub = pd.read_csv(pipeline.full["masks"], keep_default_na=False)
    assert len(sub) == len(shapes) * len(CLASS_NAMES)
    for row in sub.itertuples():
        h, w = shapes[row.ImageId]
        assert rle_decode(row.EncodedPixels, (h, w)).sum() == h * w, (row.ImageId, row.ClassId)


def test_predicted_index_masks_have_each_image_size_and_the_class_names(pipeline):
    from steeldefect.importing.class_list import CLASSES_FILE, read_class_list
    from steeldefect.prediction.tool_formats import MASK_SUFFIX, masks_dir_for

    shapes = _test_shapes(pipeline)
    for sub, full in ((pipeline.tuned["masks"], False), (pipeline.full["masks"], True)):
        folder = masks_dir_for(sub)
        assert read_class_list(folder / CLASSES_FILE) == CLASS_NAMES
        for name, shape in shapes.items():
            index = cv2.imread(str(folder / f"{Path(name).stem}{MASK_SUFFIX}"), cv2.IMREAD_UNCHANGED)
            assert index is not None and index.shape == shape, name
            assert index.max() <= len(CLASS_NAMES)
            if full:  # every class everywhere: the last class wins
                assert (index == len(CLASS_NAMES)).all(), name


def test_predicted_coco_names_the_categories_and_sizes(pipeline):
    from pycocotools import mask as coco_mask

    from steeldefect.prediction.tool_formats import coco_path_for

    shapes = _test_shapes(pipeline)
    for sub, full in ((pipeline.tuned["coco"], False), (pipeline.full["coco"], True)):
        doc = json.loads(coco_path_for(sub).read_text())
        assert [(c["id"], c["name"]) for c in doc["categories"]] == list(enumerate(CLASS_NAMES, start=1))
        images = {i["id"]: i for i in doc["images"]}
        assert {i["file_name"]: (i["height"], i["width"]) for i in images.values()} == shapes
        for ann in doc["annotations"]:
            image = images[ann["image_id"]]
            assert list(ann["segmentation"]["size"]) == [image["height"], image["width"]]
        if full:
            assert len(doc["annotations"]) == len(shapes) * len(CLASS_NAMES)
            for ann in doc["annotations"]:
                image = images[ann["image_id"]]
                rle = dict(ann["segmentation"])
                if isinstance(rle["counts"], str):
                    rle["counts"] = rle["counts"].encode("ascii")
                assert coco_mask.decode(rle).sum() == image["height"] * image["width"]


def test_score_reports_every_named_class(pipeline):
    score = pipeline.score
    assert 0.0 <= score["mean"] <= 1.0
    assert score["n_images"] == N_TEST and score["n_pairs"] == N_TEST * len(CLASS_NAMES)
    assert len(score["per_class"]) == len(CLASS_NAMES)
    assert list(score["plant"]) == list(CLASS_NAMES)


def test_export_and_its_predictor_keep_the_classes_and_sizes(pipeline):
    from steeldefect import Predictor
    from steeldefect.artifacts.export_manifest import read_manifest
    from steeldefect.data.kaggle_folder import TEST_IMAGES

    manifest = read_manifest(pipeline.export)
    assert manifest.class_names == CLASS_NAMES
    predictor = Predictor.from_export(pipeline.export, runtime="tf")
    for name, shape in _test_shapes(pipeline).items():
        result = predictor.predict(str(pipeline.data["coco"] / TEST_IMAGES / name))
        assert (result.height, result.width) == shape
        assert result.masks().shape == (*shape, len(CLASS_NAMES))
        assert [c.class_id for c in result.classes] == [1, 2, 3]
