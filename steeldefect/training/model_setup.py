"""Build and compile the model of a kind from the config, and name the metric that picks the best epoch."""

from __future__ import annotations

from dataclasses import dataclass

import keras

from steeldefect.config.schema import Config
from steeldefect.constants import NUM_CLASSES
from steeldefect.models.classifier import build_classifier
from steeldefect.models.losses import CompetitionDice, get_loss
from steeldefect.models.model_io import all_layers
from steeldefect.models.segmenter import build_segmenter


@dataclass(frozen=True)
class Monitor:
    """The validation metric that chooses the best checkpoint, drives early stopping and plateaus."""

    name: str  # Keras log key, e.g. val_auc
    mode: str = "max"

    def better(self, value: float, best: float | None) -> bool:
        if best is None:
            return True
        return value > best if self.mode == "max" else value < best


def build_model(kind: str, config: Config, backbone: str, n_classes: int = NUM_CLASSES):
    """The uncompiled Keras model of ``kind`` with ``backbone`` at the configured input size; a segmenter
    has ``n_classes`` output channels (the dataset's classes)."""
    model = config.model(kind)
    shape = (config.data.height, config.data.width, 3)
    if config.train_crop(kind):
        shape = (None, None, 3)  # trained on crops, validated and used on whole images
    weights = model.weights
    if kind == "classifier":
        built = build_classifier(backbone, input_shape=shape, weights=weights, n_outputs=model.n_outputs,
                                 dropout=model.dropout, pooling=model.pooling)
    else:
        built = build_segmenter(backbone, input_shape=shape, weights=weights, decoder=model.decoder,
                                decoder_filters=tuple(model.decoder_filters),
                                deep_supervision=model.deep_supervision, output_prior=model.output_prior,
                                output_stride=model.output_stride, n_classes=n_classes)
    set_bn_momentum(built, model.train.bn_momentum)
    return built


def set_bn_momentum(model, momentum: float | None) -> int:
    """Set the moving-average momentum of every BatchNormalization layer (nested ones too).

    Keras's 0.99 lets the inference statistics lag far behind the weights in a short run from
    random weights, so validation sees near-constant outputs; 0.9 catches up within tens of steps.
    Returns how many layers changed; ``None`` leaves the model as built.
    """
    if momentum is None:
        return 0

    layers = [layer for layer in all_layers(model) if isinstance(layer, keras.layers.BatchNormalization)]
    for layer in layers:
        layer.momentum = float(momentum)
    return len(layers)



def n_outputs(model) -> int:
    """How many outputs a model has (deep supervision: several, the final one last)."""
    return len(model.outputs)


def _metrics(kind: str, config: Config):
    if kind == "classifier":
        n = config.classifier.n_outputs
        return [keras.metrics.AUC(name="auc", multi_label=n > 1, num_labels=n if n > 1 else None)]

    return [CompetitionDice()]


def compile_model(model, kind: str, config: Config, optimizer):
    """Compile with the configured loss and the training metric; return the loss object."""
    train = config.model(kind).train
    class_weights = list(train.class_weights) if train.class_weights else None
    metrics = _metrics(kind, config)
    loss = get_loss(train.loss, class_weights=class_weights)
    n = n_outputs(model)
    if n > 1:  # deep supervision: the same loss on every head, the metric on the final (last) one
        names = model.output_names
        model.compile(optimizer=optimizer, loss={o: loss for o in names},
                      metrics={names[-1]: metrics})
    else:
        model.compile(optimizer=optimizer, loss=loss, metrics=metrics)
    model.optimizer.build(model.trainable_variables)  # so a checkpoint restores the optimizer too
    return loss
