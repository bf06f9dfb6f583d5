"""Timing of the app on a full-size (12,568-image) label table; run by hand, not collected by pytest.

    .venv/bin/python benchmarks/bench_app.py [--real ../shared/real] [--work /tmp/steeldefect_bench]

The table is real: every image's classes from train_class_flags.csv, real masks from
train_masks_2515.csv (recycled by class where the image's own are unknown); a prediction is the same
presence with masks drawn with another seed (so Dice is realistic, not 1). Images: the ten real ones.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]  # the package, and tests/ for testkit

from steeldefect.analysis.app.dash_callbacks import comparison_view, distribution_view, image_view, navigate
from steeldefect.analysis.app.compare import compare_sets
from steeldefect.analysis.app.index import build_app_data
from steeldefect.analysis.app.render import ImageStore
from steeldefect.analysis.app.server import create_app, render_image
from steeldefect.data.labels import read_labels, write_labels
from steeldefect.data.submission import write_submission
from testkit.recycled_labels import recycle_masks
from steeldefect.analysis.eda.label_sources import load_label_source


def timed(fn, repeat: int = 1):
    times, out = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return out, statistics.median(times)


def build(real: Path, work: Path) -> tuple[Path, Path]:
    data = work / "data"
    (data / "train_images").mkdir(parents=True, exist_ok=True)
    for image in (real / "images").iterdir():
        shutil.copyfile(image, data / "train_images" / image.name)
    flags = load_label_source(real / "train_class_flags.csv")
    masks = read_labels(real / "train_masks_2515.csv", check=False)
    write_labels(recycle_masks(flags.image_ids, flags.presence, masks, seed=0), data / "train.csv")
    pred = work / "pred_recycled.csv"
    write_submission(recycle_masks(flags.image_ids, flags.presence, masks.iloc[::-1], seed=1), pred)
    return data, pred


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--real", default=str(ROOT.parent / "shared" / "real"))
    parser.add_argument("--work", default="/tmp/steeldefect_bench")
    args = parser.parse_args()
    real, work = Path(args.real), Path(args.work)
    data_dir, pred = build(real, work)
    data, t_index = timed(lambda: build_app_data(data_dir, preds=[str(pred), str(real / "predictions_stage1.csv")]))
    _, t_app = timed(lambda: create_app(data))
    store = ImageStore(data.image_dirs)
    print(f"images {len(data.truth.image_ids):,}; masks {int(data.truth.presence.sum()):,}")
    print(f"start-up: index {t_index:.2f} s (truth + 2 submissions), Dash app {t_app:.2f} s")
    _, t = timed(lambda: distribution_view(data, list(data.sets()), "truth"), repeat=5)
    print(f"distribution view (3 sets): {t * 1000:.0f} ms")
    (state, _), t = timed(lambda: navigate(data, {"set": "truth", "image_id": None}, "random"), repeat=5)
    print(f"navigate random: {t * 1000:.1f} ms")
    _, t = timed(lambda: navigate(data, state, "class", cls="2"), repeat=5)
    print(f"navigate by class: {t * 1000:.1f} ms")
    on_disk = store.available()
    _, t = timed(lambda: navigate(data, None, "random", on_disk=on_disk), repeat=5)
    print(f"navigate random among files on disk: {t * 1000:.1f} ms")
    shown = {"set": "truth", "image_id": "0046839bd.jpg"}
    _, t = timed(lambda: image_view(data, shown, "pred1", store), repeat=5)
    print(f"image view (with per-image Dice): {t * 1000:.1f} ms")
    rles = data.truth.rles("0046839bd.jpg")
    _, t_cold = timed(lambda: render_image(data, store, "truth", "0046839bd.jpg"))
    _, t_warm = timed(lambda: render_image(data, store, "truth", "0046839bd.jpg"), repeat=5)
    print(f"render 1600x256 with contours: cold {t_cold * 1000:.0f} ms, cached {t_warm * 1000:.2f} ms "
          f"({len(rles)} classes)")
    _, t_cmp = timed(lambda: comparison_view(data, "truth", "pred1"))
    _, t_cmp2 = timed(lambda: comparison_view(data, "truth", "pred1"), repeat=3)
    print(f"comparison truth vs prediction (12,568 images): first {t_cmp:.2f} s, cached {t_cmp2 * 1000:.0f} ms; "
          f"mean Dice {compare_sets(data.truth, data.get('pred1')).report()['mean']:.4f}")
    _, t = timed(lambda: comparison_view(data, "pred1", "pred2"))
    print(f"comparison with the real stage-1 predictions (no common images): {t * 1000:.0f} ms")


if __name__ == "__main__":
    main()
