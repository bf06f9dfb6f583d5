"""The Kaggle data layer: RLE, label tables, images and submissions."""
