"""Pseudo labels: what is kept, its precision, the batch mixing, and the command end to end."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from steeldefect.constants import IMAGE_SHAPE, RLE_COLUMNS
from steeldefect.data.rle import rle_encode
from steeldefect.errors import SteelDefectError
from steeldefect.pipeline.oversampling import EpochPlan, mix_pseudo, pseudo_slots
from steeldefect.prediction.pseudo_labels import PseudoRule, choose_pseudo, pseudo_precision

BOX = np.zeros(IMAGE_SHAPE, np.uint8)
BOX[10:40, 100:300] = 1
RLE = rle_encode(BOX)


def _tables():
    ids = ["a.jpg", "b.jpg", "c.jpg", "d.jpg", "e.jpg"]
    per_image = pd.DataFrame({"ImageId": ids, "cls_prob": [0.01, 0.02, 0.97, 0.99, 0.5],
                              "area_1": [0, 500, 0, 0, 0], "area_2": 0, "area_3": [0, 0, 6000, 0, 100], "area_4": 0})
    masks = pd.DataFrame({"ImageId": ids, "rle_1": ["", RLE, "", "", ""], "rle_2": "",
                          "rle_3": ["", "", RLE, "", RLE], "rle_4": ""})
    return per_image, masks


def test_sure_images_are_kept_and_the_rest_left_out():
    kept, counts = choose_pseudo(*_tables(), PseudoRule(0.05, 0.95))
    # a: sure clean, no mask -> clean. b: sure clean but a mask survived -> disagreement, left out.
    # c: sure defect with a mask -> kept with it. d: sure defect, no mask -> left out. e: unsure -> left out.
    assert kept["ImageId"].tolist() == ["a.jpg", "c.jpg"]
    assert kept.loc[0, list(RLE_COLUMNS)].tolist() == ["", "", "", ""]
    assert kept.loc[1, "rle_3"] == RLE and kept.loc[1, "rle_1"] == ""
    assert counts == {"images": 5, "clean": 1, "defective": 1, "left_out": 3}


def test_precision_against_the_truth():
    kept, _ = choose_pseudo(*_tables(), PseudoRule(0.05, 0.95))
    truth = pd.DataFrame({"ImageId": ["a.jpg", "c.jpg"], "rle_1": ["", ""], "rle_2": ["", ""],
                          "rle_3": [RLE, RLE], "rle_4": ["", ""]})  # a was not clean after all
    got = pseudo_precision(kept, truth)
    assert got["clean_precision"] == 0.0 and got["defect_precision"] == 1.0 and got["kept"] == 2
    assert got["mean_dice"] == pytest.approx((3 + 0 + 4) / 8)  # a: 3 of 4 pairs right; c: all 4


def test_a_four_output_classifier_uses_its_largest_probability():
    per_image, masks = _tables()
    four = per_image.drop(columns="cls_prob").assign(cls_prob_1=per_image["cls_prob"], cls_prob_2=0.0,
                                                       cls_prob_3=0.0, cls_prob_4=0.0)
    assert choose_pseudo(four, masks, PseudoRule())[0]["ImageId"].tolist() == ["a.jpg", "c.jpg"]
    with pytest.raises(SteelDefectError, match="need 0 <= --clean-below < --defect-above <= 1"):
        choose_pseudo(per_image, masks, PseudoRule(0.6, 0.4))


@pytest.mark.parametrize("share, batch", [(0.12, 8), (0.25, 8), (0.5, 4), (0.01, 16)])
def test_every_batch_gives_its_share_to_pseudo_images(share, batch):
    steps, n_regular, n_pseudo = 10, 50, 7
    plan = EpochPlan(np.arange(steps * batch) % n_regular, np.arange(steps * batch))
    mixed = mix_pseudo(plan, n_regular, n_pseudo, share, batch, seed=1, epoch=3)
    k = pseudo_slots(share, batch)
    assert k == max(1, round(share * batch))
    per_batch = (mixed.index.reshape(steps, batch) >= n_regular).sum(axis=1)
    assert (per_batch == k).all() and mixed.index.max() < n_regular + n_pseudo
    assert set(mixed.index[mixed.index >= n_regular]) == set(range(n_regular, n_regular + n_pseudo))  # all used
    again = mix_pseudo(plan, n_regular, n_pseudo, share, batch, seed=1, epoch=3)
    assert np.array_equal(again.index, mixed.index) and np.array_equal(again.seed, mixed.seed)
    assert mix_pseudo(plan, n_regular, 0, share, batch, 1, 3) is plan  # nothing to mix


def test_pseudo_images_must_not_be_training_images_and_must_exist(tiny_dataset, tmp_path):
    from steeldefect.pipeline.image_sources import open_source

    source = open_source(tiny_dataset)
    train_id = source.table["ImageId"].iloc[0]
    table = pd.DataFrame({"ImageId": [train_id], **{c: [""] for c in RLE_COLUMNS}})
    with pytest.raises(SteelDefectError, match="is also a training image"):
        source.with_pseudo(table, tiny_dataset / "test_images")
    table["ImageId"] = ["nope.jpg"]
    with pytest.raises(SteelDefectError, match="nope.jpg is not in"):
        source.with_pseudo(table, tiny_dataset / "test_images")
    test_id = sorted(p.name for p in (tiny_dataset / "test_images").iterdir())[0]
    table["ImageId"] = [test_id]
    mixed = source.with_pseudo(table, tiny_dataset / "test_images")
    assert len(mixed.table) == len(source.table) + 1
    assert mixed.image_paths([test_id, train_id]) == [str(tiny_dataset / "test_images" / test_id),
                                                      source.image_paths([train_id])[0]]


def test_pseudo_label_command_end_to_end(tiny_runs, tiny_dataset, tmp_path, capsys):
    from steeldefect.cli.main import main
    from steeldefect.data.labels import read_labels
    from steeldefect.artifacts.thresholds_file import save_thresholds
    from steeldefect.postprocess.rules import ClassThresholds, Thresholds

    th = tmp_path / "t.yaml"
    save_thresholds(Thresholds(classes=tuple(ClassThresholds(0.5, 0, 0.5) for _ in range(4)), resolution=(32, 192)), th)
    out = tmp_path / "pseudo.csv"
    argv = ["pseudo-label", "--runs", str(tiny_runs), "--images", str(tiny_dataset / "test_images"),
            "--thresholds", str(th), "--out", str(out), "--clean-below", "0.9", "--defect-above", "0.95",
            "--truth", str(tiny_dataset / "test_labels.csv")]
    assert main(argv) == 0
    captured = capsys.readouterr()
    printed = captured.out
    assert "[device] pseudo-label: CPU" in captured.err
    from steeldefect.devices import read_stages

    assert read_stages(tmp_path)["pseudo-label"]["precision"] == "float32"
    assert "6 images: kept" in printed and "clean precision" in printed
    kept = read_labels(out)
    assert set(kept["ImageId"]) <= {p.name for p in (tiny_dataset / "test_images").iterdir()}
    assert main([*argv[:-2], "--clean-below", "0.9", "--defect-above", "0.5"]) == 2
    assert "--clean-below < --defect-above" in capsys.readouterr().err
