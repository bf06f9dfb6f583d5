"""The per-image CSV beside a submission: its name, rows written and read back, old and newer files."""

from __future__ import annotations

import numpy as np
import pandas as pd

from steeldefect.artifacts.prediction_table import (AREA_COLUMNS, CLS_PROB, IMAGES_SUFFIX, classifier_probs,
                                                    has_mask, image_rows, images_csv_path, read_prediction_table,
                                                    table_counts, write_rows)


def _rows(cls):
    areas = np.array([[0, 5, 0, 0], [0, 0, 0, 0]])
    return image_rows(["a.jpg", "b.jpg"], cls, np.array([False, True]), np.array([True, False]), np.array([0, 4]),
                      np.full((2, 4), 0.5), areas, [(256, 1600), (256, 1600)])


def test_name_rows_write_then_read(tmp_path):
    path = images_csv_path(tmp_path / "sub.csv")
    assert path.name == "sub" + IMAGES_SUFFIX == "sub_images.csv"
    write_rows(_rows(np.array([0.9, 0.1])), path)
    back = read_prediction_table(path)
    assert list(back.columns)[:2] == ["ImageId", CLS_PROB]
    assert table_counts(back) == {"gated": 1, "review": 1, "masks_gated": 4, "nonempty": 1}
    assert has_mask(back).tolist() == [True, False] and classifier_probs(back).tolist() == [0.9, 0.1]
    four = _rows(np.full((2, 4), 0.3))
    assert classifier_probs(four).shape == (2, 4) and classifier_probs(_rows(None)) is None


def test_an_old_file_loads_and_a_newer_one_is_refused(tmp_path, refused):
    path = tmp_path / "old_images.csv"
    write_rows(_rows(None), path)  # files hold no version column: every one so far is version 1
    assert list(read_prediction_table(path)[list(AREA_COLUMNS)].sum()) == [0, 5, 0, 0]
    newer = tmp_path / "newer_images.csv"
    pd.DataFrame({"ImageId": ["a.jpg"], "format_version": [2]}).to_csv(newer, index=False)
    refused(newer, lambda: read_prediction_table(newer))
