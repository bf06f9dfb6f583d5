"""EDA of an imported dataset: three named classes, two image sizes."""

from __future__ import annotations

import json

import numpy as np

from steeldefect.analysis.classes import PALETTE, hex_colour, short_label
from steeldefect.analysis.eda import compute_eda, format_eda, load_label_source
from steeldefect.analysis.eda import label_stats as stats
from steeldefect.artifacts.dataset_file import read_dataset
from steeldefect.stages.eda_stage import EdaArgs, eda


def test_k3_statistics_follow_the_dataset(k3_dataset):
    source = load_label_source(k3_dataset / "train.csv", k3_dataset / "train_images", read_dataset(k3_dataset))
    assert source.n_classes == 3 and source.names == ("scratch", "pit", "stain")
    assert source.shapes == {"a.jpg": (32, 64), "b.jpg": (32, 64), "c.jpg": (48, 96)}
    result = compute_eda(source, progress=False)
    assert result["labels_per_image"] == {"0": 0, "1": 2, "2": 1, "3": 0}
    assert result["images_per_class"] == {"1": 2, "2": 1, "3": 1}
    assert result["class_names"] == {"1": "scratch", "2": "pit", "3": "stain"}
    assert result["image_sizes"] == [{"height": 32, "width": 64, "images": 2},
                                     {"height": 48, "width": 96, "images": 1}]
    assert result["area_stats"]["1"]["count"] == 2 and result["area_stats"]["1"]["median"] == (8 * 17 + 30 * 80) / 2
    # c.jpg's mask spans 80 columns: only decodable at its own 48x96 size
    assert result["shape_stats"]["1"]["bbox_width"]["p90"] > 64


def test_k3_headings_show_the_names(k3_dataset, tmp_path):
    result = eda(EdaArgs(data=k3_dataset, out=tmp_path / "eda", samples=1, seed=0))
    assert "  scratch        2" in result.table and "  stain        1" in result.table
    area_rows = [line.split()[0] for line in result.table.splitlines() if line.startswith("  ") and "," not in line]
    assert {"scratch", "pit", "stain"} <= set(area_rows)
    saved = json.loads((tmp_path / "eda" / "eda.json").read_text())
    assert saved["class_names"]["2"] == "pit"
    assert {"samples_class_1.png", "samples_class_2.png", "samples_class_3.png"} <= set(saved["charts"])


def test_severstal_rows_keep_their_ids(real_folder):
    text = format_eda(compute_eda(load_label_source(real_folder / "train.csv"), progress=False))
    assert "  class 1 " in text and "class 1 " not in text.split("mask area")[1].split("\n")[2]


def test_stats_take_k_from_the_arrays():
    presence = np.array([[1, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0]], bool)
    assert stats.labels_per_image(presence) == {0: 1, 1: 0, 2: 1, 3: 0, 4: 0, 5: 0, 6: 0}
    assert stats.images_per_class(presence) == {1: 1, 2: 0, 3: 0, 4: 0, 5: 0, 6: 1}
    assert stats.class_combinations(presence, ["a", "b", "c", "d", "e", "f"]) == [("a+f", 1), ("none", 1)]


def test_palette_has_eight_colours_and_cycles():
    assert len(set(PALETTE)) == 8
    assert hex_colour(1) == "#e6194b" and hex_colour(9) == hex_colour(1) and hex_colour(8) != hex_colour(4)
    assert short_label(3, "class 3") == "3" and short_label(3, "stain") == "stain"
