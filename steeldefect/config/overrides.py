"""Layers over a config's YAML mapping before it becomes a :class:`Config`: the base config a file
extends (``base: demo.yaml``) and the command line's ``--set key.path=value``.

Pure functions on plain mappings; ``loader.load_config`` reads the files and applies them, then the
mapping is converted and validated as any config is.
"""

from __future__ import annotations

import copy
import dataclasses
import types
import typing
from collections.abc import Iterable
from typing import Any, Union

import yaml

from steeldefect.config.schema import Config
from steeldefect.errors import ConfigError

BASE_KEY = "base"  # the top-level key naming the config a file extends, relative to that file
SET_EXAMPLE = "--set segmenter.train.epochs=2"  # shown when a --set is malformed


def deep_merge(base: dict, child: dict) -> dict:
    """``child`` over ``base``: mappings merge key by key (recursively), anything else in ``child``
    (a scalar, a list, null) replaces the base's value. Neither input is modified."""
    merged = copy.deepcopy(base)
    for key, value in child.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def parse_override(text: str) -> tuple[tuple[str, ...], Any]:
    """'segmenter.train.epochs=2' -> (('segmenter', 'train', 'epochs'), 2); the value is read as YAML
    (``yaml.safe_load``: 2, 1e-3, null, [0, 1], mean), an empty value is null."""
    key, sep, raw = text.partition("=")
    path = tuple(part.strip() for part in key.split("."))
    if not sep or not all(path):
        raise ConfigError(f"--set {text!r}: write KEY.PATH=VALUE, e.g. {SET_EXAMPLE}")
    try:
        value = yaml.safe_load(raw)
    except yaml.YAMLError as err:
        raise ConfigError(f"--set {key}: cannot read {raw!r} as a YAML value "
                          f"({' '.join(str(err).split())})") from None
    return path, value


def apply_overrides(data: Any, overrides: Iterable[str], schema: type = Config) -> dict:
    """The mapping ``data`` (a config's YAML) with each ``--set`` text applied in order; a key path
    must exist in ``schema`` (sections missing from ``data`` are created), else one error naming the
    key and the valid keys at its level. Lists are replaced whole. ``data`` is not modified."""
    result = copy.deepcopy(data) if data is not None else {}
    if not isinstance(result, dict):
        raise ConfigError(f"--set: the config is not a mapping of keys ({result!r})")
    for text in overrides:
        path, value = parse_override(text)
        _assign(result, path, value, schema)
    return result


def _mapping_hint(hint: Any) -> Any:
    """The dataclass or dict type inside ``hint`` (unwrapping ``X | None``), or None."""
    options = typing.get_args(hint) if typing.get_origin(hint) in (Union, types.UnionType) else (hint,)
    for option in options:
        if dataclasses.is_dataclass(option) or typing.get_origin(option) is dict:
            return option
    return None


def _key_of(key: str, key_type: Any, dotted: str, where: str) -> Any:
    """A key of a dict field as its type wants it ('2' -> 2 for ``dict[int, ...]``)."""
    if key_type is int:
        try:
            return int(key)
        except ValueError:
            raise ConfigError(f"--set {dotted}: the keys of {where} are integers, not {key!r}") from None
    return key


def _assign(data: dict, path: tuple[str, ...], value: Any, schema: type) -> None:
    dotted = ".".join(path)
    node, hint = data, schema
    for i, key in enumerate(path):
        where = ".".join(path[:i])
        mapping = _mapping_hint(hint)  # a dataclass or a dict: checked before descending into it
        if dataclasses.is_dataclass(mapping):
            fields = [f.name for f in dataclasses.fields(mapping)]
            if key not in fields:
                level = f"in {where}" if where else "at the top level"
                raise ConfigError(f"--set {dotted}: unknown key {key!r} {level}; valid keys are {', '.join(fields)}")
            hint = typing.get_type_hints(mapping)[key]
        else:
            key_type, hint = typing.get_args(mapping)
            key = _key_of(key, key_type, dotted, where)
        if i == len(path) - 1:
            node[key] = value
            return
        prefix = ".".join(path[:i + 1])
        if _mapping_hint(hint) is None:
            raise ConfigError(f"--set {dotted}: {prefix} has no keys below it; set it whole ({prefix}=...)")
        child = node.get(key)
        if child is None:
            child = node[key] = {}
        elif not isinstance(child, dict):
            raise ConfigError(f"--set {dotted}: {prefix} is {child!r} in the config, not a section with keys")
        node = child
