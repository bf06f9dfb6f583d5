"""Report sections about scores: the runs used, Dice and decision counts, the classifier, pixel confusion.

Each function returns a ``Part``: the page section, its figures by file name, and its numbers for
report.json. Nothing is written here.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
from matplotlib.figure import Figure

from steeldefect.analysis.classes import short_label
from steeldefect.artifacts.run_config import head_of
from steeldefect.artifacts.run_folder import CONFIG_FILE
from steeldefect.artifacts.run_meta import META_FILE, read_meta
from steeldefect.artifacts.thresholds_file import THRESHOLDS_FILE
from steeldefect.tuning.review_band import ReviewBand, measure_review_band, propose_review_band
from steeldefect.analysis.report import figures_scores as fs
from steeldefect.analysis.report.gather import OOFSummary, pixel_confusion
from steeldefect.analysis.report.html import Section, Table
from steeldefect.analysis.report.metrics import classifier_scores, dice_quantiles, image_scores, oof_plant
from steeldefect.metric.plant import PlantMetrics

COUNT_KEYS = ("tp", "fp", "fn", "tn")  # image-level decision counts, as score_tables names them
PLANT_COLUMNS = ("class", "predictions", "pixel Dice", "IoU", "mean image Dice", "image precision",
                 "image recall", "tp", "fp", "fn", "tn")  # the plant metrics table
META_COLUMNS = ("input_size", "val_images", "epochs_run", "best_epoch", "monitor", "best")  # RunMeta fields shown


@dataclass
class Part:
    """A section of the page with its figures (file name -> Figure) and its numbers (JSON-ready)."""

    section: Section
    figures: dict[str, Figure] = field(default_factory=dict)
    numbers: dict = field(default_factory=dict)


def _cell(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.5g}"
    if isinstance(value, (list, tuple)):
        return "x".join(str(v) for v in value)
    return str(value)


def runs_part(summary: OOFSummary, inputs: list[str]) -> Part:
    """The finished runs whose OOF predictions the report reads, with their meta.json facts."""
    plan = summary.plan
    rows = [[run.name, head_of(run), *[_cell(getattr(read_meta(run), k)) for k in META_COLUMNS]]
            for run in plan.segmenter_runs + plan.classifier_runs]
    th = summary.thresholds
    th_rows = [[short_label(k, name), f"{c.pixel_threshold:g}", str(c.min_area), f"{c.gate:g}",
                str(c.min_component)] for k, (name, c) in enumerate(zip(summary.names, th.classes), start=1)]
    section = Section("runs", "Runs and inputs", paragraphs=[
        f"{len(plan.segmenter_runs)} segmenter and {len(plan.classifier_runs)} classifier runs; "
        f"{len(summary.image_ids):,} out-of-fold (OOF) images, each predicted by the model of the fold that "
        f"did not train on it (backbones averaged as the ensemble averages them). Masks are compared at the "
        f"training resolution {summary.shape[0]}x{summary.shape[1]} (truth resized nearest), as tuning does.",
        *inputs], notes=list(summary.notes),
        tables=[Table(f"runs (the head from each run's {CONFIG_FILE}, the rest from its {META_FILE})",
                      ["run", "head", *META_COLUMNS], rows),
                Table("post-processing in use (min areas in 256x1600 pixels)",
                      ["class", "pixel threshold", "min area", "gate", "min component"], th_rows)])
    return Part(section, numbers={"segmenter_runs": [r.name for r in plan.segmenter_runs],
                                  "classifier_runs": [r.name for r in plan.classifier_runs],
                                  "oof_images": len(summary.image_ids), "resolution": list(summary.shape)})


def _score_table(caption: str, report: dict, names: tuple[str, ...]) -> Table:
    rows = [[names[int(cls) - 1], f"{row['dice']:.5f}", *[f"{row[k]:,}" for k in COUNT_KEYS]]
            for cls, row in report["per_class"].items()]
    c = report["counts"]
    rows.append(["all", f"{report['mean']:.5f}", *[f"{c[k]:,}" for k in COUNT_KEYS]])
    return Table(caption, ["class", "Dice", *COUNT_KEYS], rows)


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.4f}"


def plant_table(sources: dict[str, PlantMetrics]) -> Table:
    """The "Plant metrics" table: per class and source of predictions, pixel Dice and IoU pooled over the
    images, the mean per-image Dice, and image-level precision, recall and counts."""
    rows = [[name, source, f"{m.dice:.4f}", f"{m.iou:.4f}", f"{m.mean_image_dice:.4f}", _share(m.precision),
             _share(m.recall), *[f"{getattr(m, k):,}" for k in COUNT_KEYS]]
            for source, plant in sources.items() for name, m in zip(plant.class_names, plant.classes)]
    return Table("Plant metrics: per class, pixels pooled over all images and image-level decisions (an image "
                 "has a class when its mask is non-empty)", list(PLANT_COLUMNS), rows)


def _counts_matrix(row: dict) -> np.ndarray:
    return np.array([[row["tn"], row["fp"]], [row["fn"], row["tp"]]], np.int64)


def scores_part(summary: OOFSummary, submission: dict | None, submission_note: str) -> Part:
    """Section 1: per-class Dice and image-level tp/fp/fn/tn, OOF and (when given) the submission."""
    names, ids = summary.names, range(1, summary.n_classes + 1)
    oof = image_scores(summary.dice, summary.truth_pos, summary.pred_pos)
    series = {"OOF": {cls: oof["per_class"][str(cls)]["dice"] for cls in ids}}
    tables = [_score_table("OOF at the thresholds in use", oof, names)]
    figures = {}
    quantiles = dice_quantiles(summary.dice, summary.truth_pos)
    q_rows = [[names[cls - 1], f"{int(summary.truth_pos[:, cls - 1].sum()):,}",
               *(["-"] * 3 if quantiles[cls] is None else [f"{v:.3f}" for v in quantiles[cls]])]
              for cls in ids]
    tables.append(Table("OOF Dice of images whose truth has the class", ["class", "images", "p10", "median", "p90"],
                        q_rows))
    notes = []
    plant = {"OOF": oof_plant(summary.dice, summary.truth_pos, summary.pred_pos, summary.post_counts, names)}
    if submission is not None:
        series["submission"] = {cls: submission["per_class"][str(cls)]["dice"] for cls in ids}
        tables.append(_score_table("submission against its truth (score_tables)", submission, names))
        if submission.get("plant"):
            plant["submission"] = PlantMetrics.from_dict(submission["plant"], submission["n_images"])
        figures["decisions_submission.png"] = fs.confusion_grid(
            [(names[cls - 1], _counts_matrix(submission["per_class"][str(cls)])) for cls in ids],
            title="submission: image-level decisions (mask empty or not) per class")
    else:
        notes.append(submission_note)
    tables.append(plant_table(plant))
    figures = {"dice_per_class.png": fs.dice_bars(series, names),
               "decisions_oof.png": fs.confusion_grid(
                   [(names[cls - 1], _counts_matrix(oof["per_class"][str(cls)])) for cls in ids],
                   title="OOF: image-level decisions (mask empty or not) per class"),
               **figures}
    captions = {"dice_per_class.png": "Mean Dice per class (an image with both masks empty scores 1).",
                "decisions_oof.png": "OOF image-level counts: tp both masks non-empty, fp a mask on a clean "
                                     "image, fn a missed defect, tn both empty. Shade: share of the truth row.",
                "decisions_submission.png": "The same counts for the submission against its truth."}
    section = Section("scores", "1. Dice per class and image-level decisions", paragraphs=[
        "The competition score is the mean Dice over (image, class) pairs, and most pairs are empty: an "
        "empty prediction on a clean image scores 1 and any false positive scores 0. So the image-level "
        "decision (mask or no mask) weighs as much as the mask's shape. OOF numbers use the post-processing "
        "in use (pixel threshold, minimum area, component removal, gate) at the training resolution."],
        notes=notes, tables=tables, figures=[(name, captions[name]) for name in figures])
    return Part(section, figures, {"oof": oof, "submission": submission,
                                   "oof_dice_quantiles": {str(k): v for k, v in quantiles.items()},
                                   "plant": {source: p.to_dict() for source, p in plant.items()}})


def classifier_part(summary: OOFSummary, presence: np.ndarray) -> Part:
    """Section 2: ROC, AUC and the confusion matrix at the gate of the classifier's OOF probabilities."""
    section = Section("classifier", "2. Classifier: ROC, AUC and the gate")
    probs = summary.plan.cls_probs
    if probs is None:
        section.notes.append("no finished classifier runs under RUNS/classifier: nothing to show here "
                             "(the masks are not gated)")
        return Part(section, numbers={"classifier": None})
    scores = classifier_scores(probs, presence, summary.thresholds, summary.names)
    section.paragraphs.append(
        "The classifier decides whether an image (or, with four outputs, each class) goes on to the "
        "segmenters; below the gate a mask is emptied (hard gate) or must reach a larger minimum area "
        "(soft gate). Truth here: the image (class) has a defect "
        "in train.csv. The ROC curve and AUC come from scikit-learn's roc_curve and roc_auc_score on the OOF "
        "probabilities; the dot marks the gate's operating point.")
    rows = []
    for s in scores:
        (tn, fp), (fn, tp) = s.confusion
        rows.append([s.name, "-" if s.auc is None else f"{s.auc:.5f}",
                     f"{s.gate:g}" + ("" if s.gate_tuned else " (untuned)"), f"{tp:,}", f"{fp:,}", f"{fn:,}",
                     f"{tn:,}", f"{tp / max(tp + fn, 1):.4f}", f"{tn / max(tn + fp, 1):.4f}"])
        if s.auc is None:
            section.notes.append(f"{s.name}: the OOF truth has only one class, so no ROC curve or AUC")
    if any(not s.gate_tuned for s in scores):
        section.notes.append("no gate in the thresholds in use: the confusion matrix is shown at 0.5")
    section.tables.append(Table("classifier on the OOF images", ["output", "AUC", "gate", "tp", "fp", "fn", "tn",
                                                                 "recall", "specificity"], rows))
    figures = {"classifier_roc.png": fs.roc_figure(scores),
               "classifier_confusion.png": fs.confusion_grid(
                   [(f"{s.name} at gate {s.gate:g}", s.confusion) for s in scores], col_labels=("gated", "passed"),
                   xlabel="classifier decision")}
    section.figures += [("classifier_roc.png", "ROC curve of the OOF classifier probabilities."),
                        ("classifier_confusion.png", "Images gated (below the gate) or passed, by truth.")]
    numbers = [{"name": s.name, "auc": s.auc, "gate": s.gate, "gate_tuned": s.gate_tuned,
                "confusion": s.confusion.tolist()} for s in scores]
    band = _review_band(probs, presence, summary.thresholds.tuned.get("review_band"))
    section.paragraphs.append(
        f"Review band [{band.lo:.4g}, {band.hi:.4g}] ({band.source}): an image whose defect probability lies "
        "inside it is flagged for a person (`steeldefect predict --review-band`); outside it the machine "
        "decides alone." + (" The band is empty: the classifier alone meets its targets." if band.empty else ""))
    section.tables.append(Table("review band on the OOF images", ["flagged", "share flagged",
                                                                  "defective images below it (missed)",
                                                                  "clean images above it (false alarms)"],
                                [[f"{band.flagged:,}", f"{100 * band.flagged_share:.1f}%", f"{band.missed:,}",
                                  f"{band.false_alarms:,}"]]))
    return Part(section, figures, {"classifier": numbers, "review_band": {**band.to_dict(), "source": band.source}})


