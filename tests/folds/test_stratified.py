"""Folds: a partition, stratified, deterministic."""

from __future__ import annotations

import pytest

from steeldefect.data.labels import label_presence, read_labels
from steeldefect.errors import SteelDefectError
from steeldefect.folds import fold_counts, make_folds, read_folds, write_folds


@pytest.fixture(scope="module")
def real_table(real_dir):
    return read_labels(real_dir / "train_masks_2515.csv")


def test_partition_and_balance(real_table):
    folds = make_folds(real_table, k=5, seed=42)
    assert folds["ImageId"].tolist() == real_table["ImageId"].tolist()
    assert sorted(folds["fold"].unique()) == [0, 1, 2, 3, 4]
    counts = fold_counts(real_table, folds)
    totals = label_presence(real_table).sum(axis=0)
    for k, total in enumerate(totals):
        col = counts[f"class_{k + 1}"]
        assert col.sum() == total
        assert col.max() - col.min() <= 2, col.tolist()  # iterative stratification balances each class
    assert counts["clean"].max() - counts["clean"].min() <= 2
    assert counts["images"].max() - counts["images"].min() <= len(real_table) // 100


def test_deterministic_for_a_seed(real_table):
    a = make_folds(real_table, 5, seed=7)
    assert a.equals(make_folds(real_table, 5, seed=7))
    assert not a.equals(make_folds(real_table, 5, seed=8))


def test_round_trip_and_errors(tmp_path, real_table):
    folds = make_folds(real_table, 3, seed=1)
    write_folds(folds, tmp_path / "folds.csv")
    assert read_folds(tmp_path / "folds.csv").equals(folds)
    with pytest.raises(SteelDefectError, match="at least 2"):
        make_folds(real_table, 1)
    (tmp_path / "bad.csv").write_text("image,f\n")
    with pytest.raises(SteelDefectError, match="header must be ImageId,fold"):
        read_folds(tmp_path / "bad.csv")
