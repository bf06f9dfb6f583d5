"""Scaling up: every model of a config at its real shapes (graph FLOPs, tensor memory, GPU memory fit)."""
