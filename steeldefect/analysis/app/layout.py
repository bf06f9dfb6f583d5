"""The page: three tabs (distributions, image browser, submissions) and the stores the callbacks share."""

from __future__ import annotations

from dash import dcc, html

from steeldefect.analysis.app.index import TRUTH, AppData
from steeldefect.analysis.app.pairing import default_pair, shared_images
from steeldefect.analysis.app.upload import MAX_UPLOAD_BYTES
from steeldefect.analysis.classes import hex_colour
from steeldefect.data.images import list_images

ANY_CLASS = "any"  # browse every image
NO_CLASS = "none"  # browse clean images
NO_COMPARE = ""  # show no second label set beside the image
ROW = {"display": "flex", "gap": "12px", "alignItems": "center", "flexWrap": "wrap", "margin": "8px 0"}
SMALL_DROPDOWN = {"minWidth": "200px"}


def set_options(data: AppData) -> list[dict]:
    """Dropdown options of every loaded label set."""
    return [{"label": s.name, "value": k} for k, s in data.sets().items()]


def compare_options(data: AppData) -> list[dict]:
    """Options of the set shown beside an image: nothing, or any loaded set."""
    return [{"label": "nothing", "value": NO_COMPARE}] + set_options(data)


def default_browse(data: AppData) -> tuple[str, str]:
    """(set browsed, set beside) a page starts on: the comparison's pair when they share images,
    else the truth alone (a set beside that lists none of the images would only say so)."""
    a, b = default_pair(data)
    sets = data.sets()
    return (a, b) if a != b and shared_images(sets[a], sets[b]) else (TRUTH, NO_COMPARE)


def few_images_on_disk(data: AppData) -> bool:
    """Whether the image folders hold some images but fewer than half the truth's (e.g. the ten real
    images beside the 12,568-image real labels): the browser then starts on images that exist."""
    n_files = sum(len(list_images(d)) for d in data.image_dirs)
    return 0 < n_files < len(data.truth.image_ids) / 2


def legend(class_names) -> html.Div:
    """Class colour chips, as drawn on the images, named as the dataset names the classes."""
    return html.Div([html.Span([html.Span(style={"display": "inline-block", "width": "14px", "height": "14px",
                                                 "background": hex_colour(c), "marginRight": "4px"}),
                                name], style={"marginRight": "14px"})
                     for c, name in enumerate(class_names, start=1)],
                    className="legend", style={"display": "flex", "alignItems": "center"})


def _filter_controls(data: AppData) -> html.Div:
    if data.metadata is None:
        return html.Div([dcc.Input(id="filter-lo", style={"display": "none"}),
                         dcc.Input(id="filter-hi", style={"display": "none"})])
    lo, hi = data.metadata.bounds()
    return html.Div([html.Span(f"{data.metadata.column} from"),
                     dcc.Input(id="filter-lo", placeholder=lo, debounce=True),
                     html.Span("to"), dcc.Input(id="filter-hi", placeholder=hi, debounce=True)], style=ROW)


def distributions_tab(data: AppData) -> dcc.Tab:
    options = set_options(data)
    return dcc.Tab(label="Distributions", value="dist", children=[
        html.Div([html.Span("label sets"),
                  dcc.Dropdown(id="dist-sets", options=options, value=[o["value"] for o in options],
                               multi=True, style={"minWidth": "420px"}),
                  html.Span("details of"),
                  dcc.Dropdown(id="dist-detail", options=options, value=TRUTH, clearable=False,
                               style=SMALL_DROPDOWN),
                  dcc.RadioItems(id="dist-scale", value="auto", inline=True,
                                 options=[{"label": " auto ", "value": "auto"}, {"label": " images ", "value": "count"},
                                          {"label": " % of images", "value": "share"}])], style=ROW),
        _filter_controls(data),
        html.Div(id="filter-note", className="note"),
        html.Div([dcc.Graph(id="fig-classes", style={"flex": "1"}),
                  dcc.Graph(id="fig-labels", style={"flex": "1"})], style={"display": "flex"}),
        html.Div([dcc.Graph(id="fig-combos", style={"flex": "1"}),
                  html.Div([html.H4("Mask area per class (pixels)"),
                            html.Div(id="area-table")],
                           style={"flex": "1", "padding": "0 16px"})], style={"display": "flex"}),
        dcc.Graph(id="fig-areas"),
    ])


