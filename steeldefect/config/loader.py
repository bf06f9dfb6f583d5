"""YAML <-> config dataclasses, with errors that name the file and the key path.

The conversion is generic: it walks the dataclass fields and their type hints, so a new section
or field needs no code here. A config file may extend another (``base: demo.yaml``, relative to
the file; chains allowed) and the command line may override any field (``--set key.path=value``):
``overrides.py`` applies both to the YAML mapping before it is converted and validated.
"""

from __future__ import annotations

import dataclasses
import os
import types
import typing
from pathlib import Path
from typing import Any, Literal, Union

import yaml

from steeldefect.config.overrides import BASE_KEY, apply_overrides, deep_merge
from steeldefect.config.schema import Config
from steeldefect.config.validate import validate
from steeldefect.data.io import atomic_write
from steeldefect.errors import ConfigError


def _join(path: str, key: Any) -> str:
    return f"{path}.{key}" if path else str(key)


def _fail(source: str, path: str, message: str) -> typing.NoReturn:
    raise ConfigError(f"{source}: {path or '<top>'}: {message}")


def _type_name(hint: Any) -> str:
    origin = typing.get_origin(hint)
    if hint is type(None):
        return "null"
    if origin is Literal:
        return "one of " + ", ".join(str(a) for a in typing.get_args(hint))
    if origin in (Union, types.UnionType):
        return " or ".join(_type_name(a) for a in typing.get_args(hint))
    if origin is tuple:
        return f"a list of {_type_name(typing.get_args(hint)[0])}"
    if origin is dict:
        return "a mapping"
    if dataclasses.is_dataclass(hint):
        return "a mapping"
    return {int: "an integer", float: "a number", str: "a string", bool: "true or false"}.get(hint, str(hint))


def _convert(value: Any, hint: Any, source: str, path: str) -> Any:
    """Convert a YAML value to ``hint``; raise ConfigError naming ``path`` if it does not fit."""
    origin = typing.get_origin(hint)
    if hint is Any:
        return value
    if dataclasses.is_dataclass(hint):
        return from_dict(hint, value, source, path)
    if origin in (Union, types.UnionType):
        options = typing.get_args(hint)
        if value is None and type(None) in options:
            return None
        errors = []
        for option in options:
            if option is type(None):
                continue
            try:
                return _convert(value, option, source, path)
            except ConfigError as err:
                errors.append(err)
        literal_errors = [e for e in errors if "is not one of" in str(e)]
        if len(errors) == 1 or (literal_errors and not isinstance(value, (list, dict))):
            raise (literal_errors or errors)[0]
        _fail(source, path, f"{value!r} is not {_type_name(hint)}")
    if origin is Literal:
        choices = typing.get_args(hint)
        if value in choices and type(value) in {type(c) for c in choices}:
            return value
        quote = " (YAML reads an unquoted on/off/yes/no as true/false: quote it)" if isinstance(value, bool) else ""
        _fail(source, path, f"{value!r} is not one of {', '.join(str(c) for c in choices)}{quote}")
    if origin is tuple:
        if not isinstance(value, (list, tuple)):
            _fail(source, path, f"expected {_type_name(hint)}, got {value!r}")
        item = typing.get_args(hint)[0]
        return tuple(_convert(v, item, source, f"{path}[{i}]") for i, v in enumerate(value))
    if origin is dict:
        if value is None:
            return {}
        if not isinstance(value, dict):
            _fail(source, path, f"expected a mapping, got {value!r}")
        key_type, value_type = typing.get_args(hint)
        return {_convert(k, key_type, source, _join(path, k)): _convert(v, value_type, source, _join(path, k))
                for k, v in value.items()}
    if hint is bool:
        if isinstance(value, bool):
            return value
    elif hint is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif hint is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str):  # PyYAML reads 1e-3 (no dot) as a string
            try:
                return float(value)
            except ValueError:
                pass
    elif hint is str:
        if isinstance(value, str):
            return value
    _fail(source, path, f"expected {_type_name(hint)}, got {value!r}")


