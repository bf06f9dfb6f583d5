"""The pipeline's stages as Python functions: one per ``steeldefect`` subcommand, each taking a frozen
dataclass of typed arguments (defaults = the CLI's) and returning a frozen dataclass of what it did.

``steeldefect.cli`` only parses flags into these arguments, calls the stage and prints its result;
a notebook calls the same functions::

    from steeldefect.stages import ScoreArgs, score
    print(score(ScoreArgs(truth=Path("data/synth/test_labels.csv"), pred=Path("runs/submission.csv"))).mean_dice)

Importing this package is light (no TensorFlow, pandas or OpenCV): each stage imports its heavy
libraries when called.
"""

from steeldefect.stages.app_stage import AppArgs, AppResult, app
from steeldefect.stages.doctor_stage import DoctorArgs, DoctorResult, doctor
from steeldefect.stages.eda_stage import EdaArgs, EdaResult, eda
from steeldefect.stages.export_stage import ExportArgs, ExportResult, export
from steeldefect.stages.folds_stage import FoldsArgs, FoldsResult, folds
from steeldefect.stages.kaggle_package_stage import KagglePackageArgs, KagglePackageResult, kaggle_package
from steeldefect.stages.predict_stage import PredictArgs, PredictResult, predict
from steeldefect.stages.pseudo_label_stage import PseudoLabelArgs, PseudoLabelResult, pseudo_label
from steeldefect.stages.report_stage import ReportArgs, ReportResult, report
from steeldefect.stages.score_stage import ScoreArgs, ScoreResult, score
from steeldefect.stages.select_stage import SelectArgs, SelectResult, select
from steeldefect.stages.serve_stage import ServeArgs, ServeResult, serve
from steeldefect.stages.summary_stage import SummaryArgs, SummaryResult, summary
from steeldefect.stages.synth_stage import SynthArgs, SynthResult, synth
from steeldefect.stages.tfrecords_stage import TfrecordsArgs, TfrecordsResult, tfrecords
from steeldefect.stages.train_stage import TrainArgs, TrainResult, train
from steeldefect.stages.tune_stage import TuneArgs, TuneResult, tune
from steeldefect.stages.validate_stage import ValidateArgs, ValidateResult, validate

STAGES = {  # subcommand -> stage function
    "synth": synth, "doctor": doctor, "eda": eda, "folds": folds, "tfrecords": tfrecords, "train": train,
    "select": select, "tune": tune, "predict": predict, "pseudo-label": pseudo_label, "validate": validate,
    "score": score, "summary": summary, "report": report, "app": app, "kaggle-package": kaggle_package,
    "export": export, "serve": serve,
}

__all__ = [
    "STAGES",
    "AppArgs", "AppResult", "app", "DoctorArgs", "DoctorResult", "doctor", "EdaArgs", "EdaResult", "eda",
    "ExportArgs", "ExportResult", "export", "FoldsArgs", "FoldsResult", "folds", "KagglePackageArgs",
    "KagglePackageResult", "kaggle_package", "PredictArgs", "PredictResult", "predict", "PseudoLabelArgs",
    "PseudoLabelResult", "pseudo_label", "ReportArgs", "ReportResult", "report", "ScoreArgs", "ScoreResult", "score",
    "SelectArgs", "SelectResult", "select", "ServeArgs", "ServeResult", "serve", "SummaryArgs", "SummaryResult",
    "summary", "SynthArgs", "SynthResult", "synth", "TfrecordsArgs", "TfrecordsResult", "tfrecords", "TrainArgs",
    "TrainResult", "train", "TuneArgs", "TuneResult", "tune", "ValidateArgs", "ValidateResult", "validate",
]
