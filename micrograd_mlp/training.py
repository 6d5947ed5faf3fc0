"""One training loop for both engines: :func:`fit`, :func:`evaluate`, :class:`History`, callbacks.

One step is the whole of backpropagation in five lines, the same for both engines::

    outputs = forward(model, inputs)        # scalar engine: [model(x) for x in rows];
                                            # Tensor engine: model(X), one (B, ...) Tensor
    loss = loss_fn(outputs, targets)        # one scalar at the root of the graph
    optimizer.zero_grad()                   # .grad accumulates, as in PyTorch: clear it first
    loss.backward()                         # chain rule, root to leaves
    optimizer.step()                        # move every parameter against its gradient

:func:`fit` runs such steps over mini-batches for a number of epochs. Per epoch (PyTorch's
conventions): ``model.train()``, one pass over the data, then ``scheduler.step()`` once, then
the callbacks: :class:`Evaluate` (``model.eval()``, under ``no_grad``), :class:`Checkpointing`
(writes a checkpoint that :func:`fit` can resume from exactly) and :class:`ProgressLog` (a tqdm
bar on a terminal, one line per epoch). Everything is recorded in one :class:`History`.

:func:`check_finite` and :class:`NonFiniteLossError`: a loss that has become NaN or infinite
stops training *before* the update that would spread it into the weights.
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from numpy.typing import ArrayLike

from micrograd_mlp.module import make_rng
from micrograd_mlp.validation import positive_int

__all__ = [
    "Callback",
    "Checkpointing",
    "Evaluate",
    "Evaluation",
    "History",
    "NonFiniteLossError",
    "ProgressLog",
    "Run",
    "SupportsLRScheduler",
    "SupportsStep",
    "accuracy",
    "check_finite",
    "evaluate",
    "fit",
    "print_progress",
    "run_epoch",
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


# ``fit`` and ``train_step`` have a parameter named ``check_finite``; this alias reaches the
# function.
_check = check_finite


class SupportsStep(Protocol):
    """What :func:`fit` needs from an optimizer (``micrograd_mlp.optim.SGD``, ``Adam``, ...).

    A ``state_dict()``/``load_state_dict()`` pair is needed too for checkpoints, and an ``lr``
    attribute for learning-rate schedules and the recorded history.
    """

    def zero_grad(self) -> None: ...

    def step(self) -> None: ...


class SupportsLRScheduler(Protocol):
    """A learning-rate scheduler as PyTorch's (``micrograd_mlp.optim.lr_scheduler.StepLR``...):
    built on the optimizer, ``step()`` once after every epoch, ``get_last_lr()`` the list of the
    learning rates it set; ``state_dict()``/``load_state_dict()`` (JSON-representable) for
    checkpoints."""

    def step(self) -> None: ...

    def get_last_lr(self) -> list[float]: ...

    def state_dict(self) -> dict[str, Any]: ...

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None: ...


def __getattr__(name: str) -> Any:
    # ``training.Optimizer`` was the name of SupportsStep; it shadowed optim.Optimizer.
    if name == "Optimizer":
        warnings.warn(
            "micrograd_mlp.training.Optimizer is deprecated: it is the protocol "
            "micrograd_mlp.training.SupportsStep (the optimizer base class is "
            "micrograd_mlp.optim.Optimizer)",
            DeprecationWarning,
            stacklevel=2,
        )
        return SupportsStep
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


#: ``loss_fn(outputs, targets) -> scalar``: for the scalar engine ``outputs`` is the list of the
#: model's outputs for the batch (one Value, or a list of Values, per sample) and the result a
#: Value; for the Tensor engine ``outputs`` is the model's output Tensor ``(B, ...)`` and the
#: result a Tensor holding one number. ``targets`` is the batch's rows of ``y``.
LossFn = Callable[[Any, np.ndarray], Any]
#: ``metric(outputs, targets) -> float``, e.g. :func:`accuracy`; same arguments as ``LossFn``.
MetricFn = Callable[[Any, np.ndarray], float]


def accuracy(outputs: Any, targets: ArrayLike) -> float:
    """Fraction of samples whose largest output is the target class (a :class:`fit` metric).

    Args:
        outputs: a Tensor (or array) of logits ``(B, C)``, or the scalar engine's list of B
            outputs, each a list of C Values.
        targets: class indices ``(B,)``.

    Returns:
        The accuracy, a float in [0, 1].

    Raises:
        ValueError: ``outputs`` are not ``(B, C)`` scores with ``C >= 2`` (a model with one
            output per sample has no class to pick: argmax would always say class 0), or
            ``targets`` is not ``(B,)`` (a ``(B, 1)`` column would broadcast against the
            ``(B,)`` predictions into a ``(B, B)`` comparison).
    """
    scores = _output_array(outputs)
    labels = np.asarray(targets)
    if scores.ndim != 2 or scores.shape[1] < 2:
        raise ValueError(
            f"accuracy: outputs must be class scores of shape (B, C) with C >= 2, got shape "
            f"{scores.shape} (for one logit per sample, compare outputs > 0 with the targets)"
        )
    if labels.shape != scores.shape[:1]:
        raise ValueError(
            f"accuracy: targets must be class indices of shape ({len(scores)},) for outputs of "
            f"shape {scores.shape}, got shape {labels.shape}"
        )
    return np.count_nonzero(scores.argmax(axis=-1) == labels) / max(len(scores), 1)


def _output_array(outputs: Any) -> np.ndarray:
    """A model's outputs for a batch as a float array: ``(B, ...)`` from a Tensor's data, or
    from the scalar engine's list of Values / lists of Values."""
    data = getattr(outputs, "data", None)
    if isinstance(data, np.ndarray):
        return data
    if isinstance(outputs, np.ndarray):
        return outputs
    return np.array(
        [[v.data for v in o] if isinstance(o, (list, tuple)) else o.data for o in outputs],
        dtype=np.float64,
    )


