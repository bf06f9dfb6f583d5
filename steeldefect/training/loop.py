"""The TensorFlow side of a run: data, device, model, fit with resume, out-of-fold predictions."""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path

import keras
import numpy as np

from steeldefect.config import Config
from steeldefect.data.labels import label_presence
from steeldefect.devices import announce
from steeldefect.errors import SteelDefectError
from steeldefect.pipeline.image_sources import DataSource
from steeldefect.pipeline.tf_dataset import eval_dataset, eval_order, train_dataset
from steeldefect.runfolder import LOG_DIR, MODEL_FILE, write_oof
from steeldefect.training.callbacks import ResumableTraining, write_history
from steeldefect.training.device import choose_device, dtype_policy
from steeldefect.training.meta import git_commit, package_versions
from steeldefect.training.model_setup import Monitor, build_model, compile_model, n_outputs
from steeldefect.training.optim import build_optimizer
from steeldefect.training.reuse import compiled_model
from steeldefect.training.state import RunState, clear_checkpoints
from steeldefect.training.validation import Validator


def _tensorboard(log_dir: Path) -> list:
    """A TensorBoard callback when the tensorboard package is installed (optional at run time)."""
    if importlib.util.find_spec("tensorboard") is None:
        return []
    return [keras.callbacks.TensorBoard(str(log_dir), write_graph=False, profile_batch=0)]


def _average(model, run_dir: Path, state: RunState, train_cfg, validator: Validator, monitor: Monitor) -> dict | None:
    """With weight averaging on: model.keras becomes the mean of the pool's epochs; what meta.json records."""
    if not train_cfg.average_weights:
        return None
    from steeldefect.training.state import save_keras
    from steeldefect.training.weight_averaging import load_average

    epochs = load_average(model, run_dir, state.average_pool)
    score = validator.evaluate(model)[monitor.name]
    save_keras(model, run_dir / MODEL_FILE)
    print(f"{run_dir}: {MODEL_FILE} = mean of the weights of epochs {[e + 1 for e in epochs]} "
          f"({train_cfg.average_of} {train_cfg.average_weights}); {monitor.name} {score:.5f} "
          f"(best single epoch {state.best:.5f})", flush=True)
    return {"of": train_cfg.average_of, "k": train_cfg.average_weights, "epochs": epochs,
            monitor.name: float(score), "best_single_epoch": state.best}


def _per_head(dataset, names):
    return dataset.map(lambda x, y: (x, {name: y for name in names}))


def fit_and_predict(kind: str, config: Config, backbone: str, source: DataSource, train_ids: list[str],
                    val_ids: list[str], run_dir: Path, verbose: int, pseudo_ids=()) -> dict:
    """Train on ``train_ids`` (plus ``pseudo_ids`` at ``data.pseudo_share`` of each batch; resuming from
    state.json), validate on ``val_ids``, then write oof.npz.

    Returns what meta.json records of the training (the caller adds the run's kind, backbone, fold).
    """
    started = time.time()
    train_cfg = config.model(kind).train
    device = choose_device(config.runtime)
    where = announce(f"train {kind}", device.report())
    state = RunState.load(run_dir)
    with dtype_policy(device.policy), device.strategy.scope():
        def build():
            model = build_model(kind, config, backbone)
            return model, compile_model(model, kind, config, build_optimizer(train_cfg))

        model, loss, reused = compiled_model(kind, config, backbone, device.policy, device.name == "default",
                                             build)
        train_ds, steps = train_dataset(source, train_ids, config, kind, first_epoch=state.epoch,
                                        pseudo_ids=list(pseudo_ids))
        if state.checkpoint:
            model.load_weights(run_dir / state.checkpoint)  # weights and optimizer state
            print(f"{run_dir}: resuming after epoch {state.epoch} of {train_cfg.epochs}", flush=True)
        if n_outputs(model) > 1:  # deep supervision: every head learns the same masks
            train_ds = _per_head(train_ds, model.output_names)
        batch_size = int(train_ds.element_spec[0].shape[0])
        validator = Validator(kind, eval_dataset(source, val_ids, config, kind), batch_size, loss)
        monitor = Monitor("val_loss", "min") if train_cfg.monitor == "val_loss" else Monitor(validator.metric)
        tracker = ResumableTraining(run_dir, state, monitor, train_cfg, validator)
        callbacks = [keras.callbacks.TerminateOnNaN(), tracker, *_tensorboard(run_dir / LOG_DIR)]
        if state.epoch < train_cfg.epochs and not state.stopped:
            model.fit(train_ds, epochs=train_cfg.epochs, initial_epoch=state.epoch, steps_per_epoch=steps,
                      callbacks=callbacks, verbose=verbose, shuffle=False)  # batches come shuffled
        if tracker.diverged:
            raise SteelDefectError(f"{run_dir}: the loss became NaN in epoch {state.epoch + 1}; lower "
                                   f"{kind}.train.lr (now {train_cfg.lr}) and rerun to resume from epoch "
                                   f"{state.epoch}")
        if state.best_epoch is None:
            raise SteelDefectError(f"{run_dir}: no epoch produced a finite {monitor.name}; nothing to save")
        write_history(run_dir, state)
        averaged = _average(model, run_dir, state, train_cfg, validator, monitor)
        model.load_weights(run_dir / MODEL_FILE)
        order = eval_order(source, val_ids)
        probs = validator.predict(model)
    write_oof(run_dir, kind, order, probs)
    clear_checkpoints(run_dir)
    presence = label_presence(source.table.loc[source.table["ImageId"].isin(set(train_ids))])
    return {
        "seed": config.seed, "config_name": config.name,
        "input_size": [config.data.height, config.data.width], "data": source.location,
        "train_images": len(train_ids), "val_images": len(val_ids), "pseudo_images": len(pseudo_ids),
        "train_class_images": presence.sum(axis=0).tolist(),
        "steps_per_epoch": steps, "batch_size": batch_size,
        "epochs_run": state.epoch, "early_stopped": state.stopped,
        "monitor": monitor.name, "best": state.best, "best_epoch": state.best_epoch,
        **({"weight_averaging": averaged} if averaged else {}),
        "epoch_wall_s": [row["time_s"] for row in state.history],
        "reused_compiled_model": reused,
        "wall_s_this_session": round(time.time() - started, 1),
        **where.to_dict(), "replicas": device.replicas,
        "versions": package_versions(), "git_commit": git_commit(),
        "oof_shape": list(np.shape(probs)), "oof_dtype": str(probs.dtype),
        "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
