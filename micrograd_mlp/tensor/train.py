"""Mini-batch training of the vectorized engine's classifiers, with exact resume from checkpoints.

The loop is PyTorch's usual one, on :class:`~micrograd_mlp.tensor.Tensor` networks::

    for x, y in loader:                      # (B, D) float32 pixels, (B,) int64 classes
        loss = cross_entropy(model(x), y)    # forward: logits (B, C), one scalar loss
        optimizer.zero_grad()                # gradients accumulate: clear them first
        loss.backward()                      # backpropagation through the whole batch
        optimizer.step()                     # in place on the parameter arrays

:func:`train_epoch` runs one epoch of it (with a tqdm bar showing loss, accuracy and samples/s),
:func:`evaluate` measures a model on a data set under ``no_grad()``, and :func:`train` runs
epochs, evaluates after each, keeps the history and writes a checkpoint
(:mod:`micrograd_mlp.checkpoint`) after every epoch, from which ``resume=True`` continues
exactly where the run stopped.

This file is the vectorized counterpart of :mod:`micrograd_mlp.training` (the scalar ``fit``);
both stop on a NaN or infinite loss with the same :class:`NonFiniteLossError`.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from tqdm import tqdm

from micrograd_mlp.checkpoint import (
    Checkpoint,
    CheckpointError,
    check_checkpoint_path,
    load_checkpoint,
)
from micrograd_mlp.data import DataLoader
from micrograd_mlp.module import Module
from micrograd_mlp.tensor.engine import no_grad
from micrograd_mlp.tensor.functional import cross_entropy
from micrograd_mlp.training import NonFiniteLossError, check_finite

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

#: The per-epoch series :func:`train` records (``test_*`` only with a test loader). ``epoch``
#: counts from 1, ``lr`` is the learning rate used, ``seconds`` the wall time of the epoch's
#: training steps (evaluation excluded).
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
RESUMABLE_CHANGES = ("epochs",)
# ``train_epoch`` and ``train`` have a ``check_finite`` flag; this alias reaches the function.
_check = check_finite


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


@dataclass
class Evaluation:
    """A model's figures on a data set.

    Attributes:
        loss: mean cross-entropy per sample.
        accuracy: fraction of samples whose largest logit is the true class.
        predictions: the predicted class of every sample, shape (N,), int64, in loader order.
    """

    loss: float
    accuracy: float
    predictions: np.ndarray


def _samples_per_epoch(loader: DataLoader) -> int:
    return min(len(loader) * loader.batch_size, len(loader.labels))


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
        optimizer: ``zero_grad()``/``step()`` over the model's parameters
            (:class:`micrograd_mlp.optim.SGD` or ``Adam``).
        loader: yields ``(x, y)``: float ``(B, D)`` inputs and int ``(B,)`` class indices.
        epoch: 0-based epoch index (named in errors and the progress bar).
        first_step: index of this epoch's first step over the whole run (named in errors).
        check_finite: stop with :class:`NonFiniteLossError` when a loss is NaN or infinite,
            before that step's update; False trains on regardless.
        progress: show a tqdm bar (samples/s as its rate, running loss and accuracy).
        desc: the bar's label (default ``"epoch {epoch + 1}"``).

    Returns:
        An :class:`EpochResult`.

    Raises:
        NonFiniteLossError: see ``check_finite``; its ``step`` and ``epoch`` say where.
        ValueError: the loader is empty, or the model's outputs and the labels do not fit
            (from ``cross_entropy``, naming both shapes).
    """
    total = _samples_per_epoch(loader)
    if total == 0:
        raise ValueError(f"train_epoch: the loader yields no samples ({loader!r})")
    bar = tqdm(
        total=total,
        desc=desc or f"epoch {epoch + 1}",
        unit="sample",
        unit_scale=True,
        disable=not progress,
        leave=True,
        dynamic_ncols=True,
    )
    loss_sum, correct, seen, step = 0.0, 0, 0, first_step
    start = time.perf_counter()
    with bar:
        for step, (x, y) in enumerate(loader, start=first_step):
            logits = model(x)
            loss = cross_entropy(logits, y)
            value = float(loss.data)
            if check_finite:
                _check(value, step, epoch)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            # Statistics of the forward pass just taken (before the update), as Keras and the
            # usual PyTorch loops report them: they cost nothing extra.
            size = len(y)
            loss_sum += value * size
            correct += int(np.count_nonzero(logits.data.argmax(axis=1) == y))
            seen += size
            bar.update(size)
            if (step - first_step) % 20 == 0:
                bar.set_postfix(_running(loss_sum, correct, seen), refresh=False)
        seconds = time.perf_counter() - start
        bar.set_postfix(_running(loss_sum, correct, seen))
    return EpochResult(loss_sum / seen, correct / seen, seconds, seen, step - first_step + 1)