# --------------------------------------------------------------------------------- history
@dataclass
class History:
    """What :func:`fit` measured; per step and per epoch (resumed epochs included).

    Attributes:
        loss: the loss of every step (in step order), measured on the step's batch *before*
            its update.
        metric: the metric of every step's batch, measured on the same forward pass (empty
            without a metric).
        epoch_loss: per epoch, the mean of its step losses weighted by batch size.
        epoch_metric: per epoch, the batch-size-weighted mean of its step metrics.
        epoch: the 1-based number of each recorded epoch.
        lr: the learning rate each epoch trained with (``optimizer.lr``; NaN without one).
        seconds: wall time of each epoch's training steps (evaluation excluded).
        test_loss, test_metric: per epoch, the figures of :class:`Evaluate` (empty without).
        metric_name: what the metric is (``"accuracy"``...), used in :meth:`to_dict` and logs.
    """

    loss: list[float] = field(default_factory=list)
    metric: list[float] = field(default_factory=list)
    epoch_loss: list[float] = field(default_factory=list)
    epoch_metric: list[float] = field(default_factory=list)
    epoch: list[int] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    test_loss: list[float] = field(default_factory=list)
    test_metric: list[float] = field(default_factory=list)
    metric_name: str = "metric"

    #: The series saved in a checkpoint (all but ``metric_name``).
    SERIES = (
        "loss",
        "metric",
        "epoch_loss",
        "epoch_metric",
        "epoch",
        "lr",
        "seconds",
        "test_loss",
        "test_metric",
    )

    @property
    def steps(self) -> int:
        """The number of steps taken."""
        return len(self.loss)

    def to_dict(self) -> dict[str, list[float]]:
        """The per-epoch series under the names of ``plot_training_history`` and of the former
        ``tensor.train.train`` result: ``epoch``, ``lr``, ``train_loss``, ``train_<metric>``,
        ``test_loss``, ``test_<metric>``, ``seconds`` (series that were not recorded are left
        out)."""
        name = self.metric_name
        series = {
            "epoch": self.epoch,
            "lr": self.lr,
            "train_loss": self.epoch_loss,
            f"train_{name}": self.epoch_metric,
            "test_loss": self.test_loss,
            f"test_{name}": self.test_metric,
            "seconds": self.seconds,
        }
        return {k: list(v) for k, v in series.items() if v or k in ("epoch", "train_loss")}

    def state(self) -> dict[str, list[float]]:
        """Every series as a list of floats (what a checkpoint stores)."""
        return {k: [float(x) for x in getattr(self, k)] for k in self.SERIES}

    @classmethod
    def from_state(cls, state: Mapping[str, Sequence[float]], metric_name: str) -> History:
        """The History saved by :meth:`state` (unknown keys raise ``KeyError``)."""
        unknown = sorted(set(state) - set(cls.SERIES))
        if unknown:
            raise KeyError(f"unknown history series {unknown}")
        values = {k: [float(x) for x in state.get(k, ())] for k in cls.SERIES}
        values["epoch"] = [int(e) for e in values["epoch"]]
        return cls(**values, metric_name=metric_name)


@dataclass
class Evaluation:
    """A model's figures on a data set (:func:`evaluate`).

    Attributes:
        loss: mean loss per sample (each batch's loss weighted by its size).
        metric: the metric, weighted likewise (None without a metric).
        outputs: the model's outputs for every sample, in data order: float array ``(N, ...)``.
    """

    loss: float
    metric: float | None
    outputs: np.ndarray

    @property
    def accuracy(self) -> float | None:
        """The metric under its usual name for classifiers (``evaluate(..., metric=accuracy)``)."""
        return self.metric

    @property
    def predictions(self) -> np.ndarray:
        """The predicted class of every sample: ``outputs.argmax(axis=-1)``, int64 ``(N,)``."""
        return self.outputs.argmax(axis=-1).astype(np.int64)


