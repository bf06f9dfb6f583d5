"""The export folder's files: manifest.json (what it is, what it was made from, what it takes, the
checksum of every file beside it, checked when the folder is loaded) and postprocess.yaml (the
post-processing settings the server applies).

Layout of an export folder (``steeldefect export --out DIR``)::

    DIR/savedmodel/        the ensemble graph (TensorFlow SavedModel, endpoint "serve")
    DIR/model.onnx         the same graph in ONNX (with --format onnx)
    DIR/thresholds.yaml    the tuned thresholds, copied byte for byte
    DIR/postprocess.yaml   the post-processing settings the server applies (review band, sizes)
    DIR/manifest.json      this file's contract: format tag, format_version, facts, checksums

The manifest's ``dataset`` entry names the classes the models predict (``n_classes``, ``class_names`` in
id order 1..K) and the image sizes of the dataset they were trained on::

    "dataset": {"name": "line3", "n_classes": 3, "class_names": ["scratch", "pit", "stain"],
                "image_sizes": [{"height": 192, "width": 768, "images": 10}]}

The ``input`` entry is the graph's input contract. Since format version 2 the graph takes uint8 RGB
images already at its models' input sizes, one tensor per size, and the caller resizes (with
OpenCV, as ``predict`` does: ``deploy.resize``)::

    "input": {"dtype": "uint8", "channels": "RGB", "max_height": 512, "max_width": 3200,
              "resize": "outside", "resize_method": "...",
              "tensors": [{"name": "images_64x384", "shape": [null, 64, 384, 3]}]}

Version 1 graphs took images of any size and resized inside (``graph_inputs()`` is None for them:
``load_exported`` refuses them and says to export again).

Manifests without ``format_version`` (older ones) are version 1; every key but the format tag and
the checksums is optional when reading, and one without ``dataset`` is Severstal's (four classes
``class 1`` .. ``class 4``, 256x1600).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import yaml

from steeldefect.artifacts.dataset_file import KAGGLE, DatasetSpec, ImageSize, check_class_names, default_class_names
from steeldefect.artifacts.thresholds_file import THRESHOLDS_FILE
from steeldefect.artifacts.versions import VERSION_KEY, check_version
from steeldefect.constants import IMAGE_HEIGHT, IMAGE_WIDTH
from steeldefect.data.io import atomic_write
from steeldefect.errors import SteelDefectError

FORMAT = "steeldefect-export/1"  # the format tag of manifest.json
FORMAT_KEY = "format"
FORMAT_VERSION = 2  # 2: the graph takes images at its models' input sizes; resizing is the caller's
MANIFEST_FILE = "manifest.json"
SAVEDMODEL_DIR = "savedmodel"
ONNX_FILE = "model.onnx"
POSTPROCESS_FILE = "postprocess.yaml"
FORMATS = {"savedmodel": SAVEDMODEL_DIR, "onnx": ONNX_FILE}  # --format name -> what it writes
HASH_CHUNK = 1 << 20  # bytes read at a time when hashing
HINT = " (make one with `steeldefect export`)"
SERVE_ENDPOINT = "serve"  # the SavedModel's signature
# the largest (h, w) image an export takes by default (a guard on memory per request; larger ones are refused)
MAX_INPUT = (2 * IMAGE_HEIGHT, 2 * IMAGE_WIDTH)
INPUT_PREFIX = "images"  # graph input "images_{h}x{w}": uint8 (B, h, w, 3) RGB at one model input size
PROBS_OUTPUT = "probs"  # (B, h, w, K) segmenter probabilities at the ensemble's output size
GATE_OUTPUT = "gate"  # (B, 1) or (B, K) classifier probabilities (only with classifiers)
RESIZE_OUTSIDE = "outside"  # input["resize"] of version 2: the caller resizes every image to each tensor's size
RESIZE_METHOD = ("OpenCV, as predict does (pipeline.preprocess.resize_image: INTER_AREA shrinking, INTER_LINEAR "
                 "enlarging), each image to every tensor's size")


@dataclass(frozen=True)
class GraphInput:
    """One input tensor of the exported graph: uint8 (B, h, w, 3) RGB images at ``size`` (h, w)."""

    name: str
    size: tuple[int, int]


def graph_input(size) -> GraphInput:
    """The graph input for model input size (h, w): named ``images_{h}x{w}``."""
    h, w = (int(v) for v in size)
    return GraphInput(f"{INPUT_PREFIX}_{h}x{w}", (h, w))


def input_entry(sizes, max_input: tuple[int, int]) -> dict:
    """The manifest's ``input`` entry of a graph with one input per model input size in ``sizes``."""
    return {"dtype": "uint8", "channels": "RGB", "max_height": int(max_input[0]), "max_width": int(max_input[1]),
            "resize": RESIZE_OUTSIDE, "resize_method": RESIZE_METHOD,
            "tensors": [{"name": g.name, "shape": [None, *g.size, 3]} for g in map(graph_input, sizes)]}


