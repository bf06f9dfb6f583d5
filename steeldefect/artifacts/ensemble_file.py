"""ensemble.yaml: which members, TTA views and reducer make the ensemble (written by `steeldefect select`).

::

    format_version: 1
    segmenters: [efficientnetb0, resnet34]   # members under RUNS/segmenter, every fold of each averaged
    classifiers: [efficientnetb0]            # members under RUNS/classifier ([] : no gate)
    tta: hflip                               # a TTA mode: none, hflip, vflip or both
    reducer: mean                            # mean, gmean or max
    selected: {...}                          # how select chose it (budget, costs, steps); informative

``predict``, ``tune`` and ``kaggle-package`` take it with ``--ensemble``: they use only the listed
members' runs, with its TTA mode and reducer. A member is a run folder's second level
(``run_folder.member_name``). Files without ``format_version`` (older ones) are version 1.
Imports numpy and yaml only.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from steeldefect.artifacts.run_folder import Run
from steeldefect.artifacts.versions import VERSION_KEY, check_version
from steeldefect.data.io import atomic_write, read_yaml
from steeldefect.ensemble.reducers import available_reducers
from steeldefect.ensemble.tta import TTA_MODES
from steeldefect.errors import SteelDefectError

ENSEMBLE_FILE = "ensemble.yaml"  # the default name `select` writes
FORMAT_VERSION = 1
KEYS = ("segmenters", "classifiers", "tta", "reducer", "selected")
SELECTED_KEY = "selected"
HINT = " (make one with `steeldefect select`)"


@dataclass(frozen=True)
class EnsembleSpec:
    """The chosen members per kind, the TTA mode and the reducer."""

    segmenters: tuple[str, ...]
    classifiers: tuple[str, ...] = ()
    tta: str = "none"
    reducer: str = "mean"
    selected: dict = field(default_factory=dict, compare=False)  # how it was chosen (informative)

    def validate(self, source: str = "ensemble") -> None:
        if not self.segmenters:
            raise SteelDefectError(f"{source}: segmenters lists no member; an ensemble needs at least one")
        for kind, members in (("segmenters", self.segmenters), ("classifiers", self.classifiers)):
            if len(set(members)) != len(members):
                raise SteelDefectError(f"{source}: {kind} lists a member twice: {list(members)}")
        if self.tta not in TTA_MODES:
            raise SteelDefectError(f"{source}: tta {self.tta!r} is not one of {', '.join(TTA_MODES)}")
        if self.reducer not in available_reducers():
            raise SteelDefectError(f"{source}: reducer {self.reducer!r} is not one of "
                                   f"{', '.join(available_reducers())}")

    def members(self, kind: str) -> tuple[str, ...]:
        return self.segmenters if kind == "segmenter" else self.classifiers

    def pick(self, runs: list[Run], kind: str, source: str = "ensemble") -> list[Run]:
        """The runs of ``kind`` that belong to the spec's members; a listed member without any finished
        run is an error."""
        wanted = self.members(kind)
        chosen = [r for r in runs if r.kind == kind and r.member in wanted]
        missing = [m for m in wanted if not any(r.member == m for r in chosen)]
        if missing:
            raise SteelDefectError(f"{source}: {kind} member {missing[0]} has no finished run; the ensemble "
                                   "was selected on another runs folder, or the run was deleted")
        return chosen

    def describe(self) -> str:
        cls = ", ".join(self.classifiers) or "no classifier"
        return f"segmenters {', '.join(self.segmenters)}; classifiers {cls}; TTA {self.tta}; reducer {self.reducer}"


def _names(data: dict, key: str, source: str) -> tuple[str, ...]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise SteelDefectError(f"{source}: {key} must be a list of member names, got {value!r}")
    return tuple(value)


def spec_from_dict(data, source: str = "ensemble") -> EnsembleSpec:
    """An EnsembleSpec of ensemble.yaml data; unknown keys and a newer format version are refused."""
    if not isinstance(data, dict):
        raise SteelDefectError(f"{source}: expected a mapping with {', '.join(KEYS)}")
    check_version(source, data.get(VERSION_KEY), FORMAT_VERSION)
    unknown = sorted(set(data) - set(KEYS) - {VERSION_KEY})
    if unknown:
        raise SteelDefectError(f"{source}: unknown key {unknown[0]!r}; valid keys are {', '.join(KEYS)}")
    for key in ("tta", "reducer"):
        if not isinstance(data.get(key, ""), str):
            raise SteelDefectError(f"{source}: {key} must be a name, got {data[key]!r}")
    spec = EnsembleSpec(_names(data, "segmenters", source), _names(data, "classifiers", source),
                        data.get("tta", "none"), data.get("reducer", "mean"), dict(data.get(SELECTED_KEY) or {}))
    spec.validate(source)
    return spec


def spec_to_dict(spec: EnsembleSpec) -> dict:
    """YAML-ready data of ``spec``, its format version first."""
    out = {VERSION_KEY: FORMAT_VERSION, "segmenters": list(spec.segmenters), "classifiers": list(spec.classifiers),
           "tta": spec.tta, "reducer": spec.reducer}
    if spec.selected:
        out[SELECTED_KEY] = spec.selected
    return out


def load_spec(path: str | os.PathLike) -> EnsembleSpec:
    """Read and check an ensemble.yaml; one-line errors name the file."""
    return spec_from_dict(read_yaml(path, "ensemble file", HINT), str(path))


def save_spec(spec: EnsembleSpec, path: str | os.PathLike) -> None:
    """Write an ensemble.yaml atomically."""
    spec.validate(str(path))
    with atomic_write(Path(path)) as tmp:
        tmp.write_text(yaml.safe_dump(spec_to_dict(spec), sort_keys=False, default_flow_style=None))
