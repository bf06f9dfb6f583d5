"""The exported graph against `predict` on a folder of strips: the largest probability difference per
runtime and whether the submission written from the exported outputs is byte-identical (OpenVINO only
when installed: it is no requirement).

    python benchmarks/check_export_exact.py --runs RUNS --export EXPORT_DIR --images DIR --work TMP_DIR [--n N]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

RUNTIMES = ("tf", "onnx", "openvino")  # deploy.runtime.RUNTIMES


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name in ("--runs", "--export", "--images", "--work"):
        p.add_argument(name, required=True)
    p.add_argument("--n", type=int, default=None, help="only the first N images (default all)")
    args = p.parse_args()

    from steeldefect.artifacts.export_manifest import exported_thresholds_path, read_manifest
    from steeldefect.artifacts.thresholds_file import load_thresholds
    from steeldefect.constants import RLE_COLUMNS
    from steeldefect.data.images import list_images, read_image
    from steeldefect.data.submission import write_submission
    from steeldefect.delivery.deploy.model import load_exported
    from steeldefect.delivery.deploy.results import outputs_table
    from steeldefect.errors import SteelDefectError
    from steeldefect.prediction.keras_ensemble import load_ensemble
    from steeldefect.prediction.predict import load_views, predict_images

    folder, work = Path(args.images), Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    ids = list_images(folder)[:args.n]
    manifest = read_manifest(args.export)
    ensemble = load_ensemble(args.runs, tta=manifest.ensemble["tta"], reducer=manifest.ensemble["reducer"])
    predict_images(ids, folder, ensemble, load_thresholds(exported_thresholds_path(args.export)), work / "predict.csv")
    for runtime in RUNTIMES:
        try:
            model = load_exported(args.export, runtime)
        except SteelDefectError as err:
            print(f"{runtime}: not run ({err})")
            continue
        tables, d_probs, d_gate = [], 0.0, 0.0
        for lo in range(0, len(ids), 8):
            chunk = ids[lo:lo + 8]
            raw = np.stack([read_image(folder / i) for i in chunk])
            gate, probs = model.run(raw)
            views = load_views([folder / i for i in chunk], ensemble.input_sizes)
            d_probs = max(d_probs, float(np.abs(probs - ensemble.segment(views)).max()))
            if gate is not None:
                d_gate = max(d_gate, float(np.abs(gate - ensemble.classify(views)).max()))
            tables.append(outputs_table(chunk, gate, probs, model.thresholds, [r.shape[:2] for r in raw]))
        table = pd.concat(tables)
        write_submission(table[["ImageId", *RLE_COLUMNS]], work / f"{runtime}.csv")
        same = (work / f"{runtime}.csv").read_bytes() == (work / "predict.csv").read_bytes()
        print(f"{runtime}: {len(ids)} images, max |probs diff| {d_probs:.3g}, max |gate diff| {d_gate:.3g}, "
              f"submission byte-identical: {same}")


if __name__ == "__main__":
    main()
