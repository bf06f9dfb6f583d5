"""--set key.path=value: applied to the YAML mapping before it becomes a Config, values read as YAML,
an unknown key path refused naming the key and the valid keys at its level, then validated as usual."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from steeldefect.config import ConfigError, load_config, parse_config
from steeldefect.config.overrides import apply_overrides, deep_merge, parse_override

DEMO = Path(__file__).resolve().parents[2] / "configs" / "demo.yaml"


@pytest.mark.parametrize("text, path, value", [
    ("segmenter.train.epochs=2", ("segmenter", "train", "epochs"), 2),
    ("segmenter.train.lr=1e-3", ("segmenter", "train", "lr"), "1e-3"),  # YAML's own reading; the loader makes it a float
    ("segmenter.train.lr=0.001", ("segmenter", "train", "lr"), 0.001),
    ("folds.run=[0, 1]", ("folds", "run"), [0, 1]),
    ("runtime.tpu=", ("runtime", "tpu"), None),
    ("runtime.tpu=null", ("runtime", "tpu"), None),
    ("name=a=b", ("name",), "a=b"),  # only the first '=' separates
    (" data.batch_size = 4", ("data", "batch_size"), 4),
])
def test_parse_override_reads_the_value_as_yaml(text, path, value):
    assert parse_override(text) == (path, value)


@pytest.mark.parametrize("text, message", [
    ("segmenter.train.epochs", "write KEY.PATH=VALUE, e.g. --set segmenter.train.epochs=2"),
    ("=2", "write KEY.PATH=VALUE"),
    ("segmenter..epochs=2", "write KEY.PATH=VALUE"),
    ("folds.run=[0, 1", "cannot read '[0, 1' as a YAML value"),
])
def test_a_malformed_set_is_one_clear_error(text, message):
    with pytest.raises(ConfigError) as info:
        parse_override(text)
    assert message in str(info.value) and "\n" not in str(info.value)


def test_overrides_reach_nested_keys_create_missing_sections_and_leave_the_input_alone():
    data = {"name": "x", "segmenter": {"train": {"epochs": 9, "loss": "dice"}}, "data": {"oversample": {1: 4}}}
    before = yaml.safe_dump(data)
    out = apply_overrides(data, ["segmenter.train.epochs=2", "classifier.train.lr=0.01", "data.oversample.2=10",
                                 "data.augmentations=[]", "name=y"])
    assert yaml.safe_dump(data) == before
    assert out["segmenter"]["train"] == {"epochs": 2, "loss": "dice"}
    assert out["classifier"] == {"train": {"lr": 0.01}}
    assert out["data"]["oversample"] == {1: 4, 2: 10}  # a dict field's keys take its key type
    assert out["data"]["augmentations"] == [] and out["name"] == "y"
    assert apply_overrides(None, ["seed=1"]) == {"seed": 1}


def test_later_overrides_win_and_lists_are_replaced_whole():
    out = apply_overrides({"folds": {"run": [0, 1, 2]}}, ["folds.run=[0]", "folds.k=3", "folds.k=4"])
    assert out == {"folds": {"run": [0], "k": 4}}


@pytest.mark.parametrize("text, message", [
    ("segmenter.train.epoch=2", "--set segmenter.train.epoch: unknown key 'epoch' in segmenter.train; valid keys "
                                "are epochs, loss, class_weights,"),
    ("nope=1", "--set nope: unknown key 'nope' at the top level; valid keys are name, seed, data, folds, "
               "classifier, segmenter, runtime"),
    ("segmentr.train.epochs=2", "unknown key 'segmentr' at the top level"),
    ("runtime.precision=on", "unknown key 'precision' in runtime; valid keys are strategy, mixed_precision, tpu"),
    ("name.first=a", "--set name.first: name has no keys below it; set it whole (name=...)"),
    ("classifier.backbones.0=resnet34", "classifier.backbones has no keys below it; set it whole"),
    ("data.oversample.two=3", "the keys of data.oversample are integers, not 'two'"),
])
def test_an_unknown_key_path_names_the_key_and_the_valid_keys(text, message):
    with pytest.raises(ConfigError) as info:
        apply_overrides({}, [text])
    assert message in str(info.value) and "\n" not in str(info.value), str(info.value)


def test_a_key_the_file_holds_as_a_value_is_refused():
    with pytest.raises(ConfigError, match="segmenter.train is 3 in the config, not a section with keys"):
        apply_overrides({"segmenter": {"train": 3}}, ["segmenter.train.epochs=2"])


def test_load_config_applies_sets_then_converts_and_validates():
    config = load_config(DEMO, overrides=["segmenter.train.epochs=2", "data.batch_size=4", "segmenter.train.lr=1e-4",
                                          "folds.run=all", "runtime.mixed_precision='off'"])
    base = load_config(DEMO)
    assert config.segmenter.train.epochs == 2 and config.data.batch_size == 4
    assert config.segmenter.train.lr == pytest.approx(1e-4) and config.folds.run == "all"
    assert config.runtime.mixed_precision == "off"
    assert config.classifier == base.classifier and config.segmenter.decoder == base.segmenter.decoder


@pytest.mark.parametrize("text, message", [
    ("data.batch_size=0", "demo.yaml (with --set): data.batch_size: 0 must be at least 1"),
    ("data.height=100", "demo.yaml (with --set): data.height: 100 is not divisible by 32"),
    ("segmenter.train.epochs=two", "demo.yaml (with --set): segmenter.train.epochs: expected an integer, got 'two'"),
    ("segmenter.decoder=unet3", "segmenter.decoder: 'unet3' is not one of unetpp, unet, fpn"),
    ("runtime.mixed_precision=off", "runtime.mixed_precision: False is not one of auto, on, off (YAML reads an "
                                    "unquoted on/off/yes/no as true/false: quote it)"),
])
def test_an_overridden_value_is_validated_as_a_file_value_would_be(text, message):
    with pytest.raises(ConfigError) as info:
        load_config(DEMO, overrides=[text])
    assert message in str(info.value), str(info.value)


def test_parse_config_takes_overrides_too():
    config = parse_config("seed: 1\n", "t.yaml", overrides=["seed=5", "folds.k=3"])
    assert config.seed == 5 and config.folds.k == 3


def test_deep_merge_merges_mappings_and_replaces_everything_else():
    base = {"a": {"b": 1, "c": [1, 2], "d": {"e": 1}}, "f": 1}
    child = {"a": {"c": [3], "d": {"g": 2}}, "f": None, "h": "x"}
    merged = deep_merge(base, child)
    assert merged == {"a": {"b": 1, "c": [3], "d": {"e": 1, "g": 2}}, "f": None, "h": "x"}
    merged["a"]["d"]["e"] = 9
    assert base["a"]["d"]["e"] == 1  # no shared structure with the inputs
