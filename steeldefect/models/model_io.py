"""Loading saved models: registers every steeldefect layer, loss and metric, then keras loads.

Use ``load_model(path)`` instead of ``keras.models.load_model`` so that the custom objects are
registered whichever modules the caller imported.
"""

from __future__ import annotations

import importlib
import os

from steeldefect.errors import SteelDefectError

MODEL_SUFFIX = ".keras"  # Keras 3 whole-model archive
# The packages whose layers, losses and metrics register themselves with keras.saving when imported. They
# import Keras at their top, and this module is imported by light code (selection, tuning), so they are
# loaded like plugins: by name, when a model is about to be loaded.
CUSTOM_OBJECT_MODULES = ("steeldefect.models.backbones", "steeldefect.models.classifier", "steeldefect.models.losses",
                         "steeldefect.models.segmenter")


def all_layers(model):
    """Every layer of ``model``, depth first, the layers of nested models (a backbone, a decoder) included."""
    for layer in model.layers:
        yield layer
        if hasattr(layer, "layers"):
            yield from all_layers(layer)


def register_custom_objects() -> None:
    """Import the modules whose classes are registered with keras.saving (idempotent)."""
    for module in CUSTOM_OBJECT_MODULES:
        importlib.import_module(module)


def load_model(path, compile: bool = False):
    """Load a ``.keras`` model saved by model.save (uncompiled by default: inference, fine-tuning)."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise SteelDefectError(f"model file {path} does not exist")
    if not path.endswith(MODEL_SUFFIX):
        raise SteelDefectError(f"model file {path} must be a Keras 3 {MODEL_SUFFIX} archive (saved with model.save)")
    register_custom_objects()
    import keras  # heavy: Keras

    try:
        return keras.models.load_model(path, compile=compile)
    except Exception as error:
        raise SteelDefectError(f"cannot load model {path} ({type(error).__name__}: {' '.join(str(error).split())[:300]})") from error
