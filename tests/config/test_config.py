"""Config schema: every shipped YAML is valid; bad keys, types and values fail naming their path.

Loading validates the pure checks; backbone names and augmentation params are checked against the
model registry and albumentations by ``check_buildable``, which a run calls before writing anything.
"""

from __future__ import annotations

import copy
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from steeldefect.config import AugmentationConfig, Config, ConfigError, dump_config, load_config, parse_config
from steeldefect.config.validate import validate
from steeldefect.errors import SteelDefectError
from steeldefect.training.buildable import check_buildable

CONFIGS = sorted((Path(__file__).resolve().parents[2] / "configs").glob("*.yaml"))
BACKBONES = ("efficientnet_lite0", "efficientnetb0", "efficientnetb1", "resnet34")  # stands in for the registry (no Keras import)


def _demo() -> dict:
    return yaml.safe_load((Path(__file__).resolve().parents[2] / "configs" / "demo.yaml").read_text())


def _parse(data: dict) -> Config:
    config = parse_config(yaml.safe_dump(data), "bad.yaml", check=False)
    return validate(config, "bad.yaml", backbones=BACKBONES, n_classes=4)  # a Severstal (4-class) dataset


@pytest.mark.parametrize("path", CONFIGS, ids=[p.name for p in CONFIGS])
def test_every_shipped_config_is_valid_buildable_and_round_trips(path):
    config = load_config(path)
    check_buildable(config, str(path))  # the real backbone registry and albumentations
    assert config.fold_list()
    assert parse_config(dump_config(config), "dumped", check=False) == config


def test_configs_folder_holds_demo_and_full():
    assert {"demo.yaml", "full.yaml"} <= {p.name for p in CONFIGS}


def _set(data: dict, dotted: str, value) -> dict:
    data = copy.deepcopy(data)
    *parents, last = dotted.split(".")
    node = data
    for key in parents:
        node = node.setdefault(key, {})
    node[last] = value
    return data


BAD_VALUES = [
    ("segmenter.decoder", "unet3", "bad.yaml: segmenter.decoder: 'unet3' is not one of unetpp, unet"),
    ("segmenter.decodr", "unet", "bad.yaml: segmenter.decodr: unknown key; valid keys are backbones, variant, weights, decoder"),
    ("segmenter.variant", "FPN 2", "bad.yaml: segmenter.variant: 'FPN 2' must be lower-case letters, digits and _"),
    ("data.height", "tall", "bad.yaml: data.height: expected an integer, got 'tall'"),
    ("data.height", 100, "bad.yaml: data.height: 100 is not divisible by 32; use 96 or 128"),
    ("data.width", 64.0, "bad.yaml: data.width: expected an integer, got 64.0"),
    ("data.batch_size", 0, "bad.yaml: data.batch_size: 0 must be at least 1"),
    ("data.pseudo_images", "test_images", "bad.yaml: data.pseudo_labels: is needed too"),
    ("data.pseudo_share", 1.0, "bad.yaml: data.pseudo_share: 1.0 must lie in [0.0, 1.0)"),
    ("data.segmenter_clean_share", 1.5, "bad.yaml: data.segmenter_clean_share: 1.5 must lie in [0.0, 1.0]"),
    ("data.oversample", {5: 2}, "bad.yaml: data.oversample.5: 5 is not a class id; valid ids are 1, 2, 3, 4"),
    ("data.augmentations", [{"name": "Rotate90"}],
     "bad.yaml: data.augmentations[0].name: 'Rotate90' is not one of HorizontalFlip, VerticalFlip"),
    ("classifier.backbones", ["efficientnetb9"],
     "bad.yaml: classifier.backbones[0]: 'efficientnetb9' is not one of efficientnet_lite0, efficientnetb0, efficientnetb1, resnet34"),
    ("classifier.n_outputs", 2, "bad.yaml: classifier.n_outputs: 2 must be 1 (any defect) or 4, one per class"),
    ("classifier.blackout", 1.5, "bad.yaml: classifier.blackout: 1.5 must lie in [0.0, 1.0]"),
    ("classifier.dropout", 1.0, "bad.yaml: classifier.dropout: 1.0 must lie in [0.0, 1.0)"),
    ("classifier.weights", "imagent", "bad.yaml: classifier.weights: 'imagent' is not one of none, imagenet or a path"),
    ("classifier.train.class_weights", [1, 2, 3, 4], "bad.yaml: classifier.train.class_weights: needs one output per class"),
    ("segmenter.train.loss", "iou", "bad.yaml: segmenter.train.loss: 'iou' is not one of bce, dice, bce_dice, focal"),
    ("segmenter.train.schedule", "step", "bad.yaml: segmenter.train.schedule: 'step' is not one of cosine, plateau"),
    ("segmenter.train.average_weights", 20, "bad.yaml: segmenter.train.average_weights: 20 must lie in [1, 10]"),
    ("segmenter.train.average_of", "worst", "bad.yaml: segmenter.train.average_of: 'worst' is not one of last, best"),
    ("segmenter.train.epochs", 0, "bad.yaml: segmenter.train.epochs: 0 must be at least 1"),
    ("segmenter.train.lr", -1e-3, "bad.yaml: segmenter.train.lr: -0.001 must be positive"),
    ("segmenter.train.class_weights", [1, 1, 1], "bad.yaml: segmenter.train.class_weights: [1.0, 1.0, 1.0] must be 4 positive"),
    ("segmenter.decoder_filters", [64, 32], "bad.yaml: segmenter.decoder_filters: [64, 32] must be 5 positive"),
    ("segmenter.deep_supervision", "yes", "bad.yaml: segmenter.deep_supervision: expected true or false, got 'yes'"),
    ("classifier.train.monitor", "val_competition_dice",
     "bad.yaml: classifier.train.monitor: 'val_competition_dice' is not one of auto, val_loss, val_auc for a classifier"),
    ("segmenter.crop", [64, 100], "bad.yaml: segmenter.crop[1]: 100 is not divisible by 32; use 96 or 128"),
    ("segmenter.crop", [64, 800], "bad.yaml: segmenter.crop: width 800 exceeds data.width 768"),
    ("segmenter.crop", [64], "bad.yaml: segmenter.crop: [64] must be [height, width]"),
    ("segmenter.crop", None, "bad.yaml: segmenter.crop_class_weights: needs segmenter.crop"),
    ("segmenter.output_stride", 3, "bad.yaml: segmenter.output_stride: 3 must be one of 1, 2, 4"),
    ("segmenter.output_prior", 1e-9, "bad.yaml: segmenter.output_prior: 1e-09 must lie in [1e-06, 1)"),
    ("segmenter.train.bn_momentum", 1.0, "bad.yaml: segmenter.train.bn_momentum: 1.0 must lie in [0.0, 1.0)"),
    ("folds.k", 1, "bad.yaml: folds.k: 1 must be at least 2"),
    ("folds.run", [0, 7], "bad.yaml: folds.run[1]: fold 7 does not exist with k=3; use 0..2"),
    ("folds.run", "some", "bad.yaml: folds.run: 'some' is not one of all"),
    ("runtime.strategy", "gpu", "bad.yaml: runtime.strategy: 'gpu' is not one of auto, tpu, mirrored, default"),
    ("runtime.mixed_precision", True, "bad.yaml: runtime.mixed_precision: True is not one of auto, on, off"),
    ("tta", {"flips": True}, "bad.yaml: tta: unknown key; valid keys are name, seed, data"),
]


