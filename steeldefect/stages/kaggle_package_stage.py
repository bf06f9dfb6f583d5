"""Stage `kaggle-package`: the dataset and kernel folders of an offline Kaggle submission, and the
kernel-time estimate of the packaged ensemble."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from steeldefect.artifacts.dataset_file import KAGGLE
from steeldefect.ensemble.tta import tta_views
from steeldefect.errors import SteelDefectError
from steeldefect.delivery.kaggle.package import COMPETITION, KaggleSpec, build_package, finished_runs
from steeldefect.stages._common import resolve_ensemble
from steeldefect.artifacts.dataset_file import models_dataset
from steeldefect.delivery.kaggle.hour_plan import (ensemble_members, get_gpu, hour_warning, KAGGLE_TEST_IMAGES, member_flops,
                                          plan_costs)
from steeldefect.selection.costs import load_costs

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class KagglePackageArgs:
    runs: Path  # every finished run's model is packaged
    out: Path  # receives dataset/ and kernel/
    thresholds: Path | None = None  # default RUNS/thresholds.yaml
    dataset_id: str = "username/steeldefect-models"
    kernel_id: str = "username/steeldefect-inference"
    title: str = "steeldefect inference"
    ensemble: Path | None = None
    tta: str | None = None
    reducer: str | None = None
    wheel: Path | None = None  # a built steeldefect wheel instead of building one
    extra_wheels: tuple[str, ...] = ()  # pip specs of packages Kaggle lacks
    gpu: str = "p100"  # the Kaggle GPU of the estimate
    costs: Path | None = None  # a costs YAML instead of graph FLOPs


@dataclass(frozen=True)
class KagglePackageResult:
    summary: object  # kaggle.package.PackageSummary: out, wheels, runs, size_bytes
    tta: str
    estimate_s: float | None  # estimated kernel seconds on the test images, None when it could not be made
    estimate_where: str  # the machine or costs file the estimate assumes
    n_test_images: int  # the competition's test images the estimate is for
    class_names: tuple[str, ...] = KAGGLE.class_names  # the classes of the dataset the packaged runs were trained on

    def text(self) -> str:
        """The package, its classes, the kernel-time estimate and the upload commands."""
        s = self.summary
        lines = [f"{len(s.runs)} runs, wheels {', '.join(s.wheels)}, {s.size_bytes / 2**20:.1f} MiB -> {s.out}",
                 f"{len(self.class_names)} classes: {', '.join(self.class_names)}"]
        if self.estimate_s is not None:
            lines.append(f"estimated kernel time: {self.estimate_s:,.0f} s for {self.n_test_images:,} test images, "
                         f"TTA {self.tta} ({self.estimate_where})")
        lines.append(f"upload: kaggle datasets create -p {s.out}/dataset --dir-mode zip")
        lines.append(f"        kaggle kernels push -p {s.out}/kernel")
        return "\n".join(lines)


def _estimate(args: KagglePackageArgs, spec, tta: str) -> tuple[float | None, str, int]:
    """The kernel-time estimate, with a warning past the hour (advisory: a model that cannot be read
    for it leaves the package as written)."""
    runs = finished_runs(args.runs, spec)
    try:
        costs = load_costs(args.costs) if args.costs else plan_costs(member_flops(runs), get_gpu(args.gpu))
        estimate = costs.ensemble_s(KAGGLE_TEST_IMAGES, len(tta_views(tta)), ensemble_members(runs))
    except SteelDefectError as err:
        log.warning(f"warning: no kernel-time estimate ({err})")
        return None, "", KAGGLE_TEST_IMAGES
    where = costs.machine or str(args.costs)
    warning = hour_warning(estimate, where)
    if warning:
        log.warning(warning)
    return estimate, where, KAGGLE_TEST_IMAGES


def _class_names(args: KagglePackageArgs, spec) -> tuple[str, ...]:
    """The classes of the dataset the packaged runs were trained on, with a warning when the competition
    (Severstal's four classes) would not accept their submission."""
    dataset = models_dataset([run.path for run in finished_runs(args.runs, spec)])
    if dataset.n_classes != KAGGLE.n_classes:
        log.warning(f"warning: these runs predict {dataset.n_classes} classes ({', '.join(dataset.class_names)}) "
                    f"but {COMPETITION} scores {KAGGLE.n_classes}; the kernel's submission will not match its sample")
    return dataset.class_names


def kaggle_package(args: KagglePackageArgs) -> KagglePackageResult:
    """Build the Kaggle dataset (wheels, models, thresholds) and the offline kernel under ``args.out``."""
    spec, tta, reducer = resolve_ensemble(args.ensemble, args.tta, args.reducer)
    kaggle = KaggleSpec(dataset_id=args.dataset_id, kernel_id=args.kernel_id, title=args.title, tta=tta,
                        reducer=reducer)
    summary = build_package(args.runs, args.out, args.thresholds, kaggle, args.wheel, args.extra_wheels, spec)
    return KagglePackageResult(summary, tta, *_estimate(args, spec, tta), class_names=_class_names(args, spec))
