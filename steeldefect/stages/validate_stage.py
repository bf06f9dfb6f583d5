"""Stage `validate`: check a submission against a sample submission before uploading."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from steeldefect.artifacts.dataset_file import read_dataset
from steeldefect.data.kaggle_folder import TEST_IMAGES, image_shapes
from steeldefect.data.submission import sample_image_ids, validate_submission


@dataclass(frozen=True)
class ValidateArgs:
    pred: Path  # the submission to check
    sample: Path  # the sample submission: the images and the layout
    max_problems: int = 20  # problems listed
    data: Path | None = None  # an imported dataset folder: its classes, and its test images' sizes


@dataclass(frozen=True)
class ValidateResult:
    pred: Path
    ok: bool
    n_rows: int
    n_problems: int
    problems: tuple[str, ...]  # the first max_problems

    def problems_text(self) -> str:
        """The problems listed, one a line, then the count."""
        lines = [f"{self.pred}: {problem}" for problem in self.problems]
        listed = f", first {len(self.problems)} listed" if self.n_problems > len(self.problems) else ""
        lines.append(f"{self.pred}: INVALID, {self.n_problems} problem(s){listed}")
        return "\n".join(lines)


def validate(args: ValidateArgs) -> ValidateResult:
    """Every image of the sample with exactly its rows, no extra or duplicate rows, every RLE well formed."""
    spec = read_dataset(args.data)
    shapes = spec.single_shape
    if args.data is not None and shapes is None:
        folder = Path(args.data) / TEST_IMAGES
        shapes = image_shapes(folder if folder.is_dir() else None, sample_image_ids(args.sample)[0], spec)
    report = validate_submission(args.pred, args.sample, max_listed=args.max_problems, n_classes=spec.n_classes,
                                 shapes=shapes)
    return ValidateResult(Path(args.pred), report.ok, report.n_rows, report.n_problems, tuple(report.problems))
