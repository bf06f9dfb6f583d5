"""A synthetic Severstal dataset: steel-like strips with four defect classes and exact masks.

``render_sample(rng)`` draws one (image, masks) pair; ``generate_dataset`` writes a whole folder in
the Kaggle layout. Geometry and frequencies are calibrated against shared/real/STATS.md.
"""

from steeldefect.synth.generator import SynthSummary, generate_dataset, image_ids, sample_rng
from steeldefect.synth.sample import Layers, render_layers, render_sample, sample_masks
from steeldefect.synth.mask_stats import MaskStatistics

__all__ = ["Layers", "MaskStatistics", "SynthSummary", "generate_dataset", "image_ids", "render_layers",
           "render_sample", "sample_masks", "sample_rng"]
