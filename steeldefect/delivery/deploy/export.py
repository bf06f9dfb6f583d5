"""Export a tuned ensemble as one artifact: the graph (SavedModel, ONNX), its thresholds, its
post-processing settings and a manifest (``artifacts.export_manifest`` describes the folder).

The folder is written beside ``out`` under a temporary name and renamed into place when complete, so
a failed export leaves no half folder behind. TensorFlow and Keras code: the `export` stage imports it
when it runs; its constants (``MAX_INPUT``, ``SERVE_ENDPOINT``) live in ``artifacts.export_manifest``.
"""

from __future__ import annotations

import datetime
import importlib.metadata
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import keras
import tensorflow as tf

from steeldefect.artifacts.dataset_file import DatasetSpec
from steeldefect.artifacts.export_manifest import (GATE_OUTPUT, MAX_INPUT, ONNX_FILE, PROBS_OUTPUT, SAVEDMODEL_DIR,
                                                  SERVE_ENDPOINT, ExportManifest, ExportSettings, dataset_entry,
                                                  dataset_of_models, exported_thresholds_path, graph_input,
                                                  input_entry, sha256_file, write_manifest, write_settings)
from steeldefect.artifacts.thresholds_file import load_thresholds
from steeldefect.delivery.deploy.graph import ensemble_function, input_signature, nearest_upsampling
from steeldefect.errors import SteelDefectError
from steeldefect.postprocess.gating import check_gate
from steeldefect.postprocess.rules import Thresholds, check_resolution
from steeldefect.training.meta import git_commit, package_versions

ONNX_OPSET = 17  # ONNX opset of the converted graph (onnxruntime >= 1.14 runs it)
EXPORT_VERSIONS = ("tf2onnx", "onnx", "onnxruntime")  # recorded beside the training packages when installed


@dataclass(frozen=True)
class ExportReport:
    out: Path
    formats: tuple[str, ...]
    n_classifiers: int
    n_segmenters: int
    seconds: float


def review_band_of(thresholds, band=None) -> list[float] | None:
    """The review band to serve: the one given, else the one `tune` proposed (as it printed it), else None."""
    if band is not None:
        lo, hi = (float(v) for v in band)
        if not 0.0 <= lo <= hi <= 1.0:
            raise SteelDefectError(f"--review-band {lo:g} {hi:g}: need 0 <= LO <= HI <= 1")
        return [lo, hi]
    proposed = (thresholds.tuned or {}).get("review_band") or {}
    printed = proposed.get("printed")
    return [float(printed[0]), float(printed[1])] if printed and not proposed.get("empty") else None


