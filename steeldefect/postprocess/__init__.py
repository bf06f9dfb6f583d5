"""Post-processing: the one definition of how ensemble probabilities become masks, shared by tuning and prediction.

- ``masks``: pure numpy (and cv2) thresholding, small-component removal, minimum area, resizing;
- ``gating``: which (image, class) masks the classifier empties, and which images skip the segmenters;
- ``thresholds``: the tuned values (``thresholds.yaml``) as a frozen dataclass, read and written.

Tuning (``steeldefect.tuning``) searches these rules exactly on out-of-fold predictions; prediction
(``steeldefect.prediction``) applies them; both import them from here.
"""
