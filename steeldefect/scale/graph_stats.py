"""FLOPs and forward tensor sizes of a Keras model, read from its frozen inference graph (no stepping).

The model's call at batch 1 is traced into a concrete function, its variables frozen to constants,
and TensorFlow's v1 profiler counts the float operations of the graph (a multiply-add is 2 FLOPs).
The same graph gives the elements every op outputs: their sum is the tensor memory one image's
forward pass produces, the quantity the GPU-memory estimate scales with the batch size.
"""

from __future__ import annotations

from dataclasses import dataclass

# ops whose outputs are no new activation memory: constants, views and shape bookkeeping
NO_MEMORY_OPS = frozenset({"Const", "Identity", "IdentityN", "Placeholder", "NoOp", "Shape", "ShapeN", "Size",
                           "Rank", "Reshape", "Squeeze", "ExpandDims", "StridedSlice", "Pack", "Unpack",
                           "StopGradient", "ReadVariableOp", "VarHandleOp", "_Arg", "_Retval"})


@dataclass(frozen=True)
class GraphStats:
    """Per image, at the size the graph was traced at."""

    flops: int  # float operations of one forward pass (profiler count, multiply-add = 2)
    tensor_elements: int  # elements output by the graph's ops (activations), NO_MEMORY_OPS excluded


def _tf():
    """TensorFlow, imported on first use: ``kaggle.hour_plan`` imports this module on light paths."""
    import tensorflow as tf  # heavy: TensorFlow

    return tf


def frozen_graph(model, size: tuple[int, int], batch: int = 1):
    """The model's inference graph at (batch, h, w, 3) with its variables folded into constants."""
    tf = _tf()
    from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2  # heavy: TensorFlow

    fn = tf.function(lambda x: model(x, training=False))
    concrete = fn.get_concrete_function(tf.TensorSpec((batch, int(size[0]), int(size[1]), 3), tf.float32))
    return convert_variables_to_constants_v2(concrete).graph


def count_flops(graph) -> int:
    """Float operations of ``graph`` by TensorFlow's profiler (ops with a registered FLOP count)."""
    tf = _tf()

    options = tf.compat.v1.profiler.ProfileOptionBuilder.float_operation()
    options["output"] = "none"
    info = tf.compat.v1.profiler.profile(graph=graph, run_meta=tf.compat.v1.RunMetadata(), cmd="op",
                                         options=options)
    return int(info.total_float_ops)


def tensor_elements(graph) -> int:
    """Elements produced by the graph's ops, shape-bookkeeping and constant ops left out."""
    total = 0
    for op in graph.get_operations():
        if op.type in NO_MEMORY_OPS:
            continue
        for out in op.outputs:
            shape = out.shape
            if shape.rank and shape.is_fully_defined():
                total += int(shape.num_elements())
    return total


def graph_stats(model, size: tuple[int, int]) -> GraphStats:
    """FLOPs and forward tensor elements of one image through ``model`` at ``size`` (h, w)."""
    graph = frozen_graph(model, size)
    return GraphStats(count_flops(graph), tensor_elements(graph))
