"""The run plan in parallel on Ray: each (kind, backbone, fold) run one Ray task, one GPU or a CPU share each.

A task calls :func:`steeldefect.training.train`, so a run stays what it is sequentially: resumable from
its last completed epoch, skipped once its DONE marker exists, written into its own run folder under
the shared runs folder. The driver submits at most ``parallel`` tasks at a time, reports each run as
it starts, finishes or fails, and submits a failed run once more (``RETRIES``); a run that fails twice
is reported and the others carry on. Killing the driver stops its tasks (Ray ends a dead driver's
job); running the same command again skips the finished runs and resumes the others.

Without ``address`` a local Ray instance is started on this machine's cores (and GPUs); with one, the
tasks go to that cluster, whose workers need steeldefect installed and the data and runs folder at the
same paths (a shared file system, or a bucket mounted with gcsfuse).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from steeldefect.config import Config
from steeldefect.errors import SteelDefectError
from steeldefect.artifacts.run_folder import DONE_FILE, folds_path, is_done, member_name, run_dir_of
from steeldefect.folds import ensure_folds
from steeldefect.pipeline.image_sources import open_source
from steeldefect.training import run as run_module  # its train is looked up at call time (tests wrap it)
from steeldefect.training.plan import planned_runs

RETRIES = 1  # a failed run is submitted once more before it counts as failed
LOCAL_OBJECT_STORE_BYTES = 256 * 2**20  # a local Ray instance moves only configs and paths
THREAD_VARS = ("TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS", "OMP_NUM_THREADS")  # a CPU task's share


@dataclass(frozen=True)
class RunTask:
    """One training run of the plan."""

    kind: str
    backbone: str
    fold: int

    @property
    def name(self) -> str:
        return f"{self.kind}/{self.backbone}/fold{self.fold}"


@dataclass(frozen=True)
class RunOutcome:
    """How a run of the plan ended: done (trained now), skipped (DONE already) or failed."""

    task: RunTask
    status: str
    attempts: int = 0
    seconds: float = 0.0
    run_dir: str | None = None
    error: str | None = None


def plan_tasks(config: Config, kinds: tuple[str, ...], fold: str | int = "all",
               backbone: str | None = "all") -> list[RunTask]:
    """The runs of ``kinds`` the selections ask for, kind-major, then backbone, then fold."""
    return [RunTask(kind, b, f) for kind in kinds for b, f in planned_runs(config, kind, fold, backbone)]


def run_dir_of_task(config: Config, runs_dir: str | os.PathLike, task: RunTask) -> Path:
    return run_dir_of(runs_dir, task.kind, member_name(task.backbone, config.model(task.kind).variant), task.fold)


def task_resources(cluster: dict, parallel: int, tpu_per_node: float = 0) -> dict:
    """Ray options of one run: a whole GPU when the cluster has GPUs; a whole TPU host (its
    ``tpu_per_node`` chips, for TPUStrategy) on a cluster of TPU VMs; else an equal share of the CPUs."""
    if cluster.get("GPU", 0) >= 1:
        return {"num_gpus": 1}
    if tpu_per_node:
        return {"resources": {"TPU": tpu_per_node}}
    cpus = max(1, int(cluster.get("CPU", 1)) // max(1, parallel))
    return {"num_cpus": cpus, "runtime_env": {"env_vars": {v: str(cpus) for v in THREAD_VARS}}}


def check_runs_dir(runs_dir: str) -> None:
    """Runs are written through the local file system: a bucket must be mounted (gcsfuse) first."""
    if "://" in str(runs_dir):
        raise SteelDefectError(f"--out {runs_dir}: the runs folder must be a file-system path shared by every "
                               "worker; mount the bucket (e.g. gcsfuse gs://bucket /mnt/runs) and pass the mount")


def _train_task(task: RunTask, config: Config, data_dir: str, runs_dir: str) -> tuple[str, float]:
    """The body of one Ray task: train the run (or skip it when done); (run folder, seconds)."""
    t0 = time.perf_counter()
    run_dir = run_module.train(task.kind, config, task.fold, data_dir, runs_dir, backbone=task.backbone,
                               validated=True)
    return str(run_dir), time.perf_counter() - t0


def _one_line(err: BaseException) -> str:
    cause = getattr(err, "cause", None) or err
    text = " ".join(str(cause).split())
    if type(cause).__name__ not in text:
        text = f"{type(cause).__name__}: {text}"
    return text[-400:]


def _ensure_ray(address: str | None):
    """Ray, connected: an instance already started in this process, ``address``, or a new local one.
    Returns (ray module, whether this call started it)."""
    try:
        import ray  # heavy: Ray (optional, --parallel only)
    except ImportError:
        raise SteelDefectError("--parallel needs Ray: pip install -r requirements/ray.txt") from None
    if ray.is_initialized():
        return ray, False
    if address:
        ray.init(address=address, log_to_driver=True)
    else:
        ray.init(num_cpus=os.cpu_count(), object_store_memory=LOCAL_OBJECT_STORE_BYTES, include_dashboard=False,
                 log_to_driver=True)
    return ray, True


def _prepare_folds(config: Config, data_dir: str, runs_dir: str) -> None:
    """Write RUNS/folds.csv once, before the tasks, so that no two runs race to create it."""
    Path(runs_dir).mkdir(parents=True, exist_ok=True)
    ensure_folds(folds_path(runs_dir), open_source(str(data_dir)).table, config.folds.k, config.folds.seed)


def train_parallel(tasks: list[RunTask], config: Config, data_dir: str | os.PathLike, runs_dir: str | os.PathLike,
                   parallel: int, address: str | None = None, report=print) -> list[RunOutcome]:
    """Train ``tasks`` at most ``parallel`` at a time on Ray; one outcome per task, in plan order.

    ``report`` receives one line per event (started, done, failed, retried). Finished runs are
    skipped without a task. Raises nothing for failed runs: their outcomes say why.
    """
    if parallel < 1:
        raise SteelDefectError(f"--parallel must be at least 1, got {parallel}")
    data_dir, runs_dir = str(data_dir), str(runs_dir)
    check_runs_dir(runs_dir)
    outcomes: dict[RunTask, RunOutcome] = {}
    todo = []
    for task in tasks:
        if is_done(run_dir_of_task(config, runs_dir, task)):
            outcomes[task] = RunOutcome(task, "skipped", run_dir=str(run_dir_of_task(config, runs_dir, task)))
            report(f"{task.name}: already done, skipping (delete {DONE_FILE} to train again)")
        else:
            todo.append(task)
    if todo:
        _prepare_folds(config, data_dir, runs_dir)
        ray, started = _ensure_ray(address)
        try:
            outcomes.update(_drive(ray, todo, config, data_dir, runs_dir, parallel, report))
        finally:
            if started:
                ray.shutdown()
    return [outcomes[t] for t in tasks]


def _drive(ray, todo: list[RunTask], config: Config, data_dir: str, runs_dir: str, parallel: int,
           report) -> dict[RunTask, RunOutcome]:
    """Submit, wait, retry once: the driver loop."""
    tpus = [n["Resources"].get("TPU", 0) for n in ray.nodes() if n.get("Alive") and n["Resources"].get("TPU")]
    options = task_resources(ray.cluster_resources(), parallel, min(tpus) if tpus else 0)
    remote = ray.remote(max_retries=0)(_train_task).options(**options)
    config_ref = ray.put(config)
    queue, running, attempts, outcomes = list(todo), {}, {}, {}
    where = (f"{options['num_gpus']} GPU" if "num_gpus" in options else f"{options['num_cpus']} CPU"
             if "num_cpus" in options else f"a TPU host, {options['resources']['TPU']:g} chips")
    while queue or running:
        while queue and len(running) < parallel:
            task = queue.pop(0)
            attempts[task] = attempts.get(task, 0) + 1
            running[remote.remote(task, config_ref, data_dir, runs_dir)] = task
            report(f"{task.name}: started ({where}, attempt {attempts[task]}/{RETRIES + 1})")
        ready, _ = ray.wait(list(running), num_returns=1)
        task = running.pop(ready[0])
        try:
            run_dir, seconds = ray.get(ready[0])
        except Exception as err:  # noqa: BLE001 - any failure of a run, the task's or Ray's, is reported per run
            message = _one_line(err)
            if attempts[task] <= RETRIES:
                report(f"{task.name}: FAILED ({message}); retrying")
                queue.append(task)
            else:
                report(f"{task.name}: FAILED again ({message}); giving up on this run")
                outcomes[task] = RunOutcome(task, "failed", attempts[task], error=message)
            continue
        outcomes[task] = RunOutcome(task, "done", attempts[task], seconds, run_dir)
        report(f"{task.name}: done in {seconds:.0f} s -> {run_dir} ({len(outcomes)}/{len(todo)})")
    return outcomes


def summary_lines(outcomes: list[RunOutcome]) -> list[str]:
    """One line per run, then the counts."""
    lines = []
    for o in outcomes:
        detail = {"done": f"{o.seconds:.0f} s, {o.attempts} attempt(s)", "skipped": "already done",
                  "failed": f"after {o.attempts} attempts: {o.error}"}[o.status]
        lines.append(f"  {o.task.name:<40} {o.status:<8} {detail}")
    counts = {s: sum(o.status == s for o in outcomes) for s in ("done", "skipped", "failed")}
    lines.append(", ".join(f"{n} {s}" for s, n in counts.items()))
    return lines
