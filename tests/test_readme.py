"""README.md works as written: its commands exist and parse, and the quick ones run.

The checker (testkit.readme_check) reads every fenced shell block, and a planted README shows that it
catches wrong flags, unknown subcommands and paths the demo does not have. The smoke tests run the
README's own `validate`, `score`, `doctor`, `export`, `serve` and `curl` lines in a folder laid out
like a clone after `./run_all.sh` (runs/demo), with tiny models standing in for the demo's. Also: no
commit hashes in the README, its Python block runs, and docs/BENCHMARKS.md opens with its summary table.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from testkit.readme_check import block_commands, check_readme, run_all_options, shell_blocks

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
BENCHMARKS = ROOT / "docs" / "BENCHMARKS.md"
SERVE_TIMEOUT_S = 240  # the deploy block: export (tiny models, both formats), serve's start, the requests


@pytest.fixture(scope="module")
def parser():
    from steeldefect.cli.main import build_parser

    return build_parser()


@pytest.fixture(scope="module")
def run_all_flags():
    done = subprocess.run(["bash", str(ROOT / "run_all.sh"), "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return run_all_options(done.stdout)


def _check(text, parser, run_all_flags):
    return check_readme(text, parser, run_all_flags, exists=lambda path: (ROOT / path).exists())


def test_every_readme_command_exists_and_parses(parser, run_all_flags):
    text = README.read_text()
    assert len(shell_blocks(text)) >= 5, "the README's shell blocks were not found"
    problems = _check(text, parser, run_all_flags)
    assert not problems, "\n".join(problems)


def test_the_checker_reports_planted_mistakes(parser, run_all_flags):
    text = "\n".join([
        "Some prose.", "",
        "```bash",
        "steeldefect score --truht runs/demo/data/test_labels.csv --pred runs/demo/submission.csv",
        "steeldefect scroe --truth runs/demo/data/test_labels.csv --pred runs/demo/submission.csv",
        "FOO=1 steeldefect validate runs/demo/submission.csv \\",
        "    --sample runs/demo/data/sample_submission.csv --max-problem 3 | head -n 3",
        "./run_all.sh --out runs/demo --epochs 3     # no such option",
        "steeldefect export --runs runs --thresholds runs/thresholds.yaml [--format onnx] --out runs/demo/e",
        "steeldefect predict --runs runs/demo --images runs/demo/data/test_images --thresholds runs/demo/t.yaml \\",
        "    --out runs/demo/s.csv && bash scripts/no_such_script.sh",
        "```", "",
        "```bash",
        "# needs: the Kaggle data",
        "steeldefect train classifier --config configs/full.yaml --data ~/severstal --out runs/full",
        "steeldefect folds --data ~/severstal --folds 5 --out runs/full/folds.csv",
        "```",
    ])
    problems = _check(text, parser, run_all_flags)
    report = "\n".join(problems)

    def lines_of(needle):
        return [p for p in problems if needle in p]

    assert lines_of("unknown flag --truht") and "README.md line 4 " in lines_of("--truht")[0], report
    assert lines_of("unknown subcommand 'scroe'") and "README.md line 5 " in lines_of("scroe")[0], report
    # on a continuation line, behind a VAR= prefix, before a pipe; an abbreviation argparse would take
    assert lines_of("unknown flag --max-problem ") and "README.md line 6 " in lines_of("--max-problem")[0], report
    assert lines_of("run_all.sh has no option --epochs"), report
    assert lines_of("'[--format' looks like an optional part"), report
    assert lines_of("runs is not under runs/demo") and lines_of("runs/thresholds.yaml is not under runs/demo"), report
    assert lines_of("runs/demo/t.yaml is neither written by ./run_all.sh"), report
    assert lines_of("scripts/no_such_script.sh does not exist"), report
    # a `# needs:` block is parsed (its wrong flag is found) but may read the real data and write runs/full
    assert lines_of("unknown flag --folds") and not lines_of("runs/full is not under"), report
    assert not lines_of("train classifier"), report


def test_readme_has_no_commit_hashes_or_paths_outside_the_repository():
    text = README.read_text()
    assert not re.search(r"\b(at|commit) [0-9a-f]{7,40}\b", text), "a commit hash in README.md"
    assert "../shared" not in text


def _python_blocks(on_demo: bool) -> list[str]:
    """README's Python blocks: those that read runs/demo (run after the deploy block) or the others."""
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    return [code for code in blocks if ("runs/demo" in code) == on_demo]


def test_readme_python_block_runs():
    blocks = _python_blocks(on_demo=False)
    assert blocks
    for code in blocks:
        exec(compile(code, "README.md", "exec"), {})


def test_benchmarks_starts_with_the_summary_table():
    lines = BENCHMARKS.read_text().splitlines()
    first_heading = next(i for i, line in enumerate(lines) if line.startswith("## "))
    head = "\n".join(lines[:first_heading])
    rows = [line for line in head.splitlines() if line.startswith("|") and not line.startswith("|---")]
    assert rows and rows[0].lower().replace(" ", "").startswith("|what|value|machine|date|"), head
    assert 10 <= len(rows) - 1 <= 20, f"{len(rows) - 1} summary rows"
    for row in rows[1:]:
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert len(cells) == 4 and all(cells), row
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}|—", cells[3]), row
    assert any("not yet run on a GPU" in row for row in rows), "the GPU-check row"
    assert "## Experiment log" in lines


# --- smoke: the quick README commands, run as written in a finished-demo layout ---------------------

def _readme_lines(subcommands: tuple[str, ...]) -> list[str]:
    """The README's runnable `steeldefect <sub> ...` commands for these subcommands, as shell text."""
    out = []
    for block in shell_blocks(README.read_text()):
        if block.needs is None:
            out += [str(c) for c in block_commands(block) if c.words[:2] in {("steeldefect", s) for s in subcommands}]
    return out


