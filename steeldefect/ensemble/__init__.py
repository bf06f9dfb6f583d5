"""The ensemble stage: tuning post-processing on out-of-fold predictions, and streaming prediction.

Modules, each with one purpose (import them directly; this package import stays light):
- ``postprocess``: pure numpy post-processing (quantise, threshold, components, minimum area, resize);
- ``thresholds``: the tuned values (``thresholds.yaml``) as a frozen dataclass, read and written;
- ``runs``: finding finished runs (``RUNS/<kind>/<backbone>/fold<k>/DONE``);
- ``oof``: streaming the out-of-fold predictions of all folds, averaged over backbones;
- ``stats`` / ``sweep`` / ``tune`` / ``components``: the exact, vectorised threshold search;
- ``brute``: the slow reference search the fast one is tested against; ``plots``: the Dice surfaces;
- ``reducers`` / ``tta`` / ``gate``: ensemble rules; ``models``: the Keras forward pass;
- ``predict``: the streaming, resumable prediction of a folder of images into a submission;
- ``tiny_runs``: tiny untrained runs for tests and benchmarks.
"""
