"""The model code runs on JAX too, in one subprocess with KERAS_BACKEND=jax (the backend is fixed when
keras is first imported): every head case of the shared model tester (classifier 1 and 4 outputs,
every registered decoder) goes through its checks (outputs, save/load, mixed precision) on a tiny
backbone, then a segmenter and a classifier take one training step."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
TIMEOUT_S = 300  # generous: CI shares two cores between test workers
# XLA compiles every new shape (each weight initialiser too); unoptimised CPU code compiles ~10x
# faster, and speed of the compiled code does not matter for a few tiny steps.
FAST_COMPILE_XLA_FLAGS = "--xla_backend_optimization_level=0 --xla_llvm_disable_expensive_passes=true"

SCRIPT = textwrap.dedent(
    """
    import tempfile
    from pathlib import Path

    import keras
    import numpy as np

    assert keras.backend.backend() == "jax", keras.backend.backend()
    from steeldefect.models.backbones import BACKBONE_LAYER_NAME, CaffePreprocess, register_backbone
    from steeldefect.models.classifier import build_classifier
    from steeldefect.models.losses import CompetitionDice, get_loss
    from steeldefect.models.segmenter import FINAL_OUTPUT_NAME, build_segmenter
    from testkit import model_tester as tester


    @register_backbone("tiny")
    def build_tiny(input_shape, imagenet_h5):
        # Five stride-2 convolutions: the backbone contract at a fraction of a real one's size,
        # since JAX compiles each new weight shape and a full backbone has hundreds.
        inputs = keras.Input(shape=input_shape)
        x, features = CaffePreprocess()(inputs), []
        for filters in (4, 8, 8, 16, 16):
            x = keras.layers.Conv2D(filters, 3, strides=2, padding="same", activation="relu")(x)
            features.append(x)
        return keras.Model(inputs, features, name=BACKBONE_LAYER_NAME)


    # the model tester's checks on every head case (JAX compiles each; the tiny backbone keeps it short)
    with tempfile.TemporaryDirectory() as tmp:
        for case in tester.head_cases():
            model, x = case.build("tiny"), tester.images()
            tester.check_save_load(model, Path(tmp) / f"{case.id}.keras", x, tester.check_outputs(model, "tiny", case, x))
            tester.check_mixed_precision("tiny", case, x)
            print("checked", case.id)

    rng = np.random.default_rng(0)
    images = rng.uniform(0, 255, (2, 32, 64, 3)).astype("float32")
    masks = (rng.uniform(size=(2, 32, 64, 4)) > 0.9).astype("float32")

    segmenter = build_segmenter("tiny", (32, 64, 3), decoder_filters=(16, 8, 8, 4, 4), deep_supervision=True)
    outputs = segmenter(images)
    assert [tuple(o.shape) for o in outputs] == [(2, 32, 64, 4)] * 4
    segmenter.compile(
        optimizer="adam",
        loss=[get_loss("bce_dice", class_weights=[1, 1, 2, 1])] * len(outputs),
        metrics={FINAL_OUTPUT_NAME: [CompetitionDice()]},
    )
    history = segmenter.fit(images, [masks] * len(outputs), batch_size=2, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0]), history.history
    assert 0.0 <= history.history[FINAL_OUTPUT_NAME + "_competition_dice"][0] <= 1.0, history.history

    classifier = build_classifier("tiny", (32, 64, 3), n_outputs=1, pooling="avgmax")
    classifier.compile(optimizer="adam", loss=get_loss("focal"))
    history = classifier.fit(images, np.array([[1.0], [0.0]], "float32"), batch_size=2, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0]), history.history
    print("JAX OK")
    """
)


@pytest.mark.slow
def test_models_on_jax():
    if importlib.util.find_spec("jax") is None:
        pytest.skip("jax is not installed; `pip install 'jax[cpu]>=0.4.30,<1'` to test the JAX backend")
    env = {
        **os.environ,
        "KERAS_BACKEND": "jax",
        "JAX_PLATFORMS": "cpu",
        "XLA_FLAGS": f"{os.environ.get('XLA_FLAGS', '')} {FAST_COMPILE_XLA_FLAGS}".strip(),
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests")]),  # tests/ for testkit
    }
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=TIMEOUT_S
    )
    if result.returncode != 0 and "No module named 'jax" in result.stderr:
        pytest.skip("jax cannot be imported in this environment")
    assert result.returncode == 0, result.stderr[-4000:]
    assert "JAX OK" in result.stdout