# ------------------------------------------------------------------------ the data, the model
class _ArrayData:
    """``(X, y)`` arrays as mini-batches: the scalar engine's classic form of ``fit``'s data.

    Full batch (``batch_size=None``) takes the samples in order; otherwise the order is
    shuffled every epoch by one generator made from ``seed``. For a per-sample model the
    inputs are Python lists of floats (the engine lifts them without NumPy overhead).
    """

    def __init__(
        self,
        X: ArrayLike,
        y: ArrayLike,
        batch_size: int | None,
        seed: int | np.random.Generator | None,
        rows: bool,
    ) -> None:
        X, y = np.asarray(X, dtype=np.float64), np.asarray(y)
        if X.ndim != 2 or y.ndim == 0 or len(X) != len(y):
            raise ValueError(
                f"fit: expected X of shape (N, D) and y of shape (N,) or (N, K), got X {X.shape} "
                f"and y {y.shape}"
            )
        if len(X) == 0:
            raise ValueError("fit: X and y hold no samples")
        n = self.samples = len(X)
        self.batch_size = (
            n if batch_size is None else min(positive_int("batch_size", batch_size), n)
        )
        self.rng = make_rng(seed, "fit") if self.batch_size < n else None
        self.X, self.y = X, y
        self.rows = X.tolist() if rows else None

    def __len__(self) -> int:
        return -(-self.samples // self.batch_size)

    def __iter__(self) -> Iterable[tuple[Any, np.ndarray]]:
        n, b = self.samples, self.batch_size
        order = self.rng.permutation(n) if self.rng is not None else np.arange(n)
        for start in range(0, n, b):
            index = order[start : start + b]
            inputs = [self.rows[i] for i in index.tolist()] if self.rows is not None else None
            yield (self.X[index] if inputs is None else inputs), self.y[index]


def _batched(model: Any, batched: bool | None) -> bool:
    """Whether ``model`` takes a whole batch (Tensor engine) or one sample (scalar engine).

    By default: batched when its parameters hold NumPy arrays (Tensors), per sample otherwise
    (``Value`` parameters, or a plain function).
    """
    if batched is not None:
        return bool(batched)
    parameters = getattr(model, "parameters", None)
    if not callable(parameters):
        return False
    return any(isinstance(getattr(p, "data", None), np.ndarray) for p in parameters())


def _forward(model: Any, inputs: Any, batched: bool) -> Any:
    if batched:
        return model(inputs)
    rows = inputs.tolist() if isinstance(inputs, np.ndarray) else inputs
    return [model(x) for x in rows]


def _loss_value(loss: Any) -> float:
    """The loss as a float; TypeError unless it is one scalar node with ``backward()``."""
    data = getattr(loss, "data", None)
    if callable(getattr(loss, "backward", None)):
        if isinstance(data, (np.ndarray, np.generic)) and np.size(data) == 1:
            return float(np.asarray(data).reshape(()))
        if isinstance(data, (int, float)) and not isinstance(data, bool):
            return float(data)
    raise TypeError(
        "loss_fn must return one Value or a Tensor of one element (use reduction='mean' or "
        f"'sum'), got {type(loss).__name__}"
        + (f" of shape {data.shape}" if isinstance(data, np.ndarray) else "")
    )


def _set_mode(model: Any, training: bool) -> None:
    """``model.train()`` / ``model.eval()`` when the model has them (a Module does)."""
    method = getattr(model, "train" if training else "eval", None)
    if callable(method) and hasattr(model, "training"):
        method()


def _samples_per_epoch(data: Any) -> int | None:
    """Samples of one pass over ``data`` when it can tell (a DataLoader, ``(X, y)``), else None."""
    if isinstance(data, _ArrayData):
        return data.samples
    labels, batch_size = getattr(data, "labels", None), getattr(data, "batch_size", None)
    if labels is not None and isinstance(batch_size, int):
        try:
            return min(len(data) * batch_size, len(labels))
        except TypeError:
            return None
    return None


# ------------------------------------------------------------------------------ callbacks
@dataclass
class Run:
    """The state of a :func:`fit` run, as callbacks see it.

    Attributes:
        model, loss_fn, optimizer, data, scheduler, metric: as given to :func:`fit` (``data``
            made iterable: ``(X, y)`` arrays become mini-batches).
        epochs: the total number of epochs (resumed ones included).
        history: what was measured so far.
        batched: whether the model takes whole batches (Tensor engine).
        epoch: the current 0-based epoch; ``start_epoch`` the first one this call trains
            (after a resume, the checkpoint's epoch count).
        step: the number of steps taken so far over the run (the next step's index).
        check_finite: stop on a NaN or infinite loss.
        epoch_samples: the samples of the last finished epoch.
        test_series: the History series the run's :class:`Evaluate` callbacks record.
    """

    model: Any
    loss_fn: LossFn
    optimizer: Any
    data: Any
    epochs: int
    history: History
    batched: bool
    scheduler: Any = None
    metric: MetricFn | None = None
    check_finite: bool = True
    epoch: int = 0
    start_epoch: int = 0
    step: int = 0
    epoch_samples: int = 0
    test_series: tuple[str, ...] = ()

    @property
    def samples_per_epoch(self) -> int | None:
        """Samples in one pass over the data, when the data can tell."""
        return _samples_per_epoch(self.data)


class Callback:
    """Base class of :func:`fit`'s callbacks; every hook does nothing by default.

    Order of the calls: ``on_train_begin`` once (may restore a checkpoint and move
    ``run.start_epoch``); per epoch ``on_epoch_begin``, then ``on_step_begin`` and
    ``on_step_end`` around every step, then (after ``scheduler.step()``) ``on_epoch_end``;
    finally ``on_train_end``, which is called also when training stops with an error.
    """

    def on_train_begin(self, run: Run) -> None:
        """Before the first epoch."""

    def on_epoch_begin(self, run: Run) -> None:
        """Before epoch ``run.epoch``; the model is in training mode."""

    def on_step_begin(self, run: Run) -> None:
        """Before step ``run.step`` (its forward pass)."""

    def on_step_end(self, run: Run, loss: float, size: int, metric: float | None) -> None:
        """After the update of a step: its loss and metric (before the update) and batch size.
        ``run.step`` already counts it."""

    def on_epoch_end(self, run: Run) -> None:
        """After epoch ``run.epoch``: its figures are in ``run.history``, the scheduler stepped."""

    def on_train_end(self, run: Run) -> None:
        """After the last epoch, or when training stopped with an error."""


class _EpochFunction(Callback):
    """A plain function ``callback(epoch, history)`` called after every epoch."""

    def __init__(self, function: Callable[[int, History], Any]) -> None:
        self.function = function

    def on_epoch_end(self, run: Run) -> None:
        self.function(run.epoch, run.history)


class _StepLR(Callback):
    """The deprecated per-step ``lr_schedule(step)``: writes ``optimizer.lr`` before each step."""

    def __init__(self, schedule: Callable[[int], float]) -> None:
        self.schedule = schedule

    def on_step_begin(self, run: Run) -> None:
        run.optimizer.lr = float(self.schedule(run.step))


class Evaluate(Callback):
    """After every epoch, :func:`evaluate` the model on ``data``; records ``history.test_loss``
    and ``history.test_metric``.

    Args:
        data: an iterable of ``(inputs, targets)`` batches (a DataLoader, e.g. with
            ``batch_size=1000`` for speed) or an ``(X, y)`` tuple of arrays.
        loss_fn, metric: default to those of the run.
    """

    def __init__(
        self, data: Any, loss_fn: LossFn | None = None, metric: MetricFn | None = None
    ) -> None:
        self.data, self.loss_fn, self.metric = data, loss_fn, metric
        self.last: Evaluation | None = None

    def on_epoch_end(self, run: Run) -> None:
        metric = self.metric or run.metric
        self.last = evaluate(
            run.model, self.data, self.loss_fn or run.loss_fn, metric, batched=run.batched
        )
        run.history.test_loss.append(self.last.loss)
        if self.last.metric is not None:
            run.history.test_metric.append(self.last.metric)


class ProgressLog(Callback):
    """Progress of a run: a tqdm bar per epoch where someone watches (a terminal, a notebook;
    see :mod:`micrograd_mlp.progress`) and one summary line per epoch on ``stdout``.

    Args:
        bars: draw bars (where they would be seen).
        lines: print the summary lines: the first epoch, every ``every``-th and the last.
        every: see ``lines``.
        stream: where the lines go (default ``sys.stdout``).
    """

    def __init__(
        self, bars: bool = True, lines: bool = True, every: int = 1, stream: Any = None
    ) -> None:
        self.bars, self.lines = bool(bars), bool(lines)
        self.every = positive_int("every", every)
        self.stream = stream
        self._bar: Any = None
        self._sums = [0.0, 0.0, 0]

    def on_epoch_begin(self, run: Run) -> None:
        from micrograd_mlp.progress import progress_bar

        self._sums = [0.0, 0.0, 0]
        if self.bars:
            self._bar = progress_bar(
                total=run.samples_per_epoch,
                desc=f"epoch {run.epoch + 1}/{run.epochs}",
                unit="sample",
                unit_scale=True,
                leave=True,
            )

    def _postfix(self, run: Run) -> dict[str, str]:
        loss_sum, metric_sum, seen = self._sums
        figures = {"loss": f"{loss_sum / seen:.4f}"}
        if run.metric is not None:
            figures[run.history.metric_name[:3]] = f"{metric_sum / seen:.4f}"
        return figures

    def on_step_end(self, run: Run, loss: float, size: int, metric: float | None) -> None:
        self._sums[0] += loss * size
        self._sums[1] += (metric or 0.0) * size
        self._sums[2] += size
        if self._bar is not None and not self._bar.disable:
            self._bar.update(size)
            if run.step % 20 == 0:
                self._bar.set_postfix(self._postfix(run), refresh=False)

    def on_epoch_end(self, run: Run) -> None:
        self._close(run)
        epoch, h = run.epoch, run.history
        if not self.lines:
            return
        if not (
            epoch == run.start_epoch or (epoch + 1) % self.every == 0 or epoch + 1 == run.epochs
        ):
            return
        name = h.metric_name
        seconds = h.seconds[-1]
        samples = run.epoch_samples
        line = f"epoch {epoch + 1}/{run.epochs}: train loss {h.epoch_loss[-1]:.4f}"
        if h.epoch_metric:
            line += f" {name} {h.epoch_metric[-1]:.4f}"
        line += f" ({seconds:.2f} s"
        if samples and seconds > 0:
            line += f", {samples / seconds:,.0f} samples/s"
        line += ")"
        if len(h.test_loss) == len(h.epoch):
            line += f"; test loss {h.test_loss[-1]:.4f}"
            if len(h.test_metric) == len(h.epoch):
                line += f" {name} {h.test_metric[-1]:.4f}"
        print(line, file=self.stream or sys.stdout, flush=True)

    def _close(self, run: Run) -> None:
        if self._bar is not None:
            if self._sums[2] and not self._bar.disable:
                self._bar.set_postfix(self._postfix(run))
            self._bar.close()
            self._bar = None

    def on_train_end(self, run: Run) -> None:
        self._close(run)


class Checkpointing(Callback):
    """Write a checkpoint after every epoch; resume from one exactly.

    The checkpoint (:mod:`micrograd_mlp.checkpoint`) holds the model, the optimizer, the
    scheduler, the random state of dropout layers, the history, the epoch count, the training
    loader's shuffling state and ``config``. Resuming from it continues bit for bit: training
    2 epochs then resuming to 3 gives the weights, optimizer state and history of 3 epochs
    straight (all but the wall times).

    Args:
        path: the ``.npz`` file. Its directory must exist (checked before any training).
        resume: continue from ``path`` (which must exist). Its settings (``config``, the
            loader's seed and batch size, what the history records) must equal this run's,
            except ``epochs``.
        force: replace an existing file at ``path`` without ``resume`` (otherwise refused: a
            checkpoint is never overwritten unasked).
        config: the run's settings (JSON-representable), saved in the checkpoint.
        verbose: print a line when resuming.

    Attributes:
        saved_epoch: the epoch count of the last checkpoint written or resumed from (None
            before). ``path``: the checkpoint's path.

    Raises (in ``on_train_begin``, before any step):
        FileNotFoundError: the directory does not exist, or ``resume`` and there is no file.
        CheckpointError: ``resume`` from a corrupt checkpoint or one of a different run (every
            difference listed); without ``resume``/``force``, a file exists at ``path``.
        ValueError: the data cannot be replayed exactly (a shuffled DataLoader without an int
            seed, shuffled ``(X, y)`` mini-batches).
        TypeError: ``config`` is not JSON-representable.
    """

    #: Settings that may differ between a checkpoint and the run resuming from it.
    RESUMABLE_CHANGES = ("epochs",)

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        resume: bool = False,
        force: bool = False,
        config: Mapping[str, Any] | None = None,
        verbose: bool = True,
    ) -> None:
        self.path = Path(path)
        self.resume, self.force, self.verbose = bool(resume), bool(force), bool(verbose)
        self.config = dict(config or {})
        self.saved_epoch: int | None = None

    def on_train_begin(self, run: Run) -> None:
        from micrograd_mlp.checkpoint import (
            CheckpointError,
            check_checkpoint_path,
            load_checkpoint,
            refuse_overwrite,
        )

        json.dumps(self.config)  # fail now, not when the first checkpoint is written
        self.path = check_checkpoint_path(self.path)
        self.loader_state = _loader_state(run.data)
        if not self.resume:
            if not self.force:
                refuse_overwrite(self.path)
            return
        saved = load_checkpoint(self.path)
        problems = _differences(saved.config, self.config, skip=self.RESUMABLE_CHANGES)
        problems += [f"loader {p}" for p in _differences(saved.loader, self.loader_state)]
        recorded = sorted(k for k, v in saved.history.items() if v)
        expected = sorted(_recorded_series(run))
        if saved.epoch > 0 and recorded != expected:
            problems.append(f"history records {recorded}, this run {expected}")
        if problems:
            raise CheckpointError(
                f"checkpoint '{self.path}' was written by a different run; resume with the same "
                "settings (only the number of epochs may change, and not with a schedule "
                "planned over them): " + "; ".join(problems)
            )
        try:
            history = History.from_state(saved.history, run.history.metric_name)
        except KeyError as error:
            raise CheckpointError(f"checkpoint '{self.path}': {error.args[0]}") from None
        restore(saved, run.model, run.optimizer, run.scheduler)
        run.history = history
        run.start_epoch = saved.epoch
        run.step = history.steps
        self.saved_epoch = saved.epoch
        if self.verbose:
            print(f"resumed from {self.path} after epoch {saved.epoch}", flush=True)
            if saved.epoch >= run.epochs:
                print(f"the checkpoint has {saved.epoch} epochs already: nothing to train")

    def on_epoch_end(self, run: Run) -> None:
        from micrograd_mlp.checkpoint import Checkpoint

        scheduler = run.scheduler
        Checkpoint(
            model_state=run.model.state_dict(),
            optimizer_state=run.optimizer.state_dict(),
            epoch=run.epoch + 1,
            history=run.history.state(),
            loader=self.loader_state,
            config=self.config,
            scheduler=_plain_state(scheduler) if scheduler is not None else {},
            rng=_rng_states(run.model),
        ).save(self.path)
        self.saved_epoch = run.epoch + 1