@pytest.mark.parametrize("dotted, value, message", BAD_VALUES, ids=[f"{d}={v}" for d, v, _ in BAD_VALUES])
def test_bad_values_name_file_key_and_choices(dotted, value, message):
    with pytest.raises(SteelDefectError) as err:
        _parse(_set(_demo(), dotted, value))
    assert str(err.value).startswith(message), str(err.value)


def test_class_fields_follow_the_dataset_class_count():
    """Loaded alone a config checks its class fields against themselves; with a dataset, against its K."""
    three = _set(_set(_demo(), "classifier.n_outputs", 3), "segmenter.train.class_weights", [1, 2, 3])
    three = _set(_set(three, "data.oversample", {2: 5}), "segmenter.crop_class_weights", [1, 1, 1])
    config = parse_config(yaml.safe_dump(three), "own.yaml", check=False)
    assert validate(config, "own.yaml").classifier.n_outputs == 3
    assert validate(config, "own.yaml", n_classes=3).segmenter.train.class_weights == (1, 2, 3)
    with pytest.raises(SteelDefectError, match="own.yaml: classifier.n_outputs: 3 must be 1 .any defect. or 4"):
        validate(config, "own.yaml", n_classes=4)
    with pytest.raises(SteelDefectError, match="data.oversample.4: 4 is not a class id; valid ids are 1, 2, 3$"):
        validate(parse_config(yaml.safe_dump(_set(three, "data.oversample", {4: 2})), "own.yaml", check=False),
                 "own.yaml", n_classes=3)


UNBUILDABLE = [
    ("data.augmentations", [{"name": "GaussNoise", "params": {"sigma": 3}}],
     "bad.yaml: data.augmentations[0].params: GaussNoise rejects {'sigma': 3}: no parameter sigma"),
    ("data.augmentations", [{"name": "HorizontalFlip"}, {"name": "Affine", "params": {"scale": "big"}}],
     "bad.yaml: data.augmentations[1].params: Affine rejects {'scale': 'big'}: "),
    ("classifier.backbones", ["efficientnetb0", "vgg16"],
     "bad.yaml: classifier.backbones[1]: 'vgg16' is not one of efficientnet_lite0, efficientnetb0, "),
    ("segmenter.backbones", ["efficientnetb9"], "bad.yaml: segmenter.backbones[0]: 'efficientnetb9' is not one of "),
]


