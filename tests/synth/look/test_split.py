"""The tune/measure split of the real strips: deterministic, balanced within every kind of strip."""

from __future__ import annotations

import pandas as pd

from steeldefect.synth.look.split import FLAG_COLUMNS, MEASURE, TUNE, split_real


def table(n: int) -> pd.DataFrame:
    return pd.DataFrame({"ImageId": [f"{i:09x}.jpg" for i in range(n)],
                         "split": ["train" if i % 3 else "test" for i in range(n)],
                         **{c: [int(i % 5 == k) for i in range(n)] for k, c in enumerate(FLAG_COLUMNS)}})


def test_the_split_ignores_row_order_and_halves_every_group():
    strips = table(60)
    part = split_real(strips)
    shuffled = strips.sample(frac=1, random_state=3)
    assert split_real(shuffled).sort_index().equals(part)
    assert set(part) == {TUNE, MEASURE}
    keys = strips[["split", *FLAG_COLUMNS]].astype(str).agg("/".join, axis=1)
    for _, group in part.groupby(keys):
        assert abs((group == TUNE).sum() - (group == MEASURE).sum()) <= 1


def test_the_real_strips_split_in_two_halves(real_dir):
    strips = pd.read_csv(real_dir / "strips.csv")
    part = split_real(strips)
    assert abs((part == TUNE).sum() - (part == MEASURE).sum()) <= 12  # one odd strip per group at most
    for column in ("split", *FLAG_COLUMNS):
        for value in strips[column].dropna().unique():
            rows = strips[column] == value
            assert abs((part[rows] == TUNE).sum() - (part[rows] == MEASURE).sum()) <= 8, (column, value)
