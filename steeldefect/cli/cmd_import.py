"""`steeldefect import`: a dataset folder from an annotation tool's export (masks or COCO)."""

from __future__ import annotations

import argparse
from pathlib import Path

from steeldefect.artifacts.dataset_file import DATASET_FILE
from steeldefect.cli.commands import arguments, command
from steeldefect.cli.options import path_or_none
from steeldefect.logs import QUIET
from steeldefect.stages.import_stage import IMPORT_FORMATS, ImportArgs, import_dataset


def _add(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", required=True, choices=IMPORT_FORMATS,
                   help="masks: one PNG mask per image (index masks, or CVAT colour masks with labelmap.txt); "
                        "coco: a COCO instances JSON (polygons or RLE)")
    p.add_argument("--images", required=True, metavar="DIR", help="folder of the annotated images")
    p.add_argument("--masks", metavar="DIR", default=None,
                   help="--format masks: folder of PNG masks named like their images (a.jpg -> a.png)")
    p.add_argument("--annotations", metavar="FILE", default=None, help="--format coco: the instances JSON")
    p.add_argument("--classes", metavar="NAMES", default=None,
                   help="index masks: class names of pixel values 1, 2, ... (comma-separated); default: "
                        "classes.txt beside the masks, else class_1..class_K with K the largest value")
    p.add_argument("--out", required=True, metavar="DIR", help="dataset folder to write")
    p.add_argument("--test", metavar="DIR", default=None,
                   help="unlabelled images: copied to test_images/ and listed in sample_submission.csv")
    p.add_argument("--link", action="store_true", help="symlink the training images instead of copying them")
    p.add_argument("--force", action="store_true",
                   help="replace a non-empty --out (only once the new folder is complete)")
    p.add_argument("--skip-bad", action="store_true",
                   help="leave out bad images (and list them) instead of stopping at the first problem")
    p.add_argument("--name", default=None, help=f"the dataset's name in {DATASET_FILE}")


@command("import",
         description="Write a dataset folder (train_images/, train.csv in the later Kaggle layout, "
                     f"{DATASET_FILE} "
                     "naming the classes and image sizes; with --test also test_images/ and "
                     "sample_submission.csv) from index masks (pixel value = class id, as MMSegmentation uses), "
                     "CVAT 'Segmentation mask' exports (colour masks and labelmap.txt) or COCO instances JSON "
                     "(CVAT, Label Studio, Roboflow). Images may have any size; a mask must match its image. "
                     "Nothing is half-written: the folder is built beside --out and renamed into place.",
         epilog="examples:\n"
                "  steeldefect import --format masks --images export/images --masks export/masks "
                "--classes scratch,pit --out data/line3\n"
                "  steeldefect import --format coco --annotations export/instances.json --images export/images "
                "--test export/unlabelled --out data/line3")
@arguments(_add)
def run(args: argparse.Namespace) -> int:
    result = import_dataset(ImportArgs(
        format=args.format, images=Path(args.images), out=Path(args.out), masks=path_or_none(args.masks),
        annotations=path_or_none(args.annotations),
        classes=tuple(args.classes.split(",")) if args.classes else None, test=path_or_none(args.test),
        link=args.link, force=args.force, skip_bad=args.skip_bad, name=args.name,
        progress=args.verbosity > QUIET))
    print(result.text())
    return 0
