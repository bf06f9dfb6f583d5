"""The wiring of the page's controls (``steeldefect.analysis.app.layout``) to the view functions of
``steeldefect.analysis.app.dash_callbacks``: each callback reads the controls and calls one view."""

from __future__ import annotations

from dash import ALL, Input, Output, State, ctx, no_update

from steeldefect.analysis.app.dash_callbacks import (comparison_view, distribution_view, image_view, navigate,
                                            upload_submission)
from steeldefect.analysis.app.index import AppData
from steeldefect.analysis.app.layout import ANY_CLASS, NO_COMPARE, compare_options, set_options
from steeldefect.analysis.app.pairing import best_partner
from steeldefect.analysis.app.render import ImageStore

NAV_ACTIONS = {"btn-prev": "prev", "btn-next": "next", "btn-random": "random", "browse-id": "id",
               "browse-set": "set", "browse-class": "class", "browse-on-disk": "set"}


def register_callbacks(app, data: AppData, store: ImageStore) -> None:
    """Connect the controls of ``build_layout`` to the view functions."""

    @app.callback(Output("fig-classes", "figure"), Output("fig-labels", "figure"), Output("fig-combos", "figure"),
                  Output("fig-areas", "figure"), Output("area-table", "children"), Output("filter-note", "children"),
                  Input("dist-sets", "value"), Input("dist-detail", "value"), Input("filter-lo", "value"),
                  Input("filter-hi", "value"), Input("dist-scale", "value"), Input("dist-sets", "options"))
    def _distributions(keys, detail, lo, hi, scale, _options):
        return distribution_view(data, keys, detail, lo, hi, scale)

    @app.callback(Output("browse-state", "data"), Output("browse-message", "children"),
                  Output("browse-set", "value"), Output("browse-class", "value"), Output("tabs", "value"),
                  Output("browse-compare", "value"),
                  Input("btn-prev", "n_clicks"), Input("btn-next", "n_clicks"), Input("btn-random", "n_clicks"),
                  Input("browse-id", "value"), Input("browse-set", "value"), Input("browse-class", "value"),
                  Input({"type": "show-image", "image": ALL}, "n_clicks"),
                  Input("browse-on-disk", "value"),
                  State("browse-state", "data"), State("filter-lo", "value"), State("filter-hi", "value"),
                  State("cmp-a", "value"), State("cmp-b", "value"))
    def _navigate(_p, _n, _r, typed, set_key, cls, shows, on_disk, state, lo, hi, cmp_a, cmp_b):
        trigger = ctx.triggered_id
        tab = beside = no_update
        typed = typed if isinstance(typed, str) else None
        if isinstance(trigger, dict):  # a "show" button of the comparison view: A browsed, B beside
            if not any(shows):
                return (no_update,) * 6
            state, message = navigate(data, {"set": cmp_a, "class": ANY_CLASS, "image_id": trigger["image"]},
                                      "set", set_key=cmp_a, cls=ANY_CLASS, lo=lo, hi=hi)
            tab, beside = "images", cmp_b if cmp_b in data.sets() else NO_COMPARE
        else:
            action = NAV_ACTIONS.get(trigger, "init")
            files = store.available() if on_disk else None
            state, message = navigate(data, state, action, set_key=set_key, cls=cls, typed_id=typed, lo=lo, hi=hi,
                                      on_disk=files)
        return state, message, state["set"], state["class"], tab, beside

    @app.callback(Output("image-view", "children"), Input("browse-state", "data"),
                  Input("browse-compare", "value"))
    def _image(state, compare_key):
        return image_view(data, state, compare_key, store)

    @app.callback(Output("cmp-view", "children"), Input("cmp-a", "value"), Input("cmp-b", "value"),
                  Input("cmp-b", "options"))
    def _compare(a_key, b_key, _options):
        return comparison_view(data, a_key, b_key)

    @app.callback(Output("upload-message", "children"), Output("dist-sets", "options"),
                  Output("dist-detail", "options"), Output("browse-set", "options"),
                  Output("browse-compare", "options"), Output("cmp-a", "options"), Output("cmp-b", "options"),
                  Output("cmp-b", "value"), Output("cmp-a", "value"), Input("upload", "contents"),
                  State("upload", "filename"), prevent_initial_call=True)
    def _upload(contents, filename):
        message, key = upload_submission(data, contents, filename)
        options = set_options(data)
        partner = best_partner(data, key) if key else None  # the set the upload is best compared with
        return (message, options, options, options, compare_options(data), options, options, key or no_update,
                partner[0] if partner else no_update)
