"""The look of clean steel, fitted on real strips and shipped as numbers (never images).

A ``Look`` (steeldefect.artifacts.look_file) holds the binned power spectrum of the texture, the light
profile down the strip, the grain's modulation and flecks, a bank of per-strip brightness and texture
levels, the black-margin frequency and the JPEG quality. ``fit.fit_look`` measures them on real
strips (``measure``, then ``calibrate``), ``field.render_texture`` draws a clean strip from them and
``split.split_real`` divides real strips into a part to tune on and a part to measure on.
``default_look()`` is the look fitted on the tuning part of the real Severstal strips
(``fitted.json`` beside this file).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from steeldefect.artifacts.look_file import Look, read_look

DEFAULT_LOOK_FILE = Path(__file__).with_name("fitted.json")


@lru_cache(maxsize=1)
def default_look() -> Look:
    """The shipped look (fitted.json), read once per process."""
    return read_look(DEFAULT_LOOK_FILE)


__all__ = ["DEFAULT_LOOK_FILE", "Look", "default_look"]
