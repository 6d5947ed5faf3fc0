"""Classifier shorthands for the vectorized engine over the one training loop of
:mod:`micrograd_mlp.training`.

The loop is PyTorch's usual one, on :class:`~micrograd_mlp.tensor.Tensor` networks::

    for x, y in loader:                      # (B, D) float32 pixels, (B,) int64 classes
        loss = cross_entropy(model(x), y)    # forward: logits (B, C), one scalar loss
        optimizer.zero_grad()                # gradients accumulate: clear them first
        loss.backward()                      # backpropagation through the whole batch
        optimizer.step()                     # in place on the parameter arrays

and it is :func:`micrograd_mlp.training.fit` (``fit(model, loader, loss_fn=cross_entropy,
optimizer=..., epochs=..., metric=accuracy, ...)``). The functions here are the names this module
had before that loop was shared by both engines; each is a thin wrapper over it, fixed to
cross-entropy and accuracy:

* :func:`train` -- ``fit`` with evaluation on a test loader, checkpoints and exact resume, a
  learning rate per epoch; returns the history as a dict of per-epoch lists;
* :func:`train_epoch` -- one epoch of that loop;
* :func:`evaluate` -- :func:`micrograd_mlp.training.evaluate` with cross-entropy and accuracy;
* :func:`restore` -- :func:`micrograd_mlp.training.restore`.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from micrograd_mlp.checkpoint import Checkpoint
from micrograd_mlp.data import DataLoader
from micrograd_mlp.module import Module
from micrograd_mlp.tensor.functional import cross_entropy
from micrograd_mlp.training import (
    Checkpointing,
    Evaluation,
    History,
    NonFiniteLossError,
    ProgressLog,
    Run,
    accuracy,
    fit,
    run_epoch,
)
from micrograd_mlp.training import evaluate as _evaluate
from micrograd_mlp.training import restore as _restore

__all__ = [
    "HISTORY_KEYS",
    "EpochResult",
    "Evaluation",
    "NonFiniteLossError",
    "evaluate",
    "restore",
    "train",
    "train_epoch",
]

#: The per-epoch series :func:`train` returns (``test_*`` only with a test loader), as
#: :meth:`micrograd_mlp.training.History.to_dict` names them. ``epoch`` counts from 1, ``lr``
#: is the learning rate used, ``seconds`` the wall time of the epoch's training steps.
HISTORY_KEYS = (
    "epoch",
    "lr",
    "train_loss",
    "train_accuracy",
    "test_loss",
    "test_accuracy",
    "seconds",
)
#: Settings that may differ between a checkpoint and the run resuming from it.
RESUMABLE_CHANGES = Checkpointing.RESUMABLE_CHANGES


@dataclass
class EpochResult:
    """What one training epoch measured.

    Attributes:
        loss: mean cross-entropy over the epoch's samples (each batch's mean weighted by its
            size), measured on each batch *before* its update.
        accuracy: fraction of the epoch's samples classified correctly, measured likewise.
        seconds: wall time of the epoch (loading batches, forward, backward, updates).
        samples: samples seen.
        steps: optimisation steps taken.
    """

    loss: float
    accuracy: float
    seconds: float
    samples: int
    steps: int


def train_epoch(
    model: Callable[[np.ndarray], Any],
    optimizer: Any,
    loader: DataLoader,
    *,
    epoch: int = 0,
    first_step: int = 0,
    check_finite: bool = True,
    progress: bool = True,
    desc: str | None = None,
) -> EpochResult:
    """One pass over ``loader``: a gradient step on cross-entropy for every batch.

    Args:
        model: a callable mapping a batch ``(B, D)`` to logits ``(B, C)`` (a Tensor), e.g.
            :class:`micrograd_mlp.tensor.nn.MLP`.
        optimizer: ``zero_grad()``/``step()`` over the model's parameters.
        loader: yields ``(x, y)``: float ``(B, D)`` inputs and int ``(B,)`` class indices.
        epoch: 0-based epoch index (named in errors and the progress bar).
        first_step: index of this epoch's first step over the whole run (named in errors).
        check_finite: stop with :class:`NonFiniteLossError` when a loss is NaN or infinite,
            before that step's update; False trains on regardless.
        progress: show a progress bar (where one is seen: a terminal or a notebook).
        desc: unused (kept for compatibility; the bar says ``epoch k/n``).

    Returns:
        An :class:`EpochResult`.

    Raises:
        NonFiniteLossError: see ``check_finite``; its ``step`` and ``epoch`` say where.
        ValueError: the loader is empty, or the model's outputs and the labels do not fit
            (from ``cross_entropy``, naming both shapes).
    """
    run = Run(
        model=model,
        loss_fn=cross_entropy,
        optimizer=optimizer,
        data=loader,
        epochs=epoch + 1,
        history=History(metric_name="accuracy"),
        batched=True,
        metric=accuracy,
        check_finite=check_finite,
        epoch=epoch,
        start_epoch=epoch,
        step=first_step,
    )
    callbacks = [ProgressLog(bars=True, lines=False)] if progress else []
    try:
        run_epoch(run, callbacks, set_epoch=False)
    finally:
        for callback in callbacks:
            callback.on_train_end(run)
    h = run.history
    return EpochResult(
        h.epoch_loss[-1],
        h.epoch_metric[-1],
        h.seconds[-1],
        run.epoch_samples,
        h.steps,
    )


def evaluate(model: Callable[[np.ndarray], Any], loader: DataLoader) -> Evaluation:
    """Cross-entropy, accuracy and predictions of ``model`` on every sample of ``loader``.

    :func:`micrograd_mlp.training.evaluate` with ``cross_entropy`` and ``accuracy``: in
    evaluation mode, under ``no_grad()``, batch by batch.

    Returns:
        An :class:`~micrograd_mlp.training.Evaluation`: ``.loss`` (mean per sample),
        ``.accuracy``, ``.predictions`` (int64 ``(N,)``, in loader order).

    Raises:
        ValueError: the loader is empty, or logits and labels do not fit.
    """
    return _evaluate(model, loader, cross_entropy, accuracy, batched=True)


def restore(checkpoint: Checkpoint, model: Module, optimizer: Any | None = None) -> None:
    """Load a checkpoint's model (and optimizer) state, all or nothing
    (:func:`micrograd_mlp.training.restore`).

    Raises:
        CheckpointError: the saved state does not fit the model or the optimizer (the file and
            every mismatch are named); the model and optimizer are then left as they were.
    """
    _restore(checkpoint, model, optimizer)


class _EpochFunctionLR:
    """A scheduler setting ``optimizer.lr = schedule(epoch)`` for each 0-based epoch (the
    ``lr_schedule`` argument of :func:`train`), stepped once per epoch like PyTorch's."""

    def __init__(self, optimizer: Any, schedule: Callable[[int], float]) -> None:
        self.optimizer, self.schedule, self.last_epoch = optimizer, schedule, 0
        optimizer.lr = float(schedule(0))

    def step(self) -> None:
        self.last_epoch += 1
        self.optimizer.lr = float(self.schedule(self.last_epoch))

    def get_last_lr(self) -> list[float]:
        return [float(getattr(self.optimizer, "lr", math.nan))]

    def state_dict(self) -> dict[str, Any]:
        return {"last_epoch": self.last_epoch}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        self.last_epoch = int(state_dict["last_epoch"])
        self.optimizer.lr = float(self.schedule(self.last_epoch))


