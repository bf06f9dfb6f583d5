"""Stage `import`: a dataset folder in the project's layout from an annotation tool's export.

``--format masks``: PNG masks beside the images, index masks (pixel value = class id) or CVAT's colour
masks (a labelmap.txt beside them); ``--format coco``: a COCO instances JSON (polygons or RLE). See
``steeldefect.importing`` for the readers and the folder written.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from tqdm import tqdm

from steeldefect.artifacts.dataset_file import ImageSize
from steeldefect.errors import SteelDefectError
from steeldefect.importing.coco_source import read_coco_export
from steeldefect.importing.dataset_writer import FolderOptions, check_out, write_dataset_folder
from steeldefect.importing.masks_source import read_masks_export
from steeldefect.importing.problems import Problems

IMPORT_FORMATS = ("masks", "coco")  # --format


@dataclass(frozen=True)
class ImportArgs:
    format: Literal["masks", "coco"]  # the export's kind
    images: Path  # folder of the annotated images
    out: Path  # dataset folder to write
    masks: Path | None = None  # --format masks: folder of PNG masks, one per image (same stem)
    annotations: Path | None = None  # --format coco: the instances JSON
    classes: tuple[str, ...] | None = None  # index masks: class names 1..K (else classes.txt or class_1..K)
    test: Path | None = None  # unlabelled images: copied to test_images/ with a sample submission
    link: bool = False  # symlink the training images instead of copying them
    force: bool = False  # replace a non-empty --out once the new folder is complete
    skip_bad: bool = False  # leave bad images out (and list them) instead of stopping at the first
    name: str | None = None  # the dataset's name in dataset.yaml
    progress: bool = True


@dataclass(frozen=True)
class ImportResult:
    out: Path
    class_names: tuple[str, ...]
    sizes: tuple[ImageSize, ...]  # the training images' sizes, the most common first
    n_images: int
    n_test: int
    skipped: tuple[str, ...]  # one line per bad input left out (--skip-bad)
    notes: tuple[str, ...] = ()

    def text(self) -> str:
        """What was written, then what was left out."""
        sizes = ", ".join(f"{s.height}x{s.width} ({s.images})" for s in self.sizes)
        test = f" and {self.n_test} test images" if self.n_test else ""
        lines = [f"{self.n_images} images{test}, {len(self.class_names)} classes "
                 f"({', '.join(self.class_names)}), sizes {sizes} -> {self.out}"]
        lines += [f"note: {n}" for n in self.notes]
        if self.skipped:
            lines.append(f"left out {len(self.skipped)} bad inputs:")
            lines += [f"  {s}" for s in self.skipped]
        return "\n".join(lines)


def _read(args: ImportArgs, problems: Problems):
    def track(items):
        return tqdm(items, desc="import", unit="img", disable=not args.progress, leave=False)

    if args.format == "masks":
        if args.masks is None or args.annotations is not None:
            raise SteelDefectError("--format masks takes --masks DIR (and no --annotations)")
        return read_masks_export(args.images, args.masks, args.classes, problems, track)
    if args.format == "coco":
        if args.annotations is None or args.masks is not None or args.classes:
            raise SteelDefectError("--format coco takes --annotations FILE (and no --masks or --classes: "
                                   "the categories name the classes)")
        return read_coco_export(args.annotations, args.images, problems, track)
    raise SteelDefectError(f"unknown import format {args.format!r}; choose from {', '.join(IMPORT_FORMATS)}")


def import_dataset(args: ImportArgs) -> ImportResult:
    """Read the export named by ``args`` and write it as the dataset folder ``args.out``, all or nothing."""
    options = FolderOptions(Path(args.out), args.test, args.link, args.force, args.name)
    inputs = (args.images, args.masks, args.annotations, args.test)
    check_out(options.out, args.force, inputs)  # before reading thousands of masks
    problems = Problems(skip_bad=args.skip_bad)
    imported = _read(args, problems)
    written = write_dataset_folder(imported, options, inputs)
    return ImportResult(written.out, written.spec.class_names, written.spec.sizes, written.n_images,
                        written.n_test, imported.skipped + written.skipped_test, imported.notes)
