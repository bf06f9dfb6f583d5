"""The run plan on a local Ray cluster: runs in parallel, a failed run retried once, finished runs skipped."""

from __future__ import annotations

from pathlib import Path

import pytest

from parallel_fixtures import FAULTS_VAR, set_faults
from steeldefect.cli.main import main
from steeldefect.config import save_config
from steeldefect.errors import SteelDefectError
from steeldefect.artifacts.run_folder import DONE_FILE, FOLDS_FILE
from steeldefect.training.parallel import (RETRIES, RunTask, check_runs_dir, plan_tasks, task_resources,
                                           train_parallel)
from training_fixtures import TINY_BACKBONE, tiny_training_config

HERE = Path(__file__).resolve().parent


def test_plan_tasks_lists_every_kind_backbone_and_fold():
    config = tiny_training_config()
    tasks = plan_tasks(config, ("classifier", "segmenter"))
    assert [t.name for t in tasks] == [f"{k}/{TINY_BACKBONE}/fold{f}" for k in ("classifier", "segmenter")
                                       for f in (0, 1)]
    assert plan_tasks(config, ("segmenter",), fold="1") == [RunTask("segmenter", TINY_BACKBONE, 1)]


def test_task_resources_take_a_gpu_or_a_cpu_share():
    assert task_resources({"CPU": 16, "GPU": 4}, 4) == {"num_gpus": 1}
    cpu = task_resources({"CPU": 2}, 2)
    assert cpu["num_cpus"] == 1 and cpu["runtime_env"]["env_vars"]["TF_NUM_INTRAOP_THREADS"] == "1"
    assert task_resources({"CPU": 2}, 8)["num_cpus"] == 1  # never less than one core
    assert task_resources({"CPU": 16}, 3)["num_cpus"] == 5
    assert task_resources({"CPU": 192, "TPU": 16}, 4, tpu_per_node=4) == {"resources": {"TPU": 4}}  # one host each


def test_a_bucket_runs_folder_is_refused_with_the_fix():
    with pytest.raises(SteelDefectError, match="gcsfuse"):
        check_runs_dir("gs://bucket/runs")


@pytest.fixture(scope="module")
def local_ray(tmp_path_factory):
    ray = pytest.importorskip("ray")
    faults = tmp_path_factory.mktemp("faults")
    set_faults(faults)
    ray.init(num_cpus=2, include_dashboard=False, object_store_memory=100 * 2**20,
             runtime_env={"worker_process_setup_hook": "parallel_fixtures.worker_setup",
                          "env_vars": {"PYTHONPATH": str(HERE), FAULTS_VAR: str(faults)}})
    yield faults
    ray.shutdown()


@pytest.mark.slow
def test_runs_train_in_parallel_retry_once_and_are_skipped_when_done(tiny_backbone, synth_set, local_ray, tmp_path):
    config = tiny_training_config(epochs=1)
    runs = tmp_path / "runs"
    tasks = plan_tasks(config, ("classifier",))
    flaky = tasks[1].name
    set_faults(local_ray, fail_once=[flaky])
    lines = []
    outcomes = train_parallel(tasks, config, synth_set, runs, parallel=2, report=lines.append)
    assert [(o.task, o.status, o.attempts) for o in outcomes] == [(tasks[0], "done", 1), (tasks[1], "done", 2)]
    assert any(line.startswith(f"{flaky}: FAILED (InjectedFailure: injected failure") and line.endswith("retrying")
               for line in lines), lines
    for o in outcomes:
        assert (Path(o.run_dir) / DONE_FILE).is_file()
    assert (runs / FOLDS_FILE).is_file()

    lines.clear()
    again = train_parallel(tasks, config, synth_set, runs, parallel=2, report=lines.append)
    assert [o.status for o in again] == ["skipped", "skipped"]
    assert not any("started" in line for line in lines)  # nothing submitted: the finished runs are skipped


@pytest.mark.slow
def test_a_run_failing_twice_is_reported_and_the_command_fails(tiny_backbone, synth_set, local_ray, tmp_path,
                                                               capsys):
    config = tiny_training_config(epochs=1)
    config_path, runs = tmp_path / "tiny.yaml", tmp_path / "runs"
    save_config(config, config_path)
    broken = f"segmenter/{TINY_BACKBONE}/fold0"
    set_faults(local_ray, fail_always=[broken])
    code = main(["train", "segmenter", "--config", str(config_path), "--fold", "0", "--data", str(synth_set),
                 "--out", str(runs), "--parallel", "2"])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out.count(f"{broken}: started") == RETRIES + 1
    assert f"{broken}: FAILED again (InjectedFailure" in captured.out
    assert f"1 run(s) failed twice: {broken}" in captured.err
    assert not (runs / "segmenter" / TINY_BACKBONE / "fold0" / DONE_FILE).exists()
