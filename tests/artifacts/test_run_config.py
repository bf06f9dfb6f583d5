"""config.yaml of a run folder: read back as the config it was trained with, and its head in words."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from steeldefect.artifacts.run_config import UNKNOWN, describe_head, head_of, read_run_config
from steeldefect.artifacts.run_folder import Run, run_dir_of
from steeldefect.config import load_config, save_config

DEMO = Path(__file__).resolve().parents[2] / "configs" / "demo.yaml"


def _run(root: Path, kind: str, config=None) -> Run:
    path = run_dir_of(root, kind, "bb", 0)
    path.mkdir(parents=True)
    if config is not None:
        save_config(config, path / "config.yaml")
    return Run(kind, "bb", 0, path)


def test_the_config_a_run_was_trained_with_reads_back_and_names_its_head(tmp_path):
    demo = load_config(DEMO)
    seg = _run(tmp_path, "segmenter", demo)
    assert read_run_config(seg) == demo
    assert head_of(seg) == "fpn, stride 4"  # configs/demo.yaml's segmenter
    assert head_of(_run(tmp_path, "classifier", demo)) == "avg pooling, 1 output"


@pytest.mark.parametrize("segmenter, classifier, seg_head, cls_head", [
    ({"decoder": "unetpp", "output_stride": 1}, {"n_outputs": 4, "pooling": "avgmax"}, "unetpp",
     "avgmax pooling, 4 outputs"),
    ({"decoder": "unetpp", "output_stride": 1, "deep_supervision": True}, {}, "unetpp, deep supervision",
     "avg pooling, 1 output"),
    ({"decoder": "unet", "output_stride": 2}, {}, "unet, stride 2", "avg pooling, 1 output"),
])
def test_heads_in_words(segmenter, classifier, seg_head, cls_head):
    demo = load_config(DEMO)
    config = replace(demo, segmenter=replace(demo.segmenter, **segmenter),
                     classifier=replace(demo.classifier, **classifier))
    assert describe_head(config, "segmenter") == seg_head
    assert describe_head(config, "classifier") == cls_head


def test_a_run_without_a_readable_config_has_an_unknown_head(tmp_path):
    run = _run(tmp_path, "segmenter")
    assert read_run_config(run) is None and head_of(run) == UNKNOWN
    run.config_path.write_text("segmenter: [not, a, mapping\n")
    assert read_run_config(run) is None and head_of(run) == UNKNOWN
