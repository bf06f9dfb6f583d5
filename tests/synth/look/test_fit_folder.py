"""Fitting a folder: the shipped look is what `steeldefect synth-look` fits on the tune part of the
real strips, strips are chosen as documented, and the JPEG quality is read from the strips."""

from __future__ import annotations

import subprocess
import sys

import cv2
import numpy as np
import pandas as pd
import pytest

from steeldefect.errors import SteelDefectError
from steeldefect.synth.look import DEFAULT_LOOK_FILE
from steeldefect.synth.look.fit_folder import chosen_strips, jpeg_quality
from steeldefect.synth.look.split import TUNE, split_real


@pytest.mark.slow
def test_the_shipped_look_is_the_fit_of_the_tune_part(real_dir, tmp_path):
    out = tmp_path / "look.json"
    done = subprocess.run([sys.executable, "-m", "steeldefect", "synth-look", "--real", str(real_dir / "strips"),
                           "--table", str(real_dir / "strips.csv"), "--part", "tune", "--out", str(out)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "the look of 40 strips" in done.stdout
    assert out.read_text() == DEFAULT_LOOK_FILE.read_text()


def test_the_table_chooses_clean_training_strips_and_test_strips_of_one_part(real_dir):
    strips = pd.read_csv(real_dir / "strips.csv")
    chosen = {p.name for p in chosen_strips(real_dir / "strips", real_dir / "strips.csv", TUNE)}
    rows = strips[strips["ImageId"].isin(chosen)]
    assert len(rows) == len(chosen) and (split_real(strips)[rows.index] == TUNE).all()
    flagged = rows[["class_1", "class_2", "class_3", "class_4"]].fillna(0).sum(axis=1) > 0
    assert not (flagged & (rows["split"] == "train")).any()


def test_jpeg_quality_is_read_from_the_quantisation_tables(tmp_path):
    grey = np.random.default_rng(0).integers(0, 255, (64, 64), dtype=np.uint8)
    for quality in (75, 90, 95):
        cv2.imwrite(str(tmp_path / f"q{quality}.jpg"), grey, [cv2.IMWRITE_JPEG_QUALITY, quality])
        assert jpeg_quality(tmp_path / f"q{quality}.jpg") == quality
    cv2.imwrite(str(tmp_path / "p.png"), grey)
    assert jpeg_quality(tmp_path / "p.png") is None


def test_a_table_naming_absent_strips_is_one_line(tmp_path):
    (tmp_path / "strips").mkdir()
    pd.DataFrame({"ImageId": ["a.jpg"], "split": ["test"], "class_1": [0], "class_2": [0], "class_3": [0],
                  "class_4": [0]}).to_csv(tmp_path / "t.csv", index=False)
    with pytest.raises(SteelDefectError, match="1 strip.* missing, e.g. a.jpg"):
        chosen_strips(tmp_path / "strips", tmp_path / "t.csv", None)
