"""Delivering a tuned ensemble: the offline Kaggle kernel package, the exported graph and its HTTP service, and the Python `Predictor`."""