@dataclass(frozen=True)
class ExportManifest:
    """manifest.json of an export folder, in the file's key order."""

    created: str | None = None
    versions: dict[str, str] | None = None
    git_commit: str | None = None
    exported_on: dict | None = None  # devices.DeviceReport.to_dict() of the export
    formats: tuple[str, ...] = ()
    runs_dir: str | None = None
    runs: tuple[dict, ...] = ()  # kind, backbone, fold, path, input_size, model_sha256 per model
    dataset: dict | None = None  # name, n_classes, class_names, image_sizes (``dataset_entry``); None: Severstal
    ensemble: dict | None = None  # tta, reducer, input_sizes
    input: dict | None = None  # the input contract (``input_entry``): dtype, channels, max size, resize, tensors
    outputs: dict | None = None  # output name -> shape
    savedmodel_endpoint: str | None = None
    onnx: dict | None = None  # opset, outputs
    checksums: dict[str, str] = field(default_factory=dict)  # POSIX path in the folder -> sha256

    def to_dict(self) -> dict:
        out: dict[str, Any] = {FORMAT_KEY: FORMAT, VERSION_KEY: FORMAT_VERSION}
        for f in fields(self):
            value = getattr(self, f.name)
            out[f.name] = list(value) if isinstance(value, tuple) else value
        return out

    @classmethod
    def from_dict(cls, data: dict) -> "ExportManifest":
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        for key in ("formats", "runs"):
            values[key] = tuple(values.get(key) or ())
        values["checksums"] = dict(values.get("checksums") or {})
        return cls(**values)

    def dataset_spec(self, source: str = MANIFEST_FILE) -> DatasetSpec:
        """The classes (and image sizes) the exported models predict; ``KAGGLE`` for a manifest without them."""
        return KAGGLE if self.dataset is None else spec_of_entry(self.dataset, source)

    def graph_inputs(self, source: str = MANIFEST_FILE) -> tuple[GraphInput, ...] | None:
        """The graph's input tensors in call order; None for a version 1 graph (it resized inside)."""
        entry = self.input or {}
        if entry.get("resize") != RESIZE_OUTSIDE:
            return None
        try:
            return tuple(GraphInput(str(t["name"]), (int(t["shape"][1]), int(t["shape"][2])))
                         for t in entry["tensors"])
        except (KeyError, TypeError, ValueError, IndexError) as err:
            raise SteelDefectError(f"{source}: its input entry has no tensors of known size ({err}); "
                                   "export again") from None

    @property
    def class_names(self) -> tuple[str, ...]:
        return self.dataset_spec().class_names

    @property
    def n_classes(self) -> int:
        return len(self.class_names)


def dataset_entry(spec: DatasetSpec) -> dict:
    """The manifest's ``dataset`` entry of ``spec``: its name, class count and names, image sizes."""
    return {"name": spec.name, "n_classes": spec.n_classes, "class_names": list(spec.class_names),
            "image_sizes": [{"height": s.height, "width": s.width, "images": s.images} for s in spec.sizes]}


def spec_of_entry(entry, source: str = MANIFEST_FILE) -> DatasetSpec:
    """A DatasetSpec of a manifest's ``dataset`` entry; one SteelDefectError line naming ``source`` when wrong."""
    try:
        names = check_class_names(entry["class_names"], source)
        sizes = tuple(ImageSize(int(s["height"]), int(s["width"]), int(s.get("images", 0)))
                      for s in entry.get("image_sizes") or ())
        n_classes = int(entry.get("n_classes", len(names)))
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        raise SteelDefectError(f"{source}: its dataset entry is not class names and image sizes ({err}); "
                               "export again") from None
    if n_classes != len(names):
        raise SteelDefectError(f"{source}: the dataset entry says {n_classes} classes but names {len(names)}; "
                               "export again")
    return DatasetSpec(names, sizes, entry.get("name"))


def dataset_of_models(dataset: DatasetSpec | None, n_classes: int) -> DatasetSpec:
    """The dataset of models that predict ``n_classes`` classes: ``dataset`` (the one they were trained
    on) when it has that many; Severstal's (``KAGGLE``) is also what runs that record no dataset read as,
    so for another count, or without a dataset, the classes are ``class_1`` .. ``class_K``. A recorded
    dataset of another count is refused."""
    if dataset is not None and dataset.n_classes == n_classes:
        return dataset
    if dataset is None or dataset == KAGGLE:
        return KAGGLE if n_classes == KAGGLE.n_classes else DatasetSpec(default_class_names(n_classes))
    raise SteelDefectError(f"the segmenters predict {n_classes} classes but their dataset has {dataset.n_classes} "
                           f"({', '.join(dataset.class_names)}); use runs trained on it")


