"""The models: backbones (feature pyramids), the gate classifier and segmenter heads on them, the losses, and loading saved models."""
