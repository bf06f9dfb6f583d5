"""The Kaggle package: its layout and metadata, the kernel run offline on a simulated /kaggle tree."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from steeldefect.cli.main import main
from steeldefect.data.submission import validate_submission
from steeldefect.artifacts.thresholds_file import save_thresholds
from steeldefect.postprocess.rules import ClassThresholds, Thresholds
from steeldefect.errors import SteelDefectError
from steeldefect.delivery.kaggle.package import KaggleSpec, build_package, kernel_source
from steeldefect.artifacts.oof import OOF_FILE
from steeldefect.artifacts.run_folder import CONFIG_FILE, DONE_FILE, HISTORY_FILE, MODEL_FILE, PREDICTION_FILES
from steeldefect.artifacts.run_meta import META_FILE

SPEC = KaggleSpec(dataset_id="me/steel-models", kernel_id="me/steel-inference", tta="hflip")
FORBIDDEN_AT_PREDICT = ("iterstrat", "albumentations", "dash", "playwright", "hypothesis")  # not needed on Kaggle


def _fake_runs(root: Path) -> Path:
    for kind in ("classifier", "segmenter"):
        for fold in (0, 1):
            run = root / kind / "bb" / f"fold{fold}"
            run.mkdir(parents=True)
            for name in (MODEL_FILE, CONFIG_FILE, OOF_FILE, HISTORY_FILE):
                (run / name).write_text(name)
            (run / META_FILE).write_text(json.dumps({"input_size": [64, 384]}))
            if fold == 0:
                (run / DONE_FILE).write_text("")
    save_thresholds(Thresholds(), root / "thresholds.yaml")
    return root


def test_package_layout_and_metadata(tmp_path):
    runs = _fake_runs(tmp_path / "runs")
    wheel = tmp_path / "steeldefect-0.1.0-py3-none-any.whl"
    wheel.write_bytes(b"not really a wheel")
    summary = build_package(runs, tmp_path / "pkg", spec=SPEC, wheel=wheel)
    dataset, kernel = tmp_path / "pkg" / "dataset", tmp_path / "pkg" / "kernel"
    assert summary.runs == ["classifier/bb/fold0", "segmenter/bb/fold0"]
    assert sorted(p.name for p in (dataset / "runs/segmenter/bb/fold0").iterdir()) == sorted(
        PREDICTION_FILES)  # no OOF predictions or history: not needed
    assert not (dataset / "runs/segmenter/bb/fold1").exists()  # unfinished runs stay out
    assert (dataset / "wheels" / wheel.name).is_file() and (dataset / "thresholds.yaml").is_file()
    meta = json.loads((kernel / "kernel-metadata.json").read_text())
    assert meta["id"] == "me/steel-inference" and meta["code_file"] == "kernel.py"
    assert meta["language"] == "python" and meta["kernel_type"] == "script" and meta["enable_internet"] is False
    assert meta["dataset_sources"] == ["me/steel-models"]
    assert meta["competition_sources"] == ["severstal-steel-defect-detection"]
    assert json.loads((dataset / "dataset-metadata.json").read_text())["id"] == "me/steel-models"
    source = (kernel / "kernel.py").read_text()
    compile(source, "kernel.py", "exec")
    assert 'DATASET_SLUG = "steel-models"' in source and 'TTA = "hflip"' in source and "__" + "TTA__" not in source
    build_package(runs, tmp_path / "pkg", spec=SPEC, wheel=wheel)  # rebuilding replaces the package
    (tmp_path / "other" / "dataset").mkdir(parents=True)
    with pytest.raises(SteelDefectError, match="not a previous package"):
        build_package(runs, tmp_path / "other", spec=SPEC, wheel=wheel)
    with pytest.raises(SteelDefectError, match="<kaggle user>/<slug>"):
        build_package(runs, tmp_path / "x", spec=KaggleSpec(dataset_id="noslash"), wheel=wheel)
    assert kernel_source(KaggleSpec()).count('"username') == 0


def test_package_of_an_ensemble_keeps_only_its_members(tmp_path, capsys):
    from steeldefect.cli.main import main
    from steeldefect.artifacts.ensemble_file import EnsembleSpec, save_spec

    runs = _fake_runs(tmp_path / "runs")
    wheel = tmp_path / "steeldefect-0.1.0-py3-none-any.whl"
    wheel.write_bytes(b"not really a wheel")
    save_spec(EnsembleSpec(("bb",), (), "vflip", "gmean"), tmp_path / "ensemble.yaml")
    assert main(["kaggle-package", "--runs", str(runs), "--out", str(tmp_path / "pkg"), "--wheel", str(wheel),
                 "--ensemble", str(tmp_path / "ensemble.yaml")]) == 0
    dataset = tmp_path / "pkg" / "dataset" / "runs"
    assert (dataset / "segmenter/bb/fold0").is_dir() and not (dataset / "classifier").exists()
    source = (tmp_path / "pkg" / "kernel" / "kernel.py").read_text()
    assert 'TTA = "vflip"' in source and 'REDUCER = "gmean"' in source
    save_spec(EnsembleSpec(("other",)), tmp_path / "ensemble.yaml")
    assert main(["kaggle-package", "--runs", str(runs), "--out", str(tmp_path / "pkg2"), "--wheel", str(wheel),
                 "--ensemble", str(tmp_path / "ensemble.yaml")]) == 2
    assert "segmenter member other has no finished run" in capsys.readouterr().err
    assert not (tmp_path / "pkg2").exists()


def test_package_refuses_what_would_fail_on_kaggle(tmp_path):
    runs = _fake_runs(tmp_path / "runs")
    wheel = tmp_path / "steeldefect-0.1.0-py3-none-any.whl"
    wheel.write_bytes(b"not really a wheel")
    save_thresholds(Thresholds(resolution=(128, 800)), runs / "thresholds.yaml")
    with pytest.raises(SteelDefectError, match="tuned at 128x800 but the segmenters predict at 64x384"):
        build_package(runs, tmp_path / "pkg", spec=SPEC, wheel=wheel)
    save_thresholds(Thresholds(resolution=(64, 384)), runs / "thresholds.yaml")
    (runs / "classifier" / "bb" / "fold0" / META_FILE).write_text("{}")
    with pytest.raises(SteelDefectError, match="records no input_size"):
        build_package(runs, tmp_path / "pkg", spec=SPEC, wheel=wheel)
    assert not (tmp_path / "pkg").exists()


def test_predict_imports_only_what_kaggle_has():
    code = ("import sys\n"
            "from steeldefect.prediction import keras_ensemble, predict\n"
            "from steeldefect.artifacts import thresholds_file\n"
            "from steeldefect.models.model_io import register_custom_objects\n"
            "register_custom_objects()\n"
            "import steeldefect.pipeline.preprocess\n"
            "print(' '.join(sorted(sys.modules)))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")).stdout.split()
    tops = {m.split(".")[0] for m in out}
    assert not tops & set(FORBIDDEN_AT_PREDICT)
    assert "steeldefect.folds" not in out and "steeldefect.pipeline.augment" not in out


def _offline_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower() and not k.startswith("PIP_")}
    unreachable = "http://127.0.0.1:9"  # any network use fails at once
    env.update(PIP_NO_INDEX="1", PIP_CONFIG_FILE=os.devnull, HTTP_PROXY=unreachable, HTTPS_PROXY=unreachable,
               http_proxy=unreachable, https_proxy=unreachable, PYTHONNOUSERSITE="1", TF_CPP_MIN_LOG_LEVEL="2",
               **extra)
    return env


@pytest.mark.slow
def test_kernel_runs_offline_on_a_simulated_kaggle_tree(tiny_runs, tiny_dataset, tmp_path, capsys):
    runs = tmp_path / "runs"
    shutil.copytree(tiny_runs, runs)
    save_thresholds(Thresholds(classes=tuple(ClassThresholds(0.5, 200, 0.0) for _ in range(4))),
                    runs / "thresholds.yaml")
    assert main(["kaggle-package", "--runs", str(runs), "--out", str(tmp_path / "pkg"),
                 "--dataset-id", SPEC.dataset_id, "--kernel-id", SPEC.kernel_id, "--tta", "hflip"]) == 0
    assert "upload: kaggle datasets create" in capsys.readouterr().out
    kaggle = tmp_path / "kaggle"
    shutil.copytree(tmp_path / "pkg" / "dataset", kaggle / "input" / SPEC.dataset_slug)
    competition = kaggle / "input" / "severstal-steel-defect-detection"
    shutil.copytree(tiny_dataset / "test_images", competition / "test_images")
    shutil.copy2(tiny_dataset / "sample_submission.csv", competition / "sample_submission.csv")
    (kaggle / "working").mkdir()
    target = tmp_path / "site"
    env = _offline_env(STEELDEFECT_DATASET=str(kaggle / "input" / SPEC.dataset_slug),
                       STEELDEFECT_COMPETITION=str(competition), STEELDEFECT_PIP_TARGET=str(target),
                       STEELDEFECT_OUT=str(kaggle / "working" / "submission.csv"))
    done = subprocess.run([sys.executable, str(tmp_path / "pkg" / "kernel" / "kernel.py")], cwd=kaggle / "working",
                          env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert f"from {target / 'steeldefect'}" in done.stdout  # the installed wheel, not the source tree
    assert "models: 2 classifier, 2 segmenter; 6 images" in done.stdout
    assert "submission validated against the sample" in done.stdout
    assert validate_submission(kaggle / "working" / "submission.csv", competition / "sample_submission.csv").ok


def test_package_refuses_thresholds_of_another_class_count(tmp_path):
    runs = _fake_runs(tmp_path / "runs")
    wheel = tmp_path / "steeldefect-0.1.0-py3-none-any.whl"
    wheel.write_bytes(b"not really a wheel")
    save_thresholds(Thresholds(resolution=(64, 384)), runs / "thresholds.yaml")  # Severstal's four classes
    (runs / "segmenter" / "bb" / "fold0" / META_FILE).write_text(
        json.dumps({"input_size": [64, 384], "class_names": ["scratch", "pit", "stain"]}))
    with pytest.raises(SteelDefectError, match="has 4 classes but segmenter run .* was trained on 3"):
        build_package(runs, tmp_path / "pkg", spec=SPEC, wheel=wheel)
    assert not (tmp_path / "pkg").exists()


def _sample(path: Path, ids: list[str], n_classes: int) -> None:
    rows = [f"{i}_{c},1 1" for i in ids for c in range(1, n_classes + 1)]
    path.write_text("ImageId_ClassId,EncodedPixels\n" + "\n".join(rows) + "\n")


@pytest.mark.slow
def test_the_kernel_follows_the_runs_classes_and_image_sizes(class_runs, tmp_path, capsys):
    """Three classes at 192x768: the kernel names them, writes and validates three rows per image at
    the images' size (its body run in-process; the offline install is the test above)."""
    import numpy as np

    from steeldefect.data.images import write_jpeg
    from steeldefect.data.rle import rle_decode
    from steeldefect.delivery.kaggle.kernel_run import run

    dataset = tmp_path / "dataset"
    shutil.copytree(class_runs.runs, dataset / "runs")
    shutil.copy2(class_runs.thresholds, dataset / "thresholds.yaml")
    images = tmp_path / "test_images"
    images.mkdir()
    rng = np.random.default_rng(0)
    ids = [f"{k}.jpg" for k in range(3)]
    for i in ids:
        write_jpeg(images / i, rng.integers(0, 256, (192, 768, 3), dtype=np.uint8))
    _sample(tmp_path / "sample.csv", ids, 3)
    args = SimpleNamespace(dataset=str(dataset), images=str(images), sample=str(tmp_path / "sample.csv"),
                           out=str(tmp_path / "submission.csv"), tta="none", reducer="mean", batch_size=2,
                           chunk_size=256)
    run(args, 0.0)
    out = capsys.readouterr().out
    assert "3 classes: scratch, pit, stain" in out and "submission validated against the sample" in out
    sub = pd.read_csv(tmp_path / "submission.csv", keep_default_na=False)
    assert len(sub) == 9 and any(sub["EncodedPixels"])
    for rle in sub["EncodedPixels"]:
        rle_decode(rle, (192, 768))  # a well-formed mask of the image's size
    _sample(tmp_path / "sample.csv", ids, 4)  # the competition's four classes: three do not match
    with pytest.raises(SystemExit, match="missing row for image 0.jpg class 4"):
        run(args, 0.0)


@pytest.mark.slow
def test_the_package_stage_lists_the_classes_and_warns_off_the_competition(class_runs, tmp_path, capsys):
    wheel = tmp_path / "steeldefect-0.1.0-py3-none-any.whl"
    wheel.write_bytes(b"not really a wheel")
    assert main(["kaggle-package", "--runs", str(class_runs.runs), "--out", str(tmp_path / "pkg"),
                 "--wheel", str(wheel)]) == 0
    captured = capsys.readouterr()
    assert "3 classes: scratch, pit, stain" in captured.out
    assert "scores 4; the kernel's submission will not match its sample" in captured.err