def default_max_input(spec: DatasetSpec = KAGGLE) -> tuple[int, int]:
    """The largest (h, w) an export takes by default: ``MAX_INPUT``, or twice the dataset's largest image
    when that is larger on an axis."""
    heights = [2 * s.height for s in spec.sizes]
    widths = [2 * s.width for s in spec.sizes]
    return max([MAX_INPUT[0], *heights]), max([MAX_INPUT[1], *widths])


@dataclass(frozen=True)
class ExportSettings:
    """postprocess.yaml: what the server applies after the graph."""

    review_band: tuple[float, float] | None
    max_input: tuple[int, int]
    out_size: tuple[int, int]
    gate_kind: str
    n_class_outputs: int

    def to_dict(self) -> dict:
        return {"review_band": list(self.review_band) if self.review_band else None,
                "max_input": list(self.max_input), "out_size": list(self.out_size), "gate_kind": self.gate_kind,
                "n_class_outputs": self.n_class_outputs}


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(HASH_CHUNK), b""):
            h.update(block)
    return h.hexdigest()


def checksums(folder: str | os.PathLike) -> dict[str, str]:
    """sha256 of every file under ``folder`` except the manifest, by POSIX path relative to it."""
    folder = Path(folder)
    return {p.relative_to(folder).as_posix(): sha256_file(p) for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != MANIFEST_FILE}


def write_manifest(folder: str | os.PathLike, manifest: ExportManifest) -> ExportManifest:
    """Write ``manifest`` with the checksums of ``folder``'s files; returns what was written."""
    written = replace(manifest, checksums=checksums(folder))
    with atomic_write(Path(folder) / MANIFEST_FILE) as tmp:
        tmp.write_text(json.dumps(written.to_dict(), indent=1, sort_keys=False) + "\n")
    return written


def _verify(folder: Path, manifest: ExportManifest) -> None:
    for name, digest in manifest.checksums.items():
        file = folder / name
        if not file.is_file():
            raise SteelDefectError(f"{folder}: {name} is listed in the manifest but missing; export again")
        if sha256_file(file) != digest:
            raise SteelDefectError(f"{folder}: {name} does not match its manifest checksum; export again")


def read_manifest(folder: str | os.PathLike, verify: bool = True) -> ExportManifest:
    """Read ``folder``/manifest.json; with ``verify`` every listed file must be there with its checksum."""
    folder = Path(folder)
    path = folder / MANIFEST_FILE
    if not folder.is_dir():
        raise SteelDefectError(f"model folder not found: {folder}{HINT}")
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise SteelDefectError(f"{path} not found: {folder} is not an exported model{HINT}") from None
    except ValueError as err:
        raise SteelDefectError(f"{path}: not valid JSON ({err})") from None
    if not isinstance(data, dict) or data.get(FORMAT_KEY) != FORMAT:
        raise SteelDefectError(f"{path}: not an export manifest (expected format {FORMAT})")
    check_version(path, data.get(VERSION_KEY), FORMAT_VERSION)
    manifest = ExportManifest.from_dict(data)
    manifest.dataset_spec(str(path))  # a malformed dataset entry fails here, naming the file
    if verify:
        _verify(folder, manifest)
    return manifest


def write_settings(folder: str | os.PathLike, settings: ExportSettings) -> Path:
    """Write ``folder``/postprocess.yaml."""
    path = Path(folder) / POSTPROCESS_FILE
    with atomic_write(path) as tmp:
        tmp.write_text(yaml.safe_dump(settings.to_dict(), sort_keys=False, default_flow_style=None))
    return path


def read_settings(folder: str | os.PathLike) -> ExportSettings:
    """``folder``/postprocess.yaml."""
    path = Path(folder) / POSTPROCESS_FILE
    try:
        data = yaml.safe_load(path.read_text())
        band = data.get("review_band")
        return ExportSettings(review_band=tuple(float(v) for v in band) if band else None,
                              max_input=tuple(int(v) for v in data["max_input"]),
                              out_size=tuple(int(v) for v in data["out_size"]), gate_kind=str(data["gate_kind"]),
                              n_class_outputs=int(data["n_class_outputs"]))
    except FileNotFoundError:
        raise SteelDefectError(f"{path} not found; export again") from None
    except (yaml.YAMLError, AttributeError, KeyError, TypeError, ValueError) as err:
        raise SteelDefectError(f"{path}: not the post-processing settings of an export ({err}); export again") \
            from None


def exported_thresholds_path(folder: str | os.PathLike) -> Path:
    """The thresholds copied into an export folder."""
    return Path(folder) / THRESHOLDS_FILE