def _plain_state(scheduler: Any) -> dict[str, Any]:
    """A scheduler's ``state_dict()`` with NumPy values as plain numbers and lists (JSON)."""
    return {k: np.asarray(v).tolist() for k, v in scheduler.state_dict().items()}


def _recorded_series(run: Run) -> list[str]:
    names = ["loss", "epoch_loss", "epoch", "lr", "seconds", *run.test_series]
    if run.metric is not None:
        names += ["metric", "epoch_metric"]
    return names


def _loader_state(data: Any) -> dict[str, Any]:
    """What fixes the training batches, checked against a checkpoint on resume."""
    if isinstance(data, _ArrayData):
        if data.rng is not None:
            raise ValueError(
                "a checkpointed run cannot replay shuffled (X, y) mini-batches exactly: pass a "
                "DataLoader with an int seed instead (or batch_size=None)"
            )
        return {"samples": data.samples, "batch_size": data.batch_size, "shuffle": False}
    if not hasattr(data, "seed"):
        return {}
    seeded = isinstance(data.seed, (int, np.integer)) and not isinstance(data.seed, bool)
    if getattr(data, "shuffle", False) and not seeded:
        raise ValueError(
            "a checkpointed run needs a DataLoader with an int seed (its batches can then be "
            "replayed on resume); a numpy Generator's draws cannot"
        )
    return {
        "samples": len(data.labels),
        "batch_size": data.batch_size,
        "shuffle": data.shuffle,
        "drop_last": data.drop_last,
        "seed": int(data.seed) if seeded else None,
    }


