"""Draw docs/images/synth_sample.png: synthetic strips (the shipped look, contrast 1) with their mask
contours, one strip per class.

    python benchmarks/draw_synth_sample.py [--out docs/images/synth_sample.png] [--seed 0]
"""

from __future__ import annotations

import argparse

import cv2
import numpy as np

from steeldefect.synth import render_sample, sample_rng

COLOURS = {1: (0, 200, 255), 2: (255, 120, 0), 3: (0, 0, 255), 4: (0, 220, 0)}  # BGR per class
WIDTH = 1100  # pixels of the picture


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default="docs/images/synth_sample.png")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    rows, wanted, index = [], [1, 2, 3, 4], 0
    while wanted:
        image, masks = render_sample(sample_rng(args.seed, "train", index))
        index += 1
        present = [c for c in wanted if masks[c - 1].any()]
        if not present:
            continue
        wanted.remove(present[0])
        picture = image.copy()
        for cls in range(1, 5):
            contours, _ = cv2.findContours(masks[cls - 1], cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
            cv2.drawContours(picture, contours, -1, COLOURS[cls], 2)
        cv2.putText(picture, f"class {present[0]}", (10, 30), cv2.FONT_HERSHEY_SIMPLEX, 1.0, (255, 255, 255), 2)
        rows.append(picture)
        rows.append(np.full((8, image.shape[1], 3), 255, np.uint8))
    sheet = np.vstack(rows[:-1])
    sheet = cv2.resize(sheet, (WIDTH, round(sheet.shape[0] * WIDTH / sheet.shape[1])), interpolation=cv2.INTER_AREA)
    cv2.imwrite(args.out, sheet, [cv2.IMWRITE_PNG_COMPRESSION, 9])
    print(f"{args.out}: {sheet.shape[1]}x{sheet.shape[0]}")


if __name__ == "__main__":
    main()
