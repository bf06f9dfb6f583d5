"""The app's views as plain functions: distributions, metadata filter, image browser, comparison."""

from __future__ import annotations

import numpy as np
import pytest
from testkit.dash_tree import walk
from steeldefect.analysis.app.dash_callbacks import (candidates, comparison_view, distribution_view, image_view, navigate,
                                       upload_submission)
from steeldefect.analysis.app.compare import compare_sets
from steeldefect.analysis.app.index import build_app_data
from steeldefect.analysis.app.layout import ANY_CLASS, NO_CLASS, build_layout
from steeldefect.analysis.app.metadata import load_metadata
from steeldefect.analysis.app.tables import table_rows
from steeldefect.data.labels import read_labels
from steeldefect.data.submission import read_submission
from steeldefect.errors import SteelDefectError
from steeldefect.metric.dice import score_tables


def find(components, component_id):
    for top in components:
        for c in walk(top):
            if getattr(c, "id", None) == component_id:
                return c
    return None


def texts(components) -> str:
    return " ".join(c for top in components for node in walk(top)
                    for c in ([node.children] if isinstance(getattr(node, "children", None), str) else []))


def test_layout_builds(app_data):
    page = build_layout(app_data)
    assert find([page], "tabs") is not None and find([page], "upload") is not None


def test_distribution_view_counts(app_data, keys):
    classes, labels, combos, areas, table, note = distribution_view(app_data, ["truth", keys["stage1"]], "truth",
                                                                    scale="count")
    rows = table_rows(table)
    truth_bar, stage1_bar = classes.data
    assert list(truth_bar.y) == [3, 2, 4, 2]
    assert list(stage1_bar.y) == [92, 1, 579, 110]  # README: non-empty rows of predictions_stage1.csv
    assert list(labels.data[0].y) == [2, 5, 3, 0, 0]
    assert sum(combos.data[0].x) == 10
    assert [r["masks"] for r in rows] == ["3", "2", "4", "2"] and note == ""
    assert len(areas.data) == 4
    shares, *_ = distribution_view(app_data, ["truth", keys["stage1"]], "truth")  # sizes differ: per cent
    assert list(shares.data[0].y) == [30.0, 20.0, 40.0, 20.0] and shares.data[1].text[2] == "32.1%"


def test_distribution_view_on_real_summary_without_masks(real_dir):
    data = build_app_data(labels=real_dir / "train_mask_areas.csv", images=real_dir / "images")
    classes, labels, _, _, table, _ = distribution_view(data, ["truth"], "truth")
    assert list(classes.data[0].y) == [897, 247, 5150, 801]
    assert list(labels.data[0].y) == [5902, 6239, 425, 2, 0]
    assert [r["median"] for r in table_rows(table)] == ["3,326", "2,944", "11,953", "25,357"]
    state, _ = navigate(data, None, "init", on_disk=frozenset(p.name for p in (real_dir / "images").iterdir()))
    assert state["image_id"] == "000789191.jpg"


def test_metadata_filter(app_data, tmp_path):
    ids = list(app_data.truth.image_ids)
    dates = [f"2019-01-{d:02d}" for d in range(1, 11)]
    (tmp_path / "meta.csv").write_text("ImageId,capture_date\n" + "".join(f"{i},{d}\n" for i, d in zip(ids, dates)))
    app_data.metadata = load_metadata(tmp_path / "meta.csv")
    assert app_data.metadata.kind == "date" and app_data.metadata.bounds() == ("2019-01-01", "2019-01-10")
    classes, *_, note = distribution_view(app_data, ["truth"], "truth", "2019-01-01", "2019-01-03")
    present = app_data.truth.presence[:3].sum(axis=0).tolist()
    assert list(classes.data[0].y) == present and "3 of 10" in note
    *_, note = distribution_view(app_data, ["truth"], "truth", "not a date", None)
    assert note.startswith("filter ignored")
    assert len(candidates(app_data, "truth", ANY_CLASS, "2019-01-05", None)) == 6


def test_metadata_coil_and_errors(tmp_path):
    (tmp_path / "coil.csv").write_text("image_id,coil\na.jpg,12\nb.jpg,7\nc.jpg,\n")
    meta = load_metadata(tmp_path / "coil.csv")
    assert meta.kind == "number"
    assert meta.select(np.array(["a.jpg", "b.jpg", "c.jpg", "d.jpg"]), "8", None).tolist() == [True, False, False,
                                                                                                False]
    (tmp_path / "none.csv").write_text("ImageId,speed\na.jpg,1\n")
    with pytest.raises(SteelDefectError, match="no date or coil column"):
        load_metadata(tmp_path / "none.csv")


