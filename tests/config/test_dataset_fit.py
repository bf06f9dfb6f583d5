"""fit_to_dataset: Severstal-sized class fields fitted to another class count, each change named."""

from pathlib import Path

from steeldefect.config import load_config, validate
from steeldefect.config.dataset_fit import fit_to_dataset

CONFIGS = Path(__file__).resolve().parents[2] / "configs"


def test_a_four_class_dataset_leaves_the_shipped_configs_unchanged():
    for name in ("demo.yaml", "full.yaml", "winners.yaml"):
        config = load_config(CONFIGS / name)
        fitted, notes = fit_to_dataset(config, 4)
        assert fitted is config and notes == ()


def test_demo_fitted_to_three_classes_validates_and_says_what_changed():
    config = load_config(CONFIGS / "demo.yaml", overrides=["classifier.n_outputs=4"])
    fitted, notes = fit_to_dataset(config, 3, "demo.yaml")
    validate(fitted, "demo.yaml", n_classes=3)
    assert 4 not in fitted.data.oversample and fitted.data.oversample[2] == config.data.oversample[2]
    assert fitted.classifier.n_outputs == 3
    assert fitted.segmenter.crop_class_weights == (1.0, 1.0, 1.0)
    assert any(n.startswith("demo.yaml: data.oversample names class 4") for n in notes)
    assert any("classifier.n_outputs 4" in n for n in notes)
    assert any("segmenter.crop_class_weights" in n for n in notes)


def test_one_class_dataset():
    fitted, _ = fit_to_dataset(load_config(CONFIGS / "winners.yaml"), 1)
    validate(fitted, "winners.yaml", n_classes=1)
    assert fitted.classifier.n_outputs == 1 and set(fitted.data.oversample) <= {1}
