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
])
def test_a_bad_field_is_one_line_naming_it(change, message):
    data = json.loads(DEFAULT_LOOK_FILE.read_text())
    change(data)
    with pytest.raises(SteelDefectError, match=message) as err:
        look_from_dict(data, "look.json")
    assert "\n" not in str(err.value) and str(err.value).startswith("look.json: ")


def test_a_missing_or_broken_file_is_one_line(tmp_path):
    with pytest.raises(SteelDefectError, match="cannot read the look file"):
        read_look(tmp_path / "none.json")
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(SteelDefectError, match="not JSON"):
        read_look(tmp_path / "bad.json")
