"""Experiment configuration: typed frozen dataclasses loaded from YAML and validated."""

from steeldefect.config.loader import dump_config, from_dict, load_config, parse_config, save_config, to_dict
from steeldefect.config.schema import (AugmentationConfig, ClassifierConfig, Config,
                                       DataConfig, FoldsConfig, RuntimeConfig, SegmenterConfig,
                                       TrainConfig)
from steeldefect.config.validate import validate
from steeldefect.errors import ConfigError  # re-exported; it lives with the other errors

__all__ = ["Config", "DataConfig", "FoldsConfig", "TrainConfig", "ClassifierConfig", "SegmenterConfig",
           "RuntimeConfig", "AugmentationConfig", "ConfigError", "load_config",
           "parse_config", "dump_config", "save_config", "from_dict", "to_dict", "validate"]
