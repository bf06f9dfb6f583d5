"""The slow reference of the threshold search: threshold every mask at every grid point.

It applies the post-processing of ``steeldefect.postprocess.masks`` image by image and scores with the competition's
``dice_score``, exactly as prediction would, with none of the fast search's bookkeeping. Tests check
that the fast search gives the same surfaces, choices and scores; benchmarks time it.
"""

from __future__ import annotations

import numpy as np

from steeldefect.postprocess.masks import area_scale, postprocess_class, threshold_level
from steeldefect.metric.dice import dice_score


def _score(q: np.ndarray, truth: np.ndarray, gate_probs: np.ndarray | None, level: int, min_area: float,
           gate: float, min_component: float, scale: float, survival: float | None = None,
           factor: float | None = None) -> float:
    """Total Dice of one class over images: q uint8 (N, h, w), truth bool (N, h, w)."""
    pred = np.zeros(q.shape, bool)
    survival_level = None if survival is None else threshold_level(survival)
    for i in range(len(q)):
        passes = gate_probs is None or gate_probs[i] >= gate
        area_factor = 1.0 if passes else (np.inf if factor is None else factor)
        pred[i] = postprocess_class(q[i], level, min_area, min_component, scale, survival_level, area_factor)
    return float(dice_score(truth, pred).sum())


def brute_force_surface(q: np.ndarray, truth: np.ndarray, gate_probs: np.ndarray | None, pixel_thresholds,
                        min_areas, gates, min_component: float = 0, survival: float | None = None,
                        factor: float | None = None) -> np.ndarray:
    """Dice sums over (pixel threshold, min area, gate) of one class, each point computed from scratch."""
    scale = area_scale(q.shape[1:3])
    out = np.zeros((len(pixel_thresholds), len(min_areas), len(gates)))
    for t, threshold in enumerate(pixel_thresholds):
        for a, min_area in enumerate(min_areas):
            for g, gate in enumerate(gates):
                out[t, a, g] = _score(q, truth, gate_probs, threshold_level(threshold), min_area, gate,
                                      min_component, scale, survival, factor)
    return out


def brute_force_component_surface(q: np.ndarray, truth: np.ndarray, gate_probs: np.ndarray | None,
                                  pixel_threshold: float, min_components, min_areas, gates,
                                  survival: float | None = None, factor: float | None = None) -> np.ndarray:
    """Dice sums over (min component, min area, gate) of one class at one pixel threshold."""
    scale = area_scale(q.shape[1:3])
    level = threshold_level(pixel_threshold)
    out = np.zeros((len(min_components), len(min_areas), len(gates)))
    for j, size in enumerate(min_components):
        for a, min_area in enumerate(min_areas):
            for g, gate in enumerate(gates):
                out[j, a, g] = _score(q, truth, gate_probs, level, min_area, gate, size, scale, survival, factor)
    return out


def brute_force_tune(q: np.ndarray, truth: np.ndarray, cls_probs: np.ndarray | None, grid,
                     shared_gate: bool = False, components: bool = False) -> list[tuple[dict, float]]:
    """The whole search the slow way: per class the chosen values and the mean Dice there.

    q uint8 (N, h, w, C); truth bool (N, h, w, C); cls_probs (N,), (N, C) or None. Returns per class
    ({pixel_threshold, min_area, gate, min_component, survival_threshold, gate_area_factor}, mean Dice),
    choosing as ``tune.select_rules`` does over (survival, gate factor, candidate, min area, gate),
    with one level and the hard gate first.
    """
    from steeldefect.tuning.tune import select_rules

    n, _, _, n_classes = q.shape
    gates = (0.0,) if cls_probs is None else tuple(grid.gates)
    survivals = (None, *grid.survival_thresholds)
    factors = (None,) if cls_probs is None else (None, *grid.gate_area_factors)

    def probs(c):
        return None if cls_probs is None else (cls_probs if cls_probs.ndim == 1 else cls_probs[:, c])

    def rules(surface_of):
        return np.asarray([[surface_of(s, f) for f in factors] for s in survivals])

    surfaces = [rules(lambda s, f, c=c: brute_force_surface(q[..., c], truth[..., c], probs(c), grid.pixel_thresholds,
                                                             grid.min_areas, gates, 0, s, f))
                for c in range(n_classes)]
    picks = select_rules(surfaces, shared_gate)
    out = [({"pixel_threshold": grid.pixel_thresholds[t], "min_area": grid.min_areas[a], "gate": gates[g],
             "min_component": 0, "survival_threshold": survivals[s], "gate_area_factor": factors[f]},
            surfaces[c][s, f, t, a, g] / n) for c, (s, f, t, a, g) in enumerate(picks)]
    if not components:
        return out
    surfaces = [rules(lambda s, f, c=c: brute_force_component_surface(
        q[..., c], truth[..., c], probs(c), out[c][0]["pixel_threshold"], grid.min_components, grid.min_areas,
        gates, s, f)) for c in range(n_classes)]
    picks = select_rules(surfaces, shared_gate)
    return [({**out[c][0], "min_component": grid.min_components[j], "min_area": grid.min_areas[a],
              "gate": gates[g], "survival_threshold": survivals[s], "gate_area_factor": factors[f]},
             surfaces[c][s, f, j, a, g] / n) for c, (s, f, j, a, g) in enumerate(picks)]
