"""Stratified K-fold split of the training images."""

from steeldefect.folds.stratified import ensure_folds, fold_counts, make_folds, read_folds, split_fold, write_folds

__all__ = ["make_folds", "fold_counts", "read_folds", "write_folds", "ensure_folds", "split_fold"]
