"""Packaging the ensemble for an offline Kaggle kernel: a dataset (wheels, models, thresholds) and a
kernel script that installs from it and writes /kaggle/working/submission.csv."""