def _env():
    bin_dir = str(Path(sys.executable).parent)
    return {**os.environ, "PATH": bin_dir + os.pathsep + os.environ.get("PATH", ""), "TF_CPP_MIN_LOG_LEVEL": "2"}


@pytest.fixture(scope="module")
def demo_data(tmp_path_factory):
    """A tmp dir laid out like a clone after ./run_all.sh: configs/, runs/demo/data (seed 0 as run_all.sh's,
    so the README's image names exist; 2 training and 6 test images) and runs/demo/submission.csv (the
    hidden truth written as a submission)."""
    from steeldefect.synth import generate_dataset

    root = tmp_path_factory.mktemp("readme")
    (root / "configs").symlink_to(ROOT / "configs")  # a clone's configs, for `--config configs/demo.yaml`
    data = root / "runs" / "demo" / "data"
    generate_dataset(data, 2, 6, seed=0, progress=False)
    shutil.copyfile(data / "test_labels.csv", root / "runs" / "demo" / "submission.csv")
    return root


def _run_lines(lines, cwd) -> dict[str, str]:
    """Run each command line in ``cwd``; its stdout by line."""
    out = {}
    for line in lines:
        done = subprocess.run(["bash", "-c", line], cwd=cwd, env=_env(), capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 0, f"{line}\n{done.stdout}\n{done.stderr}"
        out[line] = done.stdout
    return out


def test_readme_validate_and_score_run_as_written(demo_data):
    lines = _readme_lines(("validate", "score"))
    as_json = [line for line in lines if "--json" in line]
    assert any("validate" in line for line in lines) and as_json, lines
    out = _run_lines(lines, demo_data)
    assert json.loads(out[as_json[0]])["mean"] == pytest.approx(1.0)  # the truth scored against itself


@pytest.mark.slow
def test_readme_doctor_runs_as_written(demo_data):
    lines = _readme_lines(("doctor",))
    assert lines, "the README shows `steeldefect doctor` on the demo"
    _run_lines(lines, demo_data)  # exit 0: the setup is usable


def _deploy_block() -> str:
    blocks = [b for b in shell_blocks(README.read_text()) if any(c.words[:2] == ("steeldefect", "serve")
                                                                   for c in block_commands(b))]
    assert len(blocks) == 1 and blocks[0].needs is None, "one runnable README block starts `serve`"
    return "\n".join(blocks[0].lines)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # Keras saving the tiny runs under numpy 2
def test_readme_export_serve_and_curl_run_as_written(demo_data, monkeypatch):
    """The deploy block, line for line, on tiny runs in runs/demo (the port moved to a free one)."""
    if not shutil.which("curl"):
        pytest.skip("curl is not installed")
    pytest.importorskip("tf2onnx")
    pytest.importorskip("fastapi")
    from steeldefect.constants import CLASS_IDS
    from steeldefect.postprocess.rules import ClassThresholds, Thresholds
    from steeldefect.artifacts.thresholds_file import save_thresholds
    from testkit.tiny_runs import TINY_INPUT, write_tiny_runs

    monkeypatch.syspath_prepend(str(ROOT / "tests" / "training"))
    from training_fixtures import register_tiny_backbone  # five convolutions: exports in seconds

    demo = demo_data / "runs" / "demo"
    write_tiny_runs(demo, backbone=register_tiny_backbone(), folds=1)
    quiet = tuple(ClassThresholds(0.99, 0, 0.0) for _ in CLASS_IDS)  # untrained models: keep the answers short
    save_thresholds(Thresholds(classes=quiet, resolution=TINY_INPUT), demo / "thresholds.yaml")

    script = _deploy_block().replace("8000", str(_free_port()))
    proc = subprocess.Popen(["bash", "-euo", "pipefail", "-c", script], cwd=demo_data, env=_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=SERVE_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        pytest.fail(f"the deploy block did not finish in {SERVE_TIMEOUT_S} s\n{out[-2000:]}\n{err[-3000:]}")
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 0, f"{out[-2000:]}\n{err[-3000:]}"
    assert (demo / "export" / "manifest.json").is_file()
    answers = _json_objects(out)
    ready = [a for a in answers if a.get("status") == "ready"]
    single = [a for a in answers if "height" in a]
    batch = [a for a in answers if "results" in a]
    assert ready and len(single) == 1 and len(batch) == 1, out[-2000:]
    assert (single[0]["height"], single[0]["width"]) == (256, 1600)
    assert [c["class_id"] for c in single[0]["classes"]] == list(CLASS_IDS)
    assert [r["classes"] for r in batch[0]["results"]][0] == single[0]["classes"]
    assert len(batch[0]["results"]) == 2
    api = _python_blocks(on_demo=True)  # the Predictor example, on the export the block just wrote
    assert api, "README shows the Python API on the demo"
    for code in api:
        done = subprocess.run([sys.executable, "-c", code], cwd=demo_data, env=_env(), capture_output=True,
                              text=True, timeout=120)
        assert done.returncode == 0, f"{code}\n{done.stdout}\n{done.stderr[-3000:]}"
        assert "(256, 1600, 4)" in done.stdout


def _json_objects(text: str) -> list[dict]:
    """The JSON objects printed one after another (curl adds no newline) among other output."""
    decoder, found, i = json.JSONDecoder(), [], 0
    while (i := text.find("{", i)) >= 0:
        try:
            obj, end = decoder.raw_decode(text, i)
        except json.JSONDecodeError:
            i += 1
            continue
        found.append(obj)
        i = end
    return found
