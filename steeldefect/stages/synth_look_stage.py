"""Stage `synth-look`: fit the look of clean steel on a folder of real strips and write look.json."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from steeldefect.artifacts.look_file import write_look
from steeldefect.synth.look.fit_folder import fit_folder


@dataclass(frozen=True)
class SynthLookArgs:
    """Fit on the strips of ``real`` (with ``table``: only ``part`` of them, clean and test strips)."""

    real: Path
    out: Path
    table: Path | None = None
    part: str | None = None


@dataclass(frozen=True)
class SynthLookResult:
    out: Path
    line: str


def synth_look(args: SynthLookArgs) -> SynthLookResult:
    """Fit the look and write it; nothing is written when the fit fails."""
    look = fit_folder(args.real, args.table, args.part)
    write_look(look, args.out)
    mean = sorted(row[0] for row in look.bank)[len(look.bank) // 2]
    rules = ", ".join(f"class {c} {p:.0%}" if c else f"clean {p:.0%}" for c, p, _ in look.class_margins)
    by_class = f" ({rules})" if rules else ""
    streaks = ", ".join(f"class {c} {r:.2f}" if c else f"clean {r:.2f}" for c, r, _ in look.class_stretch)
    direction = f", grain streaks across/down {streaks}" if streaks else ""
    return SynthLookResult(Path(args.out), f"{args.out}: the look of {look.fitted_on}; median grey {mean:.0f}, "
                                           f"grain modulation {look.grain_modulation:g}, margins on "
                                           f"{look.margin_probability:.0%} of the strips{by_class}{direction}, splashes on "
                                           f"{look.splashes.probability if look.splashes else 0:.0%}, JPEG "
                                           f"quality {look.jpeg_quality}")
