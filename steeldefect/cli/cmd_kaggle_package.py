"""`steeldefect kaggle-package`: the dataset and kernel folders for an offline Kaggle submission."""

from __future__ import annotations

from steeldefect.cli.commands import arguments, command
from steeldefect.cli.options import KAGGLE_GPU_CHOICES, REDUCER_CHOICES, TTA_CHOICES
from steeldefect.runfolder import MODEL_FILE


def _add(p):
    p.add_argument("--runs", required=True, help="runs folder: every finished run's model is packaged")
    p.add_argument("--out", required=True, help="output folder; receives dataset/ and kernel/")
    p.add_argument("--thresholds", default=None, help="thresholds YAML (default: RUNS/thresholds.yaml)")
    p.add_argument("--dataset-id", default="username/steeldefect-models", help="Kaggle dataset id <user>/<slug>")
    p.add_argument("--kernel-id", default="username/steeldefect-inference", help="Kaggle kernel id <user>/<slug>")
    p.add_argument("--title", default="steeldefect inference", help="kernel title")
    p.add_argument("--ensemble", default=None,
                   help="ensemble.yaml of `steeldefect select`: package only its members, with its TTA and reducer")
    p.add_argument("--tta", default=None, choices=TTA_CHOICES, help="TTA the kernel uses (default none)")
    p.add_argument("--reducer", default=None, choices=REDUCER_CHOICES,
                   help="how the kernel combines models (default mean)")
    p.add_argument("--wheel", default=None, help="a built steeldefect wheel to use instead of building one")
    p.add_argument("--extra-wheel", action="append", default=[], metavar="SPEC",
                   help="also bundle the wheel of a package Kaggle lacks (pip wheel --no-deps SPEC; repeatable)")
    p.add_argument("--gpu", default="p100", choices=KAGGLE_GPU_CHOICES,
                   help="the Kaggle GPU the kernel-time estimate assumes (default p100, the slower)")
    p.add_argument("--costs", default=None,
                   help="a costs YAML (from `select`, or measured on the GPU) to estimate with instead of graph FLOPs")


@command("kaggle-package", help="build the Kaggle dataset (wheels, models, thresholds) and offline kernel",
         description=f"Write DIR/dataset (the steeldefect wheel, the {MODEL_FILE} of every finished run in the "
                     "runs tree, thresholds.yaml, dataset-metadata.json) and DIR/kernel (kernel.py and "
                     "kernel-metadata.json with internet off). The kernel installs the wheels with pip "
                     "--no-index and writes /kaggle/working/submission.csv from the competition's test images. "
                     "Then estimates the kernel's time on the 5,506 test images (each member's graph FLOPs on the "
                     "--gpu's published throughput, or --costs) and warns when it exceeds Kaggle's hour.",
         epilog="example:\n  steeldefect kaggle-package --runs runs --out kaggle --dataset-id me/steel-models "
                "--kernel-id me/steel-inference\n  kaggle datasets create -p kaggle/dataset --dir-mode zip\n"
                "  kaggle kernels push -p kaggle/kernel")
@arguments(_add)
def run(args) -> int:
    from steeldefect.cli.cmd_predict import ensemble_option
    from steeldefect.kaggle.package import KaggleSpec, build_package

    ensemble = ensemble_option(args)
    spec = KaggleSpec(dataset_id=args.dataset_id, kernel_id=args.kernel_id, title=args.title, tta=args.tta,
                      reducer=args.reducer)
    summary = build_package(args.runs, args.out, args.thresholds, spec, args.wheel, tuple(args.extra_wheel),
                            ensemble)
    print(f"{len(summary.runs)} runs, wheels {', '.join(summary.wheels)}, "
          f"{summary.size_bytes / 2**20:.1f} MiB -> {summary.out}")
    _estimate(args, ensemble)
    print(f"upload: kaggle datasets create -p {summary.out}/dataset --dir-mode zip")
    print(f"        kaggle kernels push -p {summary.out}/kernel")
    return 0


def _estimate(args, ensemble) -> None:
    """Print the kernel-time estimate of the packaged ensemble, and a warning past the hour (advisory:
    a model that cannot be read for it leaves the package as written)."""
    import sys

    from steeldefect.errors import SteelDefectError
    from steeldefect.kaggle.hour_plan import (KAGGLE_TEST_IMAGES, ensemble_members, get_gpu, hour_warning,
                                              member_flops, plan_costs)
    from steeldefect.kaggle.package import finished_runs
    from steeldefect.ensemble.tta import tta_views
    from steeldefect.selection.costs import load_costs

    runs = finished_runs(args.runs, ensemble)
    try:
        costs = load_costs(args.costs) if args.costs else plan_costs(member_flops(runs), get_gpu(args.gpu))
        estimate = costs.ensemble_s(KAGGLE_TEST_IMAGES, len(tta_views(args.tta)), ensemble_members(runs))
    except SteelDefectError as err:
        print(f"warning: no kernel-time estimate ({err})", file=sys.stderr)
        return
    where = costs.machine or args.costs
    print(f"estimated kernel time: {estimate:,.0f} s for {KAGGLE_TEST_IMAGES:,} test images, TTA {args.tta} ({where})")
    warning = hour_warning(estimate, where)
    if warning:
        print(warning, file=sys.stderr)
