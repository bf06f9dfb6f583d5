"""The classifier gate: which masks are emptied and which images skip the segmenters."""

from __future__ import annotations

import numpy as np
import pytest

from steeldefect.errors import SteelDefectError
from steeldefect.postprocess.gating import check_gate, class_keep, needs_segmenter
from steeldefect.postprocess.rules import ClassThresholds, Thresholds


def test_gates_image_and_class():
    th = Thresholds(classes=tuple(ClassThresholds(gate=g) for g in (0.3, 0.5, 0.0, 0.7)))
    assert th.global_gate == 0.0
    keep = class_keep(np.array([0.2, 0.6]), th, 2)
    assert keep.tolist() == [[False, False, True, False], [True, True, True, False]]
    th2 = Thresholds(classes=tuple(ClassThresholds(gate=g) for g in (0.3, 0.5, 0.4, 0.7)))
    assert th2.global_gate == 0.3
    keep = class_keep(np.array([0.29, 0.3, 0.9]), th2, 3)
    assert needs_segmenter(keep).tolist() == [False, True, True]
    th4 = Thresholds(classes=th2.classes, gate_kind="class")
    assert th4.global_gate is None
    keep = class_keep(np.array([[0.2, 0.4, 0.3, 0.6], [0.2, 0.6, 0.1, 0.1]]), th4, 2)
    assert needs_segmenter(keep).tolist() == [False, True] and keep[1].tolist() == [False, True, False, False]
    assert class_keep(None, th4, 3).all()
    check_gate(4, th4)
    with pytest.raises(SteelDefectError, match="4-output"):
        check_gate(1, th4)
    with pytest.raises(SteelDefectError, match="--no-gate"):
        check_gate(None, th2)
    check_gate(None, Thresholds())


def test_area_factors_soft_and_hard_gate():
    from steeldefect.postprocess.gating import area_factors

    th = Thresholds(classes=(ClassThresholds(gate=0.5), ClassThresholds(gate=0.5, gate_area_factor=5.0),
                             ClassThresholds(gate=0.0, gate_area_factor=2.0), ClassThresholds(gate=0.9)))
    factors = area_factors(np.array([0.2, 0.7]), th, 2)
    assert factors.tolist() == [[np.inf, 5.0, 1.0, np.inf], [1.0, 1.0, 1.0, np.inf]]
    assert needs_segmenter(factors).tolist() == [True, True]  # a soft gate still needs the masks
    assert class_keep(np.array([0.2, 0.7]), th, 2).tolist() == [[False, True, True, False], [True, True, True, False]]
    assert area_factors(None, th, 3).tolist() == [[1.0] * 4] * 3
