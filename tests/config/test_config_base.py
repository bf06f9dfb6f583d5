"""base: a config file extending another (relative to the file; chains allowed): mappings merge key by key,
the child wins, lists are replaced; a cycle and a missing base are one clear error each."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from steeldefect.config import ConfigError, load_config, parse_config

DEMO = Path(__file__).resolve().parents[2] / "configs" / "demo.yaml"


@pytest.fixture
def folder(tmp_path) -> Path:
    """tmp/base/demo.yaml, the shipped demo config, for children to extend."""
    (tmp_path / "base").mkdir()
    shutil.copy(DEMO, tmp_path / "base" / "demo.yaml")
    return tmp_path


def test_a_child_overrides_one_nested_key_and_keeps_the_rest(folder):
    (folder / "short.yaml").write_text("base: base/demo.yaml\nsegmenter:\n  train:\n    epochs: 2\n")
    child, demo = load_config(folder / "short.yaml"), load_config(DEMO)
    assert child.segmenter.train.epochs == 2
    assert child.segmenter.train.loss == demo.segmenter.train.loss and child.segmenter.crop == demo.segmenter.crop
    assert child.classifier == demo.classifier and child.data == demo.data and child.name == demo.name


def test_lists_are_replaced_not_merged(folder):
    (folder / "child.yaml").write_text("base: base/demo.yaml\nfolds: {run: [1, 2]}\n"
                                       "data: {augmentations: [{name: HorizontalFlip}]}\n")
    child = load_config(folder / "child.yaml")
    assert child.folds.run == (1, 2) and child.folds.k == load_config(DEMO).folds.k
    assert [a.name for a in child.data.augmentations] == ["HorizontalFlip"]


def test_a_chain_resolves_each_base_relative_to_its_own_file(folder, monkeypatch):
    (folder / "base" / "middle.yaml").write_text("base: demo.yaml\nname: middle\nseed: 7\nsegmenter: {train: {epochs: 3}}\n")
    (folder / "deep").mkdir()
    (folder / "deep" / "leaf.yaml").write_text("base: ../base/middle.yaml\nname: leaf\nsegmenter: {train: {lr: 0.01}}\n")
    monkeypatch.chdir(folder / "deep")  # not the folder the paths are relative to
    leaf = load_config(Path("leaf.yaml"))
    assert (leaf.name, leaf.seed, leaf.segmenter.train.epochs) == ("leaf", 7, 3)
    assert leaf.segmenter.train.lr == pytest.approx(0.01)
    assert leaf.data == load_config(DEMO).data


def test_overrides_apply_over_the_merged_chain(folder):
    (folder / "short.yaml").write_text("base: base/demo.yaml\nsegmenter: {train: {epochs: 2}}\n")
    config = load_config(folder / "short.yaml", overrides=["segmenter.train.epochs=5"])
    assert config.segmenter.train.epochs == 5


def test_a_cycle_is_one_clear_error(tmp_path):
    (tmp_path / "a.yaml").write_text("base: b.yaml\nseed: 1\n")
    (tmp_path / "b.yaml").write_text("base: a.yaml\nseed: 2\n")
    (tmp_path / "self.yaml").write_text("base: self.yaml\n")
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path / "a.yaml")
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    assert str(info.value) == f"config bases form a cycle: {a} -> {b} -> {a}"
    with pytest.raises(ConfigError, match="config bases form a cycle: .*self.yaml -> .*self.yaml$"):
        load_config(tmp_path / "self.yaml")


def test_a_missing_base_is_one_line_naming_it(tmp_path):
    (tmp_path / "child.yaml").write_text("base: nothere.yaml\nseed: 1\n")
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path / "child.yaml")
    message = str(info.value)
    assert message == f"config file not found: {tmp_path / 'nothere.yaml'} (the base of {tmp_path / 'child.yaml'})"
    assert "\n" not in message


def test_errors_name_the_file_and_its_bases(folder):
    (folder / "bad.yaml").write_text("base: base/demo.yaml\ndata: {batch_size: 0}\n")
    with pytest.raises(ConfigError, match=r"bad.yaml \(extending .*demo.yaml\): data.batch_size: 0 must be at least 1"):
        load_config(folder / "bad.yaml")
    (folder / "typo.yaml").write_text("base: base/demo.yaml\nsegmenter: {train: {epoch: 2}}\n")
    with pytest.raises(ConfigError, match="segmenter.train.epoch: unknown key; valid keys are epochs"):
        load_config(folder / "typo.yaml")
    (folder / "notname.yaml").write_text("base: [a.yaml]\n")
    with pytest.raises(ConfigError, match=r"notname.yaml: base: expected the file name of a config, got \['a.yaml'\]"):
        load_config(folder / "notname.yaml")
    (folder / "list.yaml").write_text("- 1\n")
    (folder / "onlist.yaml").write_text("base: list.yaml\n")
    with pytest.raises(ConfigError, match="list.yaml: expected a mapping of keys .it is the base of .*onlist.yaml"):
        load_config(folder / "onlist.yaml")


def test_base_null_is_no_base(tmp_path):
    (tmp_path / "c.yaml").write_text("base: null\nseed: 3\n")
    assert load_config(tmp_path / "c.yaml").seed == 3


def test_text_without_a_file_cannot_name_a_base():
    with pytest.raises(ConfigError, match="t.yaml: base: a base config is read from a config file only"):
        parse_config("base: demo.yaml\n", "t.yaml")