def _differences(saved: Mapping[str, Any], now: Mapping[str, Any], skip=()) -> list[str]:
    keys = [k for k in dict.fromkeys([*saved, *now]) if k not in skip]
    return [
        f"{k}: {saved.get(k)!r} in the checkpoint, {now.get(k)!r} now"
        for k in keys
        if saved.get(k) != now.get(k)
    ]


def _generators(model: Any) -> dict[str, np.random.Generator]:
    """The random generators of the model's modules (dropout masks), by module name."""
    walk = getattr(model, "_named_modules", None)
    if not callable(walk):
        return {}
    return {
        name or ".": m.rng
        for name, m in walk()
        if isinstance(getattr(m, "rng", None), np.random.Generator)
    }


def _rng_states(model: Any) -> dict[str, Any]:
    return {name: g.bit_generator.state for name, g in _generators(model).items()}


def restore(checkpoint: Any, model: Any, optimizer: Any = None, scheduler: Any = None) -> None:
    """Load a checkpoint's model, optimizer, scheduler and random states, all or nothing.

    Args:
        checkpoint: a :class:`micrograd_mlp.checkpoint.Checkpoint`.
        model: a Module with ``state_dict``/``load_state_dict``.
        optimizer, scheduler: restored when given.

    Raises:
        CheckpointError: the saved state does not fit the model, the optimizer or the
            scheduler (the file and every mismatch are named); everything is then left as it was.
    """
    from micrograd_mlp.checkpoint import CheckpointError

    where = f"checkpoint '{checkpoint.path}'" if checkpoint.path else "the checkpoint"
    before = model.state_dict()
    optimizer_before = optimizer.state_dict() if optimizer is not None else None
    generators = _generators(model)
    try:
        model.load_state_dict(checkpoint.model_state)
    except (KeyError, ValueError) as error:
        raise CheckpointError(f"{where} does not fit the model: {_message(error)}") from None
    part = "optimizer"
    try:
        if optimizer is not None:
            optimizer.load_state_dict(checkpoint.optimizer_state)
        saved_rng = dict(getattr(checkpoint, "rng", {}) or {})
        if saved_rng and sorted(saved_rng) != sorted(generators):
            part = "model's random generators"
            raise ValueError(f"saved for {sorted(saved_rng)}, the model has {sorted(generators)}")
        part = "scheduler"
        if scheduler is not None and getattr(checkpoint, "scheduler", None):
            scheduler.load_state_dict(checkpoint.scheduler)
    except (KeyError, ValueError, TypeError) as error:
        model.load_state_dict(before)  # all or nothing: undo what was loaded
        if optimizer_before is not None:
            optimizer.load_state_dict(optimizer_before)
        raise CheckpointError(f"{where} does not fit the {part}: {_message(error)}") from None
    for name, state in saved_rng.items():
        generators[name].bit_generator.state = state


