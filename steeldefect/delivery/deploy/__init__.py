"""Deployment: the tuned ensemble exported as one graph (SavedModel, ONNX) and served over HTTP.

- ``resize``: OpenCV's resize reproduced in the graph, pixel for pixel when shrinking;
- ``graph``: the ensemble (models, TTA views, reducer) as one function of uint8 images;
- ``export`` and ``manifest``: the export folder and its manifest (versions, runs, contract, checksums);
- ``runtime`` and ``model``: running an export folder with TensorFlow or ONNX Runtime;
- ``results``: outputs -> ``predict``'s rows (shared post-processing) and the server's JSON;
- ``batcher``, ``server_metrics`` and ``app``: the FastAPI server with micro-batching and Prometheus metrics.
"""
