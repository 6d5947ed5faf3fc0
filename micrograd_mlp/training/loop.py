"""The training loop of both engines: :func:`fit`, one epoch (:func:`run_epoch`), one step
(:func:`train_step`), and the finite-loss check that stops a run before a NaN reaches the
weights (:class:`NonFiniteLossError`).

Everything else a run does (evaluation, schedules, checkpoints, progress) is a callback
(:mod:`micrograd_mlp.training.callbacks`), called by the loop through the hooks of
:class:`~micrograd_mlp.training.Callback`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import numpy as np
from numpy.typing import ArrayLike

from micrograd_mlp.messages import CatalogueError, Phrase
from micrograd_mlp.training.batches import (
    as_batches,
    forward,
    is_batched,
    loss_value,
    set_mode,
)
from micrograd_mlp.training.callbacks import Callback, Checkpointing, Evaluate, LambdaCallback
from micrograd_mlp.training.record import History, LossFn, MetricFn, Run
from micrograd_mlp.validation import positive_int

__all__ = [
    "NonFiniteLossError",
    "SupportsStep",
    "check_finite",
    "fit",
    "run_epoch",
    "train_step",
]


class NonFiniteLossError(CatalogueError, FloatingPointError):
    """The training loss became NaN or infinite; the update of that step was not applied.

    Attributes:
        loss: the offending loss value (``nan``, ``inf`` or ``-inf``).
        step: the 0-based index of the optimisation step (counted over the whole run).
        epoch: the 0-based epoch of that step, or None when the caller did not say.
    """

    def __init__(self, loss: float, step: int, epoch: int | None = None) -> None:
        self.loss, self.step, self.epoch = loss, step, epoch
        if epoch is None:
            where = Phrase("errors.loss.step", step=step)
        else:
            where = Phrase("errors.loss.step_epoch", step=step, epoch=epoch)
        super().__init__("errors.loss.not_finite", loss=loss, where=where)


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


class SupportsStep(Protocol):
    """What :func:`fit` needs from an optimizer (``micrograd_mlp.optim.SGD``, ``Adam``, ...).

    A ``state_dict()``/``load_state_dict()`` pair is needed too for checkpoints, and an ``lr``
    attribute for learning-rate schedules and the recorded history.
    """

    def zero_grad(self) -> None: ...

    def step(self) -> None: ...


# ------------------------------------------------------------------------------ one step
def train_step(
    model: Callable[[Any], Any],
    inputs: Any,
    targets: Any,
    loss_fn: LossFn,
    optimizer: SupportsStep,
    *,
    step: int = 0,
    epoch: int | None = None,
    outputs: list | None = None,
) -> Any:
    """One step of gradient descent on one batch; returns the loss (its graph still attached).

    Forward the batch through ``model`` (row by row for the scalar engine, at once for the
    Tensor engine), ``loss = loss_fn(outputs, targets)``, then, if the loss is finite,
    ``optimizer.zero_grad()``, ``loss.backward()``, ``optimizer.step()``. This is the step
    :func:`fit` takes.

    Args:
        model, loss_fn, optimizer: as for :func:`fit`.
        inputs: the batch: a sequence of B samples (each a sequence of floats) or an array
            ``(B, D)``.
        targets: what ``loss_fn`` takes as targets for this batch.
        step, epoch: named in a :class:`NonFiniteLossError`.
        outputs: if a list is given, the model's outputs are appended to it (the B outputs of
            a per-sample model, or the one batch output of a batched one).

    Returns:
        The loss, after ``backward()`` and the update: ``loss.data`` is the loss before the
        update, and ``loss.topological_order()`` the graph of the step.

    Raises:
        NonFiniteLossError: the loss is NaN or infinite, or computing it overflowed; nothing
            was updated.
        TypeError: ``loss_fn`` did not return one scalar Value or Tensor.
    """
    batched = is_batched(model, optimizer)
    loss, out, _ = _step(model, inputs, targets, loss_fn, optimizer, batched, step, epoch)
    if outputs is not None:
        if batched:
            outputs.append(out)
        else:
            outputs.extend(out)
    return loss


def _step(
    model: Any,
    inputs: Any,
    targets: Any,
    loss_fn: LossFn,
    optimizer: Any,
    batched: bool,
    step: int,
    epoch: int | None,
) -> tuple[Any, Any, float]:
    try:
        out = forward(model, inputs, batched)
        loss = loss_fn(out, targets)
    except OverflowError as error:
        # The forward pass itself overflowed float64 (e.g. exp(1000), or a square beyond
        # 1.8e308): as far as training is concerned the loss is +inf.
        raise NonFiniteLossError(math.inf, step, epoch) from error
    value = loss_value(loss)
    check_finite(value, step, epoch)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss, out, value


# ----------------------------------------------------------------------------- one epoch
def run_epoch(run: Run, callbacks: Sequence[Callback] = ()) -> None:
    """Epoch ``run.epoch`` of :func:`fit`'s loop: ``model.train()``, one :func:`train_step` per
    batch of ``run.data`` (counted from ``run.step``), the figures appended to ``run.history``.

    ``run.data.set_epoch(run.epoch)`` is called first when the data has it (a DataLoader), so
    the epoch's batches depend only on the loader's seed and the epoch.

    Args:
        run: the state of the run (:class:`~micrograd_mlp.training.Run`).
        callbacks: their ``on_epoch_begin``, ``on_step_begin`` and ``on_step_end`` are called
            (not ``on_epoch_end``: :func:`fit` calls it).

    Raises:
        ValueError: the data yields no batches.
        NonFiniteLossError: a loss is NaN or infinite.
    """
    set_mode(run.model, True)
    if callable(getattr(run.data, "set_epoch", None)):
        run.data.set_epoch(run.epoch)
    lr = getattr(run.optimizer, "lr", math.nan)
    for callback in callbacks:
        callback.on_epoch_begin(run)
    losses, metrics, sizes = [], [], []
    start = time.perf_counter()
    for inputs, targets in run.data:
        for callback in callbacks:
            callback.on_step_begin(run)
        _, out, value = _step(
            run.model, inputs, targets, run.loss_fn, run.optimizer, run.batched, run.step,
            run.epoch,
        )  # fmt: skip
        size = len(targets)
        # Statistics of the forward pass just taken (before the update), as Keras and the
        # usual PyTorch loops report them: they cost nothing extra.
        metric = float(run.metric(out, targets)) if run.metric is not None else None
        losses.append(value)
        sizes.append(size)
        if metric is not None:
            metrics.append(metric)
        run.step += 1
        for callback in callbacks:
            callback.on_step_end(run, value, size, metric)
    seconds = time.perf_counter() - start
    if not sizes:
        raise ValueError(f"fit: the training data yields no batches ({run.data!r})")
    h = run.history
    h.loss.extend(losses)
    h.epoch_loss.append(float(np.average(losses, weights=sizes)))
    if run.metric is not None:
        h.metric.extend(metrics)
        h.epoch_metric.append(float(np.average(metrics, weights=sizes)))
    h.epoch.append(run.epoch + 1)
    h.lr.append(float(lr))
    h.seconds.append(seconds)
    run.epoch_samples = int(sum(sizes))


# ----------------------------------------------------------------------------------- fit
def fit(
    model: Callable[[Any], Any],
    data: Any,
    y: ArrayLike | None = None,
    loss_fn: LossFn | None = None,
    optimizer: SupportsStep | None = None,
    epochs: int | None = None,
    batch_size: int | None = None,
    seed: int | np.random.Generator | None = None,
    *,
    metric: MetricFn | None = None,
    callbacks: Sequence[Callback | Callable[[int, History], Any]] = (),
) -> History:
    """Train ``model`` by mini-batch gradient descent; the one training loop of both engines.

    Every epoch: ``model.train()``; for every batch of ``data`` one :func:`train_step`
    (forward, ``loss_fn``, finite-loss check, ``zero_grad``, ``backward``, ``step``); then the
    callbacks' ``on_epoch_end``. Everything else travels as a callback, as in Keras::

        fit(model, train_loader, loss_fn=cross_entropy, optimizer=opt, epochs=10,
            metric=accuracy,
            callbacks=[Evaluate(test_loader),                 # held-out loss and metric
                       Schedule(ExponentialLR(opt, 0.9)),     # the rate, once per epoch
                       Checkpointing("run.npz", resume=True), # save, and resume exactly
                       ProgressLog()])                        # bars and one line per epoch

    The data takes two forms, as Keras's ``fit(x, y)``:

    * ``fit(model, X, y, loss_fn, optimizer, epochs, batch_size, seed)``: arrays ``X`` (N, D)
      and ``y`` (N,) or (N, K); full batch by default, or shuffled mini-batches of
      ``batch_size`` (the scalar engine's classic form); ``(X, y)`` as one tuple is the same;
    * ``fit(model, loader, loss_fn=..., optimizer=..., epochs=...)``: ``y`` None and ``data``
      a :class:`~micrograd_mlp.data.DataLoader` or any iterable of ``(inputs, targets)``
      batches, iterated once per epoch (``data.set_epoch(epoch)`` first when it has it, so a
      resumed run sees the same batches).

    Args:
        model: a ``Neuron``/``Layer``/``MLP`` of either engine, or any callable. The scalar
            engine's models take one sample (a list of floats) and are called row by row; the
            Tensor engine's take the whole batch. Which is which: the model is batched when the
            parameters it trains (its ``parameters()``, or for a plain function the
            optimizer's) are Tensors.
        data, y: see above.
        loss_fn: ``loss_fn(outputs, targets) -> scalar`` (see
            :data:`~micrograd_mlp.training.record.LossFn`), the quantity to minimise; it may
            add terms that do not depend on the data (an L2 penalty).
        optimizer: ``zero_grad()`` and ``step()`` over the model's parameters
            (``micrograd_mlp.optim``).
        epochs: the number of epochs of the run, resumed ones included (positive int).
        batch_size, seed: for ``(X, y)`` data only: samples per step (None: all) and the
            shuffling (int, Generator, or None: :func:`~micrograd_mlp.manual_seed`'s generator,
            else fresh entropy).
        metric: ``metric(outputs, targets) -> float`` recorded every step and by
            :class:`~micrograd_mlp.training.Evaluate` (e.g.
            :func:`micrograd_mlp.metrics.accuracy`); it is named after its ``__name__`` in
            logs and :meth:`History.to_dict`.
        callbacks: :class:`~micrograd_mlp.training.Callback` objects, or functions
            ``f(epoch, history)`` called after every epoch (e.g.
            :func:`~micrograd_mlp.training.print_progress`), called in this order except that
            :class:`~micrograd_mlp.training.Checkpointing` comes last.

    Returns:
        The :class:`~micrograd_mlp.training.History` (with a resumed run's earlier epochs);
        ``history.loss[-1]`` is the loss of the last step (before its update).

    Raises:
        TypeError: ``loss_fn``, ``optimizer`` or ``epochs`` missing, ``loss_fn`` did not return
            one scalar, or a callback that is neither a Callback nor a function.
        ValueError: ``(X, y)`` of the wrong shapes (both named) or holding no samples, data
            yielding no batches, ``epochs``/``batch_size`` not a positive int, or
            ``batch_size``/``seed`` given with an iterable of batches.
        NonFiniteLossError: a loss is NaN or infinite (or computing it overflowed); the
            parameters (and optimizer state) are those before the failing step, the last
            checkpoint that of the last finished epoch.
        FileNotFoundError, CheckpointError: see :class:`~micrograd_mlp.training.Checkpointing`
            (before any step).
    """
    missing = [n for n, v in (("loss_fn", loss_fn), ("optimizer", optimizer)) if v is None]
    if missing or epochs is None:
        missing += ["epochs"] if epochs is None else []
        raise TypeError(f"fit() missing required argument(s): {', '.join(missing)}")
    epochs = positive_int("epochs", epochs)
    batched = is_batched(model, optimizer)
    data = as_batches((data, y) if y is not None else data, batched, "fit", batch_size, seed)
    name = getattr(metric, "__name__", "metric") if metric is not None else "metric"
    run = Run(
        model=model,
        loss_fn=loss_fn,
        optimizer=optimizer,
        data=data,
        epochs=epochs,
        history=History(metric_name="metric" if name == "<lambda>" else name),
        batched=batched,
        metric=metric,
    )
    return _loop(run, _callback_list(callbacks))


def _callback_list(callbacks: Sequence[Any]) -> list[Callback]:
    """Functions wrapped in LambdaCallback; Checkpointing moved last (stable)."""
    chain = []
    for c in callbacks:
        if isinstance(c, Callback):
            chain.append(c)
        elif callable(c):
            chain.append(LambdaCallback(c))
        else:
            raise TypeError(
                f"fit: callbacks must be Callback objects or functions (epoch, history), got "
                f"{type(c).__name__}"
            )
    return sorted(chain, key=lambda c: isinstance(c, Checkpointing))


def _loop(run: Run, callbacks: Sequence[Callback]) -> History:
    was_training = getattr(run.model, "training", None)
    series: set[str] = set()
    for c in callbacks:
        if isinstance(c, Evaluate):
            series |= {"test_loss"} | ({"test_metric"} if (c.metric or run.metric) else set())
    run.test_series = tuple(sorted(series))
    try:
        for callback in callbacks:
            callback.on_train_begin(run)
        for epoch in range(run.start_epoch, run.epochs):
            run.epoch = epoch
            run_epoch(run, callbacks)
            for callback in callbacks:
                callback.on_epoch_end(run)
    finally:
        for callback in callbacks:
            callback.on_train_end(run)
        if was_training is not None:
            set_mode(run.model, was_training)
    return run.history