def _message(error: BaseException) -> str:
    # str(KeyError("x")) is "'x'", with quotes: use the argument itself.
    return str(error.args[0]) if isinstance(error, KeyError) and error.args else str(error)


# ------------------------------------------------------------------------------ the loop
def train_step(
    model: Callable[[Any], Any],
    inputs: Any,
    targets: Any,
    loss_fn: LossFn,
    optimizer: SupportsStep,
    *,
    step: int = 0,
    epoch: int | None = None,
    check_finite: bool = True,
    outputs: list | None = None,
    batched: bool | None = None,
) -> Any:
    """One step of gradient descent on one batch; returns the loss (its graph still attached).

    Forward the batch through ``model`` (row by row for the scalar engine, at once for the
    Tensor engine), ``loss = loss_fn(outputs, targets)``, then (if the loss is finite, or
    ``check_finite`` is False) ``optimizer.zero_grad()``, ``loss.backward()``,
    ``optimizer.step()``. This is the step :func:`fit` takes.

    Args:
        model, loss_fn, optimizer: as for :func:`fit`.
        inputs: the batch: a sequence of B samples (each a sequence of floats) or an array
            ``(B, D)``.
        targets: what ``loss_fn`` takes as targets for this batch.
        step, epoch: named in a :class:`NonFiniteLossError`.
        check_finite: as for :func:`fit`.
        outputs: if a list is given, the model's outputs are appended to it (the B outputs of
            a per-sample model, or the one batch output of a batched one).
        batched: as for :func:`fit`.

    Returns:
        The loss, after ``backward()`` and the update: ``loss.data`` is the loss before the
        update, and ``loss.topological_order()`` the graph of the step.

    Raises:
        NonFiniteLossError: the loss is NaN or infinite, or computing it overflowed (and
            ``check_finite``); nothing was updated.
        TypeError: ``loss_fn`` did not return one scalar Value or Tensor.
    """
    is_batched = _batched(model, batched)
    loss, out, _ = _step(
        model, inputs, targets, loss_fn, optimizer, is_batched, step, epoch, check_finite
    )
    if outputs is not None:
        if is_batched:
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
    check: bool,
) -> tuple[Any, Any, float]:
    try:
        out = _forward(model, inputs, batched)
        loss = loss_fn(out, targets)
    except OverflowError as error:
        # The forward pass itself overflowed float64 (e.g. exp(1000), or a square beyond
        # 1.8e308): as far as training is concerned the loss is +inf.
        if not check:
            raise
        raise NonFiniteLossError(math.inf, step, epoch) from error
    value = _loss_value(loss)
    if check:
        _check(value, step, epoch)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss, out, value


def run_epoch(run: Run, callbacks: Sequence[Callback] = (), set_epoch: bool = True) -> None:
    """Epoch ``run.epoch`` of :func:`fit`'s loop: ``model.train()``, one :func:`train_step` per
    batch of ``run.data`` (counted from ``run.step``), the figures appended to ``run.history``.

    Args:
        run: the state of the run (:class:`Run`).
        callbacks: their ``on_epoch_begin``, ``on_step_begin`` and ``on_step_end`` are called
            (not ``on_epoch_end``: :func:`fit` calls it after the scheduler's step).
        set_epoch: call ``run.data.set_epoch(run.epoch)`` first when the data has it.

    Raises:
        ValueError: the data yields no batches.
        NonFiniteLossError: a loss is NaN or infinite (with ``run.check_finite``).
    """
    _set_mode(run.model, True)
    if set_epoch and callable(getattr(run.data, "set_epoch", None)):
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
            run.model,
            inputs,
            targets,
            run.loss_fn,
            run.optimizer,
            run.batched,
            run.step,
            run.epoch,
            run.check_finite,
        )
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


