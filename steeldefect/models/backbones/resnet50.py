"""ResNet50 backbone from keras.applications (include_top=False), with its Caffe preprocessing inside.

keras' ResNet50 expects BGR pixels minus the ImageNet means ("caffe" mode); a CaffePreprocess layer in
front makes it take RGB 0..255 like every other backbone. Its stem already reaches stride 2 at
conv1_relu, so the five features are conv1_relu and the last block of each of the four stages.
"""

from __future__ import annotations

import keras

from steeldefect.models.backbones.preprocessing import CaffePreprocess
from steeldefect.models.backbones.backbone_registry import BACKBONE_LAYER_NAME, ImagenetFile, register_backbone
from steeldefect.models.backbones.weights import load_legacy_h5

RESNET50_FEATURE_LAYERS = (  # outputs at strides 2, 4, 8, 16, 32
    "conv1_relu",
    "conv2_block3_out",
    "conv3_block4_out",
    "conv4_block6_out",
    "conv5_block3_out",
)
_NOTOP_FILE = "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5"
RESNET50_IMAGENET = ImagenetFile(
    file_name=_NOTOP_FILE,
    origin="https://storage.googleapis.com/tensorflow/keras-applications/resnet/" + _NOTOP_FILE,
    file_hash="4d473c1dd8becc155b73f8504c6f6626",  # keras.applications.resnet's checksum of this file
)


@register_backbone("resnet50", imagenet=RESNET50_IMAGENET)
def build_resnet50(input_shape, imagenet_h5) -> keras.Model:
    """ResNet50 feature extractor: (B, H, W, 3) RGB 0..255 -> 5 features at strides 2..32."""
    inputs = keras.Input(shape=tuple(input_shape), name="image")
    caffe = CaffePreprocess(name="caffe_preprocess")(inputs)
    app = keras.applications.ResNet50(include_top=False, weights=None, input_tensor=caffe)
    if imagenet_h5 is not None:
        load_legacy_h5(app, imagenet_h5, backbone="resnet50")
    outputs = [app.get_layer(layer).output for layer in RESNET50_FEATURE_LAYERS]
    return keras.Model(inputs, outputs, name=BACKBONE_LAYER_NAME)
