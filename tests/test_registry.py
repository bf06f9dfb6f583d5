"""The generic Registry: registration, look-up, the duplicate rule and the unknown-name message."""

from __future__ import annotations

import subprocess
import sys

import pytest

from steeldefect.errors import SteelDefectError
from steeldefect.registry import Registry


def _filled() -> Registry:
    reg = Registry("widget")

    @reg.register("zeta")
    def zeta():
        return "z"

    reg.add("alpha", 1)
    reg.add("mid", 2)
    return reg


def test_register_returns_the_object_and_get_finds_it():
    reg = Registry("widget")

    def build():
        return "built"

    assert reg.register("b")(build) is build
    assert reg.get("b") is build
    assert reg.add("a", 7) == 7
    assert reg.get("a") == 7


def test_names_are_sorted_and_values_keep_registration_order():
    reg = _filled()
    assert reg.names() == ["alpha", "mid", "zeta"]
    assert [v if isinstance(v, int) else v() for v in reg.values()] == ["z", 1, 2]
    assert len(reg) == 3


def test_contains():
    reg = _filled()
    assert "mid" in reg
    assert "nope" not in reg
    assert {"a": 1} not in reg  # unhashable: no TypeError


def test_a_second_registration_of_a_name_is_refused_and_keeps_the_first():
    reg = _filled()
    with pytest.raises(ValueError, match="widget 'alpha' is registered twice"):
        reg.add("alpha", 99)
    with pytest.raises(ValueError, match="widget 'zeta' is registered twice"):
        reg.register("zeta")(lambda: None)
    assert reg.get("alpha") == 1
    assert reg.get("zeta")() == "z"


def test_unknown_name_lists_the_valid_names():
    with pytest.raises(SteelDefectError) as info:
        _filled().get("beta")
    assert str(info.value) == "unknown widget 'beta'; available widgets: alpha, mid, zeta"


def test_plural_is_configurable_and_an_empty_registry_says_none():
    with pytest.raises(SteelDefectError) as info:
        Registry("loss", plural="losses").get("x")
    assert str(info.value) == "unknown loss 'x'; available losses: none"


@pytest.mark.parametrize("name", [{"a": 1}, ["alpha"], None, 3])
def test_unhashable_or_wrong_type_names_give_the_user_error(name):
    with pytest.raises(SteelDefectError) as info:
        _filled().get(name)
    assert str(info.value) == f"unknown widget {name!r}; available widgets: alpha, mid, zeta"


def test_names_must_be_strings():
    with pytest.raises(TypeError, match="widget name must be a string"):
        Registry("widget").add(3, "x")


def test_importing_the_registry_leaves_keras_and_tensorflow_out():
    code = "import sys, steeldefect.registry; print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))"
    loaded = set(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split())
    assert "steeldefect" in loaded
    assert loaded & {"keras", "tensorflow", "jax", "albumentations"} == set()
