"""config.yaml of a run folder (``run_folder.CONFIG_FILE``): the resolved config the run was trained
with, written by training (``config.save_config``), and the model it names in a few words, so that a
run can be read, and rebuilt, from its own folder.

``head_of(run)``: segmenters "<decoder>" plus ", stride S" when the decoder stops short of full
resolution and ", deep supervision" (e.g. "fpn, stride 4"); classifiers "<pooling> pooling, N
output(s)" (e.g. "avg pooling, 1 output"). "?" for a run without a readable config.yaml.
"""

from __future__ import annotations

from steeldefect.artifacts.run_folder import Run
from steeldefect.config.loader import load_config
from steeldefect.errors import SteelDefectError

UNKNOWN = "?"  # the head of a run whose config.yaml is missing or unreadable


def read_run_config(run: Run):
    """The run's resolved config (``config.Config``), or None without a readable config.yaml."""
    if not run.config_path.is_file():
        return None
    try:
        return load_config(run.config_path, check=False)
    except SteelDefectError:
        return None


def describe_head(config, kind: str) -> str:
    """The head of ``kind`` ("segmenter" or "classifier") in ``config``, in a few words."""
    if kind == "classifier":
        m = config.classifier
        return f"{m.pooling} pooling, {m.n_outputs} output{'s' if m.n_outputs != 1 else ''}"
    m = config.segmenter
    parts = [m.decoder]
    if m.output_stride != 1:
        parts.append(f"stride {m.output_stride}")
    if m.deep_supervision:
        parts.append("deep supervision")
    return ", ".join(parts)


def head_of(run: Run) -> str:
    """The head of ``run`` from its config.yaml (``describe_head``), UNKNOWN without one."""
    config = read_run_config(run)
    return UNKNOWN if config is None else describe_head(config, run.kind)
