"""The distribution figures: consistent axes, whole-number count ticks."""

from __future__ import annotations

import pytest

from steeldefect.analysis.app import figures


def axes(fig, letter: str) -> list:
    return [fig.layout[name] for name in sorted(fig.layout) if name.startswith(f"{letter}axis")]


@pytest.mark.parametrize("source", ["demo", "real"])
def test_area_histograms_share_axes_with_integer_ticks(app_data, real_dir, source):  # failure 12
    if source == "real":
        from steeldefect.analysis.app.index import build_app_data
        data = build_app_data(labels=real_dir / "train_mask_areas.csv", images=real_dir / "images")
    else:
        data = app_data
    fig = figures.area_histograms(data.truth.areas, data.truth.presence, data.truth.name)
    xs, ys = axes(fig, "x"), axes(fig, "y")
    assert len(xs) == len(ys) == 4
    assert all(x.type == "log" for x in xs) and len({tuple(x.range) for x in xs}) == 1
    assert all(y.type == "linear" and y.tick0 == 0 for y in ys)
    assert all(isinstance(y.dtick, int) and y.dtick >= 1 for y in ys), [y.dtick for y in ys]


@pytest.mark.parametrize("top, step", [(0, 1), (1, 1), (3, 1), (5, 1), (7, 2), (12, 5), (95, 20), (5150, 2000)])
def test_count_step_is_a_whole_number(top, step):
    assert figures.count_step(top) == step


def test_combination_counts_have_whole_number_ticks(app_data):  # failure 12, the chart beside them
    fig = figures.combinations(app_data.truth.presence, app_data.truth.name)
    assert fig.layout.xaxis.type == "linear" and fig.layout.xaxis.dtick == 1 and fig.layout.xaxis.tick0 == 0
