"""One name list per choice: the schema's Literals are config.choices' tuples, and the registries
declared with them register exactly those names."""

from __future__ import annotations

import typing

import pytest

from steeldefect.config import choices
from steeldefect.config.schema import (AugmentationConfig, ClassifierConfig, FoldsConfig, RuntimeConfig,
                                       SegmenterConfig, TrainConfig)
from steeldefect.registry import Registry


def literal_choices(cls, name):
    hint = typing.get_type_hints(cls)[name]
    literals = [a for a in (typing.get_args(hint) if typing.get_origin(hint) is not typing.Literal else (hint,))
                if typing.get_origin(a) is typing.Literal]
    return typing.get_args(literals[0])


@pytest.mark.parametrize("cls, field, names", [
    (AugmentationConfig, "name", choices.AUGMENTATIONS),
    (TrainConfig, "loss", choices.LOSSES),
    (TrainConfig, "optimizer", choices.OPTIMIZERS),
    (TrainConfig, "schedule", choices.SCHEDULES),
    (TrainConfig, "monitor", choices.MONITORS),
    (TrainConfig, "average_of", choices.AVERAGE_OF),
    (ClassifierConfig, "pooling", choices.POOLINGS),
    (SegmenterConfig, "decoder", choices.DECODERS),
    (RuntimeConfig, "strategy", choices.STRATEGIES),
    (RuntimeConfig, "mixed_precision", choices.MIXED_PRECISION),
    (FoldsConfig, "run", (choices.ALL_FOLDS,)),
])
def test_schema_literals_are_the_name_lists(cls, field, names):
    assert literal_choices(cls, field) == names


def test_monitors_are_every_kinds():
    assert choices.MONITORS == ("auto", "val_loss", "val_auc", "val_competition_dice")


def test_loss_registry_registers_exactly_the_declared_names():
    pytest.importorskip("keras")
    from steeldefect.models.losses import available_losses
    from steeldefect.models.losses.loss_registry import _LOSSES

    assert _LOSSES.declared == choices.LOSSES
    assert _LOSSES.missing() == []
    assert available_losses() == sorted(choices.LOSSES)


def test_decoder_registry_registers_exactly_the_declared_names():
    pytest.importorskip("keras")
    from steeldefect.models.segmenter.decoders import _DECODERS, available_decoders

    assert _DECODERS.declared == choices.DECODERS
    assert _DECODERS.missing() == []
    assert available_decoders() == sorted(choices.DECODERS)


def test_classifier_poolings_are_the_declared_ones():
    pytest.importorskip("keras")
    from steeldefect.models.classifier import POOLINGS

    assert POOLINGS is choices.POOLINGS


def test_a_declared_registry_refuses_an_undeclared_name():
    registry = Registry("loss", plural="losses", declared=("bce", "dice"))
    registry.add("bce", object())
    assert registry.missing() == ["dice"]
    with pytest.raises(ValueError, match=r"loss 'iou' is not declared; the declared losses are bce, dice "
                                         r"\(steeldefect/config/choices.py\)"):
        registry.add("iou", object())
