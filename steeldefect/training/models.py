"""Build and compile the model of a kind from the config, and name the metric that picks the best epoch."""

from __future__ import annotations

from dataclasses import dataclass

from steeldefect.config.schema import Config


@dataclass(frozen=True)
class Monitor:
    """The validation metric that chooses the best checkpoint, drives early stopping and plateaus."""

    name: str  # Keras log key, e.g. val_auc
    mode: str = "max"

    def value(self, logs: dict) -> float | None:
        """The monitored value in epoch logs; with several outputs Keras prefixes the output name."""
        if self.name in logs:
            return logs[self.name]
        suffix = "_" + self.name.removeprefix("val_")
        found = [k for k in logs if k.startswith("val_") and k.endswith(suffix)]
        return logs[found[-1]] if found else None

    def better(self, value: float, best: float | None) -> bool:
        if best is None:
            return True
        return value > best if self.mode == "max" else value < best


def build_model(kind: str, config: Config, backbone: str):
    """The uncompiled Keras model of ``kind`` with ``backbone`` at the configured input size."""
    model = config.model(kind)
    shape = (config.data.height, config.data.width, 3)
    weights = model.weights
    if kind == "classifier":
        from steeldefect.classifier import build_classifier

        return build_classifier(backbone, input_shape=shape, weights=weights, n_outputs=model.n_outputs,
                                dropout=model.dropout, pooling=model.pooling)
    from steeldefect.segmenter import build_segmenter

    return build_segmenter(backbone, input_shape=shape, weights=weights, decoder=model.decoder,
                           decoder_filters=tuple(model.decoder_filters),
                           deep_supervision=model.deep_supervision)


def n_outputs(model) -> int:
    """How many outputs a model has (deep supervision: several, the final one last)."""
    return len(model.outputs)


def _metrics(kind: str, config: Config):
    import keras

    if kind == "classifier":
        n = config.classifier.n_outputs
        return [keras.metrics.AUC(name="auc", multi_label=n > 1, num_labels=n if n > 1 else None)]
    from steeldefect.losses import CompetitionDice

    return [CompetitionDice()]


def compile_model(model, kind: str, config: Config, optimizer) -> Monitor:
    """Compile with the configured loss and the validation metric; return the monitor."""
    from steeldefect.losses import get_loss

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
    return Monitor(f"val_{metrics[0].name}", "max")
