"""Helpers of the Ray tests: a worker setup that registers the tiny backbone and can make runs fail.

Ray workers are separate processes: ``worker_setup`` (Ray's worker_process_setup_hook) registers the
tiny backbone there, and wraps ``steeldefect.training.run.train`` so that a run named in the file
``$STEELDEFECT_FAULTS/fail_once`` fails on its first attempt and one named in ``.../fail_always`` on
every attempt (a marker file per run remembers the first failure across worker processes).
"""

from __future__ import annotations

import os
from pathlib import Path

FAULTS_VAR = "STEELDEFECT_FAULTS"  # folder of the fault files, set in the Ray job's environment


class InjectedFailure(RuntimeError):
    pass


def _names(path: Path) -> set[str]:
    return set(path.read_text().split()) if path.is_file() else set()


def worker_setup() -> None:
    from training_fixtures import register_tiny_backbone

    import steeldefect.training.run as run_module

    register_tiny_backbone()
    if getattr(run_module.train, "faulty", False):
        return
    real = run_module.train

    def train(kind, config, fold, data_dir, runs_dir, backbone=None, **kwargs):
        faults = Path(os.environ[FAULTS_VAR])
        name = f"{kind}/{backbone}/fold{fold}"
        marker = faults / f"failed-{name.replace('/', '_')}"
        if name in _names(faults / "fail_always") or (name in _names(faults / "fail_once") and not marker.exists()):
            marker.touch()
            raise InjectedFailure(f"injected failure of {name}")
        return real(kind, config, fold, data_dir, runs_dir, backbone=backbone, **kwargs)

    train.faulty = True
    run_module.train = train


def set_faults(faults: Path, fail_once=(), fail_always=()) -> None:
    for marker in faults.glob("failed-*"):
        marker.unlink()
    (faults / "fail_once").write_text("\n".join(fail_once))
    (faults / "fail_always").write_text("\n".join(fail_always))
