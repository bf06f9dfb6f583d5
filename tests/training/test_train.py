"""One short training per kind: every run-folder file, out-of-fold shapes, skip when done."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from steeldefect.cli.main import main
from steeldefect.config import save_config
from steeldefect.devices import read_stages
from steeldefect.errors import SteelDefectError
from steeldefect.artifacts.oof import OOF_FILE
from steeldefect.artifacts.run_folder import CONFIG_FILE, DONE_FILE, FOLDS_FILE, HISTORY_FILE, MODEL_FILE
from steeldefect.artifacts.run_meta import META_FILE
from steeldefect.training import train
from training_fixtures import EPOCHS, TINY_INPUT, tiny_training_config

RUN_FILES = (CONFIG_FILE, META_FILE, HISTORY_FILE, MODEL_FILE, OOF_FILE, DONE_FILE)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    return tmp_path_factory.mktemp("runs")


@pytest.mark.slow
@pytest.mark.parametrize("kind, deep", [("classifier", False), ("segmenter", False), ("segmenter", True)],
                         ids=["classifier", "segmenter-unet", "segmenter-unetpp-deep-supervision"])
def test_training_writes_the_run_folder(tiny_backbone, synth_set, runs, kind, deep):
    config = tiny_training_config(deep_supervision=deep, decoder="unetpp" if deep else "unet",
                                  variant="deep" if deep else None)
    out = runs / ("deep" if deep else "plain")
    run_dir = train(kind, config, 1, synth_set, out)
    member = f"{tiny_backbone}-deep" if deep else tiny_backbone  # a variant names its own member folder
    assert run_dir == out / kind / member / "fold1"
    assert all((run_dir / name).is_file() for name in RUN_FILES)
    assert not list(run_dir.glob("ckpt-*.keras"))
    folds = pd.read_csv(out / FOLDS_FILE)
    val_ids = folds.loc[folds["fold"] == 1, "ImageId"].tolist()
    oof = np.load(run_dir / OOF_FILE)
    assert sorted(oof["image_ids"].tolist()) == sorted(val_ids)
    if kind == "classifier":
        assert oof["probs"].shape == (len(val_ids),) and oof["probs"].dtype == np.float32
    else:
        assert oof["probs"].shape == (len(val_ids), *TINY_INPUT, 4) and oof["probs"].dtype == np.uint8
    history = pd.read_csv(run_dir / HISTORY_FILE)
    assert history["epoch"].tolist() == list(range(EPOCHS)) and {"loss", "lr", "time_s"} <= set(history)
    meta = json.loads((run_dir / META_FILE).read_text())
    assert (meta["kind"], meta["fold"], meta["backbone"], meta["seed"]) == (kind, 1, tiny_backbone, config.seed)
    assert meta["member"] == member
    assert meta["input_size"] == list(TINY_INPUT) and len(meta["epoch_wall_s"]) == EPOCHS
    assert {"tensorflow-cpu", "keras", "numpy"} & set(meta["versions"]) and "git_commit" in meta
    assert meta["devices"][0].startswith("CPU") and meta["strategy"] == "default" and meta["precision"] == "float32"
    assert read_stages(out)[f"train {kind}"]["devices"] == meta["devices"]  # runs/devices.json, per stage


@pytest.mark.slow
def test_segmenter_trained_on_crops_validates_and_predicts_whole_images(tiny_backbone, synth_set, tmp_path):
    from steeldefect.prediction.keras_ensemble import load_runs, select_runs
    from steeldefect.models.model_io import load_model

    crop = (TINY_INPUT[0], TINY_INPUT[1] // 2)
    run_dir = train("segmenter", tiny_training_config(epochs=1, crop=crop), 0, synth_set, tmp_path / "runs")
    assert tuple(load_model(run_dir / MODEL_FILE).input_shape) == (None, None, None, 3)
    oof = np.load(run_dir / OOF_FILE)
    assert oof["probs"].shape == (len(oof["image_ids"]), *TINY_INPUT, 4)  # whole images, not crops
    assert json.loads((run_dir / META_FILE).read_text())["input_size"] == list(TINY_INPUT)
    _, segmenters = select_runs(tmp_path / "runs")
    assert [m.input_size for m in load_runs(segmenters)] == [TINY_INPUT]  # predict feeds the OOF size


@pytest.mark.slow
def test_best_model_reproduces_the_oof_predictions(tiny_backbone, synth_set, runs):
    from steeldefect.models.model_io import load_model
    from steeldefect.pipeline.tf_dataset import eval_dataset
    from steeldefect.pipeline.image_sources import open_source

    run_dir = train("classifier", tiny_training_config(), 1, synth_set, runs / "plain")
    oof = np.load(run_dir / OOF_FILE)
    model = load_model(run_dir / MODEL_FILE)
    source = open_source(synth_set)
    images = np.concatenate([x for x, _ in eval_dataset(source, list(oof["image_ids"]), tiny_training_config(),
                                                         "classifier").as_numpy_iterator()])
    assert np.allclose(model.predict(images, verbose=0)[:, 0], oof["probs"], atol=1e-5)


def test_finished_run_is_skipped(tiny_backbone, synth_set, tmp_path, capsys):
    config = tiny_training_config()
    run_dir = tmp_path / "runs" / "classifier" / tiny_backbone / "fold0"
    run_dir.mkdir(parents=True)
    (run_dir / DONE_FILE).write_text("done\n")
    path = tmp_path / "tiny.yaml"
    save_config(config, path)
    assert main(["train", "classifier", "--config", str(path), "--fold", "0", "--data", str(synth_set),
                 "--out", str(tmp_path / "runs")]) == 0
    assert "already done, skipping" in capsys.readouterr().out
    assert sorted(p.name for p in run_dir.iterdir()) == [DONE_FILE]


def test_folds_file_must_match_the_config(tiny_backbone, synth_set, tmp_path):
    pd.DataFrame({"ImageId": ["a.jpg", "b.jpg", "c.jpg"], "fold": [0, 1, 2]}).to_csv(tmp_path / FOLDS_FILE,
                                                                                     index=False)
    with pytest.raises(SteelDefectError, match=r"folds.csv has 3 folds but the config says folds.k=2"):
        train("classifier", tiny_training_config(), 0, synth_set, tmp_path)


def test_changed_config_does_not_resume_an_old_run(tiny_backbone, synth_set, tmp_path):
    config = tiny_training_config()
    run_dir = tmp_path / "classifier" / tiny_backbone / "fold0"
    run_dir.mkdir(parents=True)
    save_config(replace(config, seed=99), run_dir / CONFIG_FILE)
    with pytest.raises(SteelDefectError, match="was started with a different config"):
        train("classifier", config, 0, synth_set, tmp_path)


@pytest.mark.slow
def test_next_fold_reuses_the_compiled_model_and_matches_a_fresh_build(tiny_backbone, synth_set, tmp_path):
    from steeldefect.training.reuse import forget

    config = tiny_training_config()
    forget()
    train("classifier", config, 0, synth_set, tmp_path / "together")
    reused_dir = train("classifier", config, 1, synth_set, tmp_path / "together")
    assert json.loads((reused_dir / META_FILE).read_text())["reused_compiled_model"] is True
    forget()
    fresh_dir = train("classifier", config, 1, synth_set, tmp_path / "alone")
    assert json.loads((fresh_dir / META_FILE).read_text())["reused_compiled_model"] is False
    reused, fresh = pd.read_csv(reused_dir / HISTORY_FILE), pd.read_csv(fresh_dir / HISTORY_FILE)
    assert np.allclose(reused[["loss", "val_loss", "lr"]], fresh[["loss", "val_loss", "lr"]], rtol=1e-4)


@pytest.mark.slow
def test_training_reads_tfrecords_in_place_of_the_folder(tiny_backbone, synth_set, tmp_path):
    assert main(["tfrecords", "--data", str(synth_set), "--out", str(tmp_path / "tfr"), "--shards", "2"]) == 0
    run_dir = train("segmenter", tiny_training_config(epochs=1), 0, tmp_path / "tfr", tmp_path / "runs")
    folds = pd.read_csv(tmp_path / "runs" / FOLDS_FILE)
    oof = np.load(run_dir / OOF_FILE)
    assert sorted(oof["image_ids"]) == sorted(folds.loc[folds["fold"] == 0, "ImageId"])
    assert oof["probs"].shape == (len(oof["image_ids"]), *TINY_INPUT, 4)


@pytest.mark.slow
def test_view_oof_flips_masks_back_and_its_identity_is_the_oof(tiny_backbone, synth_set, runs):
    from steeldefect.models.model_io import load_model
    from steeldefect.pipeline.image_sources import open_source
    from steeldefect.pipeline.tf_dataset import eval_dataset
    from steeldefect.ensemble.tta import IDENTITY
    from steeldefect.artifacts.oof import oof_view_path, quantise
    from steeldefect.artifacts.run_folder import run_from_path
    from steeldefect.training.validation import Validator
    from steeldefect.tuning.view_oof import _Viewed, ensure_view_oof

    config = tiny_training_config(decoder="unet")
    run_dir = train("segmenter", config, 1, synth_set, runs / "plain")
    run = run_from_path(run_dir)
    assert ensure_view_oof([run], "hflip", synth_set) == 1
    assert ensure_view_oof([run], "hflip", synth_set) == 0  # made once, kept
    oof, view = np.load(run_dir / OOF_FILE), np.load(oof_view_path(run_dir, "hflip"))
    assert view["image_ids"].tolist() == oof["image_ids"].tolist() and view["probs"].dtype == np.uint8
    model = load_model(run_dir / MODEL_FILE)
    dataset = eval_dataset(open_source(synth_set), list(oof["image_ids"]), config, "segmenter")
    images = np.concatenate([x for x, _ in dataset.as_numpy_iterator()])
    flipped_back = np.flip(model.predict(np.flip(images, 2), verbose=0), 2)
    assert np.abs(view["probs"].astype(int) - quantise(flipped_back).astype(int)).max() <= 1
    identity = Validator("segmenter", dataset, 4, loss=None).predict(_Viewed(model, IDENTITY, invert=True))
    np.testing.assert_array_equal(identity, oof["probs"])  # the same pass as training's OOF


@pytest.mark.slow
def test_training_mixes_pseudo_labelled_images_in(tiny_backbone, synth_set, tmp_path):
    from steeldefect.data.labels import read_labels, write_labels

    test_ids = sorted(p.name for p in (synth_set / "test_images").iterdir())[:3]
    truth = read_labels(synth_set / "test_labels.csv").set_index("ImageId").loc[test_ids].reset_index()
    write_labels(truth, tmp_path / "pseudo.csv")
    base = tiny_training_config(epochs=1)
    config = replace(base, data=replace(base.data, pseudo_labels=str(tmp_path / "pseudo.csv"),
                                        pseudo_images=str(synth_set / "test_images"), pseudo_share=0.25))
    run_dir = train("segmenter", config, 0, synth_set, tmp_path / "runs")
    meta = json.loads((run_dir / META_FILE).read_text())
    assert meta["pseudo_images"] == 3
    folds = pd.read_csv(tmp_path / "runs" / FOLDS_FILE)
    assert not set(test_ids) & set(folds["ImageId"])  # pseudo images never enter the folds or the OOF
    assert not set(test_ids) & set(np.load(run_dir / OOF_FILE)["image_ids"].tolist())
