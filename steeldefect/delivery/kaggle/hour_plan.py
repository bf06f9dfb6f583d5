"""Will the ensemble predict Kaggle's test set inside the kernel's hour: an estimate from graph FLOPs.

A model's seconds per image on a Kaggle GPU are its forward FLOPs (``steeldefect.scale.graph_stats``)
over the GPU's published peak times ``UTILISATION``, the share of the peak EfficientNet inference
reaches. The share comes from Keras Applications' published A100 step times: EfficientNet-B0 at
224 x 224, batch 32, 4.9 ms, i.e. 0.77 GFLOP x 32 / 4.9 ms = 5.1 TFLOP/s, 26% of the A100's 19.5
TFLOP/s float32 peak (B3 and B5 reach more, so B0's share is the cautious one). The CPU side (JPEG
decode, resize, post-processing, RLE) is ``overhead_s`` per image, measured by
benchmarks/bench_hour_plan.py. The result is a ``selection.costs.Costs``, the same object
``steeldefect select --costs`` budgets with, so the plan, the selection and the package's warning
agree.
"""

from __future__ import annotations

from dataclasses import dataclass

from steeldefect.errors import SteelDefectError
from steeldefect.artifacts.run_folder import Run, group_by_backbone
from steeldefect.artifacts.run_meta import run_input_size
from steeldefect.models.model_io import load_model
from steeldefect.scale.graph_stats import graph_stats
from steeldefect.selection.costs import Costs, member_key

KAGGLE_TEST_IMAGES = 5506  # images in the competition's test_images/
KAGGLE_LIMIT_S = 3600  # the GPU kernel's run-time limit
UTILISATION = 0.26  # share of the peak reached: Keras's A100 B0 anchor (see the module docstring)
OVERHEAD_S = 0.019  # CPU seconds per image besides the models (decode, resize, post-process, RLE) at 128 x 800:
# process CPU time measured by benchmarks/bench_hour_plan.py on a 2-core x86_64 machine (16-21 ms in five runs)


@dataclass(frozen=True)
class Gpu:
    """A Kaggle GPU: its published peak at the precision the kernel predicts in."""

    name: str
    peak_tflops: float
    precision: str


KAGGLE_GPUS = {
    "p100": Gpu("Tesla P100 16 GB", 9.3, "float32"),  # NVIDIA's P100 PCIe figure
    "t4": Gpu("Tesla T4 16 GB", 65.0, "float16"),  # tensor cores; NVIDIA's T4 figure
}


def get_gpu(name: str) -> Gpu:
    try:
        return KAGGLE_GPUS[name]
    except KeyError:
        raise SteelDefectError(f"unknown Kaggle GPU {name!r}; choose one of {', '.join(KAGGLE_GPUS)}") from None


def seconds_per_image(flops: float, gpu: Gpu, utilisation: float = UTILISATION) -> float:
    """GPU seconds of one forward pass of ``flops`` float operations."""
    return flops / (gpu.peak_tflops * 1e12 * utilisation)


def plan_costs(flops: dict[str, float], gpu: Gpu, overhead_s: float = OVERHEAD_S,
               utilisation: float = UTILISATION) -> Costs:
    """Costs of members given their FLOPs per image: {"<kind>/<member>": flops} -> a Costs on ``gpu``."""
    models = {key: seconds_per_image(f, gpu, utilisation) for key, f in flops.items()}
    return Costs(overhead_s, models, f"{gpu.name} estimate: graph FLOPs at {utilisation:.0%} of "
                                     f"{gpu.peak_tflops:g} TFLOP/s {gpu.precision}")


def member_flops(runs: list[Run], progress=None) -> dict[str, float]:
    """FLOPs per image of one fold model of every member of ``runs``, at the run's input size."""
    flops = {}
    for kind in ("classifier", "segmenter"):
        for member, group in group_by_backbone([r for r in runs if r.kind == kind]).items():
            run = group[0]
            flops[member_key(kind, member)] = float(graph_stats(load_model(run.model_path), run_input_size(run)).flops)
            if progress is not None:
                progress(f"{kind}/{member}")
    return flops


def ensemble_members(runs: list[Run]) -> list[tuple[str, str, int]]:
    """[(kind, member, number of folds)] of finished runs, the form ``Costs.ensemble_s`` takes."""
    members = []
    for kind in ("classifier", "segmenter"):
        for member, group in group_by_backbone([r for r in runs if r.kind == kind]).items():
            members.append((kind, member, len(group)))
    return members


def hour_warning(estimate_s: float, gpu_name: str, n_images: int = KAGGLE_TEST_IMAGES,
                 limit_s: float = KAGGLE_LIMIT_S) -> str | None:
    """A one-line warning when ``estimate_s`` exceeds the kernel's limit, else None."""
    if estimate_s <= limit_s:
        return None
    return (f"warning: this ensemble is estimated at {estimate_s:,.0f} s for {n_images:,} test images "
            f"({gpu_name}), over Kaggle's {limit_s:,.0f} s kernel limit; choose a smaller one with "
            f"`steeldefect select --budget-s 3000 --n-images {n_images}` or fewer TTA views")
