"""Gradient descent on the scalar engine: :func:`fit`, and the finite-loss guard.

One training step is the whole of backpropagation in five lines::

    outputs = [model(x) for x in X_batch]   # forward: builds the graph
    loss = loss_fn(outputs, y_batch)        # one scalar Value at the root
    optimizer.zero_grad()                   # .grad accumulates, as in PyTorch: clear it first
    loss.backward()                         # chain rule, root to leaves
    optimizer.step()                        # move every parameter against its gradient

:func:`check_finite` and :class:`NonFiniteLossError` are shared with the vectorized training
loop: a loss that has become NaN or infinite stops training *before* the update that would
spread it into the weights.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
from numpy.typing import ArrayLike

from micrograd_mlp.engine import Value
from micrograd_mlp.module import make_rng

__all__ = [
    "History",
    "NonFiniteLossError",
    "check_finite",
    "fit",
    "print_progress",
    "train_step",
]


class NonFiniteLossError(FloatingPointError):
    """The training loss became NaN or infinite; the update of that step was not applied.

    Attributes:
        loss: the offending loss value (``nan``, ``inf`` or ``-inf``).
        step: the 0-based index of the optimisation step (counted over the whole run).
        epoch: the 0-based epoch of that step, or None when the caller did not say.
    """

    def __init__(self, loss: float, step: int, epoch: int | None = None) -> None:
        self.loss, self.step, self.epoch = loss, step, epoch
        where = f"step {step}" + (f" (epoch {epoch})" if epoch is not None else "")
        super().__init__(
            f"the training loss is {loss!r} at {where}; training stopped before that step's "
            "update, so the parameters are those of the previous step. Common causes: a "
            "learning rate too large, a log of 0, inputs that are not scaled "
            "(pass check_finite=False to keep going anyway)"
        )


def check_finite(loss: float, step: int, epoch: int | None = None) -> None:
    """Raise :class:`NonFiniteLossError` if ``loss`` is NaN or +-infinity; otherwise do nothing.

    Args:
        loss: the loss of one step as a Python float (or anything ``float()`` accepts).
        step: the 0-based step index, named in the error.
        epoch: the 0-based epoch, named in the error when given.

    Raises:
        NonFiniteLossError: ``loss`` is not finite.
    """
    loss = float(loss)
    if not math.isfinite(loss):
        raise NonFiniteLossError(loss, step, epoch)


class Optimizer(Protocol):
    """What :func:`fit` needs from an optimizer (``micrograd_mlp.optim.SGD``, ``Adam``)."""

    def zero_grad(self) -> None: ...

    def step(self) -> None: ...


#: ``loss_fn(outputs, targets) -> Value``: ``outputs`` is the list of the model's outputs for the
#: batch (one Value, or a list of Values, per sample); ``targets`` the batch's rows of ``y``.
LossFn = Callable[[list[Any], np.ndarray], Value]
#: ``metric(outputs, targets) -> float``, e.g. the accuracy of the batch's predictions.
MetricFn = Callable[[list[Any], np.ndarray], float]


@dataclass
class History:
    """What :func:`fit` measured.

    Attributes:
        loss: the loss of every step (float, in step order).
        metric: the metric of every step's batch, measured on the outputs of that step's forward
            pass, i.e. *before* its update (empty without a metric).
        epoch_loss: per epoch, the mean of its step losses weighted by batch size.
        epoch_metric: per epoch, the batch-size-weighted mean of its step metrics.
    """

    loss: list[float] = field(default_factory=list)
    metric: list[float] = field(default_factory=list)
    epoch_loss: list[float] = field(default_factory=list)
    epoch_metric: list[float] = field(default_factory=list)

    @property
    def steps(self) -> int:
        """The number of steps taken."""
        return len(self.loss)


def fit(
    model: Callable[[Sequence[float]], Any],
    X: ArrayLike,
    y: ArrayLike,
    loss_fn: LossFn,
    optimizer: Optimizer,
    epochs: int,
    batch_size: int | None = None,
    seed: int | np.random.Generator | None = None,
    callback: Callable[[int, History], Any] | None = None,
    check_finite: bool = True,
    *,
    metric: MetricFn | None = None,
    lr_schedule: Callable[[int], float] | None = None,
) -> History:
    """Train ``model`` by mini-batch gradient descent and return the :class:`History`.

    Each step: forward every sample of the batch, ``loss = loss_fn(outputs, targets)``, check
    that the loss is finite, ``optimizer.zero_grad()``, ``loss.backward()``, ``optimizer.step()``.

    Args:
        model: a callable taking one sample (a list of floats) and returning a Value or a list
            of Values: a ``Neuron``, ``Layer`` or ``MLP``.
        X: inputs, array-like of shape (N, D).
        y: targets, array-like of shape (N,) or (N, K); ``loss_fn`` gets the batch's rows of
            ``np.asarray(y)``.
        loss_fn: ``loss_fn(outputs, targets) -> Value``, the scalar to minimise. It may add
            terms that do not depend on the data (e.g. an L2 penalty on the parameters).
        optimizer: an object with ``zero_grad()`` and ``step()`` built on the model's
            parameters (``micrograd_mlp.optim.SGD`` or ``Adam``).
        epochs: passes over the data (positive int).
        batch_size: samples per step; None (the default) for full-batch gradient descent. The
            last batch of an epoch may be smaller.
        seed: with ``batch_size`` set, the order of the samples is shuffled every epoch by a
            generator made from ``seed`` (int, ``numpy.random.Generator`` or None for fresh
            entropy). Full-batch steps do not depend on it.
        callback: called as ``callback(epoch, history)`` after every epoch (e.g. to print).
        check_finite: raise :class:`NonFiniteLossError` when a loss is NaN or infinite (also
            when computing it overflowed), before that step's update; with False, training
            carries on with whatever the arithmetic gives.
        metric: ``metric(outputs, targets) -> float``, recorded every step (e.g. accuracy).
        lr_schedule: ``lr_schedule(step) -> float``, the learning rate of each step, written to
            ``optimizer.lr`` before the step (e.g. a linear decay).

    Returns:
        A :class:`History`; ``history.loss[-1]`` is the loss of the last step (before its update).

    Raises:
        ValueError: ``X`` is not 2-D, ``X`` and ``y`` have different lengths (both shapes named),
            there are no samples, or ``epochs``/``batch_size`` is not a positive int.
        NonFiniteLossError: see ``check_finite``; the parameters (and optimizer state) are those
            before the failing step.
    """
    X, y = np.asarray(X, dtype=np.float64), np.asarray(y)
    if X.ndim != 2 or y.ndim == 0 or len(X) != len(y):
        raise ValueError(
            f"fit: expected X of shape (N, D) and y of shape (N,) or (N, K), got X {X.shape} "
            f"and y {y.shape}"
        )
    if len(X) == 0:
        raise ValueError("fit: X and y hold no samples")
    epochs = _positive_int("epochs", epochs)
    n = len(X)
    batch_size = n if batch_size is None else min(_positive_int("batch_size", batch_size), n)
    rng = make_rng(seed) if batch_size < n else None
    rows = X.tolist()  # Python floats: the engine lifts them to Values without NumPy overhead
    history = History()
    step = 0
    for epoch in range(epochs):
        order = rng.permutation(n) if rng is not None else np.arange(n)
        losses, metrics, sizes = [], [], []
        for start in range(0, n, batch_size):
            index = order[start : start + batch_size].tolist()
            targets = y[index]
            if lr_schedule is not None:
                optimizer.lr = float(lr_schedule(step))
            outputs = []
            loss = train_step(
                model,
                [rows[i] for i in index],
                targets,
                loss_fn,
                optimizer,
                step=step,
                epoch=epoch,
                check_finite=check_finite,
                outputs=outputs,
            )
            losses.append(loss.data)
            sizes.append(len(index))
            if metric is not None:
                metrics.append(float(metric(outputs, targets)))
            step += 1
        history.loss.extend(losses)
        history.epoch_loss.append(float(np.average(losses, weights=sizes)))
        if metric is not None:
            history.metric.extend(metrics)
            history.epoch_metric.append(float(np.average(metrics, weights=sizes)))
        if callback is not None:
            callback(epoch, history)
    return history


def train_step(
    model: Callable[[Sequence[float]], Any],
    inputs: Sequence[Sequence[float]],
    targets: Any,
    loss_fn: LossFn,
    optimizer: Optimizer,
    *,
    step: int = 0,
    epoch: int | None = None,
    check_finite: bool = True,
    outputs: list | None = None,
) -> Value:
    """One step of gradient descent on one batch; returns the loss (its graph still attached).

    Forward every row of ``inputs`` through ``model``, ``loss = loss_fn(outputs, targets)``,
    then (if the loss is finite, or ``check_finite`` is False) ``optimizer.zero_grad()``,
    ``loss.backward()``, ``optimizer.step()``.

    Args:
        model, loss_fn, optimizer: as for :func:`fit`.
        inputs: the batch, a sequence of B samples (each a sequence of floats).
        targets: what ``loss_fn`` takes as targets for this batch.
        step, epoch: named in a :class:`NonFiniteLossError`.
        check_finite: as for :func:`fit`.
        outputs: if a list is given, the model's B outputs are appended to it (for metrics).

    Returns:
        The loss Value, after ``backward()`` and the update: ``loss.data`` is the loss before the
        update, and ``loss.topological_order()`` the graph of the step.

    Raises:
        NonFiniteLossError: the loss is NaN or infinite, or computing it overflowed (and
            ``check_finite``); nothing was updated.
        TypeError: ``loss_fn`` did not return a Value.
    """
    try:
        out = [model(x) for x in inputs]
        loss = loss_fn(out, targets)
    except OverflowError as error:
        # The forward pass itself overflowed float64 (e.g. exp(1000), or a square beyond
        # 1.8e308): as far as training is concerned the loss is +inf.
        if not check_finite:
            raise
        raise NonFiniteLossError(math.inf, step, epoch) from error
    if not isinstance(loss, Value):
        raise TypeError(
            f"loss_fn must return one Value (use reduction='mean' or 'sum'), got "
            f"{type(loss).__name__}"
        )
    if check_finite:
        _check(loss.data, step, epoch)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if outputs is not None:
        outputs.extend(out)
    return loss


# ``fit`` and ``train_step`` have a parameter named ``check_finite``; this alias lets them
# call the function.
_check = check_finite


def print_progress(
    every: int = 10, total: int | None = None, metric_name: str = "metric"
) -> Callable[[int, History], None]:
    """A ``fit`` callback that prints the epoch's loss (and metric) every ``every`` epochs.

    Args:
        every: print after the first epoch and every ``every``-th one (epochs counted from 1).
        total: the number of epochs, shown as ``epoch k/total`` and always printed at the end.
        metric_name: how to label the metric (e.g. ``"accuracy"``).
    """
    every = _positive_int("every", every)

    def callback(epoch: int, history: History) -> None:
        last = total is not None and epoch + 1 == total
        if epoch == 0 or (epoch + 1) % every == 0 or last:
            of = f"/{total}" if total is not None else ""
            text = f"  epoch {epoch + 1:>4}{of}  loss {history.epoch_loss[-1]:.6f}"
            if history.epoch_metric:
                text += f"  {metric_name} {history.epoch_metric[-1]:.4f}"
            print(text, flush=True)

    return callback


def _positive_int(name: str, n: object) -> int:
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1:
        raise ValueError(f"{name} must be a positive integer, got {n!r}")
    return int(n)
