"""The TensorFlow side of a run: data, device, model, fit with resume, out-of-fold predictions."""

from __future__ import annotations

import importlib.util
import time
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np

from steeldefect.artifacts.oof import write_oof
from steeldefect.artifacts.run_folder import LOG_DIR, MODEL_FILE
from steeldefect.artifacts.run_meta import RunMeta
from steeldefect.config import Config
from steeldefect.data.labels import label_presence
from steeldefect.devices import announce
from steeldefect.errors import SteelDefectError
from steeldefect.pipeline.image_sources import DataSource
from steeldefect.pipeline.tf_dataset import eval_dataset, eval_order, train_dataset
from steeldefect.training.callbacks import ResumableTraining, write_history
from steeldefect.training.device import choose_device, dtype_policy
from steeldefect.training.meta import git_commit, package_versions
from steeldefect.training.model_setup import Monitor, build_model, compile_model, n_outputs
from steeldefect.training.optim import build_optimizer
from steeldefect.training.reuse import compiled_model
from steeldefect.training.state import RunState, clear_checkpoints, save_keras
from steeldefect.training.validation import Validator
from steeldefect.training.weight_averaging import load_average


def _tensorboard(log_dir: Path) -> list:
    """A TensorBoard callback when the tensorboard package is installed (optional at run time)."""
    if importlib.util.find_spec("tensorboard") is None:
        return []
    return [keras.callbacks.TensorBoard(str(log_dir), write_graph=False, profile_batch=0)]


def _average(model, run_dir: Path, state: RunState, train_cfg, validator: Validator, monitor: Monitor) -> dict | None:
    """With weight averaging on: model.keras becomes the mean of the pool's epochs; what meta.json records."""
    if not train_cfg.average_weights:
        return None
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


@dataclass(frozen=True)
class FitJob:
    """What one run trains on and where it writes: ``train_ids`` (plus ``pseudo_ids`` at
    ``data.pseudo_share`` of each batch), validated on ``val_ids``, into ``run_dir``."""

    kind: str
    config: Config
    backbone: str
    source: DataSource
    train_ids: list[str]
    val_ids: list[str]
    run_dir: Path
    verbose: int = 2  # Keras fit verbosity
    pseudo_ids: tuple[str, ...] = ()


@dataclass
class _Fitted:
    """What fitting left for the record."""

    steps: int
    batch_size: int
    monitor: Monitor
    reused: bool
    averaged: dict | None
    order: list[str]
    probs: np.ndarray


def _compiled(job: FitJob, device, state: RunState):
    """(model, loss, reused, train dataset, steps per epoch) of the job, resumed from its checkpoint."""
    train_cfg = job.config.model(job.kind).train

    def build():
        model = build_model(job.kind, job.config, job.backbone, job.source.spec.n_classes)
        return model, compile_model(model, job.kind, job.config, build_optimizer(train_cfg))

    model, loss, reused = compiled_model(job.kind, job.config, job.backbone, device.policy,
                                         device.name == "default", build)
    train_ds, steps = train_dataset(job.source, job.train_ids, job.config, job.kind, first_epoch=state.epoch,
                                    pseudo_ids=list(job.pseudo_ids))
    if state.checkpoint:
        model.load_weights(job.run_dir / state.checkpoint)  # weights and optimizer state
        print(f"{job.run_dir}: resuming after epoch {state.epoch} of {train_cfg.epochs}", flush=True)
    if n_outputs(model) > 1:  # deep supervision: every head learns the same masks
        train_ds = _per_head(train_ds, model.output_names)
    return model, loss, reused, train_ds, steps


def _check_finished(job: FitJob, state: RunState, tracker: ResumableTraining, monitor: Monitor) -> None:
    train_cfg = job.config.model(job.kind).train
    if tracker.diverged:
        raise SteelDefectError(f"{job.run_dir}: the loss became NaN in epoch {state.epoch + 1}; lower "
                               f"{job.kind}.train.lr (now {train_cfg.lr}) and rerun to resume from epoch "
                               f"{state.epoch}")
    if state.best_epoch is None:
        raise SteelDefectError(f"{job.run_dir}: no epoch produced a finite {monitor.name}; nothing to save")