def _running(loss_sum: float, correct: int, seen: int) -> dict[str, str]:
    return {"loss": f"{loss_sum / seen:.4f}", "acc": f"{correct / seen:.4f}"}


def evaluate(model: Callable[[np.ndarray], Any], loader: DataLoader) -> Evaluation:
    """Loss, accuracy and predictions of ``model`` on every sample of ``loader``.

    Runs under ``no_grad()`` (no graph is recorded, nothing is kept for backward) batch by
    batch, so memory stays that of one batch; use a large ``batch_size`` (e.g. 1000) for speed.
    Per-batch sums are added in float64.

    Raises:
        ValueError: the loader is empty, or logits and labels do not fit.
    """
    loss_sum, predictions, labels = 0.0, [], []
    with no_grad():
        for x, y in loader:
            logits = model(x)
            loss_sum += float(cross_entropy(logits, y, reduction="sum").data)
            predictions.append(logits.data.argmax(axis=1))
            labels.append(y)
    if not labels:
        raise ValueError(f"evaluate: the loader yields no samples ({loader!r})")
    predicted, true = np.concatenate(predictions).astype(np.int64), np.concatenate(labels)
    return Evaluation(loss_sum / len(true), float(np.mean(predicted == true)), predicted)


def restore(checkpoint: Checkpoint, model: Module, optimizer: Any | None = None) -> None:
    """Load a checkpoint's model (and optimizer) state, all or nothing.

    Raises:
        CheckpointError: the saved state does not fit the model or the optimizer (the file and
            every mismatch are named); the model and optimizer are then left as they were.
    """
    where = f"checkpoint '{checkpoint.path}'" if checkpoint.path else "the checkpoint"
    before = model.state_dict()
    try:
        model.load_state_dict(checkpoint.model_state)
    except (KeyError, ValueError) as error:
        raise CheckpointError(f"{where} does not fit the model: {_message(error)}") from None
    if optimizer is None:
        return
    try:
        optimizer.load_state_dict(checkpoint.optimizer_state)
    except (KeyError, ValueError, TypeError) as error:
        model.load_state_dict(before)  # all or nothing: undo the model's part
        raise CheckpointError(f"{where} does not fit the optimizer: {_message(error)}") from None


def _message(error: BaseException) -> str:
    # str(KeyError("x")) is "'x'", with quotes: use the argument itself.
    return str(error.args[0]) if isinstance(error, KeyError) and error.args else str(error)


def _loader_state(loader: DataLoader) -> dict[str, Any]:
    """What fixes the training loader's batches: checked against a checkpoint on resume."""
    return {
        "samples": len(loader.labels),
        "batch_size": loader.batch_size,
        "shuffle": loader.shuffle,
        "drop_last": loader.drop_last,
        "seed": None if loader.seed is None else int(loader.seed),
    }


