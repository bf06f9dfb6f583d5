"""Stage `synth`: write a synthetic dataset folder in the Kaggle layout."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from steeldefect.artifacts.look_file import read_look
from steeldefect.synth.generator import generate_dataset


@dataclass(frozen=True)
class SynthArgs:
    """What to write: ``train`` and ``test`` images of ``seed`` into ``out``."""

    out: Path
    train: int
    test: int = 0
    seed: int = 0
    workers: int = 1
    force: bool = False
    contrast: float = 1.0
    look: Path | None = None  # a look file of `steeldefect synth-look` (default: the shipped look)
    progress: bool = True


@dataclass(frozen=True)
class SynthResult:
    out: Path
    line: str  # what was written, skipped or finished, in one line


def synth(args: SynthArgs) -> SynthResult:
    """Write (or finish, or confirm) the synthetic dataset of ``args.seed`` into ``args.out``."""
    look = read_look(args.look) if args.look else None
    summary = generate_dataset(args.out, args.train, args.test, args.seed, force=args.force, workers=args.workers,
                               progress=args.progress, contrast=args.contrast, look=look)
    return SynthResult(Path(args.out), summary.line())