def _fit(job: FitJob, device, state: RunState) -> _Fitted:
    """Fit (resuming), keep the best epoch (or the weight average), predict the validation fold."""
    train_cfg = job.config.model(job.kind).train
    model, loss, reused, train_ds, steps = _compiled(job, device, state)
    batch_size = int(train_ds.element_spec[0].shape[0])
    validator = Validator(job.kind, eval_dataset(job.source, job.val_ids, job.config, job.kind), batch_size, loss)
    monitor = Monitor("val_loss", "min") if train_cfg.monitor == "val_loss" else Monitor(validator.metric)
    tracker = ResumableTraining(job.run_dir, state, monitor, train_cfg, validator)
    callbacks = [keras.callbacks.TerminateOnNaN(), tracker, *_tensorboard(job.run_dir / LOG_DIR)]
    if state.epoch < train_cfg.epochs and not state.stopped:
        model.fit(train_ds, epochs=train_cfg.epochs, initial_epoch=state.epoch, steps_per_epoch=steps,
                  callbacks=callbacks, verbose=job.verbose, shuffle=False)  # batches come shuffled
    _check_finished(job, state, tracker, monitor)
    write_history(job.run_dir, state)
    averaged = _average(model, job.run_dir, state, train_cfg, validator, monitor)
    model.load_weights(job.run_dir / MODEL_FILE)
    return _Fitted(steps, batch_size, monitor, reused, averaged, eval_order(job.source, job.val_ids),
                   validator.predict(model))


def _run_meta(job: FitJob, fitted: _Fitted, state: RunState, where, device, started: float) -> RunMeta:
    """What meta.json records of the training (the caller adds the run's member and fold)."""
    table = job.source.table
    presence = label_presence(table.loc[table["ImageId"].isin(set(job.train_ids))])
    return RunMeta(
        kind=job.kind, backbone=job.backbone, seed=job.config.seed, config_name=job.config.name,
        input_size=(job.config.data.height, job.config.data.width), data=job.source.location,
        train_images=len(job.train_ids), val_images=len(job.val_ids), pseudo_images=len(job.pseudo_ids),
        train_class_images=tuple(presence.sum(axis=0).tolist()),
        steps_per_epoch=fitted.steps, batch_size=fitted.batch_size,
        epochs_run=state.epoch, early_stopped=state.stopped,
        monitor=fitted.monitor.name, best=state.best, best_epoch=state.best_epoch,
        weight_averaging=fitted.averaged or None,
        epoch_wall_s=tuple(row["time_s"] for row in state.history),
        reused_compiled_model=fitted.reused,
        wall_s_this_session=round(time.time() - started, 1),
        devices=tuple(where.devices), strategy=where.strategy, precision=where.precision, replicas=device.replicas,
        versions=package_versions(), git_commit=git_commit(),
        oof_shape=tuple(np.shape(fitted.probs)), oof_dtype=str(fitted.probs.dtype),
        finished=time.strftime("%Y-%m-%dT%H:%M:%S%z"))


def fit_and_predict(job: FitJob) -> RunMeta:
    """Train the job (resuming from state.json), validate it, then write its OOF predictions.

    Returns what meta.json records of the training (the caller adds the run's member and fold).
    """
    started = time.time()
    device = choose_device(job.config.runtime)
    where = announce(f"train {job.kind}", device.report())
    state = RunState.load(job.run_dir)
    with dtype_policy(device.policy), device.strategy.scope():
        fitted = _fit(job, device, state)
    write_oof(job.run_dir, job.kind, fitted.order, fitted.probs)
    clear_checkpoints(job.run_dir)
    return _run_meta(job, fitted, state, where, device, started)
