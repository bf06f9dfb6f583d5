"""CVAT's labelmap.txt and the classes.txt of index masks: read, written, refused with one line."""

from __future__ import annotations

import pytest

from steeldefect.errors import SteelDefectError
from steeldefect.importing.class_list import CLASSES_FILE, parse_class_list, read_class_list, write_class_list
from steeldefect.importing.labelmap import (BLACK, LABELMAP_FILE, Labelmap, format_labelmap, parse_labelmap,
                                            read_labelmap, write_labelmap)

CVAT_TEXT = """# label:color_rgb:parts:actions
background:0,0,0::
scratch:250,50,83::
pit:51,221,255:part1:
"""


def test_cvat_labelmap_names_classes_in_file_order_and_skips_background():
    labelmap = parse_labelmap(CVAT_TEXT)
    assert labelmap.class_names == ("scratch", "pit")
    assert labelmap.colors == ((250, 50, 83), (51, 221, 255))
    assert labelmap.color_ids() == {(250, 50, 83): 1, (51, 221, 255): 2, BLACK: 0}


def test_a_labelmap_round_trips_through_its_file(tmp_path):
    labelmap = Labelmap(("a", "b c"), ((1, 2, 3), (4, 5, 6)))
    write_labelmap(labelmap, tmp_path)
    assert (tmp_path / LABELMAP_FILE).read_text() == format_labelmap(labelmap)
    assert read_labelmap(tmp_path / LABELMAP_FILE) == labelmap
    assert format_labelmap(labelmap).splitlines()[:2] == ["# label:color_rgb:parts:actions", "background:0,0,0::"]


def test_a_background_of_another_colour_is_background_too():
    labelmap = parse_labelmap("background:9,9,9::\nx:1,1,1::\n")
    assert labelmap.color_ids()[(9, 9, 9)] == 0 and labelmap.color_ids()[BLACK] == 0


@pytest.mark.parametrize("text, needle", [
    ("x:1,2::\n", "line 1: colour '1,2' is not r,g,b"),
    ("x:1,2,300::\n", "not r,g,b"),
    ("justaname\n", "expected name:r,g,b::"),
    ("a:1,2,3::\nb:1,2,3::\n", "line 2: colour 1,2,3 is used by 'a' too"),
    ("a:0,0,0::\n", "background colour"),
    ("a:1,2,3::\na:4,5,6::\n", "'a' is used twice"),
    ("background:0,0,0::\n", "no classes"),
])
def test_bad_labelmaps_give_one_line_naming_the_file(text, needle):
    with pytest.raises(SteelDefectError, match=needle) as info:
        parse_labelmap(text, "export/labelmap.txt")
    assert "export/labelmap.txt" in str(info.value) and "\n" not in str(info.value)


def test_a_missing_labelmap_is_one_line(tmp_path):
    with pytest.raises(SteelDefectError, match="labelmap not found"):
        read_labelmap(tmp_path / LABELMAP_FILE)


def test_class_list_round_trips_and_ignores_blanks_and_comments(tmp_path):
    write_class_list(["scratch", "pit"], tmp_path)
    assert (tmp_path / CLASSES_FILE).read_text() == "scratch\npit\n"
    assert read_class_list(tmp_path / CLASSES_FILE) == ("scratch", "pit")
    assert parse_class_list("# classes\n\n a \nb\n") == ("a", "b")
    with pytest.raises(SteelDefectError, match="used twice"):
        parse_class_list("a\na\n")
