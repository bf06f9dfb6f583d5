"""The tuning stage: post-processing values searched exactly on out-of-fold (OOF) predictions.

Modules, each with one purpose (import them directly; this package import stays light):
- ``oof_stream``: streaming the OOF predictions of all folds, averaged over backbones;
- ``histograms``: per (image, class) cumulative histograms, what the search needs;
- ``sweep``: the exact, vectorised Dice sweep over the grid and the choice rule;
- ``component_search``: stage 2, the minimum component size;
- ``tune``: both stages, per class -> ``Thresholds``; ``surface_plots``: the Dice surfaces.
"""
