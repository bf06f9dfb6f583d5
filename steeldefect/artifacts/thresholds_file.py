"""thresholds.yaml: the tuned post-processing rules (``steeldefect.postprocess.rules``), read and written.

Format (``format: steeldefect-thresholds/1``)::

    format: steeldefect-thresholds/1
    format_version: 1
    gate_kind: image          # image: one defect probability per image; class: one per class (4-label)
    global_gate: 0.35         # image gate: min of class gates; below it every class is gated (and the
                              # image skips the segmenters unless a class has a soft gate;
                              # null with a 4-label classifier: skipped when every class is gated)
    resolution: [128, 800]    # (h, w) of the segmenters' output, where the OOF Dice was measured
    area_reference: [192, 768] # only when not 256x1600: the image size whose pixels min_area counts
    classes:                  # ids 1..K: Severstal's four, or an imported dataset's K
      1: {pixel_threshold: 0.55, min_area: 600, gate: 0.35, min_component: 0,
          survival_threshold: 0.7, gate_area_factor: 5.0}
      2: ...
    tuned: {...}              # what tuning found and used: OOF Dice, defaults' Dice, runs, grids

Files without ``format_version`` (older ones) are version 1; files without ``survival_threshold`` and
``gate_area_factor`` mean one threshold and a hard gate.
"""

from __future__ import annotations

import os
import re
from typing import Any

import yaml

from steeldefect.artifacts.versions import VERSION_KEY, check_version
from steeldefect.constants import IMAGE_SHAPE
from steeldefect.data.io import atomic_write, read_yaml
from steeldefect.errors import SteelDefectError
from steeldefect.postprocess.rules import DEFAULT_PIXEL_THRESHOLD, ClassThresholds, Thresholds

THRESHOLDS_FILE = "thresholds.yaml"  # the default name beside the runs, in a Kaggle dataset and an export
FORMAT_VERSION = 1
FORMAT_PREFIX = "steeldefect-thresholds/"
FORMAT = f"{FORMAT_PREFIX}{FORMAT_VERSION}"  # the format tag written into and required from thresholds.yaml
FORMAT_KEY = "format"
TUNED_KEY = "tuned"
CLASS_KEYS = ("pixel_threshold", "min_area", "gate", "min_component", "survival_threshold", "gate_area_factor")
_TAG = re.compile(rf"^{re.escape(FORMAT_PREFIX)}(\d+)$")
HINT = " (make one with `steeldefect tune`)"


def _optional_float(value) -> float | None:
    return None if value is None else float(value)


def rules_to_dict(th: Thresholds) -> dict:
    """The rules of ``th`` as plain data, without the version and what tuning recorded (a fingerprint)."""
    return {
        "gate_kind": th.gate_kind,
        "global_gate": None if th.global_gate is None else float(th.global_gate),
        "resolution": list(th.resolution) if th.resolution else None,
        "classes": {cls: {"pixel_threshold": float(c.pixel_threshold), "min_area": int(c.min_area),
                          "gate": float(c.gate), "min_component": int(c.min_component),
                          "survival_threshold": _optional_float(c.survival_threshold),
                          "gate_area_factor": _optional_float(c.gate_area_factor)}
                    for cls, c in enumerate(th.classes, start=1)},
        **({} if tuple(th.area_reference) == IMAGE_SHAPE else {"area_reference": list(th.area_reference)}),
    }


def thresholds_to_dict(th: Thresholds) -> dict:
    """Plain YAML-ready data of ``th``: the format tag and version, the rules, what tuning recorded."""
    return {FORMAT_KEY: FORMAT, VERSION_KEY: FORMAT_VERSION, **rules_to_dict(th), TUNED_KEY: th.tuned}


def _check_format(data: Any, source: str) -> None:
    match = _TAG.match(str(data.get(FORMAT_KEY))) if isinstance(data, dict) else None
    if match is None:
        raise SteelDefectError(f"{source}: not a thresholds file (expected '{FORMAT_KEY}: {FORMAT}'); "
                               "make one with `steeldefect tune`")
    check_version(source, data.get(VERSION_KEY, int(match.group(1))), FORMAT_VERSION)


def _class_rules(cls: int, entry: Any, source: str) -> ClassThresholds:
    if not isinstance(entry, dict):
        raise SteelDefectError(f"{source}: classes.{cls} must be a mapping of {', '.join(CLASS_KEYS)}")
    unknown = sorted(set(entry) - set(CLASS_KEYS))
    if unknown:
        raise SteelDefectError(f"{source}: classes.{cls}.{unknown[0]}: unknown key; valid keys are "
                               f"{', '.join(CLASS_KEYS)}")
    try:
        c = ClassThresholds(pixel_threshold=float(entry.get("pixel_threshold", DEFAULT_PIXEL_THRESHOLD)),
                            min_area=int(entry.get("min_area", 0)), gate=float(entry.get("gate", 0.0)),
                            min_component=int(entry.get("min_component", 0)),
                            survival_threshold=_optional_float(entry.get("survival_threshold")),
                            gate_area_factor=_optional_float(entry.get("gate_area_factor")))
    except (TypeError, ValueError) as err:
        raise SteelDefectError(f"{source}: classes.{cls}: {err}") from None
    c.validate(f"{source}: classes.{cls}")
    return c


def thresholds_from_dict(data: Any, source: str = "thresholds") -> Thresholds:
    """Build Thresholds from YAML data; errors name ``source`` and the key."""
    _check_format(data, source)
    classes_data = data.get("classes") or {}
    if not isinstance(classes_data, dict) or not classes_data:
        raise SteelDefectError(f"{source}: classes must map class ids 1..K to their rules")
    try:
        keys = sorted(int(k) for k in classes_data)
    except ValueError:
        keys = []
    if not keys or keys[0] < 1:
        raise SteelDefectError(f"{source}: classes keys must be class ids 1..K, got {sorted(map(str, classes_data))}")
    class_ids = range(1, keys[-1] + 1)
    missing = [c for c in class_ids if c not in classes_data and str(c) not in classes_data]
    if missing:
        raise SteelDefectError(f"{source}: classes lacks class {missing[0]} (ids must be 1..K)")
    classes = tuple(_class_rules(cls, classes_data.get(cls, classes_data.get(str(cls))), source)
                    for cls in class_ids)
    resolution, reference = data.get("resolution"), data.get("area_reference")
    return Thresholds(classes=classes, gate_kind=data.get("gate_kind", "image"),
                      resolution=tuple(int(v) for v in resolution) if resolution else None,
                      tuned=data.get(TUNED_KEY) or {},
                      area_reference=tuple(int(v) for v in reference) if reference else IMAGE_SHAPE)


def save_thresholds(th: Thresholds, path: str | os.PathLike) -> None:
    """Write thresholds.yaml atomically."""
    with atomic_write(path) as tmp:
        tmp.write_text(yaml.safe_dump(thresholds_to_dict(th), sort_keys=False, default_flow_style=None))


def load_thresholds(path: str | os.PathLike) -> Thresholds:
    """Read thresholds.yaml; one-line errors for a missing, malformed or newer file."""
    data = read_yaml(path, "thresholds file", HINT)
    return thresholds_from_dict(data, str(path))
