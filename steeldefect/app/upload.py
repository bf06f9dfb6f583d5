"""Submissions uploaded through the browser: size-limited, validated as the CLI validates, then read.

With the dataset's sample submission the upload must hold exactly its rows (``validate_submission``);
without one, the structural checks run: a known layout, four rows per image, no duplicates, every RLE
well formed (the submission validated against its own image list).
"""

from __future__ import annotations

import base64
import binascii
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from steeldefect.data.submission import read_submission, validate_submission
from steeldefect.errors import SteelDefectError

MAX_UPLOAD_BYTES = 50 * 1024 * 1024  # a full 5,506-image submission is ~10 MB; anything far larger is wrong
SHOWN_PROBLEMS = 5  # problems listed in the rejection message


@dataclass
class UploadResult:
    """``table`` is the submission's label table when ``ok``; ``message`` says what happened."""

    ok: bool
    message: str
    table: pd.DataFrame | None = None
    problems: list[str] = field(default_factory=list)


def decode_contents(contents: str, max_bytes: int = MAX_UPLOAD_BYTES) -> bytes:
    """The bytes of a dcc.Upload ``contents`` string ('data:<type>;base64,<data>')."""
    head, sep, payload = (contents or "").partition(",")
    if not sep or ";base64" not in head:
        raise SteelDefectError("the upload is not a base64 data URL")
    if len(payload) * 3 // 4 > max_bytes + 3:
        raise SteelDefectError(f"the file is larger than the {max_bytes // (1024 * 1024)} MB limit")
    try:
        data = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise SteelDefectError("the upload is not valid base64") from None
    if len(data) > max_bytes:
        raise SteelDefectError(f"the file is larger than the {max_bytes // (1024 * 1024)} MB limit")
    return data


def validate_upload(contents: str, filename: str, sample_path: Path | None,
                    max_bytes: int = MAX_UPLOAD_BYTES) -> UploadResult:
    """Decode, validate and read an uploaded submission; never raises on a bad file."""
    name = Path(str(filename or "")).name or "upload.csv"  # shown in messages only
    with tempfile.TemporaryDirectory(prefix="steeldefect-upload-") as tmp:
        path = Path(tmp) / "submission.csv"  # never a name chosen by the client
        try:
            path.write_bytes(decode_contents(contents, max_bytes))
            report = validate_submission(path, sample_path)
            if not report.ok:
                shown = "; ".join(report.problems[:SHOWN_PROBLEMS])
                more = report.n_problems - min(report.n_problems, SHOWN_PROBLEMS)
                return UploadResult(False, f"{name} rejected: {report.n_problems} problem(s): {shown}"
                                           + (f" (and {more} more)" if more else ""), problems=report.problems)
            table = read_submission(path)
        except SteelDefectError as err:  # unreadable, wrong header, too large: the message says which
            return UploadResult(False, f"{name} rejected: " + str(err).replace(str(path), name))
    against = "the sample submission" if sample_path is not None else "structural checks (no sample submission)"
    return UploadResult(True, f"{name} accepted ({len(table):,} images; validated against {against})", table)
