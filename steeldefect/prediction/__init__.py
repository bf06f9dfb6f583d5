"""The prediction stage: a folder of images through the tuned ensemble into a submission.

Modules, each with one purpose (import them directly; this package import stays light):
- ``keras_ensemble``: the Keras forward pass of every finished run;
- ``predict``: the streaming, resumable prediction of a folder of images into a submission;
- ``pseudo_labels``: what the ensemble is sure of, as labels to train on.

How model and flip predictions combine and what is decided from them is ``steeldefect.ensemble``.
"""
