"""Stage `report`: the error-analysis report of trained runs (HTML page with PNG figures)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from steeldefect.artifacts.dataset_file import runs_dataset


@dataclass(frozen=True)
class ReportArgs:
    runs: Path  # runs folder with segmenter (and classifier) runs and their OOF predictions
    out: Path  # folder for index.html, its figures and report.json
    data: Path | None = None  # dataset folder: OOF truth and images
    labels: Path | None = None  # OOF truth instead of DATA/train.csv
    pred: Path | None = None  # a submission to score as well
    truth: Path | None = None  # the truth of pred
    thresholds: Path | None = None  # default: pixel threshold 0.5, no area, no gate
    worst: int = 4  # worst images drawn per class
    chunk_size: int = 64  # OOF images per chunk


@dataclass(frozen=True)
class ReportResult:
    result: object  # report.build.ReportResult: n_images, files, index, notes, seconds

    def text(self) -> str:
        """The notes, then the images, files and seconds of the report."""
        r = self.result
        lines = [f"note: {note}" for note in r.notes]
        lines.append(f"{r.n_images} OOF images, {len(r.files)} files in {r.seconds_total:.1f} s "
                     f"(OOF pass {r.seconds_oof:.1f} s) -> {r.index}")
        return "\n".join(lines)


class _LateBar:
    """A progress bar that appears with the OOF pass, after the inputs were read and checked."""

    def __init__(self):
        self.bar = None

    def __call__(self, n: int, total: int) -> None:
        if self.bar is None:
            self.bar = tqdm(total=total, desc="OOF images", unit="img", leave=False)
        self.bar.update(n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def report(args: ReportArgs) -> ReportResult:
    """Stream the OOF predictions of every finished run once and write ``args.out``/index.html."""
    from steeldefect.analysis.report import ReportInputs, build_report  # heavy: matplotlib (report figures)

    dataset = runs_dataset(Path(args.runs), args.data)
    inputs = ReportInputs(Path(args.runs), args.data, args.labels, args.pred, args.truth, args.thresholds, dataset)
    progress = _LateBar()
    try:
        built = build_report(inputs, args.out, chunk_size=args.chunk_size, worst=args.worst, progress=progress)
    finally:
        progress.close()
    return ReportResult(built)
