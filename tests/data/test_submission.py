"""Submission writing (atomic, both layouts) and validation against a sample."""

from __future__ import annotations

import pandas as pd
import pytest

from steeldefect.data.labels import empty_table
from steeldefect.data.submission import read_submission, validate_submission, write_submission


def test_real_submission_is_valid_against_real_sample(real_dir):
    report = validate_submission(real_dir / "predictions_stage1.csv", real_dir / "sample_submission_stage1.csv")
    assert report.ok and report.n_rows == 7204


def test_later_layout_against_stage2_sample(tmp_path, real_dir):
    sample = real_dir / "sample_submission_stage2.csv"
    ids = pd.read_csv(sample)["ImageId"]
    write_submission(empty_table(ids), tmp_path / "sub.csv", layout="later")
    head = (tmp_path / "sub.csv").read_text().splitlines()[:2]
    assert head == ["ImageId,EncodedPixels,ClassId", f"{ids[0]},,1"]
    report = validate_submission(tmp_path / "sub.csv", sample)
    assert report.ok, report.problems
    assert report.n_rows == 4 * 5506


def test_round_trip(tmp_path, real_dir):
    table = read_submission(real_dir / "predictions_stage1.csv")
    for layout in ("original", "later"):
        write_submission(table, tmp_path / f"{layout}.csv", layout=layout)
        pd.testing.assert_frame_equal(read_submission(tmp_path / f"{layout}.csv"), table)


def _write(path, rows):
    path.write_text("ImageId_ClassId,EncodedPixels\n" + "".join(f"{k},{v}\n" for k, v in rows))
    return path


def test_every_problem_is_counted(tmp_path):
    sample = _write(tmp_path / "sample.csv", [(f"{i}.jpg_{c}", "1 1") for i in "ab" for c in "1234"])
    sub = _write(tmp_path / "sub.csv", [
        ("a.jpg_1", "1 2 3"),          # odd count
        ("a.jpg_2", "5 2 1 1"),        # unsorted
        ("a.jpg_3", "409600 5"),       # past the end
        ("a.jpg_3", ""),               # duplicate
        ("a.jpg_4", ""),
        ("z.jpg_1", ""),               # not in the sample
        ("b.jpg_7", ""),               # bad class
        ("b.jpg_1", ""), ("b.jpg_2", ""), ("b.jpg_3", ""),  # b.jpg_4 missing
    ])
    report = validate_submission(sub, sample)
    assert not report.ok and report.n_problems == 7
    text = "\n".join(report.problems)
    for needle in ["odd number", "not sorted", "past the image end", "duplicate row for image a.jpg class 3",
                   "image z.jpg class 1 is not in the sample", "class '7'", "missing row for image b.jpg class 4"]:
        assert needle in text
    assert "line 2, image a.jpg class 1" in text  # RLE problems name line, image and class


def test_listing_is_capped_but_count_is_complete(tmp_path):
    sample = _write(tmp_path / "sample.csv", [(f"{i}.jpg_{c}", "1 1") for i in range(30) for c in "1234"])
    sub = _write(tmp_path / "sub.csv", [])
    report = validate_submission(sub, sample, max_listed=5)
    assert report.n_problems == 120 and len(report.problems) == 5


def test_atomic_write_keeps_old_file_on_failure(tmp_path, monkeypatch):
    path = tmp_path / "sub.csv"
    path.write_text("old")

    def half_write_then_fail(self, target, **kwargs):
        open(target, "w").write("ImageId_ClassId,Enc")  # a partial file in the temporary path
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_csv", half_write_then_fail)
    with pytest.raises(OSError, match="disk full"):
        write_submission(empty_table(["a.jpg"]), path)
    assert path.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["sub.csv"]


def test_original_layout_expects_the_samples_own_rows(tmp_path):
    sample = _write(tmp_path / "sample.csv", [("a.jpg_1", "1 1"), ("a.jpg_3", "1 1")])
    assert validate_submission(sample, sample).ok
    report = validate_submission(_write(tmp_path / "sub.csv", [("a.jpg_1", ""), ("a.jpg_2", "")]), sample)
    assert sorted(report.problems) == ["line 3: row for image a.jpg class 2 is not in the sample submission",
                                       "missing row for image a.jpg class 3"]


def test_written_files_get_the_usual_mode(tmp_path):
    import os
    import stat

    write_submission(empty_table(["a.jpg"]), tmp_path / "sub.csv")
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE((tmp_path / "sub.csv").stat().st_mode) == 0o666 & ~mask