def fit(
    model: Callable[[Any], Any],
    data: Any,
    y: ArrayLike | None = None,
    loss_fn: LossFn | None = None,
    optimizer: SupportsStep | None = None,
    epochs: int | None = None,
    batch_size: int | None = None,
    seed: int | np.random.Generator | None = None,
    callback: Callable[[int, History], Any] | None = None,
    check_finite: bool = True,
    *,
    metric: MetricFn | None = None,
    metric_name: str | None = None,
    scheduler: SupportsLRScheduler | None = None,
    eval_data: Any = None,
    callbacks: Sequence[Callback | Callable[[int, History], Any]] = (),
    progress: bool = False,
    verbose: bool | None = None,
    checkpoint: str | os.PathLike[str] | None = None,
    resume: bool = False,
    force: bool = False,
    config: Mapping[str, Any] | None = None,
    batched: bool | None = None,
    lr_schedule: Callable[[int], float] | None = None,
) -> History:
    """Train ``model`` by mini-batch gradient descent; the one training loop of both engines.

    Every epoch: ``model.train()``; for every batch of ``data`` one :func:`train_step`
    (forward, ``loss_fn``, finite-loss check, ``zero_grad``, ``backward``, ``step``); then
    ``scheduler.step()``; then the callbacks (evaluation, checkpoint, progress, ``callback``).

    The data takes two forms, as Keras's ``fit(x, y)``:

    * ``fit(model, X, y, loss_fn, optimizer, epochs, batch_size, seed)``: arrays ``X`` (N, D)
      and ``y`` (N,) or (N, K); full batch by default, or shuffled mini-batches of
      ``batch_size`` (the scalar engine's classic form);
    * ``fit(model, loader, loss_fn=..., optimizer=..., epochs=...)``: ``y`` None and ``data``
      a :class:`~micrograd_mlp.data.DataLoader` or any iterable of ``(inputs, targets)``
      batches, iterated once per epoch (``data.set_epoch(epoch)`` first when it has it, so a
      resumed run sees the same batches).

    Args:
        model: a ``Neuron``/``Layer``/``MLP`` of either engine, or any callable. The scalar
            engine's models take one sample (a list of floats) and are called row by row; the
            Tensor engine's take the whole batch (see ``batched``).
        data, y: see above.
        loss_fn: ``loss_fn(outputs, targets) -> scalar`` (see :data:`LossFn`), the quantity to
            minimise; it may add terms that do not depend on the data (an L2 penalty).
        optimizer: ``zero_grad()`` and ``step()`` over the model's parameters
            (``micrograd_mlp.optim``).
        epochs: the number of epochs of the run, resumed ones included (positive int).
        batch_size, seed: for ``(X, y)`` data only: samples per step (None: all) and the
            shuffling (int, Generator or None for fresh entropy).
        callback: ``callback(epoch, history)`` after every epoch (e.g. :func:`print_progress`).
        check_finite: raise :class:`NonFiniteLossError` when a loss is NaN or infinite (also
            when computing it overflowed), before that step's update; False trains on.
        metric: ``metric(outputs, targets) -> float`` recorded every step (e.g. :func:`accuracy`)
            and by evaluation.
        metric_name: the metric's name in logs and :meth:`History.to_dict` (default
            ``metric.__name__``).
        scheduler: a learning-rate scheduler (:class:`SupportsLRScheduler`, e.g.
            ``micrograd_mlp.optim.lr_scheduler.ExponentialLR(optimizer, 0.9)``), stepped once
            after every epoch, as in PyTorch: its unit is the epoch.
        eval_data: evaluated after every epoch (:class:`Evaluate`): ``history.test_loss`` and
            ``history.test_metric``.
        callbacks: more :class:`Callback` objects (or ``callback``-style functions), called in
            this order after the evaluation and before the checkpoint and the progress log.
        progress: show a progress bar per epoch (:class:`ProgressLog`; bars only where they are
            seen: a terminal or a notebook).
        verbose: print one summary line per epoch (default: the value of ``progress``).
        checkpoint, resume, force, config: write a checkpoint to ``checkpoint`` after every
            epoch, continue from it with ``resume``, replace another run's with ``force``, and
            save ``config`` in it (see :class:`Checkpointing`).
        batched: whether ``model`` takes whole batches; default: it does when its parameters
            are Tensors (NumPy ``data``).
        lr_schedule: deprecated: ``lr_schedule(step) -> lr`` written to ``optimizer.lr``
            before every step; use ``scheduler`` (per epoch).

    Returns:
        The :class:`History` (with a resumed run's earlier epochs); ``history.loss[-1]`` is the
        loss of the last step (before its update).

    Raises:
        TypeError: ``loss_fn``, ``optimizer`` or ``epochs`` missing, or ``loss_fn`` did not
            return one scalar.
        ValueError: ``(X, y)`` of the wrong shapes (both named) or holding no samples, data
            yielding no batches, ``epochs``/``batch_size`` not a positive int, or ``y`` given
            with an iterable of batches.
        NonFiniteLossError: see ``check_finite``; the parameters (and optimizer state) are those
            before the failing step, the last checkpoint that of the last finished epoch.
        FileNotFoundError, CheckpointError: see :class:`Checkpointing` (before any step).
    """
    missing = [n for n, v in (("loss_fn", loss_fn), ("optimizer", optimizer)) if v is None]
    if missing or epochs is None:
        missing += ["epochs"] if epochs is None else []
        raise TypeError(f"fit() missing required argument(s): {', '.join(missing)}")
    epochs = positive_int("epochs", epochs)
    is_batched = _batched(model, batched)
    if y is not None:
        data = _ArrayData(data, y, batch_size, seed, rows=not is_batched)
    elif isinstance(data, tuple) and len(data) == 2 and not _is_batch_iterable(data):
        data = _ArrayData(data[0], data[1], batch_size, seed, rows=not is_batched)
    elif batch_size is not None:
        raise ValueError("fit: batch_size is for (X, y) arrays; a DataLoader has its own")
    name = metric_name or (getattr(metric, "__name__", "metric") if metric else "metric")
    run = Run(
        model=model,
        loss_fn=loss_fn,
        optimizer=optimizer,
        data=data,
        epochs=epochs,
        history=History(metric_name=name),
        batched=is_batched,
        scheduler=scheduler,
        metric=metric,
        check_finite=check_finite,
    )
    chain: list[Callback] = []
    if lr_schedule is not None:
        warnings.warn(
            "fit(lr_schedule=...) (a learning rate per step) is deprecated: pass scheduler=, a "
            "scheduler stepped once per epoch (micrograd_mlp.optim.lr_scheduler)",
            DeprecationWarning,
            stacklevel=2,
        )
        chain.append(_StepLR(lr_schedule))
    if eval_data is not None:
        chain.append(Evaluate(eval_data))
    chain += [c if isinstance(c, Callback) else _EpochFunction(c) for c in callbacks]
    if checkpoint is not None:
        chain.append(
            Checkpointing(
                checkpoint, resume=resume, force=force, config=config, verbose=bool(verbose)
            )
        )
    elif resume:
        raise ValueError("resume=True needs the checkpoint path to resume from")
    if progress or verbose:
        chain.append(ProgressLog(bars=progress, lines=progress if verbose is None else verbose))
    if callback is not None:
        chain.append(_EpochFunction(callback))
    return _loop(run, chain)


