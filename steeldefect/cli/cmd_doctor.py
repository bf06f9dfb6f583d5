"""`steeldefect doctor`: check the install and the machine before training or predicting."""

from __future__ import annotations

from steeldefect.cli.commands import arguments, command
from steeldefect.cli.options import add_set_option, check_set_has_config


def _add(p):
    p.add_argument("--config", default=None, help="a training config: are its members' weights found, and how "
                                                  "long would it train here on a CPU")
    add_set_option(p)
    p.add_argument("--data", default=None, help="a dataset folder (or TFRecords folder): is it complete")
    p.add_argument("--json", action="store_true", help="print the findings as JSON instead of lines")


@command("doctor", help="check the install: versions, TensorFlow build, devices, strategy, weights, data",
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
    import json
    import sys

    from steeldefect.doctor import diagnose, format_diagnosis

    check_set_has_config(args)
    diagnosis = diagnose(args.config, args.data, overrides=args.set)
    print(json.dumps(diagnosis.to_dict(), indent=1) if args.json else format_diagnosis(diagnosis))
    if not diagnosis.usable:
        print(f"steeldefect doctor: error: {diagnosis.problems[0]}"
              + (f" (and {len(diagnosis.problems) - 1} more)" if len(diagnosis.problems) > 1 else ""),
              file=sys.stderr)
        return 2
    return 0
