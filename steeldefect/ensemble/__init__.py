"""The ensemble: which members, how their predictions combine, and what is decided from them.

Modules, each with one purpose (import them directly; this package import stays light):
- ``tta``: the flip views of a batch and their inverses;
- ``reducers``: each reducer's formula once, run on numpy arrays, uint8 OOF levels or TensorFlow tensors;
- ``decide``: gate -> segment -> thresholds and areas -> masks and RLE, the one sequence predict,
  the Kaggle kernel, select's timing, the exported model's server and the ``Predictor`` share.
"""