@dataclass(frozen=True)
class _Band(ReviewBand):
    source: str = ""


def _review_band(probs: np.ndarray, presence: np.ndarray, recorded: dict | None) -> _Band:
    """The band tuning recorded, counted on these OOF images; else one proposed here for 1 and 1."""
    defective = presence.any(axis=1)
    if recorded:
        band = measure_review_band(probs, defective, recorded["lo"], recorded["hi"], recorded["max_missed"],
                                   recorded["max_false_alarms"])
        return _Band(**asdict(band), source=f"from {THRESHOLDS_FILE}")
    return _Band(**asdict(propose_review_band(probs, defective)),
                 source="proposed here: at most 1 missed and 1 false alarm")


def pixel_part(summary: OOFSummary) -> Part:
    """Section 3: per-class pixel confusion at the pixel threshold in use, and after post-processing."""
    th = summary.thresholds
    raw = pixel_confusion(summary.stats, th.levels)
    tp, fp, fn = (summary.post_counts[:, k] for k in range(3))
    post = np.stack([np.stack([summary.n_pixels - tp - fp - fn, fp], 1), np.stack([fn, tp], 1)], 1)
    rows = []
    for c, cls_name in enumerate(summary.names):
        for name, m in (("thresholded", raw[c]), ("post-processed", post[c])):
            (tn_, fp_), (fn_, tp_) = m
            rows.append([cls_name, name, f"{tp_:,}", f"{fp_:,}", f"{fn_:,}", f"{tn_:,}",
                         f"{tp_ / max(tp_ + fp_, 1):.4f}", f"{tp_ / max(tp_ + fn_, 1):.4f}",
                         f"{2 * tp_ / max(2 * tp_ + fp_ + fn_, 1):.4f}"])
    section = Section("pixels", "3. Pixel confusion per class", paragraphs=[
        f"Every pixel of every OOF image at {summary.shape[0]}x{summary.shape[1]}, per class: truth (rows) "
        "against the prediction thresholded at the class's pixel threshold (before minimum area and gate), "
        "and, in the table, after the whole post-processing. Pixel precision and recall show whether "
        "masks are too large (low precision) or too small (low recall); the pooled pixel Dice weighs big "
        "masks more than the competition's per-image Dice."],
        tables=[Table("pixel counts (training resolution)", ["class", "masks", "tp", "fp", "fn", "tn", "precision",
                                                             "recall", "pooled Dice"], rows)],
        figures=[("pixel_confusion.png", "Pixel confusion per class at its pixel threshold; shade: share "
                                         "of the truth row.")])
    fig = fs.confusion_grid([(f"{name} at {c.pixel_threshold:g}", raw[k])
                             for k, (name, c) in enumerate(zip(summary.names, th.classes))],
                            col_labels=("background", "defect"), title="OOF pixels, thresholded")
    return Part(section, {"pixel_confusion.png": fig},
                {"pixel_confusion": {"thresholded": raw.tolist(), "post_processed": post.tolist()}})
