"""The input pipeline: data sources, sampling, augmentation, tf.data batches, TFRecords.

Import the TensorFlow parts from their modules (``steeldefect.pipeline.tf_dataset``); this package
import stays light.
"""