@pytest.mark.parametrize("dotted, value, message", UNBUILDABLE, ids=[f"{d}={v}" for d, v, _ in UNBUILDABLE])
def test_unknown_backbones_and_bad_augmentation_params_load_but_are_not_buildable(dotted, value, message):
    config = parse_config(yaml.safe_dump(_set(_demo(), dotted, value)), "bad.yaml")  # the pure checks pass
    with pytest.raises(ConfigError) as err:
        check_buildable(config, "bad.yaml")
    assert str(err.value).startswith(message), str(err.value)
    assert "\n" not in str(err.value)


def test_an_output_stride_the_decoder_cannot_stop_at_is_not_buildable(monkeypatch):
    from steeldefect.models.segmenter import decoders

    data = _set(_set(_demo(), "segmenter.decoder", "unetpp"), "segmenter.output_stride", 4)
    config = parse_config(yaml.safe_dump(data), "bad.yaml")  # 4 is a valid stride for some decoder
    check_buildable(config, "ok.yaml")  # every registered decoder stops at 1, 2 or 4
    full_only = {"unetpp": (1,)}  # a decoder registered with full resolution only
    monkeypatch.setattr(decoders, "output_strides", lambda name: full_only.get(name, (1, 2, 4)))
    with pytest.raises(ConfigError, match=r"^bad.yaml: segmenter.output_stride: decoder 'unetpp' supports 1, not 4$"):
        check_buildable(config, "bad.yaml")
    check_buildable(parse_config(yaml.safe_dump(_set(data, "segmenter.decoder", "fpn")), "ok.yaml"))


def test_validate_checks_backbone_names_only_against_a_given_list():
    config = parse_config(yaml.safe_dump(_set(_demo(), "classifier.backbones", ["vgg16"])), "bad.yaml")
    assert validate(config, "bad.yaml") == config
    with pytest.raises(ConfigError, match=r"^bad.yaml: classifier.backbones\[0\]: 'vgg16' is not one of resnet34$"):
        validate(config, "bad.yaml", backbones=("resnet34",))
    empty = _set(_demo(), "segmenter.backbones", [])
    with pytest.raises(ConfigError, match=r"^bad.yaml: segmenter.backbones: is empty; list at least one backbone$"):
        parse_config(yaml.safe_dump(empty), "bad.yaml")


UNBUILDABLE_RUNS = {
    "unknown backbone": ("classifier.backbones[0]: 'vgg16' is not one of ",
                         lambda c: replace(c, classifier=replace(c.classifier, backbones=("vgg16",)))),
    "bad augmentation params": ("data.augmentations[0].params: GaussNoise rejects {'sigma': 3}",
                                lambda c: replace(c, data=replace(c.data, augmentations=(
                                    AugmentationConfig(name="GaussNoise", params={"sigma": 3}),)))),
}


@pytest.fixture(scope="module")
def tiny_set(tmp_path_factory) -> Path:
    from steeldefect.synth import generate_dataset

    out = tmp_path_factory.mktemp("synth")
    generate_dataset(out, 4, 2, seed=0, progress=False)
    return out


@pytest.mark.parametrize("case", list(UNBUILDABLE_RUNS))
def test_a_run_of_an_unbuildable_config_fails_in_one_line_before_writing(case, tiny_set, tmp_path):
    from steeldefect.training.run import train

    message, spoil = UNBUILDABLE_RUNS[case]
    config = spoil(Config(name="unbuildable"))
    runs = tmp_path / "runs"
    runs.mkdir()
    with pytest.raises(ConfigError) as err:
        train("classifier", config, 0, tiny_set, runs)
    assert str(err.value).startswith(f"config: {message}"), str(err.value)
    assert "\n" not in str(err.value)
    assert list(runs.rglob("*")) == []


def test_a_run_of_an_unknown_backbone_argument_fails_before_writing(tiny_set, tmp_path):
    from steeldefect.training.run import train

    runs = tmp_path / "runs"
    runs.mkdir()
    with pytest.raises(ConfigError, match=r"classifier.backbones\[0\]: 'vgg16' is not one of efficientnet_lite0, efficientnetb0"):
        train("classifier", Config(name="ok"), 0, tiny_set, runs, backbone="vgg16")
    assert list(runs.rglob("*")) == []


def test_missing_sections_take_defaults_and_run_all_folds():
    config = _parse({"name": "minimal"})
    assert config == validate(Config(name="minimal"), backbones=BACKBONES)
    assert config.fold_list() == tuple(range(config.folds.k))


def test_numbers_written_without_dot_are_accepted_as_floats():
    config = _parse(_set(_demo(), "segmenter.train.lr", "1e-3"))
    assert config.segmenter.train.lr == pytest.approx(1e-3)


def test_load_config_reports_missing_file_and_bad_yaml(tmp_path):
    with pytest.raises(SteelDefectError, match="config file not found"):
        load_config(tmp_path / "nope.yaml")
    (tmp_path / "broken.yaml").write_text("data: [unclosed\n")
    with pytest.raises(SteelDefectError, match=r"broken.yaml: not valid YAML"):
        load_config(tmp_path / "broken.yaml")


def test_configs_are_frozen():
    config = Config()
    with pytest.raises(AttributeError):
        config.seed = 1  # type: ignore[misc]
