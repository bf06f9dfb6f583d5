"""Distribution strategy and mixed precision: the best the machine offers, or what the config says.

TensorFlow code: imported by the training loop and the shape checks (``steeldefect doctor`` imports it when
it runs); the light TPU hint lives in ``steeldefect.devices``.
"""

from __future__ import annotations

import contextlib
import glob
from dataclasses import dataclass

import keras
import tensorflow as tf

from steeldefect.config.schema import RuntimeConfig
from steeldefect.devices import TPU_DEVICE_GLOB, tpu_hinted, training_report
from steeldefect.errors import SteelDefectError

POLICY_GPU = "mixed_float16"  # float16 compute with loss scaling on GPUs
POLICY_TPU = "mixed_bfloat16"  # bfloat16 compute on TPUs (and CPUs that have it)


@dataclass(frozen=True)
class Device:
    """The chosen strategy, what it is called, and the Keras dtype policy to train under."""

    strategy: object  # tf.distribute.Strategy
    name: str  # tpu, mirrored or default
    replicas: int
    gpus: int
    policy: str  # float32, mixed_float16 or mixed_bfloat16

    def report(self):
        """The devices this strategy trains on, with its name and precision (``devices.DeviceReport``)."""
        return training_report(self.name, self.replicas, self.gpus, self.policy)


def _connect_tpu(address: str | None):
    resolver = tf.distribute.cluster_resolver.TPUClusterResolver(tpu=address or ("local" if glob.glob(
        TPU_DEVICE_GLOB) else None))
    tf.config.experimental_connect_to_cluster(resolver)
    tf.tpu.experimental.initialize_tpu_system(resolver)
    return tf.distribute.TPUStrategy(resolver)


def choose_device(runtime: RuntimeConfig) -> Device:
    """Pick the strategy (TPU if found, several GPUs mirrored, else default) and the dtype policy."""
    strategy = name = None
    if runtime.strategy == "tpu" or (runtime.strategy == "auto" and (tpu_hinted() or runtime.tpu)):
        try:
            strategy, name = _connect_tpu(runtime.tpu), "tpu"
        except (ValueError, RuntimeError, tf.errors.OpError) as err:
            if runtime.strategy == "tpu":
                raise SteelDefectError(f"runtime.strategy is tpu but no TPU was found ({err}); "
                                       "set runtime.tpu to its name or use --strategy auto") from None
    gpus = len(tf.config.list_logical_devices("GPU"))
    if strategy is None and (runtime.strategy == "mirrored" or (runtime.strategy == "auto" and gpus > 1)):
        strategy, name = tf.distribute.MirroredStrategy(), "mirrored"
    if strategy is None:
        strategy, name = tf.distribute.get_strategy(), "default"
    accelerated = name == "tpu" or gpus > 0
    if runtime.mixed_precision == "off" or (runtime.mixed_precision == "auto" and not accelerated):
        policy = "float32"
    else:
        policy = POLICY_GPU if gpus > 0 and name != "tpu" else POLICY_TPU
    return Device(strategy, name, int(strategy.num_replicas_in_sync), gpus, policy)


@contextlib.contextmanager
def dtype_policy(policy: str):
    """Set Keras's global dtype policy for the block, and restore the previous one after."""
    previous = keras.mixed_precision.dtype_policy()
    keras.mixed_precision.set_dtype_policy(policy)
    try:
        yield
    finally:
        keras.mixed_precision.set_dtype_policy(previous)
