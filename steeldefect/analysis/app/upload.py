"""Submissions uploaded through the browser: size-limited, validated as the CLI validates, then read.

Whatever arrives is first checked for type and length (``check_inputs``): a client may post any JSON
as the contents or the file name, and only text of a bounded size goes further.

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

from steeldefect.constants import LAYOUTS
from steeldefect.data.layouts import KNOWN_HEADERS, ORIGINAL_HEADER, detect_layout
from steeldefect.artifacts.dataset_file import KAGGLE
from steeldefect.data.submission import read_submission, validate_submission
from steeldefect.errors import SteelDefectError

MAX_UPLOAD_BYTES = 50 * 1024 * 1024  # a full 5,506-image submission is ~10 MB; anything far larger is wrong
MAX_FILENAME_CHARS = 255  # the longest file name common file systems allow
DATA_URL_HEAD_CHARS = 256  # room for the 'data:<type>;base64,' head of an upload's contents
SHOWN_PROBLEMS = 5  # problems listed in the rejection message
MAX_UPLOADED_SETS = 20  # uploaded label sets one server keeps (until it restarts)
MAX_UPLOADED_MEMORY = 512 * 1024 * 1024  # bytes of label tables all uploads together may hold
SUBMISSION_HEADERS = (",".join(ORIGINAL_HEADER), KNOWN_HEADERS[2])  # what a submission's header is


@dataclass
class UploadResult:
    """``table`` is the submission's label table when ``ok``; ``message`` says what happened."""

    ok: bool
    message: str
    table: pd.DataFrame | None = None
    name: str = ""
    problems: list[str] = field(default_factory=list)


def _mb(n_bytes: int) -> str:
    return f"{n_bytes / (1024 * 1024):,.0f} MB"


def check_inputs(contents, filename, max_bytes: int = MAX_UPLOAD_BYTES) -> str:
    """The file name to show, once ``contents`` and ``filename`` are text of sane length; else a
    SteelDefectError with one line 'upload refused: ...'. Runs before anything else reads them."""
    if contents is None or contents == "":
        raise SteelDefectError("upload refused: no file content was sent")
    if not isinstance(contents, str):
        raise SteelDefectError(f"upload refused: the file content is not text (got {type(contents).__name__})")
    if len(contents) > max_bytes * 4 // 3 + DATA_URL_HEAD_CHARS:
        raise SteelDefectError(f"upload refused: the file is larger than the {_mb(max_bytes)} limit")
    if not isinstance(filename, str):
        raise SteelDefectError(f"upload refused: the file name is not text (got {type(filename).__name__})")
    if len(filename) > MAX_FILENAME_CHARS:
        raise SteelDefectError(f"upload refused: the file name is {len(filename):,} characters long; "
                               f"the limit is {MAX_FILENAME_CHARS}")
    if not filename.isprintable():
        raise SteelDefectError("upload refused: the file name holds control characters")
    name = filename.replace("\\", "/").rsplit("/", 1)[-1].strip()
    if name in ("", ".", ".."):
        raise SteelDefectError("upload refused: no file name was sent")
    return name


def decode_contents(contents: str, max_bytes: int = MAX_UPLOAD_BYTES) -> bytes:
    """The bytes of a dcc.Upload ``contents`` string ('data:<type>;base64,<data>')."""
    head, sep, payload = (contents or "").partition(",")
    if not sep or ";base64" not in head:
        raise SteelDefectError("the upload is not a base64 data URL")
    if len(payload) * 3 // 4 > max_bytes + 3:
        raise SteelDefectError(f"the file is larger than the {_mb(max_bytes)} limit")
    try:
        data = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise SteelDefectError("the upload is not valid base64") from None
    if len(data) > max_bytes:
        raise SteelDefectError(f"the file is larger than the {_mb(max_bytes)} limit")
    return data


def validate_upload(contents: str, filename: str, sample_path: Path | None,
                    max_bytes: int = MAX_UPLOAD_BYTES, n_classes: int = KAGGLE.n_classes,
                    shapes=None) -> UploadResult:
    """Check, decode, validate and read an uploaded submission of ``n_classes`` classes, each RLE checked
    at its image's size (``shapes``: as ``read_labels``); never raises on a bad input."""
    try:
        name = check_inputs(contents, filename, max_bytes)  # shown in messages only
    except SteelDefectError as err:
        return UploadResult(False, str(err))
    with tempfile.TemporaryDirectory(prefix="steeldefect-upload-") as tmp:
        path = Path(tmp) / "submission.csv"  # never a name chosen by the client
        try:
            path.write_bytes(decode_contents(contents, max_bytes))
            layout = detect_layout(path)
            if layout not in LAYOUTS:
                return UploadResult(False, f"{name} rejected: it is a label file in the {layout} layout, not a "
                                           f"submission; a submission's header is "
                                           + " or ".join(SUBMISSION_HEADERS), name=name)
            report = validate_submission(path, sample_path, n_classes=n_classes, shapes=shapes)
            if not report.ok:
                shown = "; ".join(report.problems[:SHOWN_PROBLEMS])
                more = report.n_problems - min(report.n_problems, SHOWN_PROBLEMS)
                return UploadResult(False, f"{name} rejected: {report.n_problems} problem(s): {shown}"
                                           + (f" (and {more} more)" if more else ""),
                                    problems=report.problems, name=name)
            table = read_submission(path, n_classes=n_classes, shapes=shapes)
        except SteelDefectError as err:  # unreadable, wrong header, too large: the message says which
            return UploadResult(False, f"{name} rejected: " + str(err).replace(str(path), name), name=name)
    against = "the sample submission" if sample_path is not None else "structural checks (no sample submission)"
    return UploadResult(True, f"{name} accepted ({len(table):,} images; validated against {against})", table,
                        name=name)
