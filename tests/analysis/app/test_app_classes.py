"""The app on an imported dataset: three named classes and two image sizes (layout, figures, views)."""

from __future__ import annotations

import base64

import cv2
import numpy as np
import pytest

from testkit.dash_tree import walk
from steeldefect.analysis.app import figures
from steeldefect.analysis.app.dash_callbacks import candidates, comparison_view, distribution_view, upload_submission
from steeldefect.analysis.app.index import build_app_data
from steeldefect.analysis.app.layout import build_layout, legend
from steeldefect.analysis.app.render import ImageStore
from steeldefect.analysis.classes import hex_colour
from steeldefect.data.submission import write_submission
from steeldefect.errors import SteelDefectError

NAMES = ["scratch", "pit", "stain"]


def by_id(top, component_id):
    return next(c for c in walk(top) if getattr(c, "id", None) == component_id)


def strings(top) -> list[str]:
    return [c.children for c in walk(top) if isinstance(getattr(c, "children", None), str)] + [
        c for c in walk(top) if isinstance(c, str)]


@pytest.fixture
def k3_app(k3_dataset):
    return build_app_data(k3_dataset)


def test_k3_data_follows_the_dataset(k3_app):
    assert k3_app.class_names == tuple(NAMES) and k3_app.truth.presence.shape == (3, 3)
    assert k3_app.image_shapes() == {"a.jpg": (32, 64), "b.jpg": (32, 64), "c.jpg": (48, 96)}
    assert k3_app.test_truth is not None and k3_app.test_truth.source.names == tuple(NAMES)
    assert list(candidates(k3_app, "truth", "3")) == ["b.jpg"]


def test_legend_and_class_filter_use_the_names(k3_app):
    chips = legend(k3_app.class_names)
    assert [s for s in strings(chips) if s in NAMES] == NAMES
    colours = [c.style["background"] for c in walk(chips) if getattr(c, "style", None) and "background" in c.style]
    assert colours == [hex_colour(c) for c in (1, 2, 3)]
    page = build_layout(k3_app)
    options = by_id(page, "browse-class").options
    assert [o["label"] for o in options[2:]] == NAMES and [o["value"] for o in options[2:]] == ["1", "2", "3"]
    assert [s for s in strings(by_id(page, "tabs")) if s in NAMES] == NAMES  # the legend in the images tab


def test_figures_follow_the_class_count(k3_app):
    classes, per_image, combos, areas, table, _ = distribution_view(k3_app, ["truth"], "truth", scale="count")
    assert list(classes.data[0].x) == NAMES and list(classes.data[0].y) == [2, 1, 1]
    assert list(per_image.data[0].x) == ["0", "1", "2", "3"]
    assert [a.text for a in areas.layout.annotations] == NAMES
    assert "pit+stain" in list(combos.data[0].y)
    fig = figures.class_counts([("x", np.zeros((2, 6), bool))], figures.COUNT)
    assert list(fig.data[0].x) == [f"class {c}" for c in range(1, 7)]  # unnamed: class 1 .. class K


def test_comparison_and_upload_of_a_k3_submission(k3_app, make_k3_table, tmp_path):
    pred = make_k3_table({"a.jpg": {1: (2, 10, 3, 20)}, "c.jpg": {1: (10, 40, 10, 90), 2: (0, 2, 0, 2)}})
    write_submission(pred, tmp_path / "pred.csv")
    content = "data:text/csv;base64," + base64.b64encode((tmp_path / "pred.csv").read_bytes()).decode()
    message, key = upload_submission(k3_app, content, "pred.csv")
    assert key is not None, message
    view = comparison_view(k3_app, "truth", key)
    assert all(name in str(view[1]) for name in NAMES)  # the images-per-class table's columns
    with pytest.raises(SteelDefectError, match="has 4 classes; the dataset has 3"):
        k3_app.add_prediction("four", pred.assign(rle_4=""))


def test_placeholder_has_the_image_size(k3_app):
    store = ImageStore((), shapes=k3_app.image_shapes())
    jpeg = store.render("c.jpg", tuple(k3_app.truth.rles("c.jpg")))
    image = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert image.shape[:2] == (48, 96)
