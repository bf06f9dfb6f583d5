"""Uploads as an attacker sends them: straight to Dash's callback endpoint, with any JSON in any field.

Every bad input is refused with one visible line (HTTP 200, never a 500); nothing is loaded; the
uploaded sets stay bounded and listed on a reloaded page, each under a name of its own.
"""

from __future__ import annotations

import base64
import json

import pytest

from steeldefect.analysis.app.dash_callbacks import comparison_view
from steeldefect.analysis.app.server import create_app
from steeldefect.analysis.app.tables import table_rows

UPLOAD_OUTPUT = "upload-message.children"  # the upload callback is the one writing this


def as_upload(data: bytes) -> str:
    return "data:text/csv;base64," + base64.b64encode(data).decode()


def post_upload(client, app, contents, filename):
    """POST the upload callback as the browser does (or as a script does); (status, outputs by id)."""
    output = next(k for k in app.callback_map if UPLOAD_OUTPUT in k)
    spec = app.callback_map[output]
    payload = {"output": output,
               "outputs": [{"id": o.component_id, "property": o.component_property} for o in spec["output"]],
               "inputs": [{"id": "upload", "property": "contents", "value": contents}],
               "state": [{"id": "upload", "property": "filename", "value": filename}],
               "changedPropIds": ["upload.contents"]}
    response = client.post("/_dash-update-component", data=json.dumps(payload),
                           content_type="application/json")
    if response.status_code != 200:
        return response.status_code, {}
    body = response.get_json()["response"]
    return 200, {f"{cid}.{prop}": value for cid, props in body.items() for prop, value in props.items()}


@pytest.fixture()
def app(app_data, store):
    return create_app(app_data, store)


@pytest.fixture()
def good(demo) -> str:
    return as_upload(demo["pred_train"].read_bytes())


def labels_of(outputs) -> list:
    return [o["label"] for key, opts in outputs.items() if key.endswith(".options") for o in opts]


def assert_refused(status, outputs, app_data, before, needle):
    assert status == 200, "a bad upload must not be a server error"
    message = outputs[UPLOAD_OUTPUT]
    assert "refused" in message and needle in message, message
    assert "\n" not in message and len(message) < 300, message
    assert len(app_data.sets()) == before


def test_huge_filename_is_refused(app, app_data, good):  # failure 1
    before = len(app_data.sets())
    status, outputs = post_upload(app.server.test_client(), app, good, "x" * 100_000 + ".csv")
    assert_refused(status, outputs, app_data, before, "100,004 characters")
    assert all(len(s.name) < 300 for s in app_data.sets().values())


@pytest.mark.parametrize("contents, needle", [(12345, "not text"), (["data:text/csv;base64,AAAA"], "not text"),
                                              ({"a": 1}, "not text"), (None, "no file")])
def test_contents_of_the_wrong_type_are_refused(app, app_data, contents, needle):  # failure 2
    before = len(app_data.sets())
    status, outputs = post_upload(app.server.test_client(), app, contents, "s.csv")
    assert_refused(status, outputs, app_data, before, needle)


def test_oversized_contents_are_refused_before_decoding(app, app_data):
    before = len(app_data.sets())
    huge = "data:text/csv;base64," + "A" * (70 * 1024 * 1024)
    status, outputs = post_upload(app.server.test_client(), app, huge, "big.csv")
    assert status in (200, 413)  # the request limit may stop it first; never a 500
    if status == 200:
        assert_refused(status, outputs, app_data, before, "50 MB limit")


@pytest.mark.parametrize("filename, needle", [({"name": "x.csv"}, "not text"), (["a.csv", "b.csv"], "not text"),
                                              (7, "not text"), ("", "no file name"), ("a\x00b.csv", "control"),
                                              ("../", "no file name")])
def test_filename_of_the_wrong_type_is_refused(app, app_data, good, filename, needle):  # failure 3
    before = len(app_data.sets())
    status, outputs = post_upload(app.server.test_client(), app, good, filename)
    assert_refused(status, outputs, app_data, before, needle)


def test_uploads_are_listed_after_a_reload(app, app_data, good):  # failure 5
    client = app.server.test_client()
    status, outputs = post_upload(client, app, good, "mine.csv")
    assert status == 200 and "accepted" in outputs[UPLOAD_OUTPUT]
    layout = json.dumps(client.get("/_dash-layout").get_json())
    assert '"label": "mine.csv"' in layout, "a reloaded page must list the uploaded set"


def test_uploads_are_capped_by_count_and_memory(app, app_data, good):  # failure 5
    client = app.server.test_client()
    app_data.max_uploads = 2
    assert "accepted" in post_upload(client, app, good, "a.csv")[1][UPLOAD_OUTPUT]
    assert "accepted" in post_upload(client, app, good, "b.csv")[1][UPLOAD_OUTPUT]
    before = len(app_data.sets())
    status, outputs = post_upload(client, app, good, "c.csv")
    assert_refused(status, outputs, app_data, before, "2 uploaded sets")
    app_data.max_uploads = 10
    app_data.max_upload_bytes = 1
    status, outputs = post_upload(client, app, good, "d.csv")
    assert_refused(status, outputs, app_data, before, "memory")


def test_same_file_twice_gets_two_names(app, app_data, good, keys):  # failure 6
    client = app.server.test_client()
    post_upload(client, app, good, "mine.csv")
    status, outputs = post_upload(client, app, good, "mine.csv")
    assert status == 200 and "accepted" in outputs[UPLOAD_OUTPUT]
    labels = [o["label"] for o in outputs["cmp-b.options"]]
    assert len(labels) == len(set(labels)) and "mine.csv (2)" in labels, labels
    first, second = [k for k, s in app_data.sets().items() if s.name.startswith("mine.csv")]
    view = comparison_view(app_data, first, second)
    rows = table_rows(next(c for c in view if getattr(c, "id", None) == "cmp-table"))
    assert {"only mine.csv", "only mine.csv (2)"} <= set(rows[0]), rows[0]


def test_pivot_label_file_is_named_as_such(app, app_data, real_dir):  # failure 7
    contents = as_upload((real_dir / "train_masks_2515.csv").read_bytes())
    before = len(app_data.sets())
    status, outputs = post_upload(app.server.test_client(), app, contents, "train_masks_2515.csv")
    message = outputs[UPLOAD_OUTPUT]
    assert status == 200 and "sample submission" not in message, message
    assert "pivot" in message and "ImageId_ClassId,EncodedPixels" in message, message
    assert len(app_data.sets()) == before