def _differences(saved: Mapping[str, Any], now: Mapping[str, Any], skip=()) -> list[str]:
    keys = [k for k in dict.fromkeys([*saved, *now]) if k not in skip]
    return [
        f"{k}: {saved.get(k)!r} in the checkpoint, {now.get(k)!r} now"
        for k in keys
        if saved.get(k) != now.get(k)
    ]


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
) -> dict[str, list[float]]:
    """Train ``model`` for ``epochs`` epochs; evaluate and checkpoint after each one.

    Every epoch ``k`` (0-based): ``optimizer.lr = lr_schedule(k)`` (if given),
    ``train_loader.set_epoch(k)`` (so epoch k's batches depend only on the loader's seed and
    k), :func:`train_epoch`, :func:`evaluate` on ``test_loader``, then the checkpoint is
    written atomically. With ``resume=True`` the run continues from the checkpoint's model,
    optimizer, history and epoch count: training 2 epochs, then resuming to 3, gives the same
    weights, optimizer state and history, bit for bit, as training 3 epochs straight.

    Args:
        model: a :class:`~micrograd_mlp.module.Module` mapping ``(B, D)`` to logits ``(B, C)``.
        optimizer: built on ``model.parameters()``, with ``state_dict``/``load_state_dict``.
        train_loader: the training batches; to checkpoint a shuffled loader, give it an int
            ``seed`` (a Generator's draws could not be replayed).
        epochs: the total number of epochs of the run (resumed runs included).
        test_loader: evaluated after every epoch (``test_loss``, ``test_accuracy``).
        checkpoint: path of the ``.npz`` checkpoint, written after every epoch.
        resume: continue from ``checkpoint`` (which must exist).
        config: the run's settings (JSON-representable), saved in the checkpoint. On resume
            they must equal the saved ones, except ``epochs``.
        lr_schedule: ``lr_schedule(epoch) -> float`` with a 0-based epoch, the learning rate of
            that epoch (it must depend on the epoch only, for exact resumes).
        check_finite: see :func:`train_epoch`.
        progress: show a progress bar per epoch.
        verbose: print one summary line per epoch (losses, accuracies, samples/s).

    Returns:
        The history: a dict from each of :data:`HISTORY_KEYS` to a list with one value per
        epoch (all epochs, resumed ones included). It plots with
        :func:`micrograd_mlp.viz.plot_training_history`.

    Raises:
        FileNotFoundError: the checkpoint's directory does not exist (before any training), or
            ``resume`` and there is no checkpoint file.
        CheckpointError: the checkpoint is corrupt (the file is named) or does not fit this run
            (every difference is listed).
        NonFiniteLossError: a loss became NaN or infinite (the epoch and step are named); the
            last checkpoint is that of the last finished epoch.
        ValueError: ``epochs`` is not a positive int, ``resume`` without ``checkpoint``, or a
            checkpointed loader has no int seed.
        TypeError: ``config`` is not JSON-representable.
    """
    if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 1:
        raise ValueError(f"epochs must be a positive integer, got {epochs!r}")
    config = dict(config or {})
    json.dumps(config)  # fail now, not when the first checkpoint is written
    path = None if checkpoint is None else check_checkpoint_path(checkpoint)
    if resume and path is None:
        raise ValueError("resume=True needs the checkpoint path to resume from")
    seeded = isinstance(train_loader.seed, (int, np.integer))
    if path is not None and train_loader.shuffle and not seeded:
        raise ValueError(
            "a checkpointed run needs a DataLoader with an int seed (its batches can then be "
            "replayed on resume); a numpy Generator's draws cannot"
        )
    loader_state = _loader_state(train_loader)
    keys = [k for k in HISTORY_KEYS if test_loader is not None or not k.startswith("test_")]
    history: dict[str, list[float]] = {k: [] for k in keys}
    start = 0
    if resume:
        saved = load_checkpoint(path)
        problems = _differences(saved.config, config, skip=RESUMABLE_CHANGES)
        problems += [f"loader {p}" for p in _differences(saved.loader, loader_state)]
        if sorted(saved.history) != sorted(keys):
            problems.append(f"history has {sorted(saved.history)}, expected {sorted(keys)}")
        if problems:
            raise CheckpointError(
                f"checkpoint '{path}' was written by a different run; resume with the same "
                "settings (only the number of epochs may change): " + "; ".join(problems)
            )
        restore(saved, model, optimizer)
        history = {k: list(saved.history[k]) for k in keys}
        history["epoch"] = [int(e) for e in history["epoch"]]
        start = saved.epoch
        if verbose:
            print(f"resumed from {path} after epoch {start}", flush=True)
            if start >= epochs:
                print(f"the checkpoint has {start} epochs already: nothing to train")
    steps_per_epoch = len(train_loader)
    for epoch in range(start, epochs):
        if lr_schedule is not None:
            optimizer.lr = float(lr_schedule(epoch))
        train_loader.set_epoch(epoch)
        result = train_epoch(
            model,
            optimizer,
            train_loader,
            epoch=epoch,
            first_step=epoch * steps_per_epoch,
            check_finite=check_finite,
            progress=progress,
            desc=f"epoch {epoch + 1}/{epochs}",
        )
        history["epoch"].append(epoch + 1)
        history["lr"].append(float(getattr(optimizer, "lr", np.nan)))
        history["train_loss"].append(result.loss)
        history["train_accuracy"].append(result.accuracy)
        history["seconds"].append(result.seconds)
        line = (
            f"epoch {epoch + 1}/{epochs}: train loss {result.loss:.4f} "
            f"acc {result.accuracy:.4f} ({result.seconds:.2f} s, "
            f"{result.samples / result.seconds:,.0f} samples/s)"
        )
        if test_loader is not None:
            ev = evaluate(model, test_loader)
            history["test_loss"].append(ev.loss)
            history["test_accuracy"].append(ev.accuracy)
            line += f"; test loss {ev.loss:.4f} acc {ev.accuracy:.4f}"
        if path is not None:
            Checkpoint(
                model_state=model.state_dict(),
                optimizer_state=optimizer.state_dict(),
                epoch=epoch + 1,
                history=history,
                loader=loader_state,
                config=config,
            ).save(path)
        if verbose:
            print(line, flush=True)
    return history
