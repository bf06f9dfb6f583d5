"""`steeldefect synth-look` then `steeldefect synth --look`: a user's own look, fitted and used."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys

import numpy as np

from steeldefect.artifacts.look_file import read_look, write_look
from steeldefect.data.images import read_image
from steeldefect.stages.synth_look_stage import SynthLookArgs, synth_look
from steeldefect.synth import generate_dataset
from steeldefect.synth.look import default_look


def test_a_look_fitted_on_a_folder_draws_strips_like_it(tmp_path):
    dark = dataclasses.replace(default_look(), bank=((45.0, 8.0, 4.0, 5.0, 300.0),), margin_probability=0.0)
    source = tmp_path / "line"
    generate_dataset(source, 6, 0, seed=3, progress=False, look=dark)
    result = synth_look(SynthLookArgs(real=source / "train_images", out=tmp_path / "line.json"))
    assert "the look of 6 strips" in result.line
    fitted = read_look(tmp_path / "line.json")
    assert abs(np.median([row[0] for row in fitted.bank]) - 45) < 8
    out = tmp_path / "ds"
    done = subprocess.run([sys.executable, "-m", "steeldefect", "-q", "synth", "--out", str(out), "--train", "3",
                           "--look", str(tmp_path / "line.json")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert len(json.loads((out / "synth.json").read_text())["arguments"]["look"]) == 12
    means = [read_image(p).mean() for p in sorted((out / "train_images").glob("*.jpg"))]
    assert max(means) < 70  # the shipped look's strips are about 100


def test_the_same_look_gives_the_same_bytes_and_another_look_other_bytes(tmp_path):
    look = default_look()
    write_look(look, tmp_path / "same.json")
    a, b = tmp_path / "a", tmp_path / "b"
    generate_dataset(a, 2, 0, seed=1, progress=False)
    generate_dataset(b, 2, 0, seed=1, progress=False, look=read_look(tmp_path / "same.json"))
    for path in sorted((a / "train_images").glob("*.jpg")):
        assert path.read_bytes() == (b / "train_images" / path.name).read_bytes()
    other = dataclasses.replace(look, grain_modulation=1.0)
    c = tmp_path / "c"
    generate_dataset(c, 2, 0, seed=1, progress=False, look=other)
    assert any(p.read_bytes() != (c / "train_images" / p.name).read_bytes()
               for p in (a / "train_images").glob("*.jpg"))


def test_part_without_table_is_one_line(tmp_path):
    done = subprocess.run([sys.executable, "-m", "steeldefect", "synth-look", "--real", str(tmp_path), "--out",
                           str(tmp_path / "x.json"), "--part", "tune"], capture_output=True, text=True)
    assert done.returncode == 2 and "--part needs --table" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and not (tmp_path / "x.json").exists()
