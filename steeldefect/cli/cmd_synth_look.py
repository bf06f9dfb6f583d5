"""`steeldefect synth-look`: fit the look of clean steel on real strips (numbers only, no pixels)."""

from __future__ import annotations

import argparse
from pathlib import Path

from steeldefect.cli.commands import arguments, command
from steeldefect.errors import SteelDefectError
from steeldefect.stages.synth_look_stage import SynthLookArgs, synth_look
from steeldefect.synth.look.split import MEASURE, TUNE


def _add(p: argparse.ArgumentParser) -> None:
    p.add_argument("--real", required=True, metavar="DIR", help="folder of real strips (.jpg or .png)")
    p.add_argument("--out", required=True, metavar="FILE", help="look file to write (JSON)")
    p.add_argument("--table", metavar="CSV",
                   help="strips table (ImageId, split, class_1..class_4, like ../shared/real/strips.csv): fit on "
                        "its clean training strips and its test strips only, and measure the black margins "
                        "of its training strips by class (class 2 lies at the strip's edge)")
    p.add_argument("--part", choices=(TUNE, MEASURE),
                   help="with --table: only this half of the strips (the other is kept for measuring)")


@command("synth-look",
         description="Measure real strips and write what clean steel looks like as numbers: the texture's "
                     "power spectrum, the light's profile down the strip, the grain's roughness and its "
                     "direction (streaks), sparse flecks, the grey-level shape, bright splashes, black margins "
                     "(margins, roughness and direction by class with --table) and the "
                     "JPEG quality. `steeldefect synth --look FILE` then draws strips "
                     "with that look; without --look it uses the look shipped with steeldefect, fitted on "
                     "the tune half of real Severstal strips.",
         epilog="examples:\n"
                "  steeldefect synth-look --real ../shared/real/strips --table ../shared/real/strips.csv "
                "--part tune --out look.json\n"
                "  steeldefect synth-look --real data/line3/clean --out line3_look.json\n"
                "  steeldefect synth --out data/synth --train 300 --test 100 --look line3_look.json")
@arguments(_add)
def run(args: argparse.Namespace) -> int:
    if args.part and not args.table:
        raise SteelDefectError("--part needs --table (the strips table that says which strips are which)")
    result = synth_look(SynthLookArgs(real=Path(args.real), out=Path(args.out),
                                      table=Path(args.table) if args.table else None, part=args.part))
    print(result.line)
    return 0