def images_tab(data: AppData) -> dcc.Tab:
    options = set_options(data)
    classes = ([{"label": "any image", "value": ANY_CLASS}, {"label": "no defect", "value": NO_CLASS}]
               + [{"label": name, "value": str(c)} for c, name in enumerate(data.class_names, start=1)])
    browsed, beside = default_browse(data)
    return dcc.Tab(label="Images", value="images", children=[
        html.Div([html.Span("images of"),
                  dcc.Dropdown(id="browse-set", options=options, value=browsed, clearable=False,
                               style=SMALL_DROPDOWN),
                  dcc.Dropdown(id="browse-class", options=classes, value=ANY_CLASS, clearable=False,
                               style={"minWidth": "150px"}),
                  dcc.Checklist(id="browse-on-disk", options=[{"label": " with image file only", "value": "yes"}],
                                value=["yes"] if few_images_on_disk(data) else []),
                  html.Span("beside"),
                  dcc.Dropdown(id="browse-compare", options=compare_options(data), value=beside, clearable=False,
                               style=SMALL_DROPDOWN)], style=ROW),
        html.Div([html.Button("previous", id="btn-prev"), html.Button("next", id="btn-next"),
                  html.Button("random image", id="btn-random"),
                  dcc.Input(id="browse-id", placeholder="image id, then Enter", debounce=True,
                            style={"width": "180px"})], style=ROW),
        html.Div(id="browse-message", className="note"),
        legend(data.class_names),
        dcc.Loading(html.Div(id="image-view")),
    ])


def submissions_tab(data: AppData) -> dcc.Tab:
    options = set_options(data)
    a, b = default_pair(data)
    return dcc.Tab(label="Submissions", value="subs", children=[
        html.Div([html.Span("compare A"),
                  dcc.Dropdown(id="cmp-a", options=options, value=a, clearable=False, style=SMALL_DROPDOWN),
                  html.Span("with B"),
                  dcc.Dropdown(id="cmp-b", options=options, value=b, clearable=False,
                               style=SMALL_DROPDOWN)], style=ROW),
        dcc.Loading(html.Div(id="cmp-view")),
        html.H4(f"Load a submission (up to {MAX_UPLOAD_BYTES // (1024 * 1024)} MB)"),
        dcc.Upload(id="upload", children=html.Div(["drop a submission CSV here or ", html.A("choose a file")]),
                   max_size=MAX_UPLOAD_BYTES, accept=".csv,text/csv",
                   style={"border": "1px dashed #888", "padding": "16px", "textAlign": "center",
                          "maxWidth": "600px"}),
        html.Div(id="upload-message", className="note"),
    ])


def build_layout(data: AppData) -> html.Div:
    """The whole page, built anew for each page load (so uploads are listed after a reload);
    ``browse-state`` holds the image shown ({set, class, image_id}); ``upload-limit`` tells the browser
    the largest file it may send."""
    folders = ", ".join(f"{d.parent.name}/{d.name}" for d in data.image_dirs) or "nowhere (placeholders only)"
    test = "" if data.test_truth is None else f"{data.test_truth.name}: {len(data.test_truth.image_ids):,} images; "
    summary = (f"{data.truth.name}: {len(data.truth.image_ids):,} images; {test}{len(data.preds)} submission(s) "
               f"loaded; images from {folders}")
    return html.Div([
        html.H2("steeldefect analysis"),
        html.Div(summary, id="summary", className="note"),
        dcc.Store(id="browse-state", data={"set": default_browse(data)[0], "class": ANY_CLASS, "image_id": None}),
        dcc.Store(id="upload-limit", data=MAX_UPLOAD_BYTES),
        dcc.Store(id="upload-guard"),
        dcc.Tabs(id="tabs", value="dist", children=[distributions_tab(data), images_tab(data),
                                                    submissions_tab(data)]),
    ], style={"fontFamily": "sans-serif", "margin": "0 16px"})
