"""What the page does, as plain functions of the app data (unit-testable).

Each view function takes the AppData and the values of the controls and returns figures or Dash
components; ``steeldefect.analysis.app.wiring.register_callbacks`` only routes the controls to them.
"""

from __future__ import annotations

from urllib.parse import quote

import numpy as np
from dash import html

from steeldefect.analysis.app import figures
from steeldefect.analysis.app.compare import compare_sets, image_dice
from steeldefect.analysis.app.index import TRUTH, AppData, LabelSet
from steeldefect.analysis.app.layout import ANY_CLASS, NO_CLASS, NO_COMPARE, ROW
from steeldefect.analysis.app.pairing import suggestion
from steeldefect.analysis.app.render import THUMB_WIDTH, ImageStore
from steeldefect.analysis.app.tables import html_table
from steeldefect.analysis.app.upload import validate_upload
from steeldefect.analysis.classes import short_label
from steeldefect.analysis.eda.mask_shapes import image_shape
from steeldefect.errors import SteelDefectError

WORST_SHOWN = 10  # images listed where two label sets differ most
SHOWN_ID_CHARS = 60  # characters of a typed image id repeated in a message


def image_url(set_key: str, image_id: str, width: int | None = None) -> str:
    """URL of an image rendered with the masks of one label set."""
    url = f"/render/{quote(set_key, safe='')}/{quote(image_id, safe='')}"
    return f"{url}?w={width}" if width else url


def filter_rows(data: AppData, labels: LabelSet, lo: str | None, hi: str | None) -> np.ndarray:
    """bool (N,): images of ``labels`` inside the metadata range (all when no metadata or no bound)."""
    if data.metadata is None:
        return np.ones(len(labels.image_ids), dtype=bool)
    return data.metadata.select(labels.image_ids, lo, hi)


# ---------------------------------------------------------------- distributions

def distribution_view(data: AppData, keys: list[str] | None, detail_key: str | None,
                      lo: str | None = None, hi: str | None = None, scale: str | None = None) -> tuple:
    """(classes figure, labels-per-image figure, combinations figure, area figure, area table, note).

    ``scale`` is figures.COUNT or figures.SHARE; by default shares when the sets differ in size.
    """
    sets = data.sets()
    keys = [k for k in (keys or []) if k in sets] or [TRUTH]
    detail = sets.get(detail_key or TRUTH, data.truth)
    note = ""
    try:
        keeps = {k: filter_rows(data, sets[k], lo, hi) for k in set(keys) | {detail.key}}
    except SteelDefectError as err:
        keeps = {k: np.ones(len(sets[k].image_ids), bool) for k in set(keys) | {detail.key}}
        note = f"filter ignored: {err}"
    if data.metadata is not None and not note and (lo or hi):
        note = (f"{data.metadata.column} in [{lo or '...'}, {hi or '...'}]: "
                + ", ".join(f"{sets[k].name} {keeps[k].sum():,} of {len(keeps[k]):,}" for k in keys))
    named = [(sets[k].name, sets[k].presence[keeps[k]]) for k in keys]
    if scale not in (figures.COUNT, figures.SHARE):
        scale = figures.SHARE if len({len(p) for _, p in named}) > 1 else figures.COUNT
    keep = keeps[detail.key]
    areas = detail.areas[keep] if detail.areas is not None else None
    presence = detail.presence[keep]
    names = data.class_names
    return (figures.class_counts(named, scale, names), figures.labels_per_image(named, scale),
            figures.combinations(presence, detail.name, names),
            figures.area_histograms(areas, presence, detail.name, names),
            html_table(figures.area_table(areas, presence, names), "area-rows"), note)


# ---------------------------------------------------------------- image browser

def candidates(data: AppData, set_key: str, cls: str | None, lo: str | None = None,
               hi: str | None = None, on_disk: frozenset[str] | None = None) -> np.ndarray:
    """Image ids of a label set with class ``cls`` (ANY_CLASS, NO_CLASS or '1'..'K'), in the metadata
    range, and among the files ``on_disk`` when given."""
    labels = data.get(set_key)
    try:
        keep = filter_rows(data, labels, lo, hi)
    except SteelDefectError:
        keep = np.ones(len(labels.image_ids), dtype=bool)
    if cls == NO_CLASS:
        keep &= ~labels.presence.any(axis=1)
    elif cls not in (None, ANY_CLASS):
        keep &= labels.presence[:, int(cls) - 1]
    if on_disk is not None:
        keep &= np.fromiter((i in on_disk for i in labels.image_ids), dtype=bool, count=len(keep))
    return labels.image_ids[keep]


