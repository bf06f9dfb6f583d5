"""look.json: the shipped look reads, round-trips, and a bad field is one line naming it."""

from __future__ import annotations

import json

import pytest

from steeldefect.artifacts.look_file import look_from_dict, read_look, write_look
from steeldefect.errors import SteelDefectError
from steeldefect.synth.look import DEFAULT_LOOK_FILE, default_look


def test_the_shipped_look_reads_and_round_trips(tmp_path):
    look = default_look()
    assert len(look.log_psd) == len(look.fy) and all(len(r) == len(look.fx) for r in look.log_psd)
    assert look.bank and 0 <= look.margin_probability <= 1 and look.jpeg_quality == 90
    again = read_look(write_look(look, tmp_path / "look.json"))
    assert write_look(again, tmp_path / "again.json").read_text() == (tmp_path / "look.json").read_text()


@pytest.mark.parametrize("change, message", [
    (lambda d: d.pop("bank"), "missing bank"),
    (lambda d: d.update(fy=list(reversed(d["fy"]))), "fy must increase"),
    (lambda d: d.update(fx=[0.0]), "fx must lie in 0..0.5"),
    (lambda d: d["log_psd"].pop(), "one row per fy"),
    (lambda d: d["bank"][0].pop(), "bank row 0 has 4 values, 5 expected"),
    (lambda d: d.update(jpeg_quality=101), "jpeg_quality"),
    (lambda d: d.update(margin_widths=[0]), "margin_widths"),
    (lambda d: d.update(grain_modulation="rough"), "grain_modulation holds 'rough'"),
    (lambda d: d.update(format_version=99), "newer than this steeldefect reads"),
    (lambda d: d.update(class_margins={"2": 0.8}), "class_margins must be a list"),
    (lambda d: d["class_margins"][0].update(probability=1.5), r"class_margins\[0\].probability must lie in"),
    (lambda d: d["class_margins"][1].update({"class": 0}), r"class_margins\[1\].class must be a whole number"),
    (lambda d: d["class_margins"][0].update(widths=[]), r"class_margins\[0\].widths must not be empty"),
    (lambda d: d.update(grey_quantiles=list(reversed(d["grey_quantiles"]))), "grey_quantiles must not decrease"),
    (lambda d: d["grey_quantiles"].pop(), "grey_quantiles has 20 values, 21 expected"),
    (lambda d: d["splashes"].pop("areas"), "splashes must be null or an object with exactly"),
    (lambda d: d["splashes"].update(probability=-0.1), "splashes.probability must lie in"),
    (lambda d: d["splashes"].update(counts=[5, 4, 3, 2, 1]), "splashes.counts must be quantiles"),
    (lambda d: d["class_roughness"][0].update(factor=0), r"class_roughness\[0\].factor must lie in"),
    (lambda d: d["class_roughness"].append({"class": 3}), r"class_roughness\[5\] must be an object"),
    (lambda d: d["class_stretch"][1].update(stretch=9), r"class_stretch\[1\] needs a ratio in \(0, 100\] and a stretch"),
    (lambda d: d["class_stretch"][0].update(ratio=0), r"class_stretch\[0\] needs a ratio"),
    (lambda d: d["class_stretch"][0].pop("ratio"), r"class_stretch\[0\] must be an object with exactly class, ratio"),
    (lambda d: d["margin_edge"].pop("ramps"), "margin_edge must be null or an object with exactly"),
    (lambda d: d["margin_edge"]["levels"].pop(), "margin_edge.levels has 48 values, 49 expected"),
    (lambda d: d["margin_edge"].update(offsets=list(reversed(d["margin_edge"]["offsets"]))),
     "margin_edge.offsets must increase"),
    (lambda d: d["margin_edge"].update(ramps=[-1, 2, 3, 4, 5]), "margin_edge.ramps must be quantiles"),
])
def test_a_bad_field_is_one_line_naming_it(change, message):
    data = json.loads(DEFAULT_LOOK_FILE.read_text())
    change(data)
    with pytest.raises(SteelDefectError, match=message) as err:
        look_from_dict(data, "look.json")
    assert "\n" not in str(err.value) and str(err.value).startswith("look.json: ")


def test_a_look_without_the_optional_fields_reads_as_before():
    """Looks written before margins by class, the grey shape, splashes, roughness and direction by class and
    the edge profile existed still read: margins and grain for every class alike, a Gaussian grey shape, no
    splashes, a sharp edge."""
    data = json.loads(DEFAULT_LOOK_FILE.read_text())
    for key in ("class_margins", "grey_probabilities", "grey_quantiles", "splashes", "class_roughness", "class_stretch",
                "margin_edge"):
        data.pop(key)
    look = look_from_dict(data, "look.json")
    assert look.class_margins == () and look.grey_quantiles == () and look.splashes is None
    assert look.margin_edge is None
    assert look.class_roughness == () and look.class_stretch == ()
    shipped = default_look()
    assert shipped.class_margins and len(shipped.grey_quantiles) == len(shipped.grey_probabilities)
    assert shipped.splashes is not None and 0 < shipped.splashes.probability < 1
    assert shipped.margin_edge is not None and shipped.margin_edge.levels[0] < 0.1 < 0.9 < shipped.margin_edge.levels[-1]


def test_a_missing_or_broken_file_is_one_line(tmp_path):
    with pytest.raises(SteelDefectError, match="cannot read the look file"):
        read_look(tmp_path / "none.json")
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(SteelDefectError, match="not JSON"):
        read_look(tmp_path / "bad.json")
