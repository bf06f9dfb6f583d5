"""Named constants of the Severstal task, in one place."""

IMAGE_HEIGHT = 256  # rows of a Severstal strip image, in pixels
IMAGE_WIDTH = 1600  # columns of a Severstal strip image, in pixels
IMAGE_SHAPE = (IMAGE_HEIGHT, IMAGE_WIDTH)  # (height, width) of every mask and image
NUM_CLASSES = 4  # defect classes, numbered 1..NUM_CLASSES as Kaggle does
CLASS_IDS = tuple(range(1, NUM_CLASSES + 1))  # Kaggle's class ids, 1-based
RLE_COLUMNS = tuple(f"rle_{c}" for c in CLASS_IDS)  # per-image table columns holding each class's RLE
ORIGINAL_LAYOUT = "original"  # ImageId_ClassId,EncodedPixels: four rows per image
LATER_LAYOUT = "later"  # ImageId,ClassId,EncodedPixels (train) / ImageId,EncodedPixels,ClassId (submission)
LAYOUTS = (ORIGINAL_LAYOUT, LATER_LAYOUT)
MIN_OUTPUT_PRIOR = 1e-6  # smallest segmenter starting probability: the losses clip probabilities at 1e-7
