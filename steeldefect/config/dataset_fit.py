"""Fitting a config's class-indexed fields to a dataset's class count.

A config written for Severstal's four classes (configs/demo.yaml oversamples class 4, weighs four
classes' crops) still trains another dataset unchanged: a field sized for another class count is
adapted here, and each adaptation is one line the caller logs. A config whose fields already fit, as
every shipped config does for Severstal, comes back as it is.
"""

from __future__ import annotations

from dataclasses import replace

from steeldefect.config.schema import Config


def _fit_weights(weights, n_classes: int, path: str, notes: list[str]):
    if weights is None or len(weights) == n_classes:
        return weights
    notes.append(f"{path} {list(weights)} has {len(weights)} entries, the dataset {n_classes} classes: equal weights used")
    return tuple(1.0 for _ in range(n_classes))


def fit_to_dataset(config: Config, n_classes: int, source: str = "config") -> tuple[Config, tuple[str, ...]]:
    """``config`` with its class-indexed fields fitted to ``n_classes``, and one note per change:
    per-class classifier outputs become ``n_classes``; class weights of another length become equal;
    oversampling of class ids the dataset lacks is dropped."""
    notes: list[str] = []
    data = config.data
    extra = sorted(c for c in data.oversample if c > n_classes)
    if extra:
        notes.append(f"data.oversample names class {', '.join(map(str, extra))}, which the dataset "
                     f"({n_classes} classes) lacks: dropped")
        data = replace(data, oversample={c: f for c, f in data.oversample.items() if c <= n_classes})
    classifier, segmenter = config.classifier, config.segmenter
    if classifier.n_outputs not in (1, n_classes):
        notes.append(f"classifier.n_outputs {classifier.n_outputs} (one per class): {n_classes} for this dataset")
        classifier = replace(classifier, n_outputs=n_classes)
    if classifier.n_outputs > 1:
        weights = _fit_weights(classifier.train.class_weights, n_classes, "classifier.train.class_weights", notes)
        classifier = replace(classifier, train=replace(classifier.train, class_weights=weights))
    seg_weights = _fit_weights(segmenter.train.class_weights, n_classes, "segmenter.train.class_weights", notes)
    crop_weights = _fit_weights(segmenter.crop_class_weights, n_classes, "segmenter.crop_class_weights", notes)
    segmenter = replace(segmenter, crop_class_weights=crop_weights,
                        train=replace(segmenter.train, class_weights=seg_weights))
    if not notes:
        return config, ()
    return replace(config, data=data, classifier=classifier, segmenter=segmenter), tuple(f"{source}: {n}" for n in notes)
