"""The config checks that need the model and pipeline code: backbone names and augmentation params.

``steeldefect.config.validate`` stays pure (no Keras, TensorFlow or albumentations); a run calls
:func:`check_buildable` once, before it writes anything, so a bad name or param fails as a one-line
ConfigError naming the key path instead of deep inside model or pipeline building.
"""

from __future__ import annotations

from steeldefect.config.schema import Config
from steeldefect.config.validate import check_backbone_names
from steeldefect.errors import ConfigError
from steeldefect.pipeline.augment import build_transform

DETAIL_CHARS = 300  # how much of albumentations' message a ConfigError quotes


def registered_backbones() -> tuple[str, ...]:
    """Names of the registered backbones (imports the model code, and with it Keras)."""
    from steeldefect.models.backbones import available_backbones  # heavy: Keras (the model code)

    return tuple(available_backbones())


def check_augmentations(config: Config, source: str = "config") -> None:
    """Build every augmentation with albumentations; ConfigError naming the first that rejects its params."""
    for i, aug in enumerate(config.data.augmentations):
        try:
            build_transform(aug)
        except Exception as err:  # noqa: BLE001 - albumentations raises several kinds
            detail = " ".join(str(err).split())[:DETAIL_CHARS]
            raise ConfigError(f"{source}: data.augmentations[{i}].params: {aug.name} rejects "
                              f"{aug.params!r}: {detail}") from None


def check_output_stride(config: Config, source: str = "config") -> None:
    """ConfigError if the segmenter's decoder cannot stop at segmenter.output_stride."""
    from steeldefect.models.segmenter.decoders import output_strides  # heavy: Keras (the model code)

    model = config.segmenter
    supported = output_strides(model.decoder)
    if model.output_stride not in supported:
        raise ConfigError(f"{source}: segmenter.output_stride: decoder {model.decoder!r} supports "
                          f"{', '.join(map(str, supported))}, not {model.output_stride!r}")


def check_buildable(config: Config, source: str = "config") -> None:
    """Raise ConfigError if a backbone of either model is not registered, the decoder cannot stop at
    the segmenter's output stride, or an augmentation rejects its params."""
    check_backbone_names(config, registered_backbones(), source)
    check_output_stride(config, source)
    check_augmentations(config, source)
