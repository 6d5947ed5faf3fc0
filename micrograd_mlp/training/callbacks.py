"""The callbacks of :func:`~micrograd_mlp.training.fit`: what a run does besides its steps.

:class:`Callback` is the base class (every hook does nothing); the ones here:

* :class:`Evaluate` -- the loss and metric on held-out data after every epoch (evaluation mode,
  no graph);
* :class:`Schedule` -- a learning-rate scheduler stepped once after every epoch (PyTorch's unit);
* :class:`Checkpointing` -- a checkpoint after every epoch, and an exact resume from one;
* :class:`ProgressLog` -- a progress bar per epoch where someone watches, one line per epoch;
* :class:`LambdaCallback` -- a function ``f(epoch, history)`` after every epoch (a plain
  function in ``fit``'s ``callbacks`` list is wrapped in one), e.g. :func:`print_progress`.

They see the run through its record (:class:`~micrograd_mlp.training.record.Run`), never the
loop itself.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from micrograd_mlp.progress import progress_bar
from micrograd_mlp.training.checkpoint import (
    Checkpoint,
    CheckpointError,
    check_checkpoint_path,
    differences,
    load_checkpoint,
    loader_state,
    refuse_overwrite,
    restore,
    rng_states,
)
from micrograd_mlp.training.evaluation import Evaluation, evaluate
from micrograd_mlp.training.record import History, LossFn, MetricFn, Run
from micrograd_mlp.validation import positive_int

__all__ = [
    "Callback",
    "Checkpointing",
    "Evaluate",
    "LambdaCallback",
    "ProgressLog",
    "Schedule",
    "SupportsLRScheduler",
    "print_progress",
]


class Callback:
    """Base class of :func:`~micrograd_mlp.training.fit`'s callbacks; every hook does nothing
    by default.

    Order of the calls: ``on_train_begin`` once (may restore a checkpoint and move
    ``run.start_epoch``); per epoch ``on_epoch_begin``, then ``on_step_begin`` and
    ``on_step_end`` around every step, then ``on_epoch_end``; finally ``on_train_end``, which
    is called also when training stops with an error. Within each hook the callbacks are called
    in the order of ``fit``'s list, except that :class:`Checkpointing` comes last (it saves what
    the others changed).
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
        """After epoch ``run.epoch``: its figures are in ``run.history``."""

    def on_train_end(self, run: Run) -> None:
        """After the last epoch, or when training stopped with an error."""


class LambdaCallback(Callback):
    """A function called after every epoch (Keras's name), with the 0-based epoch and the
    :class:`~micrograd_mlp.training.History` so far.

    Args:
        on_epoch_end: ``f(epoch, history)``; what it returns is ignored. An exception it raises
            stops training (as any callback's).
    """

    def __init__(self, on_epoch_end: Callable[[int, History], Any]) -> None:
        if not callable(on_epoch_end):
            raise TypeError(
                f"LambdaCallback: on_epoch_end must be a function (epoch, history), got "
                f"{type(on_epoch_end).__name__}"
            )
        self.function = on_epoch_end

    def on_epoch_end(self, run: Run) -> None:
        self.function(run.epoch, run.history)


class SupportsLRScheduler(Protocol):
    """A learning-rate scheduler as PyTorch's (``micrograd_mlp.optim.lr_scheduler.StepLR``...):
    built on the optimizer, ``step()`` once after every epoch, ``get_last_lr()`` the list of the
    learning rates it set; ``state_dict()``/``load_state_dict()`` for checkpoints."""

    def step(self) -> None: ...

    def get_last_lr(self) -> list[float]: ...

    def state_dict(self) -> dict[str, Any]: ...

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None: ...


