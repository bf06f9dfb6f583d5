"""How far synthetic strips are from real ones: the cross-validated ROC AUC of a logistic regression
that tells them apart from simple image features (issue #27's first measurement; 0.5 = cannot tell).

    python benchmarks/bench_realism.py --real ../shared/real/strips --synthetic DIR/train_images [--folds 5]
        [--table ../shared/real/strips.csv --part measure] [--repeats 5] [--report realism.png [--no-real-crops]]
        [--cnn]

With --table and --part, only that part of the real strips (steeldefect.synth.look.split: the look is
fitted on the tune part, so the measure part is the honest comparison). --report draws real and
synthetic crops side by side with their mean column and row spectra, grey histograms and gradient
distributions; --no-real-crops leaves the real crops out (for a picture that may be published:
the real strips are not redistributable).

Features of each strip (grey, float): a 16-bin grey-level histogram, mean and spread, gradient
magnitudes (mean, spread, 50/90/99th percentiles), the spread of the fine-grain residual (the strip
minus its 3x3 box blur), and the log power of the column-mean and row-mean profiles in 8 frequency
bands each. Standardised, then an L2 logistic regression, stratified K-fold; AUC on the held-out
folds. Also the same AUC from each feature group alone, to say which part gives the synthetic strips
away. The AUC moves by a few hundredths with the synthetic strips drawn and the folds, so it is
repeated --repeats times (default 5), each time on other synthetic strips (disjoint sets of as many
strips as the real ones when the folder holds enough, else random ones) and other folds; the mean is
the figure, the spread and each repeat are reported beside it. With --cnn, also a small CNN's cross-validated AUC on full-resolution crops of the strips' steel
(realism_cnn.py): it sees grain, JPEG blocks and fine edges that the features summarise. Prints JSON.
Reads the images only; writes nothing but --report.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
from pathlib import Path

import numpy as np

GROUPS = ("histogram", "brightness", "gradients", "grain", "column_spectrum", "row_spectrum")
BANDS = 8  # frequency bands of a profile's spectrum


def _bands(profile: np.ndarray) -> np.ndarray:
    power = np.abs(np.fft.rfft(profile - profile.mean()))[1:] ** 2
    edges = np.unique(np.geomspace(1, len(power), BANDS + 1).astype(int))
    return np.log1p(np.array([power[a - 1:b].mean() for a, b in zip(edges[:-1], edges[1:])]))


def features(grey: np.ndarray) -> dict[str, np.ndarray]:
    """The feature groups of one grey strip (h, w) float32 0..255."""
    import cv2

    gx, gy = cv2.Sobel(grey, cv2.CV_32F, 1, 0), cv2.Sobel(grey, cv2.CV_32F, 0, 1)
    magnitude = np.hypot(gx, gy)
    residual = grey - cv2.blur(grey, (3, 3))
    column, row = _bands(grey.mean(axis=0)), _bands(grey.mean(axis=1))
    return {"histogram": np.histogram(grey, 16, (0, 256))[0] / grey.size,
            "brightness": np.array([grey.mean(), grey.std()]),
            "gradients": np.array([magnitude.mean(), magnitude.std(), *np.percentile(magnitude, (50, 90, 99))]),
            "grain": np.array([residual.std()]),
            "column_spectrum": np.pad(column, (0, BANDS - len(column))),
            "row_spectrum": np.pad(row, (0, BANDS - len(row)))}


def strip_paths(folder: str, limit: int | None, table: str | None = None, part: str | None = None) -> list[Path]:
    paths = sorted(Path(folder).glob("*.jpg")) + sorted(Path(folder).glob("*.png"))
    if table and part:
        import pandas as pd

        from steeldefect.synth.look.split import split_real

        strips = pd.read_csv(table)
        keep = set(strips.loc[split_real(strips) == part, "ImageId"])
        paths = [p for p in paths if p.name in keep]
    if not paths:
        raise SystemExit(f"{folder}: no .jpg or .png strips")
    return paths[:limit]


def read_grey(path: Path) -> np.ndarray:
    import cv2

    return cv2.imread(str(path), cv2.IMREAD_GRAYSCALE).astype(np.float32)


def cv_auc(x: np.ndarray, y: np.ndarray, folds: int, seed: int = 0) -> float:
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.metrics import roc_auc_score

    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    split = StratifiedKFold(folds, shuffle=True, random_state=seed)
    scores = cross_val_predict(model, x, y, cv=split, method="predict_proba")[:, 1]
    return float(roc_auc_score(y, scores))


def positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text}")
    return value


def synthetic_sets(pool: int, size: int, repeats: int) -> list[np.ndarray]:
    """Indices of the synthetic strips of each repeat: disjoint runs of ``size`` where the pool holds
    ``repeats`` of them, else ``size`` drawn at random per repeat (seeded by the repeat); never more than
    the pool."""
    size = min(size, pool)
    if pool >= repeats * size:
        return [np.arange(k * size, (k + 1) * size) for k in range(repeats)]
    return [np.sort(np.random.default_rng(k).choice(pool, size, replace=False)) for k in range(repeats)]


def repeat_aucs(real: list[dict], synthetic: list[dict], folds: int, seed: int) -> dict[str, float]:
    """The cross-validated AUC of all features and of each group alone, folds drawn with ``seed``."""
    rows = real + synthetic
    y = np.array([1] * len(real) + [0] * len(synthetic))

    def matrix(groups) -> np.ndarray:
        return np.array([np.concatenate([f[g] for g in groups]) for f in rows])

    return {"all": cv_auc(matrix(GROUPS), y, folds, seed), **{g: cv_auc(matrix([g]), y, folds, seed) for g in GROUPS}}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--real", required=True, help="folder of real strips")
    p.add_argument("--synthetic", required=True, help="folder of synthetic strips")
    p.add_argument("--folds", type=int, default=5)
    p.add_argument("--limit", type=int, default=None, help="at most this many strips of each folder")
    p.add_argument("--table", help="strips table of the real strips (strips.csv), for --part")
    p.add_argument("--part", choices=("tune", "measure"), help="with --table: only this part of the real strips")
    p.add_argument("--repeats", type=positive, default=5,
                   help="times the AUC is measured, each on other synthetic strips and folds (default 5); "
                        "the mean is reported")
    p.add_argument("--report", help="PNG to draw the comparison into")
    p.add_argument("--no-real-crops", action="store_true", help="leave the real crops out of the report")
    p.add_argument("--cnn", action="store_true",
                   help="also the cross-validated AUC of a small CNN on full-resolution crops (realism_cnn.py; "
                        "a few minutes on a CPU)")
    args = p.parse_args()
    real_paths = strip_paths(args.real, args.limit, args.table, args.part)
    pool = strip_paths(args.synthetic, None)
    sets = synthetic_sets(len(pool), args.limit or len(real_paths), args.repeats)
    real = [features(read_grey(path)) for path in real_paths]
    synthetic = {i: features(read_grey(pool[i])) for i in sorted(set(np.concatenate(sets).tolist()))}
    repeats = [repeat_aucs(real, [synthetic[i] for i in chosen], args.folds, seed) for seed, chosen in enumerate(sets)]
    result = {"machine": f"{platform.machine()}, {os.cpu_count()} CPU cores", "real": len(real),
              "real_part": args.part or "all", "synthetic": len(sets[0]), "synthetic_used": len(synthetic),
              "folds": args.folds, "repeats": len(sets),
              "auc_all_features": round(float(np.mean([r["all"] for r in repeats])), 4),
              "auc_spread": round(float(np.std([r["all"] for r in repeats])), 4),
              "auc_each_repeat": [round(r["all"], 4) for r in repeats],
              "auc_by_group": {g: round(float(np.mean([r[g] for r in repeats])), 4) for g in GROUPS}}
    synthetic_paths = [pool[i] for i in sets[0]]
    if args.cnn:
        from realism_cnn import cnn_auc  # heavy: TensorFlow, only for --cnn

        y = np.array([1] * len(real_paths) + [0] * len(synthetic_paths))
        auc, used = cnn_auc([read_grey(p) for p in real_paths + synthetic_paths], y, args.folds)
        result["cnn"] = {"auc": round(auc, 4), "strips": used}
    print(json.dumps(result, indent=1))
    if args.report:
        from realism_report import draw_report  # heavy: matplotlib, only for --report

        draw_report(real_paths, synthetic_paths, result, args.report, real_crops=not args.no_real_crops)


if __name__ == "__main__":
    main()