def _installed(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def _versions() -> dict[str, str]:
    """The training packages' versions (as runs record them) and the export packages'."""
    return {**package_versions(), **{n: v for n in EXPORT_VERSIONS if (v := _installed(n))}}


def _write_savedmodel(ensemble, fn, dest: Path) -> None:
    archive = keras.export.ExportArchive()
    for m in ensemble.classifiers + ensemble.segmenters:
        archive.track(m.model)
    archive.add_endpoint(SERVE_ENDPOINT, fn)
    archive.write_out(str(dest), verbose=False)


def _write_onnx(fn, sizes, dest: Path) -> list[str]:
    """Convert the graph with tf2onnx; returns the ONNX output names."""
    try:
        from tf2onnx import tf_loader  # heavy: tf2onnx (optional)
        from tf2onnx.convert import _convert_common, tensor_names_from_structed  # heavy: tf2onnx (optional)
    except ImportError:
        raise SteelDefectError("ONNX export needs tf2onnx (pip install -r requirements/deploy.txt), or use "
                               "--format savedmodel") from None

    # tf2onnx.convert.from_function, except that only the images are graph inputs: it makes every
    # non-variable capture an input too, and Keras' Normalization layer captures its mean and
    # variance as constant tensors (ONNX Runtime then asks for them at run time).
    signature = input_signature(sizes)
    concrete = fn.get_concrete_function(*signature)
    inputs = [t.name for t in concrete.inputs[:len(signature)]]
    outputs = [t.name for t in concrete.outputs]
    with tf.device("/cpu:0"):
        frozen = tf_loader.from_function(concrete, inputs, outputs)
        proto, _ = _convert_common(frozen, name=concrete.name, continue_on_error=False, opset=ONNX_OPSET,
                                   input_names=inputs, output_names=outputs, output_path=str(dest),
                                   tensors_to_rename=tensor_names_from_structed(concrete, inputs, outputs))
    names = [o.name for o in proto.graph.output]
    got, want = [i.name for i in proto.graph.input], [graph_input(size).name for size in sizes]
    if got != want:
        raise SteelDefectError(f"ONNX conversion gave graph inputs {got[:4]} instead of {want}; "
                               "export --format savedmodel")
    return names


def segmenter_classes(ensemble) -> int:
    """K: the classes the ensemble's segmenters predict (their output channels), which must agree."""
    counts = sorted({int(m.n_outputs) for m in ensemble.segmenters})
    if len(counts) != 1:
        raise SteelDefectError(f"the segmenter runs predict {counts} classes; export segmenters of one dataset")
    return counts[0]


def _checked_thresholds(ensemble, thresholds_path: str | os.PathLike, n_classes: int) -> Thresholds:
    thresholds = load_thresholds(thresholds_path)
    check_resolution(thresholds, ensemble.out_size, str(thresholds_path))
    check_gate(ensemble.n_class_outputs, thresholds)
    if len(thresholds.classes) != n_classes:
        raise SteelDefectError(f"{thresholds_path} has {len(thresholds.classes)} classes and the segmenters "
                               f"predict {n_classes}; tune thresholds on these runs")
    return thresholds


def _checked_out(out: str | os.PathLike, max_input) -> tuple[Path, tuple[int, int]]:
    max_input = tuple(int(v) for v in max_input)
    if min(max_input) < 1:
        raise SteelDefectError(f"--max-input {max_input[0]} {max_input[1]}: need positive sizes")
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise SteelDefectError(f"--out {out}: it is a file; give a folder")
    return out, max_input


def _manifest(ensemble, formats, max_input: tuple[int, int], runs_dir, where: dict | None,
              onnx_outputs: list[str] | None, dataset: DatasetSpec) -> ExportManifest:
    """What the export is and what it was made from."""
    outputs = {PROBS_OUTPUT: [None, *ensemble.out_size, segmenter_classes(ensemble)]}
    if ensemble.classifiers:
        outputs[GATE_OUTPUT] = [None, ensemble.n_class_outputs]
    runs = tuple({"kind": m.run.kind, "backbone": m.run.member, "fold": m.run.fold,
                  "path": str(Path(m.run.path).relative_to(runs_dir)) if runs_dir else str(m.run.path),
                  "input_size": list(m.input_size), "model_sha256": sha256_file(m.run.model_path)}
                 for m in ensemble.classifiers + ensemble.segmenters)
    return ExportManifest(
        created=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        versions=_versions(), git_commit=git_commit(), exported_on=where, formats=tuple(formats),
        runs_dir=str(runs_dir) if runs_dir else None, runs=runs, dataset=dataset_entry(dataset),
        ensemble={"tta": ensemble.tta, "reducer": ensemble.reducer,
                  "input_sizes": [list(s) for s in ensemble.input_sizes]},
        input=input_entry(ensemble.input_sizes, max_input),
        outputs=outputs, savedmodel_endpoint=SERVE_ENDPOINT if "savedmodel" in formats else None,
        onnx={"opset": ONNX_OPSET, "outputs": onnx_outputs} if onnx_outputs else None)


def _write_folder(ensemble, thresholds: Thresholds, thresholds_path, tmp: Path, formats, max_input, band,
                  runs_dir, where: dict | None, dataset: DatasetSpec) -> None:
    """Everything of the export folder into ``tmp``: graphs, thresholds, settings, manifest last."""
    fn = tf.function(ensemble_function(ensemble), input_signature=input_signature(ensemble.input_sizes))
    onnx_outputs = None
    with nearest_upsampling([m.model for m in ensemble.classifiers + ensemble.segmenters]):  # while tracing
        if "savedmodel" in formats:
            _write_savedmodel(ensemble, fn, tmp / SAVEDMODEL_DIR)
        if "onnx" in formats:
            onnx_outputs = _write_onnx(fn, ensemble.input_sizes, tmp / ONNX_FILE)
    shutil.copyfile(thresholds_path, exported_thresholds_path(tmp))
    write_settings(tmp, ExportSettings(review_band=tuple(band) if band else None, max_input=max_input,
                                       out_size=tuple(ensemble.out_size), gate_kind=thresholds.gate_kind,
                                       n_class_outputs=ensemble.n_class_outputs))
    write_manifest(tmp, _manifest(ensemble, formats, max_input, runs_dir, where, onnx_outputs, dataset))


def export_ensemble(ensemble, thresholds_path: str | os.PathLike, out: str | os.PathLike,
                    formats=("savedmodel", "onnx"), max_input=MAX_INPUT, review_band=None,
                    runs_dir: str | os.PathLike | None = None, where: dict | None = None,
                    dataset: DatasetSpec | None = None) -> ExportReport:
    """Write the export folder ``out`` for a loaded ``KerasEnsemble`` and its thresholds file; ``where``
    (``devices.DeviceReport.to_dict()``) goes into the manifest as ``exported_on``, ``dataset`` (the one
    the runs were trained on; ``dataset_of_models`` checks it against the segmenters' K) as its classes."""
    start = time.perf_counter()
    dataset = dataset_of_models(dataset, segmenter_classes(ensemble))
    thresholds = _checked_thresholds(ensemble, thresholds_path, dataset.n_classes)
    band = review_band_of(thresholds, review_band)
    out, max_input = _checked_out(out, max_input)
    tmp = out.parent / f".{out.name}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        _write_folder(ensemble, thresholds, thresholds_path, tmp, formats, max_input, band, runs_dir, where, dataset)
        if out.exists():
            shutil.rmtree(out)
        tmp.rename(out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return ExportReport(out, tuple(formats), len(ensemble.classifiers), len(ensemble.segmenters),
                        time.perf_counter() - start)