def test_navigate_next_prev_random_class_id(app_data):
    ids = list(app_data.truth.image_ids)
    state, message = navigate(app_data, None, "init")
    assert state["image_id"] == ids[0] and "image 1 of 10" in message
    state, _ = navigate(app_data, state, "next")
    assert state["image_id"] == ids[1]
    state, _ = navigate(app_data, state, "prev")
    state, _ = navigate(app_data, state, "prev")
    assert state["image_id"] == ids[-1]
    rng = np.random.default_rng(0)
    for _ in range(5):
        new, _ = navigate(app_data, state, "random", rng=rng)
        assert new["image_id"] != state["image_id"] and new["image_id"] in ids
        state = new
    state, message = navigate(app_data, state, "class", cls="2")
    assert state["image_id"] in {"002fc4e19.jpg", "008ef3d74.jpg"} and "class 2" in message
    state, _ = navigate(app_data, state, "class", cls=NO_CLASS)
    assert state["image_id"] in {"000789191.jpg", "002e73b3c.jpg"}
    state, _ = navigate(app_data, state, "id", typed_id="03db6bbc3")
    assert state["image_id"] == "03db6bbc3.jpg" and state["class"] == ANY_CLASS
    same, message = navigate(app_data, state, "id", typed_id="nothere")
    assert same == state and "in no loaded label set" in message


def test_image_view_with_prediction_and_dice(app_data, keys, store, demo):
    changed = demo["changed"]
    state = {"set": "truth", "class": ANY_CLASS, "image_id": changed}
    view = image_view(app_data, state, keys["train"], store)
    assert find(view, "image-main").src == f"/render/truth/{changed}"
    assert find(view, "image-compare").src == f"/render/{keys['train']}/{changed}"
    dice = table_rows(find(view, "image-dice"))[0]
    assert dice["class 3"] == "0.000" and dice["class 1"] == "1.000" and dice["mean"] == "0.750"
    assert find(view, "placeholder-note") is None


def test_placeholder_for_absent_image(app_data, keys, store):
    stage1 = app_data.get(keys["stage1"])
    image_id = str(stage1.image_ids[0])
    view = image_view(app_data, {"set": keys["stage1"], "image_id": image_id}, "truth", store)
    assert "not available" in find(view, "placeholder-note").children
    assert find(view, "image-main").src == f"/render/{keys['stage1']}/{image_id}"
    assert f"image {image_id} is not in this label set" in find(view, "image-compare").children


def test_comparison_matches_the_metric(app_data, keys, demo):
    view = comparison_view(app_data, "truth", keys["train"])
    truth = read_labels(demo["data"] / "train.csv")
    expected = score_tables(truth, read_submission(demo["pred_train"]))
    result = compare_sets(app_data.truth, app_data.get(keys["train"]))
    assert result.report()["mean"] == pytest.approx(expected["mean"])
    assert f"{expected['mean']:.5f}" in find(view, "cmp-note").children
    rows = {r["class"]: r for r in table_rows(find(view, "cmp-table"))}
    assert rows["3"]["only truth (train.csv)"] == "1" and rows["1"]["only pred_train.csv"] == "1"
    worst = [w[0] for w in result.differ_most()]
    assert sorted(worst) == sorted([demo["changed"], demo["added"]])
    assert len([c for top in view for c in walk(top) if getattr(c, "className", "") == "worst-row"]) == 2


def test_comparison_without_common_images(app_data, keys):
    view = comparison_view(app_data, "truth", keys["stage1"])
    assert "no images in common" in find(view, "cmp-note").children
    assert table_rows(find(view, "cmp-counts"))[1]["class 3"] == "579"
    assert "different" in texts(comparison_view(app_data, "truth", "truth"))


def test_upload_adds_a_set(app_data, demo):
    import base64
    contents = "data:text/csv;base64," + base64.b64encode(demo["pred_train"].read_bytes()).decode()
    message, key = upload_submission(app_data, contents, "mine.csv")
    assert key is not None and "accepted" in message and "structural checks" in message
    assert app_data.get(key).name == "mine.csv"
    assert "0.9" in find(comparison_view(app_data, "truth", key), "cmp-note").children


def test_folder_with_only_train_csv_shows_placeholders(demo, tmp_path):
    import shutil

    from steeldefect.analysis.app.render import ImageStore

    shutil.copyfile(demo["data"] / "train.csv", tmp_path / "train.csv")
    data = build_app_data(tmp_path)
    assert data.image_dirs == () and "nowhere" in find([build_layout(data)], "summary").children
    state, _ = navigate(data, None, "init")
    view = image_view(data, state, None, ImageStore(data.image_dirs))
    assert "not available" in find(view, "placeholder-note").children
