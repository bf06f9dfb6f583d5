"""The models a config asks for, at the sizes they train and predict at."""

from __future__ import annotations

from pathlib import Path

from steeldefect.config import load_config
from steeldefect.scale.model_cases import model_cases

ROOT = Path(__file__).resolve().parents[2]


def test_full_yaml_lists_six_gates_and_six_unetpp_at_128x800():
    cases = model_cases(load_config(ROOT / "configs/full.yaml"))
    assert [(c.kind, c.backbone) for c in cases] == [(k, f"efficientnetb{i}") for k in ("classifier", "segmenter")
                                                     for i in range(6)]
    assert {(c.head, c.train_size, c.predict_size) for c in cases if c.kind == "segmenter"} == {
        ("unetpp", (128, 800), (128, 800))}
    assert {c.batch_size for c in cases if c.kind == "classifier"} == {32}
    assert {c.batch_size for c in cases if c.kind == "segmenter"} == {16}


def test_winners_segmenters_train_on_crops_and_predict_whole_strips():
    cases = model_cases(load_config(ROOT / "configs/winners.yaml"))
    seg = [c for c in cases if c.kind == "segmenter"]
    assert {(c.train_size, c.predict_size, c.head) for c in seg} == {((256, 512), (256, 1600), "unet")}
    assert {c.head for c in cases if c.kind == "classifier"} == {"4-label"}
