"""The comparison workflow out of the box: test labels as a truth set, defaults that share images,
suggestions when two sets share none, labelled thumbnails, and unknown ids that say what is shown."""

from __future__ import annotations

from steeldefect.analysis.app.dash_callbacks import comparison_view, image_view, navigate
from steeldefect.analysis.app.index import build_app_data
from steeldefect.analysis.app.layout import NO_COMPARE, build_layout
from steeldefect.analysis.app.render import ImageStore
from test_app_views import find, texts, walk

TEST_NAME = "test labels (test_labels.csv)"


def test_test_labels_are_a_truth_set_compared_by_default(split_demo):  # failure 8
    data = build_app_data(split_demo["data"], preds=[str(split_demo["submission"])])
    sets = data.sets()
    assert TEST_NAME in [s.name for s in sets.values()]
    page = build_layout(data)
    a, b = find([page], "cmp-a").value, find([page], "cmp-b").value
    assert sets[a].name == TEST_NAME and sets[b].name == "submission.csv"
    note = find(comparison_view(data, a, b), "cmp-note").children
    assert note.startswith("4 images in common; mean Dice"), note
    assert find([page], "browse-set").value == a and find([page], "browse-compare").value == b
    state, _ = navigate(data, None, "init", set_key=a)
    view = image_view(data, state, b, ImageStore(data.image_dirs))
    assert "not in this label set" not in texts(view) and find(view, "image-dice") is not None


def test_sets_without_common_images_suggest_the_right_one(split_demo):  # failure 8
    data = build_app_data(split_demo["data"], preds=[str(split_demo["submission"])])
    b = next(k for k, s in data.sets().items() if s.name == "submission.csv")
    note = find(comparison_view(data, "truth", b), "cmp-note").children
    assert "no images in common" in note and f"compare submission.csv with {TEST_NAME}" in note, note


def test_real_train_labels_against_test_predictions(real_dir):  # failure 8, on the real files
    data = build_app_data(labels=real_dir / "train_masks_2515.csv", images=real_dir / "images",
                          preds=[str(real_dir / "predictions_stage1.csv")])
    page = build_layout(data)
    assert find([page], "browse-compare").value == NO_COMPARE  # no set beside that lists no shown image
    b = find([page], "cmp-b").value
    note = find(comparison_view(data, find([page], "cmp-a").value, b), "cmp-note").children
    assert "no images in common" in note and "test_labels.csv" in note, note


def test_thumbnails_are_labelled_and_side_by_side(app_data, keys):  # failure 10
    view = comparison_view(app_data, "truth", keys["train"])
    rows = [c for top in view for c in walk(top) if getattr(c, "className", "") == "worst-row"]
    assert rows
    for row in rows:
        pair = next(c for c in walk(row) if getattr(c, "className", "") == "thumb-pair")
        assert pair.style.get("flexWrap") == "nowrap"
        captions = texts([pair])
        assert "A: truth (train.csv)" in captions and "B: pred_train.csv" in captions, captions


def test_unknown_id_names_the_image_still_shown(app_data, store):  # failure 11
    state, _ = navigate(app_data, None, "init")
    shown = state["image_id"]
    same, message = navigate(app_data, state, "id", typed_id="nothere")
    assert same == state and "'nothere'" in message and f"still showing {shown}" in message, message
    captions = texts(image_view(app_data, same, None, store))
    assert shown in captions, captions
