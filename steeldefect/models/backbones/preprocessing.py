"""Input normalisation layers, so every backbone takes raw RGB pixels 0..255."""

from __future__ import annotations

import keras
from keras import ops

CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)  # ImageNet channel means (B, G, R) that Caffe's ResNet50 subtracts
IMAGENET_MEAN_RGB = (0.485, 0.456, 0.406)  # ImageNet channel means of images scaled to 0..1
IMAGENET_STD_RGB = (0.229, 0.224, 0.225)  # ImageNet channel standard deviations of images scaled to 0..1
PIXEL_MAX = 255.0  # the largest pixel value backbones receive


@keras.saving.register_keras_serializable(package="steeldefect")
class CaffePreprocess(keras.layers.Layer):
    """RGB 0..255 -> BGR 0..255 minus the ImageNet channel means (keras' "caffe" mode for ResNet50).

    Shapes: (..., 3) -> (..., 3).
    """

    def __init__(self, mean_bgr=CAFFE_MEAN_BGR, **kwargs):
        super().__init__(**kwargs)
        self.mean_bgr = tuple(float(m) for m in mean_bgr)

    def call(self, inputs):
        bgr = ops.flip(inputs, axis=-1)
        return bgr - ops.convert_to_tensor(self.mean_bgr, dtype=bgr.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"mean_bgr": list(self.mean_bgr)})
        return config


def imagenet_normalisation(name: str = "imagenet_normalisation") -> keras.Sequential:
    """RGB 0..255 -> (x/255 - mean) / std per channel, as torchvision-style ResNets expect."""
    return keras.Sequential(
        [
            keras.layers.Rescaling(1.0 / PIXEL_MAX),
            keras.layers.Normalization(
                axis=-1, mean=list(IMAGENET_MEAN_RGB), variance=[s * s for s in IMAGENET_STD_RGB]
            ),
        ],
        name=name,
    )
