"""EDA files and CLI: charts (valid PNG), eda.json, a folder with only train.csv, one-line errors."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import cv2
import numpy as np
import pytest

from steeldefect.cli.main import main
from steeldefect.data.kaggle_folder import TRAIN_CSV
from steeldefect.analysis.eda import compute_eda, load_label_source, write_eda

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
BASE_CHARTS = ["class_distribution.png", "labels_per_image.png", "class_combinations.png",
               "area_histograms.png"]


def assert_png(path):
    data = path.read_bytes()
    assert data.startswith(PNG_SIGNATURE), path
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None and image.shape[0] > 100 and image.shape[1] > 100, path


def test_folder_with_images_writes_every_chart(real_folder, tmp_path, capsys):
    out = tmp_path / "eda"
    assert main(["eda", "--data", str(real_folder), "--out", str(out), "--samples", "1"]) == 0
    printed = capsys.readouterr().out
    assert "images per class" in printed and "bbox width" in printed
    for name in BASE_CHARTS + [f"samples_class_{c}.png" for c in (1, 2, 3, 4)]:
        assert_png(out / name)
    result = json.loads((out / "eda.json").read_text())
    assert result["n_images"] == 10
    assert result["labels_per_image"] == {"0": 2, "1": 5, "2": 3, "3": 0, "4": 0}
    assert result["images_per_class"] == {"1": 3, "2": 2, "3": 4, "4": 2}
    assert set(result["charts"]) == set(BASE_CHARTS + [f"samples_class_{c}.png" for c in (1, 2, 3, 4)])
    assert result["area_stats"]["4"]["count"] == 2
    assert result["shape_stats"]["2"]["components"]["count"] == 2


def test_folder_with_only_train_csv(real_folder, tmp_path, capsys):
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(real_folder / TRAIN_CSV, data / TRAIN_CSV)
    assert main(["eda", "--data", str(data)]) == 0
    printed = capsys.readouterr().out
    assert "no image folder: sample images with mask contours skipped" in printed
    out = data / "eda"
    assert sorted(p.name for p in out.glob("*.png")) == sorted(BASE_CHARTS)
    for name in BASE_CHARTS:
        assert_png(out / name)
    assert json.loads((out / "eda.json").read_text())["n_images"] == 10


def test_json_of_real_summary(real_dir, tmp_path):
    source = load_label_source(real_dir / "train_mask_areas.csv")
    result = compute_eda(source, progress=False)
    write_eda(result, source, tmp_path)
    saved = json.loads((tmp_path / "eda.json").read_text())
    assert saved["kind"] == "areas" and saved["n_images"] == 12568 and saved["n_masks"] == 7095
    assert saved["class_combinations"][0] == {"classes": "none", "images": 5902}
    assert saved["area_stats"]["3"]["count"] == 5150
    assert saved["area_stats"]["1"]["median"] == 3326
    assert saved["shape_stats"] is None
    assert "area_histograms.png" in saved["charts"]


def test_later_layout_without_images_counts_defective_images(tmp_path):
    csv = tmp_path / "train.csv"
    csv.write_text("ImageId,ClassId,EncodedPixels\na.jpg,1,1 5\nb.jpg,3,10 4\nb.jpg,4,100 2\n")
    source = load_label_source(csv)
    assert list(source.image_ids) == ["a.jpg", "b.jpg"]
    assert "images without defects are unknown" in source.notes[0]


@pytest.mark.parametrize("args, needle", [
    (["--data", "{tmp}/nothere"], "data folder not found"),
    (["--data", "{tmp}"], "train.csv in the data folder not found"),
    (["--labels", "{tmp}/bad.csv"], "unrecognised CSV header"),
    (["--labels", "{tmp}/flags.csv"], "class flags must be 0 or 1"),
    (["--labels", "{tmp}/areas.csv"], "not a whole number"),
    ([], "give a dataset folder"),
])
def test_cli_errors_are_one_line(tmp_path, capsys, args, needle):
    (tmp_path / "bad.csv").write_text("wrong,header\n")
    (tmp_path / "flags.csv").write_text("ImageId,1,2,3,4\na.jpg,0,2,0,0\n")
    (tmp_path / "areas.csv").write_text("image_id," + ",".join(f"area_class_{c}" for c in (1, 2, 3, 4))
                                        + "\na.jpg,0,x,0,0\n")
    assert main(["eda", *[a.format(tmp=tmp_path) for a in args]]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("steeldefect eda: error:") and needle in lines[0], lines


def test_cli_process_error_has_no_traceback(tmp_path):
    result = subprocess.run([sys.executable, "-m", "steeldefect", "eda", "--data", str(tmp_path / "no")],
                            capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.strip() == f"steeldefect eda: error: data folder not found: {tmp_path / 'no'}"