def train(
    model: Module,
    optimizer: Any,
    train_loader: DataLoader,
    epochs: int,
    *,
    test_loader: DataLoader | None = None,
    checkpoint: str | os.PathLike[str] | None = None,
    resume: bool = False,
    config: Mapping[str, Any] | None = None,
    lr_schedule: Callable[[int], float] | None = None,
    check_finite: bool = True,
    progress: bool = True,
    verbose: bool = True,
    force: bool = False,
) -> dict[str, list[float]]:
    """Train a classifier for ``epochs`` epochs; evaluate and checkpoint after each one.

    ``fit(model, train_loader, loss_fn=cross_entropy, optimizer=optimizer, epochs=epochs,
    metric=accuracy, eval_data=test_loader, checkpoint=..., resume=..., ...)`` with
    ``lr_schedule(epoch)`` (0-based) as the learning rate of each epoch, returning
    ``history.to_dict()``. With ``resume=True`` the run continues from the checkpoint exactly:
    training 2 epochs, then resuming to 3, gives the same weights, optimizer state and history,
    bit for bit, as training 3 epochs straight.

    Args:
        model: a :class:`~micrograd_mlp.module.Module` mapping ``(B, D)`` to logits ``(B, C)``.
        optimizer: built on ``model.parameters()``, with ``state_dict``/``load_state_dict``.
        train_loader: the training batches; to checkpoint a shuffled loader, give it an int
            ``seed``.
        epochs: the total number of epochs of the run (resumed runs included).
        test_loader: evaluated after every epoch (``test_loss``, ``test_accuracy``).
        checkpoint, resume, config, force: see :class:`micrograd_mlp.training.Checkpointing`.
        lr_schedule: ``lr_schedule(epoch) -> float`` (it must depend on the epoch only).
        check_finite: see :func:`train_epoch`.
        progress: show a progress bar per epoch (where one is seen).
        verbose: print one summary line per epoch.

    Returns:
        The history: a dict from each of :data:`HISTORY_KEYS` to a list with one value per
        epoch (all epochs, resumed ones included). It plots with
        :func:`micrograd_mlp.viz.plot_training_history`.

    Raises:
        as :func:`micrograd_mlp.training.fit`.
    """
    scheduler = None if lr_schedule is None else _EpochFunctionLR(optimizer, lr_schedule)
    history = fit(
        model,
        train_loader,
        loss_fn=cross_entropy,
        optimizer=optimizer,
        epochs=epochs,
        metric=accuracy,
        metric_name="accuracy",
        scheduler=scheduler,
        eval_data=test_loader,
        checkpoint=checkpoint,
        resume=resume,
        force=force,
        config=config,
        check_finite=check_finite,
        progress=progress,
        verbose=verbose,
        batched=True,
    )
    return history.to_dict()