def _is_batch_iterable(data: tuple) -> bool:
    """A tuple of two ``(inputs, targets)`` batches of arrays rather than ``(X, y)``."""
    return all(isinstance(b, tuple) and len(b) == 2 and isinstance(b[0], np.ndarray) for b in data)


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
            if run.scheduler is not None:
                run.scheduler.step()
            for callback in callbacks:
                callback.on_epoch_end(run)
    finally:
        for callback in callbacks:
            callback.on_train_end(run)
        if was_training is not None:
            _set_mode(run.model, was_training)
    return run.history


def evaluate(
    model: Callable[[Any], Any],
    data: Any,
    loss_fn: LossFn,
    metric: MetricFn | None = None,
    *,
    batched: bool | None = None,
) -> Evaluation:
    """Loss, metric and outputs of ``model`` on every sample of ``data``, in evaluation mode.

    ``model.eval()`` (dropout off) under ``no_grad()`` (no graph is recorded), batch by batch,
    so memory stays that of one batch; the model's mode is restored afterwards. Use large
    batches (e.g. a DataLoader with ``batch_size=1000``) for speed. Per-batch figures are
    averaged weighted by batch size, in float64.

    Args:
        model, loss_fn, metric, batched: as for :func:`fit`.
        data: an iterable of ``(inputs, targets)`` batches, or an ``(X, y)`` tuple of arrays
            (evaluated in one batch).

    Returns:
        An :class:`Evaluation` (``.loss``, ``.metric``, ``.outputs``, ``.predictions``).

    Raises:
        ValueError: the data yields no samples, or outputs and targets do not fit.
    """
    from micrograd_mlp.autodiff import no_grad

    is_batched = _batched(model, batched)
    if isinstance(data, tuple) and len(data) == 2 and not _is_batch_iterable(data):
        data = _ArrayData(data[0], data[1], None, None, rows=not is_batched)
    was_training = getattr(model, "training", None)
    _set_mode(model, False)
    loss_sum, metric_sum, seen, outputs = 0.0, 0.0, 0, []
    try:
        with no_grad():
            for inputs, targets in data:
                out = _forward(model, inputs, is_batched)
                size = len(targets)
                loss_sum += _loss_value(loss_fn(out, targets)) * size
                if metric is not None:
                    metric_sum += float(metric(out, targets)) * size
                outputs.append(_output_array(out))
                seen += size
    finally:
        if was_training is not None:
            _set_mode(model, was_training)
    if seen == 0:
        raise ValueError(f"evaluate: the data yields no samples ({data!r})")
    return Evaluation(
        loss_sum / seen,
        metric_sum / seen if metric is not None else None,
        np.concatenate(outputs),
    )


def print_progress(
    every: int = 10, total: int | None = None, metric_name: str = "metric"
) -> Callable[[int, History], None]:
    """A ``fit`` callback that prints the epoch's loss (and metric) every ``every`` epochs.

    Args:
        every: print after the first epoch and every ``every``-th one (epochs counted from 1).
        total: the number of epochs, shown as ``epoch k/total`` and always printed at the end.
        metric_name: how to label the metric (e.g. ``"accuracy"``).
    """
    every = positive_int("every", every)

    def callback(epoch: int, history: History) -> None:
        last = total is not None and epoch + 1 == total
        if epoch == 0 or (epoch + 1) % every == 0 or last:
            of = f"/{total}" if total is not None else ""
            text = f"  epoch {epoch + 1:>4}{of}  loss {history.epoch_loss[-1]:.6f}"
            if history.epoch_metric:
                text += f"  {metric_name} {history.epoch_metric[-1]:.4f}"
            print(text, flush=True)

    return callback
