"""`steeldefect kaggle-package`: the dataset and kernel folders for an offline Kaggle submission."""

from __future__ import annotations

from pathlib import Path

from steeldefect.artifacts.thresholds_file import THRESHOLDS_FILE
from steeldefect.cli.commands import arguments, command
from steeldefect.cli.options import KAGGLE_GPU_CHOICES, add_ensemble_options, add_thresholds_option, path_or_none
from steeldefect.artifacts.run_folder import MODEL_FILE
from steeldefect.stages.kaggle_package_stage import KagglePackageArgs, kaggle_package


def _add(p):
    p.add_argument("--runs", required=True, metavar="DIR", help="runs folder: every finished run's model is packaged")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder; receives dataset/ and kernel/")
    add_thresholds_option(p, required=False, default_help=f" (default: RUNS/{THRESHOLDS_FILE})")
    p.add_argument("--dataset-id", default="username/steeldefect-models", help="Kaggle dataset id <user>/<slug>")
    p.add_argument("--kernel-id", default="username/steeldefect-inference", help="Kaggle kernel id <user>/<slug>")
    p.add_argument("--title", default="steeldefect inference", help="kernel title")
    add_ensemble_options(p)
    p.add_argument("--wheel", default=None, metavar="FILE",
                   help="a built steeldefect wheel to use instead of building one")
    p.add_argument("--extra-wheel", action="append", default=[], metavar="SPEC",
                   help="also bundle the wheel of a package Kaggle lacks (pip wheel --no-deps SPEC; repeatable)")
    p.add_argument("--gpu", default="p100", choices=KAGGLE_GPU_CHOICES,
                   help="the Kaggle GPU the kernel-time estimate assumes (default p100, the slower)")
    p.add_argument("--costs", default=None, metavar="FILE",
                   help="a costs YAML (from `select`, or measured on the GPU) to estimate with instead of graph FLOPs")


@command("kaggle-package",
         description=f"Write DIR/dataset (the steeldefect wheel, the {MODEL_FILE} of every finished run in the "
                     f"runs tree, {THRESHOLDS_FILE}, dataset-metadata.json) and DIR/kernel (kernel.py and "
                     "kernel-metadata.json with internet off). The kernel installs the wheels with pip "
                     "--no-index and writes /kaggle/working/submission.csv from the competition's test images. "
                     "Then estimates the kernel's time on the 5,506 test images (each member's graph FLOPs on the "
                     "--gpu's published throughput, or --costs) and warns when it exceeds Kaggle's hour.",
         epilog="example:\n  steeldefect kaggle-package --runs runs --out kaggle --dataset-id me/steel-models "
                "--kernel-id me/steel-inference\n  kaggle datasets create -p kaggle/dataset --dir-mode zip\n"
                "  kaggle kernels push -p kaggle/kernel")
@arguments(_add)
def run(args) -> int:
    result = kaggle_package(KagglePackageArgs(
        runs=Path(args.runs), out=Path(args.out), thresholds=path_or_none(args.thresholds), dataset_id=args.dataset_id,
        kernel_id=args.kernel_id, title=args.title, ensemble=path_or_none(args.ensemble), tta=args.tta,
        reducer=args.reducer, wheel=path_or_none(args.wheel), extra_wheels=tuple(args.extra_wheel), gpu=args.gpu,
        costs=path_or_none(args.costs)))
    print(result.text())
    return 0