def find_image(data: AppData, typed: str, prefer: str) -> tuple[str, str] | None:
    """(set key, image id) of a typed id ('0002cc93b' or '0002cc93b.jpg'), preferring set ``prefer``."""
    typed = (typed or "").strip()
    sets = data.sets()
    order = [prefer] + [k for k in sets if k != prefer]
    for name in (typed, f"{typed}.jpg"):
        for key in order:
            if key in sets and name in sets[key].row_of:
                return key, name
    return None


def navigate(data: AppData, state: dict | None, action: str, set_key: str | None = None,
             cls: str | None = None, typed_id: str | None = None, lo: str | None = None,
             hi: str | None = None, on_disk: frozenset[str] | None = None,
             rng: np.random.Generator | None = None) -> tuple[dict, str]:
    """The next browser state {set, class, image_id} after ``action`` and a message for the user.

    Actions: prev, next, random (never the current image when another exists), id (a typed id),
    set / class (a new selection: keep the image if it still matches, else the first), init.
    ``on_disk`` (file names) restricts the choice to images whose file exists.
    """
    state = dict(state or {})
    key = set_key if set_key in data.sets() else state.get("set", TRUTH)
    key = key if key in data.sets() else TRUTH
    cls = cls or state.get("class") or ANY_CLASS
    current = state.get("image_id")
    if action == "id" and typed_id:
        found = find_image(data, typed_id, key)
        if found is None:
            still = f"; still showing {current}" if current else ""
            return state, f"image {typed_id[:SHOWN_ID_CHARS]!r} is in no loaded label set{still}"
        key, current = found
        cls = ANY_CLASS
    ids = candidates(data, key, cls, lo, hi, on_disk)
    if action == "id" and current not in ids:
        ids = candidates(data, key, ANY_CLASS)  # a typed id is shown even outside the filters
    labels = data.get(key)
    if ids.size == 0:
        return {"set": key, "class": cls, "image_id": None}, f"no image of {labels.name} matches"
    where = np.flatnonzero(ids == current)
    pos = int(where[0]) if where.size else None
    if action == "next":
        pos = 0 if pos is None else (pos + 1) % ids.size
    elif action == "prev":
        pos = ids.size - 1 if pos is None else (pos - 1) % ids.size
    elif action == "random":
        rng = rng or np.random.default_rng()
        choices = np.array([i for i in range(ids.size) if i != pos]) if ids.size > 1 else np.array([0])
        pos = int(rng.choice(choices))
    elif pos is None:
        pos = 0
    image_id = str(ids[pos])
    return ({"set": key, "class": cls, "image_id": image_id},
            f"{image_id}: image {pos + 1:,} of {ids.size:,} in {labels.name}"
            + ("" if cls == ANY_CLASS else f" ({'no defect' if cls == NO_CLASS else data.class_names[int(cls) - 1]})"))


def _describe(labels: LabelSet, image_id: str) -> str:
    """'no defect', 'classes 1 (120 px), 3 (40 px)', or with named classes 'scratch (120 px), ...'."""
    row = labels.row_of[image_id]
    names = labels.source.names
    present = [k + 1 for k in range(labels.presence.shape[1]) if labels.presence[row, k]]
    if not present:
        return "no defect"
    shown = [short_label(c, names[c - 1]) for c in present]
    head = "" if any(s != str(c) for s, c in zip(shown, present)) else "classes "
    if labels.areas is None:
        return head + "+".join(shown)
    return head + ", ".join(f"{s} ({labels.areas[row, c - 1]:,} px)" for s, c in zip(shown, present))


def _panel(labels: LabelSet, image_id: str, element_id: str) -> html.Div:
    if image_id not in labels.row_of:
        return html.Div(f"{labels.name}: image {image_id} is not in this label set ({len(labels.image_ids):,} "
                        "other images)", id=element_id, className="caption")
    caption = f"{image_id} in {labels.name}: {_describe(labels, image_id)}"
    if not labels.has_masks:
        caption += " (no masks in this label file: contours not drawn)"
    return html.Div([html.Div(caption, className="caption"),
                     html.Img(id=element_id, src=image_url(labels.key, image_id), alt=image_id,
                              style={"width": "100%", "maxWidth": "1600px", "display": "block"})],
                    style={"margin": "8px 0"})


def _dice_table(a: LabelSet, b: LabelSet, image_id: str, shape: tuple[int, int]) -> html.Div | None:
    dice = image_dice(a.rles(image_id), b.rles(image_id), shape)
    if dice is None:
        return None
    row = {name: f"{d:.3f}" for name, d in zip(a.source.names, dice)}
    row["mean"] = f"{float(np.mean(dice)):.3f}"
    return html.Div([html.Div(f"Dice of {b.name} against {a.name} on this image"),
                     html_table([row], "image-dice")],
                    style={"maxWidth": "700px"})


