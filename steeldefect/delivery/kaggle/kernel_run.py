"""The body of the offline Kaggle kernel: predict the competition's images with the packaged ensemble.

``kernel_template.py`` (the kernel script) installs the steeldefect wheel from the attached dataset and
then calls :func:`run`; keeping the body here lets it import the library normally and be tested as code.
It imports only what Kaggle's image has (``tests/delivery/kaggle/test_package.py``). The class count is
the packaged thresholds' (the segmenters must predict as many), the class names the runs' meta.json's,
and each mask is written and checked at its own image's size: nothing assumes Severstal's four classes
at 256x1600, though the competition's sample submission has them.
"""

from __future__ import annotations

import os
import sys
import time

import steeldefect
from steeldefect.artifacts.dataset_file import DatasetSpec
from steeldefect.artifacts.export_manifest import dataset_of_models
from steeldefect.artifacts.prediction_table import HEIGHT, IMAGE_ID, WIDTH, images_csv_path, read_prediction_table
from steeldefect.artifacts.run_folder import find_runs
from steeldefect.artifacts.run_meta import read_meta
from steeldefect.artifacts.thresholds_file import THRESHOLDS_FILE, load_thresholds
from steeldefect.data.submission import validate_submission
from steeldefect.devices import announce_inference
from steeldefect.prediction.keras_ensemble import load_ensemble
from steeldefect.prediction.predict import PredictOptions, image_list, predict_images


def class_names(runs_dir: str, n_classes: int) -> tuple[str, ...]:
    """The names of the ``n_classes`` classes the packaged segmenters predict: those their meta.json
    records, else Severstal's four (``class 1`` .. ``class 4``) or ``class_1`` .. ``class_K``."""
    recorded = next((meta.class_names for run in find_runs(runs_dir, "segmenter")
                     if (meta := read_meta(run)).class_names), None)
    return dataset_of_models(DatasetSpec(tuple(recorded)) if recorded else None, n_classes).class_names


def image_shapes(submission: str) -> dict[str, tuple[int, int]]:
    """{ImageId: (H, W)} of the images a submission was predicted for (its per-image CSV's sizes)."""
    table = read_prediction_table(images_csv_path(submission))
    return {str(i): (int(h), int(w)) for i, h, w in zip(table[IMAGE_ID], table[HEIGHT], table[WIDTH])}


def run(args, start: float) -> None:
    """Predict ``args.images`` into ``args.out`` with the runs and thresholds of ``args.dataset``; check the
    submission against ``args.sample`` when there is one (exit with the problems when it does not match).

    ``args`` holds the kernel's options (dataset, images, sample, out, tta, reducer, batch_size, chunk_size);
    ``start`` is the kernel's start time, for the final line.
    """
    print(f"steeldefect {steeldefect.__version__} from {os.path.dirname(steeldefect.__file__)}", flush=True)
    thresholds = load_thresholds(os.path.join(args.dataset, THRESHOLDS_FILE))
    ids, layout = image_list(args.images, args.sample)
    runs_dir = os.path.join(args.dataset, "runs")
    announce_inference("kernel", find_runs(runs_dir, "classifier") + find_runs(runs_dir, "segmenter"))
    forward = load_ensemble(runs_dir, tta=args.tta, reducer=args.reducer, batch_size=args.batch_size)
    names = class_names(runs_dir, len(thresholds.classes))
    print(f"models: {len(forward.classifiers)} classifier, {len(forward.segmenters)} segmenter; {len(ids)} images; "
          f"{len(names)} classes: {', '.join(names)}", flush=True)
    options = PredictOptions(batch_size=args.batch_size, chunk_size=args.chunk_size)
    report = predict_images(ids, args.images, forward, thresholds, args.out, options, layout,
                            progress=None)
    print(f"{report.n_images} images, {report.n_gated} gated, {report.n_nonempty} non-empty masks, "
          f"{time.time() - start:.0f} s -> {report.submission}", flush=True)
    if args.sample:
        check = validate_submission(args.out, args.sample, n_classes=len(names), shapes=image_shapes(args.out))
        if not check.ok:
            sys.exit("the submission does not match the sample: " + "; ".join(check.problems[:5]))
        print("submission validated against the sample", flush=True)