class Schedule(Callback):
    """Step a learning-rate scheduler once after every epoch, as PyTorch's loops do
    (``scheduler.step()`` at the end of the epoch): its unit is the epoch.

    The run records the rate each epoch trained with (``history.lr``); a checkpoint saves the
    scheduler's state and a resume restores it.

    Args:
        scheduler: e.g. ``micrograd_mlp.optim.lr_scheduler.ExponentialLR(optimizer, 0.9)``
            (see :class:`SupportsLRScheduler`), built on the run's optimizer.

    Raises (in ``on_train_begin``):
        ValueError: the run has a scheduler already (one ``Schedule`` per run).
    """

    def __init__(self, scheduler: SupportsLRScheduler) -> None:
        if not callable(getattr(scheduler, "step", None)):
            raise TypeError(
                f"Schedule: expected a learning-rate scheduler with step(), got "
                f"{type(scheduler).__name__}"
            )
        self.scheduler = scheduler

    def on_train_begin(self, run: Run) -> None:
        if run.scheduler is not None and run.scheduler is not self.scheduler:
            raise ValueError("fit: one Schedule per run (the run has a scheduler already)")
        run.scheduler = self.scheduler

    def on_epoch_end(self, run: Run) -> None:
        self.scheduler.step()


class Evaluate(Callback):
    """After every epoch, :func:`~micrograd_mlp.training.evaluate` the model on ``data``;
    records ``history.test_loss`` and ``history.test_metric``.

    Args:
        data: an iterable of ``(inputs, targets)`` batches (a DataLoader, e.g. with
            ``batch_size=1000`` for speed) or an ``(X, y)`` tuple of arrays.
        loss_fn, metric: default to those of the run.

    Attributes:
        last: the :class:`~micrograd_mlp.training.Evaluation` of the last epoch (None before).
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
        every: see ``lines`` (a positive int).
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

    The checkpoint (:mod:`micrograd_mlp.training.checkpoint`) holds the model, the optimizer,
    the scheduler (:class:`Schedule`), the random state of dropout layers, the history, the
    epoch count, the training loader's shuffling state and ``config``. Resuming from it
    continues bit for bit: training 2 epochs then resuming to 3 gives the weights, optimizer
    state and history of 3 epochs straight (all but the wall times). ``fit`` calls it after the
    other callbacks, so that it saves what they changed.

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
        json.dumps(self.config)  # fail now, not when the first checkpoint is written
        self.path = check_checkpoint_path(self.path)
        self.loader_state = loader_state(run.data)
        if not self.resume:
            if not self.force:
                refuse_overwrite(self.path)
            return
        saved = load_checkpoint(self.path)
        problems = differences(saved.config, self.config, skip=self.RESUMABLE_CHANGES)
        problems += [f"loader {p}" for p in differences(saved.loader, self.loader_state)]
        recorded = sorted(k for k, v in saved.history.items() if v)
        expected = sorted(run.recorded_series())
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
        scheduler = run.scheduler
        Checkpoint(
            model_state=run.model.state_dict(),
            optimizer_state=run.optimizer.state_dict(),
            epoch=run.epoch + 1,
            history=run.history.state(),
            loader=self.loader_state,
            config=self.config,
            scheduler=_plain_state(scheduler) if scheduler is not None else {},
            rng=rng_states(run.model),
        ).save(self.path)
        self.saved_epoch = run.epoch + 1


def _plain_state(scheduler: Any) -> dict[str, Any]:
    """A scheduler's ``state_dict()`` with NumPy values as plain numbers and lists (JSON)."""
    return {k: np.asarray(v).tolist() for k, v in scheduler.state_dict().items()}


def print_progress(
    every: int = 10, total: int | None = None, metric_name: str = "metric"
) -> Callable[[int, History], None]:
    """A function for ``fit``'s ``callbacks`` that prints the epoch's loss (and metric) every
    ``every`` epochs: ``  epoch   10/100  loss 0.123456  accuracy 0.9500``.

    Args:
        every: print after the first epoch and every ``every``-th one (epochs counted from 1).
        total: the number of epochs, shown as ``epoch k/total`` and always printed at the end.
        metric_name: how to label the metric (e.g. ``"accuracy"``).

    Raises:
        ValueError: ``every`` is not a positive int.
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
