"""Will a training batch fit a GPU: weights, optimizer state and activations, estimated per model.

Pure arithmetic on figures measured elsewhere (parameters, forward tensor elements per image from
``graph_stats``). Training under mixed_float16 keeps float32 weights, gradients and two Adam
moments (16 bytes a parameter) plus a float16 copy of the weights (2 bytes); the forward tensors
are float16 (2 bytes an element), and backpropagation holds them with its own buffers, which
``activation_factor`` covers. A fixed reserve stands for the CUDA context, cuDNN workspaces and the
allocator's fragmentation.
"""

from __future__ import annotations

from dataclasses import dataclass

GIB = 2**30
PARAM_BYTES = 4 + 4 + 8 + 2  # float32 weight + gradient + two Adam(W) moments + float16 copy
ACTIVATION_BYTES = 2  # float16 forward tensors under mixed_float16
ACTIVATION_FACTOR = 2.0  # backward buffers (gradients of activations, BN/swish saves) over the forward tensors
RESERVE_GIB = 1.0  # CUDA context, cuDNN workspace, allocator fragmentation
USABLE_GIB = {"P100 16 GB": 15.9, "T4 16 GB": 14.7}  # what TensorFlow can allocate on Kaggle's GPUs


@dataclass(frozen=True)
class MemoryEstimate:
    weights_gib: float  # weights, gradients, optimizer state
    activations_gib: float  # at the batch size
    total_gib: float


def training_memory(params: int, tensor_elements: int, batch_size: int,
                    activation_factor: float = ACTIVATION_FACTOR) -> MemoryEstimate:
    """GPU memory of one training step at ``batch_size`` under mixed_float16 (GiB)."""
    weights = params * PARAM_BYTES / GIB
    activations = batch_size * tensor_elements * ACTIVATION_BYTES * activation_factor / GIB
    return MemoryEstimate(weights, activations, weights + activations + RESERVE_GIB)


def largest_batch(params: int, tensor_elements: int, usable_gib: float,
                  activation_factor: float = ACTIVATION_FACTOR) -> int:
    """The largest batch whose estimate fits ``usable_gib`` (0 when not even one image fits)."""
    one = training_memory(params, tensor_elements, 1, activation_factor)
    per_image = one.activations_gib
    room = usable_gib - one.weights_gib - RESERVE_GIB
    return max(0, int(room // per_image)) if per_image > 0 else 0
