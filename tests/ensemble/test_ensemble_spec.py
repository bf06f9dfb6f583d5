"""ensemble.yaml: round trip, one-line errors, and picking the members' runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from steeldefect.artifacts.ensemble_file import EnsembleSpec, load_spec, save_spec
from steeldefect.errors import SteelDefectError
from steeldefect.artifacts.run_folder import Run


def test_round_trip(tmp_path):
    spec = EnsembleSpec(("efficientnetb0", "resnet34"), ("efficientnetb0",), "hflip", "gmean", {"budget_s": 60.0})
    save_spec(spec, tmp_path / "e.yaml")
    back = load_spec(tmp_path / "e.yaml")
    assert back == spec and back.selected == {"budget_s": 60.0}
    assert "segmenters efficientnetb0, resnet34; classifiers efficientnetb0; TTA hflip; reducer gmean" == back.describe()


@pytest.mark.parametrize("text, message", [
    ("segmenters: []\n", "segmenters lists no member"),
    ("segmenters: [a, a]\n", "segmenters lists a member twice"),
    ("segmenters: [a]\ntta: flips\n", "tta 'flips' is not one of none, hflip, vflip, both"),
    ("segmenters: [a]\nreducer: median\n", "reducer 'median' is not one of gmean, max, mean"),
    ("segmenters: [a]\nmembers: [b]\n", "unknown key 'members'; valid keys are segmenters, classifiers"),
    ("segmenters: a\n", "segmenters must be a list of member names, got 'a'"),
    ("- a\n", "expected a mapping"),
    ("segmenters: [a\n", "not valid YAML"),
])
def test_bad_files_are_one_line_errors(tmp_path, text, message):
    path = tmp_path / "e.yaml"
    path.write_text(text)
    with pytest.raises(SteelDefectError, match=message) as err:
        load_spec(path)
    assert str(err.value).startswith(str(path)) and "\n" not in str(err.value)


def test_missing_file():
    with pytest.raises(SteelDefectError, match="ensemble file not found"):
        load_spec("/no/such/ensemble.yaml")


def test_pick_keeps_the_members_runs_and_names_a_missing_member():
    runs = [Run("segmenter", m, f, Path(f"/r/segmenter/{m}/fold{f}")) for m in ("a", "b") for f in (0, 1)]
    assert [r.name for r in EnsembleSpec(("b",)).pick(runs, "segmenter")] == ["segmenter/b/fold0", "segmenter/b/fold1"]
    assert EnsembleSpec(("a",)).pick(runs, "classifier") == []
    with pytest.raises(SteelDefectError, match="segmenter member c has no finished run"):
        EnsembleSpec(("a", "c")).pick(runs, "segmenter")
