"""A small CNN that tells real strips from synthetic ones on crops at full resolution (bench_realism --cnn).

Each strip gives CROPS random CROP x CROP crops of its steel (columns whose mean grey is at least
MARGIN_GREY: the black margin left out), at full resolution, so grain, JPEG blocks and fine edges are
visible. Strips are split into stratified folds; a three-layer CNN trains on the crops of the other
folds' strips and scores each held-out strip by the mean of its crops' probabilities; ROC AUC over the
held-out strips (0.5: cannot tell). Seeded: the same strips give the same AUC on one machine.
"""

from __future__ import annotations

import numpy as np

CROP = 96  # pixels
CROPS = 8  # crops per strip
EPOCHS = 20
BATCH = 32
MARGIN_GREY = 20.0


def strip_crops(grey: np.ndarray, rng: np.random.Generator, crops: int = CROPS, size: int = CROP) -> np.ndarray | None:
    """(crops, size, size) float32 crops of the steel of a grey strip, 0..1; None with too little steel."""
    steel = np.flatnonzero(grey.mean(axis=0) >= MARGIN_GREY)
    if len(steel) < size or grey.shape[0] < size:
        return None
    x0, x1 = int(steel[0]), int(steel[-1]) + 1
    if x1 - x0 < size:
        return None
    xs = rng.integers(x0, x1 - size + 1, crops)
    ys = rng.integers(0, grey.shape[0] - size + 1, crops)
    return np.stack([grey[y:y + size, x:x + size] for x, y in zip(xs, ys)]).astype(np.float32) / 255.0


def _model(size: int):
    import keras  # heavy: TensorFlow, only for --cnn

    layers = keras.layers
    model = keras.Sequential([keras.Input((size, size, 1)),
                              layers.Conv2D(16, 3, strides=2, activation="relu"),
                              layers.Conv2D(32, 3, strides=2, activation="relu"),
                              layers.Conv2D(64, 3, strides=2, activation="relu"),
                              layers.GlobalAveragePooling2D(), layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="binary_crossentropy")
    return model


def cnn_auc(greys: list[np.ndarray], labels: np.ndarray, folds: int = 5, seed: int = 0,
            epochs: int = EPOCHS) -> tuple[float, int]:
    """(cross-validated ROC AUC of the strips, strips used) for grey strips labelled 1 (real) / 0."""
    import keras  # heavy: TensorFlow, only for --cnn
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold

    rng = np.random.default_rng(seed)
    crops = [strip_crops(g, rng) for g in greys]
    keep = np.array([c is not None for c in crops])
    x = np.stack([c for c in crops if c is not None])[..., None]
    y = np.asarray(labels)[keep]
    scores = np.zeros(len(y))
    for train, test in StratifiedKFold(folds, shuffle=True, random_state=seed).split(np.zeros(len(y)), y):
        keras.utils.set_random_seed(seed)
        model = _model(x.shape[2])
        model.fit(x[train].reshape(-1, *x.shape[2:]), np.repeat(y[train], x.shape[1]), epochs=epochs,
                  batch_size=BATCH, shuffle=True, verbose=0)
        probs = model.predict(x[test].reshape(-1, *x.shape[2:]), batch_size=256, verbose=0)[:, 0]
        scores[test] = probs.reshape(len(test), x.shape[1]).mean(axis=1)
    return float(roc_auc_score(y, scores)), int(keep.sum())
