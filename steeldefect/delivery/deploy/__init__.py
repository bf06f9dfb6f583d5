"""Deployment: the tuned ensemble exported as one graph (SavedModel, ONNX) and served over HTTP.

- ``graph``: the ensemble (models, TTA views, reducer) as one function of uint8 images at the models'
  input sizes (one graph input per size);
- ``resize``: the service's pre-processing, each image resized to those sizes with OpenCV by the
  function ``predict`` uses, so the graph sees the same pixels;
- ``export``: the export folder (graph, thresholds, settings, manifest: ``artifacts/export_manifest.py``);
- ``runtime`` and ``model``: running an export folder with TensorFlow, ONNX Runtime or OpenVINO;
- ``results``: outputs -> ``predict``'s rows (shared post-processing) and the server's JSON;
- ``batcher``: micro-batching, the model and the post-processing of a batch in two overlapping stages;
- ``app``: the FastAPI server; ``schemas`` its OpenAPI answer models; ``auth`` the API key;
  ``identity`` the model's name and version; ``server_metrics`` Prometheus; ``access_log`` JSON lines.
"""