def from_dict(cls: type, data: Any, source: str = "config", path: str = "") -> Any:
    """Build dataclass ``cls`` from a mapping; unknown keys and wrong types raise ConfigError."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        _fail(source, path, f"expected a mapping of keys, got {data!r}")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = [k for k in data if k not in fields]
    if unknown:
        _fail(source, _join(path, unknown[0]), f"unknown key; valid keys are {', '.join(fields)}")
    values = {name: _convert(data[name], hints[name], source, _join(path, name))
              for name in fields if name in data}
    return cls(**values)


def to_dict(config: Any) -> Any:
    """Plain YAML-ready data (dicts, lists, scalars) of a config dataclass."""
    if dataclasses.is_dataclass(config):
        return {f.name: to_dict(getattr(config, f.name)) for f in dataclasses.fields(config)}
    if isinstance(config, (tuple, list)):
        return [to_dict(v) for v in config]
    if isinstance(config, dict):
        return {k: to_dict(v) for k, v in config.items()}
    return config


def _yaml(text: str, source: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise ConfigError(f"{source}: not valid YAML: {' '.join(str(err).split())}") from None


def _build(data: Any, source: str, check: bool, overrides) -> Config:
    if overrides:
        data = apply_overrides(data, overrides)
        source = f"{source} (with --set)"
    config = from_dict(Config, data, source)
    if check:
        validate(config, source)
    return config


def parse_config(text: str, source: str = "config", check: bool = True, overrides=()) -> Config:
    """Parse YAML text into a :class:`Config`, with the ``--set`` texts ``overrides`` applied, validated
    (pure checks only) unless ``check`` is false.

    Backbone names and augmentation params are checked where the model is built
    (:func:`steeldefect.training.buildable.check_buildable`). A ``base:`` needs a file to be relative
    to: use :func:`load_config`.
    """
    data = _yaml(text, source)
    if isinstance(data, dict) and BASE_KEY in data:
        raise ConfigError(f"{source}: {BASE_KEY}: a base config is read from a config file only (load_config)")
    return _build(data, source, check, overrides)


def _read_layers(path: Path, chain: tuple[tuple[Path, Path], ...] = ()) -> tuple[Any, list[Path]]:
    """The YAML mapping of the config file ``path`` merged over its chain of bases (``base:``), and
    the files read (``path`` first). ``chain``: the (resolved, given) paths of the files extending it."""
    resolved = path.resolve()
    seen = [r for r, _ in chain]
    if resolved in seen:
        names = [str(given) for _, given in chain[seen.index(resolved):]] + [str(path)]
        raise ConfigError(f"config bases form a cycle: {' -> '.join(names)}")
    try:
        text = path.read_text()
    except FileNotFoundError:
        named_by = f" (the {BASE_KEY} of {chain[-1][1]})" if chain else ""
        raise ConfigError(f"config file not found: {path}{named_by}") from None
    data = _yaml(text, str(path))
    if not isinstance(data, dict) or BASE_KEY not in data:
        return data, [path]
    data = dict(data)
    base = data.pop(BASE_KEY)
    if base is None:
        return data, [path]
    if not isinstance(base, str) or not base.strip():
        raise ConfigError(f"{path}: {BASE_KEY}: expected the file name of a config, got {base!r}")
    parent, files = _read_layers(path.parent / Path(base).expanduser(), (*chain, (resolved, path)))
    if not isinstance(parent, dict):
        raise ConfigError(f"{files[0]}: expected a mapping of keys (it is the {BASE_KEY} of {path})")
    return deep_merge(parent, data), [path, *files]


def load_config(path: str | os.PathLike, check: bool = True, overrides=()) -> Config:
    """Read a YAML config file (merged over the configs it extends with ``base:``), apply the
    ``--set`` texts ``overrides`` and validate it; errors name the file (and its bases) and the key path."""
    data, files = _read_layers(Path(path))
    source = str(files[0]) + (f" (extending {', '.join(map(str, files[1:]))})" if len(files) > 1 else "")
    return _build(data, source, check, overrides)


def dump_config(config: Config) -> str:
    """YAML text of a config; load_config of it gives the same config back."""
    return yaml.safe_dump(to_dict(config), sort_keys=False, default_flow_style=None)


def save_config(config: Config, path: str | os.PathLike) -> None:
    """Write a config as YAML atomically."""
    with atomic_write(path) as tmp:
        tmp.write_text(dump_config(config))
