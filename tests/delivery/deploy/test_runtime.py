"""The runtime registry: 'tf', 'onnx' and 'openvino' are registered, an unknown name lists them, a
missing file names the --format to export, and ``threads`` reaches each runtime's own setting."""

from __future__ import annotations

import numpy as np
import pytest

from steeldefect.errors import SteelDefectError

pytest.importorskip("tensorflow")
from steeldefect.delivery.deploy.runtime import RUNTIMES, load_runtime  # noqa: E402


def test_the_registry_holds_three_runtimes():
    assert RUNTIMES.names() == ["onnx", "openvino", "tf"]
    with pytest.raises(SteelDefectError, match="unknown runtime 'torch'; available runtimes: onnx, openvino, tf"):
        load_runtime("nowhere", "torch")


@pytest.mark.parametrize("runtime, needle", [("onnx", "no model.onnx .* --format onnx"),
                                             ("tf", "no savedmodel .* --format savedmodel")])
def test_a_missing_graph_names_the_format_to_export(tmp_path, runtime, needle):
    with pytest.raises(SteelDefectError, match=needle):
        load_runtime(tmp_path, runtime)


@pytest.mark.parametrize("threads", [0, -2])
def test_threads_below_one_are_refused(tmp_path, threads):
    pytest.importorskip("onnxruntime")
    (tmp_path / "model.onnx").write_bytes(b"")
    with pytest.raises(SteelDefectError, match=f"--threads {threads}: need 1 or more"):
        load_runtime(tmp_path, "onnx", threads)


@pytest.fixture(scope="module")
def tiny_onnx(tmp_path_factory):
    """A folder with a model.onnx of the graph's contract: images_8x16 uint8 -> probs, gate."""
    pytest.importorskip("tf2onnx")
    import tensorflow as tf
    import tf2onnx

    spec = [tf.TensorSpec((None, 8, 16, 3), tf.uint8, name="images_8x16")]

    @tf.function(input_signature=spec)
    def fn(images):
        x = tf.cast(images, tf.float32) / 255.0
        return {"probs": tf.concat([x, x[..., :1]], axis=-1), "gate": tf.reduce_mean(x, axis=(1, 2))[:, :1]}

    folder = tmp_path_factory.mktemp("onnx")
    tf2onnx.convert.from_function(fn, input_signature=spec, opset=17, output_path=str(folder / "model.onnx"))
    return folder


def _feeds():
    return {"images_8x16": np.arange(2 * 8 * 16 * 3, dtype=np.uint8).reshape(2, 8, 16, 3)}


def test_onnx_runtime_takes_its_thread_count(tiny_onnx):
    runtime = load_runtime(tiny_onnx, "onnx", threads=1)
    assert runtime._session.get_session_options().intra_op_num_threads == 1
    out = runtime(_feeds())
    assert out["probs"].shape == (2, 8, 16, 4) and out["gate"].shape == (2, 1)
    assert load_runtime(tiny_onnx, "onnx")._session.get_session_options().intra_op_num_threads == 0  # default


def test_openvino_reads_the_onnx_file_with_its_thread_count(tiny_onnx):
    pytest.importorskip("openvino")
    runtime = load_runtime(tiny_onnx, "openvino", threads=1)
    assert int(runtime._compiled.get_property("INFERENCE_NUM_THREADS")) == 1
    # float32, not the bfloat16 OpenVINO picks by default on CPUs that have it
    assert "float32" in str(runtime._compiled.get_property("INFERENCE_PRECISION_HINT"))
    out, want = runtime(_feeds()), load_runtime(tiny_onnx, "onnx")(_feeds())
    assert set(out) == {"probs", "gate"}
    for name in out:
        np.testing.assert_allclose(out[name], want[name], atol=1e-6)


@pytest.mark.slow  # the tiny runs' export
def test_tensorflow_already_running_ignores_threads_with_a_warning(exported, caplog):
    tf = pytest.importorskip("tensorflow")
    _ = tf.constant(1.0) + 1.0  # TensorFlow has run: its thread pools are fixed for this process
    with caplog.at_level("WARNING", logger="steeldefect.delivery.deploy.runtime"):
        runtime = load_runtime(exported, "tf", threads=1)
    assert "--threads 1 ignored: TensorFlow is already running" in caplog.text
    feeds = {"images_32x192": np.zeros((1, 32, 192, 3), np.uint8)}
    assert runtime(feeds)["probs"].shape == (1, 32, 192, 4)

