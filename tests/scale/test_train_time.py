"""The CPU training-time estimate: what it counts, and that the design card warns while the demo does not."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from steeldefect.config import load_config
from steeldefect.scale.model_cases import ModelCase
from steeldefect.scale.train_time import (B0_SECONDS_PER_IMAGE, CPU_WARN_HOURS, cpu_warning, estimate_training,
                                          seconds_per_image)

ROOT = Path(__file__).resolve().parents[2]


def case(backbone="efficientnetb0", head="unetpp", train=(128, 800), predict=(128, 800), kind="segmenter"):
    return ModelCase("t", kind, backbone, head, train, predict, 8)


def test_seconds_per_image_scales_with_pixels_backbone_and_stride():
    train_s, val_s, known = seconds_per_image(case())
    assert known and train_s == pytest.approx(B0_SECONDS_PER_IMAGE["unetpp"]) and val_s == pytest.approx(train_s / 3)
    assert seconds_per_image(case(train=(64, 400)))[0] == pytest.approx(train_s / 4)
    assert seconds_per_image(case("efficientnetb5"))[0] > 2 * train_s  # 246.9 against 107.4 GFLOP
    fpn, fpn4 = seconds_per_image(case(head="fpn"))[0], seconds_per_image(case(head="fpn"), output_stride=4)[0]
    assert fpn4 < fpn < B0_SECONDS_PER_IMAGE["unet"]
    assert seconds_per_image(case("efficientnet_lite0", head="gate"))[2]  # Lite0 steps at B0's speed (measured)
    assert not seconds_per_image(case("resnet34", head="unet"))[2]


def test_the_demo_fits_a_cpu_and_the_design_card_does_not():
    demo, full = load_config(ROOT / "configs/demo.yaml"), load_config(ROOT / "configs/full.yaml")
    small = estimate_training(demo, 1440)
    assert small.runs == 2 and small.hours < CPU_WARN_HOURS and cpu_warning(small, "demo") is None
    big = estimate_training(full, 12568)
    assert big.runs == 60 and big.hours > 1000
    warning = cpu_warning(big, "full")
    assert warning.startswith("warning: config 'full' would train for about ") and "GPU" in warning
    assert "\n" not in warning


def test_runs_narrow_the_estimate_and_unknown_backbones_are_named():
    full = load_config(ROOT / "configs/full.yaml")
    one = estimate_training(full, 1000, [("segmenter", "efficientnetb0")])
    assert one.runs == 1
    assert estimate_training(full, 1000, [("segmenter", "efficientnetb0")] * 5).seconds == pytest.approx(5 * one.seconds)
    assert estimate_training(full, 2000, [("segmenter", "efficientnetb0")]).seconds == pytest.approx(2 * one.seconds)
    more_epochs = replace(full, segmenter=replace(full.segmenter, train=replace(full.segmenter.train, epochs=80)))
    assert estimate_training(more_epochs, 1000, [("segmenter", "efficientnetb0")]).seconds == pytest.approx(
        2 * one.seconds)
    other = estimate_training(full, 1000, [("segmenter", "resnet34")])  # a --backbone outside the list
    assert other.unknown_backbones == ("resnet34",)
    assert "resnet34 counted as B0" in cpu_warning(other, "full", limit_hours=0)