def image_view(data: AppData, state: dict | None, compare_key: str | None, store: ImageStore) -> list:
    """The shown image with its set's contours, the compared set's beside it, and their Dice."""
    state = state or {}
    image_id = state.get("image_id")
    if not image_id:
        return [html.Div("no image to show", className="note")]
    labels = data.get(state.get("set", TRUTH))
    children = []
    if not store.exists(image_id):
        children.append(html.Div(f"image file {image_id} is not available in the image folders: "
                                 "a placeholder is shown, with the masks drawn on it",
                                 id="placeholder-note", className="placeholder-note",
                                 style={"color": "#a05000"}))
    children.append(_panel(labels, image_id, "image-main"))
    if compare_key and compare_key != NO_COMPARE and compare_key != labels.key and compare_key in data.sets():
        other = data.get(compare_key)
        children.append(_panel(other, image_id, "image-compare"))
        table = _dice_table(labels, other, image_id, image_shape(data.image_shapes(), image_id))
        if table is not None:
            children.append(table)
    return children


# ---------------------------------------------------------------- submissions

def comparison_view(data: AppData, a_key: str, b_key: str) -> list:
    """Per-class agreement of two label sets and the images where they differ most."""
    sets = data.sets()
    if a_key not in sets or b_key not in sets:
        return [html.Div("choose two label sets", className="note")]
    a, b = sets[a_key], sets[b_key]
    if a is b:
        return [html.Div("choose two different label sets", className="note")]
    result = compare_sets(a, b)
    counts = [{"set": s.name, **{name: int(s.presence[:, k].sum()) for k, name in enumerate(data.class_names)},
               "images": len(s.image_ids)} for s in (a, b)]
    children = [html.H4("Images per class"),
                html_table(counts, "cmp-counts")]
    n = len(result.image_ids)
    if n == 0:
        children.append(html.Div(f"no images in common: {a.name} has {len(a.image_ids):,} images, "
                                 f"{b.name} {len(b.image_ids):,}; {suggestion(data, a, b)}",
                                 id="cmp-note", className="note"))
        return children
    report = result.report()
    rows = [{"class": short_label(int(c), data.class_names[int(c) - 1]), "both": r["tp"], f"only {a.name}": r["fn"], f"only {b.name}": r["fp"],
             "neither": r["tn"], "agree": f"{(r['tp'] + r['tn']) / n:.3f}",
             "dice": "n/a" if np.isnan(r["dice"]) else f"{r['dice']:.4f}"} for c, r in report["per_class"].items()]
    head = (f"{n:,} images in common; mean Dice {report['mean']:.5f}" if result.has_dice
            else f"{n:,} images in common; presence agreement only (a set has no masks)")
    children += [html.H4("Agreement per class"), html.Div(head, id="cmp-note", className="note"),
                 html_table(rows, "cmp-table")]
    worst = result.differ_most(WORST_SHOWN)
    children.append(html.H4(f"Where they differ most ({len(worst)} shown)"))
    if not worst:
        children.append(html.Div("they agree on every image", className="note"))
    measure = "mean Dice" if result.has_dice else "classes agreeing"
    for image_id, score, disagree in worst:
        children.append(html.Div([
            html.Div([html.Button("show", id={"type": "show-image", "image": image_id}),
                      html.Span(f"{image_id}  {measure} {score:.3f}; presence differs in {disagree} class(es)",
                                style={"fontFamily": "monospace"})], style=ROW),
            html.Div([_thumb(s, image_id, letter) for s, letter in ((a, "A"), (b, "B"))],
                     className="thumb-pair", style=THUMB_PAIR),
        ], className="worst-row", style={"margin": "10px 0"}))
    return children


THUMB_PAIR = {"display": "flex", "flexWrap": "nowrap", "gap": "8px"}  # the A and B thumbnails on one line


def _thumb(labels: LabelSet, image_id: str, letter: str) -> html.Figure:
    """A thumbnail captioned with its set's letter (A or B) and name."""
    return html.Figure([html.Img(src=image_url(labels.key, image_id, THUMB_WIDTH), alt=f"{letter}: {labels.name}",
                                 style={"width": f"{THUMB_WIDTH}px", "display": "block"}),
                        html.Figcaption(f"{letter}: {labels.name}", className="caption")],
                       style={"margin": "0", "flex": "none"})


def upload_submission(data: AppData, contents, filename) -> tuple[str, str | None]:
    """Check, validate and load an upload (any JSON a client sent): (one-line message, new set key or None)."""
    result = validate_upload(contents, filename, data.sample_path, n_classes=data.n_classes,
                             shapes=data.image_shapes())
    if not result.ok:
        return result.message, None
    try:
        labels = data.add_prediction(result.name, result.table, uploaded=True)
    except SteelDefectError as err:  # the uploads' caps
        return str(err), None
    return f"{result.message}; loaded as {labels.name}", labels.key
