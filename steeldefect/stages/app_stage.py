"""Stage `app`: the analysis web app (distributions, image browser, submission comparison), until stopped."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AppArgs:
    data: Path | None = None  # dataset folder
    labels: Path | None = None  # label file instead of DATA/train.csv
    images: Path | None = None  # image folder (default DATA/train_images, then DATA/test_images)
    preds: tuple[Path, ...] = ()  # submissions to load
    sample: Path | None = None  # sample submission uploads are validated against
    metadata: Path | None = None  # CSV of ImageId plus a date or coil column
    metadata_column: str | None = None
    host: str = "127.0.0.1"
    port: int = 8050
    debug: bool = False  # Dash debug mode


@dataclass(frozen=True)
class AppResult:
    url: str  # where it served
    n_images: int
    n_test_labels: int | None  # None: no test labels loaded
    n_preds: int
    seconds_index: float


def app(args: AppArgs) -> AppResult:
    """Index the labels and submissions, then serve the Dash app on ``args.host:args.port`` until interrupted."""
    from steeldefect.analysis.app.index import build_app_data  # heavy: matplotlib
    from steeldefect.analysis.app.server import check_address, create_app, exposure_warning  # heavy: Dash

    check_address(args.host, args.port)
    warning = exposure_warning(args.host, args.port)
    if warning:
        log.warning(warning)
    start = time.perf_counter()
    data = build_app_data(args.data, args.labels, args.images, list(args.preds), args.sample, args.metadata,
                          args.metadata_column)
    dash_app = create_app(data)
    test = None if data.test_truth is None else len(data.test_truth.image_ids)
    result = AppResult(f"http://{args.host}:{args.port}/", len(data.truth.image_ids), test, len(data.preds),
                       time.perf_counter() - start)
    tests = "" if test is None else f", {test:,} test labels"
    log.info(f"indexed {result.n_images:,} images{tests} and {result.n_preds} submission(s) in "
             f"{result.seconds_index:.1f} s; serving on {result.url}")
    dash_app.run(host=args.host, port=args.port, debug=args.debug)
    return result
