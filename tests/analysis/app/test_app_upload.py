"""Uploads: validated with the CLI's validator (or structural checks), size-limited, rejected with a message."""

from __future__ import annotations

import base64

import pytest

from steeldefect.analysis.app.dash_callbacks import upload_submission
from steeldefect.analysis.app.upload import decode_contents, validate_upload
from steeldefect.errors import SteelDefectError

HEADER = "ImageId_ClassId,EncodedPixels\n"


def as_upload(text: str | bytes) -> str:
    data = text.encode() if isinstance(text, str) else text
    return "data:text/csv;base64," + base64.b64encode(data).decode()


def submission(ids, rle="", bad_row=None) -> str:
    rows = [f"{i}_{c},{rle}\n" for i in ids for c in (1, 2, 3, 4)]
    if bad_row is not None:
        rows[bad_row] = rows[bad_row].split(",")[0] + ",5 -3\n"  # a malformed RLE
    return HEADER + "".join(rows)


@pytest.fixture()
def sample(tmp_path):
    path = tmp_path / "sample_submission.csv"
    path.write_text(submission(["a.jpg", "b.jpg"], "1 1"))
    return path


def test_good_upload_against_the_sample(sample):
    result = validate_upload(as_upload(submission(["a.jpg", "b.jpg"], "10 5")), "good.csv", sample)
    assert result.ok and "against the sample submission" in result.message
    assert list(result.table["ImageId"]) == ["a.jpg", "b.jpg"]


@pytest.mark.parametrize("text, needle", [
    (submission(["a.jpg"]), "missing row for image b.jpg class 1"),
    (submission(["a.jpg", "b.jpg", "c.jpg"]), "image c.jpg class 1 is not in the sample submission"),
    (submission(["a.jpg", "b.jpg"], bad_row=2), "line 4"),
    ("wrong,header\n1,2\n", "unrecognised CSV header"),
    ("", "the file is empty"),
    (b"\xff\xfe\x00garbage", "bad.csv rejected"),
])
def test_malformed_uploads_are_rejected(sample, text, needle):
    result = validate_upload(as_upload(text), "bad.csv", sample)
    assert not result.ok and result.table is None
    assert result.message.startswith("bad.csv rejected") and needle in result.message, result.message
    assert "steeldefect-upload-" not in result.message  # no temporary paths leak into messages


def test_structural_checks_without_a_sample():
    ok = validate_upload(as_upload(submission(["x.jpg"], "1 3")), "s.csv", None)
    assert ok.ok and "structural checks" in ok.message
    lines = submission(["x.jpg"]).splitlines(keepends=True)
    missing = validate_upload(as_upload("".join(lines[:-1])), "s.csv", None)
    assert not missing.ok and "missing row for image x.jpg class 4" in missing.message
    later = validate_upload(as_upload("ImageId,EncodedPixels,ClassId\nx.jpg,1 2,1\nx.jpg,,2\nx.jpg,,3\nx.jpg,,4\n"),
                            "later.csv", None)
    assert later.ok


def test_size_limit_and_bad_encoding():
    with pytest.raises(SteelDefectError, match="larger than the 1 MB limit"):
        decode_contents(as_upload(b"x" * (2 * 1024 * 1024)), max_bytes=1024 * 1024)
    assert "larger than" in validate_upload(as_upload(b"x" * 2000), "big.csv", None, max_bytes=1000).message
    with pytest.raises(SteelDefectError, match="not valid base64"):
        decode_contents("data:text/csv;base64,@@@")
    with pytest.raises(SteelDefectError, match="not a base64 data URL"):
        decode_contents("plain text")


def test_rejected_upload_is_not_loaded(app_data):
    before = len(app_data.sets())
    message, key = upload_submission(app_data, as_upload("wrong,header\n"), "../../evil.csv")
    assert key is None and message.startswith("evil.csv rejected") and len(app_data.sets()) == before
