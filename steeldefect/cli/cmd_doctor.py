"""`steeldefect doctor`: check the install and the machine before training or predicting."""

from __future__ import annotations

import json
import logging

from steeldefect.cli.commands import arguments, command
from steeldefect.cli.options import add_set_option, path_or_none
from steeldefect.stages.doctor_stage import DoctorArgs, doctor

log = logging.getLogger(__name__)


def _add(p):
    p.add_argument("--config", metavar="FILE", default=None,
                   help="a training config: are its members' weights found, and how "
                        "long would it train here on a CPU")
    add_set_option(p)
    p.add_argument("--data", metavar="DIR", default=None, help="a dataset folder (or TFRecords folder): is it complete")
    p.add_argument("--json", action="store_true", help="print the findings as JSON instead of lines")


@command("doctor",
         description="Say what this machine would train and predict on: Python, TensorFlow and Keras versions, "
                     "whether TensorFlow was built with CUDA, the devices it sees (and the GPUs nvidia-smi "
                     "lists), the distribution strategy and precision `train` would use; with --config, whether "
                     "each member's weights are found and, on a CPU, the estimated training hours; with --data, "
                     "whether the dataset folder is complete. Warnings are one line each with the fix. Exits 0 "
                     "when the install is usable, 2 with the problems otherwise.",
         epilog="examples:\n  steeldefect doctor\n"
                "  steeldefect doctor --config configs/full.yaml --data ~/severstal   # before a GPU run")
@arguments(_add)
def run(args) -> int:
    result = doctor(DoctorArgs(config=path_or_none(args.config), overrides=tuple(args.set),
                               data=path_or_none(args.data)))
    print(json.dumps(result.diagnosis.to_dict(), indent=1) if args.json else result.text())
    if not result.usable:
        log.error(f"steeldefect doctor: error: {result.error_line()}")
        return 2
    return 0
