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

from micrograd_mlp.messages import Phrase, Phrases, message, resolve_lang
from micrograd_mlp.progress import progress_bar
from micrograd_mlp.training.checkpoint import (
    Checkpoint,
    CheckpointError,
    check_checkpoint_path,
    checkpoint_name,
    differences,
    load_checkpoint,
    loader_state,
    refuse_overwrite,
    restore,
    rng_states,
)
from micrograd_mlp.training.evaluation import Evaluation, evaluate
from micrograd_mlp.training.record import History, LossFn, MetricFn, Run
from micrograd_mlp.training.schedules import SCHEDULE_POLICIES, extend_schedule
from micrograd_mlp.validation import positive_int

__all__ = [
    "Callback",
    "Checkpointing",
    "Evaluate",
    "LambdaCallback",
    "ProgressLog",
    "Schedule",
    "SupportsLRScheduler",
    "metric_label",
    "print_progress",
    "saved_history",
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
        lang: the language of the lines (``"en"``, ``"ko"``; None: ``$MICROGRAD_MLP_LANG``,
            else English), from the ``train.progress.*`` messages.
    """

    def __init__(
        self,
        bars: bool = True,
        lines: bool = True,
        every: int = 1,
        stream: Any = None,
        lang: str | None = None,
    ) -> None:
        self.bars, self.lines = bool(bars), bool(lines)
        self.every = positive_int("every", every)
        self.stream = stream
        self.lang = resolve_lang(lang)
        self._bar: Any = None
        self._sums = [0.0, 0.0, 0]

    def _text(self, key: str, **fields: object) -> str:
        return message(f"train.progress.{key}", self.lang, **fields)

    def on_epoch_begin(self, run: Run) -> None:
        self._sums = [0.0, 0.0, 0]
        if self.bars:
            self._bar = progress_bar(
                total=run.samples_per_epoch,
                desc=self._text("epoch", epoch=run.epoch + 1, epochs=run.epochs),
                unit=self._text("unit"),
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
        epoch = run.epoch
        if not self.lines:
            return
        if not (
            epoch == run.start_epoch or (epoch + 1) % self.every == 0 or epoch + 1 == run.epochs
        ):
            return
        print(self.line(run), file=self.stream or sys.stdout, flush=True)

    def line(self, run: Run) -> str:
        """The summary line of the last recorded epoch, e.g. ``epoch 3/20: train loss 0.4012
        accuracy 0.8571 (8.90 s, 6,742 samples/s); test loss 0.3811 accuracy 0.8650``."""
        h = run.history
        name = metric_label(h.metric_name, self.lang)
        metric = ""
        if h.epoch_metric:
            metric = self._text("metric", name=name, value=f"{h.epoch_metric[-1]:.4f}")
        seconds, samples = h.seconds[-1], run.epoch_samples
        if samples and seconds > 0:
            time = self._text(
                "time_rate", seconds=f"{seconds:.2f}", rate=f"{samples / seconds:,.0f}"
            )
        else:
            time = self._text("time", seconds=f"{seconds:.2f}")
        test = ""
        if len(h.test_loss) == len(h.epoch):
            test_metric = ""
            if len(h.test_metric) == len(h.epoch):
                test_metric = self._text("metric", name=name, value=f"{h.test_metric[-1]:.4f}")
            test = self._text("test", loss=f"{h.test_loss[-1]:.4f}", metric=test_metric)
        return self._text(
            "line",
            epoch=h.epoch[-1],
            epochs=run.epochs,
            loss=f"{h.epoch_loss[-1]:.4f}",
            metric=metric,
            time=time,
            test=test,
        )

    def _close(self, run: Run) -> None:
        if self._bar is not None:
            if self._sums[2] and not self._bar.disable:
                self._bar.set_postfix(self._postfix(run))
            self._bar.close()
            self._bar = None

    def on_train_end(self, run: Run) -> None:
        self._close(run)


def metric_label(name: str, lang: str | None = None) -> str:
    """A metric's name for people: ``accuracy`` in ``lang`` (``정확도`` in Korean); a name
    without a translation as it is."""
    try:
        return message(f"train.metric.{name}", lang)
    except KeyError:
        return name


class Checkpointing(Callback):
    """Write a checkpoint after every epoch; resume from one exactly.

    The checkpoint (:mod:`micrograd_mlp.training.checkpoint`) holds the model, the optimizer,
    the scheduler (:class:`Schedule`), the random state of dropout layers, the history, the
    epoch count, the training loader's shuffling state and ``config``. Resuming from it
    continues bit for bit: training 2 epochs then resuming to 3 gives the weights, optimizer
    state and history of 3 epochs straight (all but the wall times). ``fit`` calls it after the
    other callbacks, so that it saves what they changed.

    ``fit``'s ``epochs`` counts every epoch of the run, the resumed ones included (Keras's
    ``epochs`` with ``initial_epoch``, Lightning's ``max_epochs``): a run of 20 epochs resumed
    with ``epochs=30`` trains 10 more.

    Args:
        path: the ``.npz`` file. Its directory must exist and be writable (checked before any
            training).
        resume: continue from ``path`` (which must exist). Its settings (``config``, the
            loader's seed and batch size, what the history records) must equal this run's,
            except those in ``may_change``.
        force: replace an existing file at ``path`` without ``resume`` (otherwise refused: a
            checkpoint is never overwritten unasked).
        config: the run's settings (JSON-representable), saved in the checkpoint.
        verbose: print a line when resuming.
        schedule: what a resumed run's learning-rate schedule does when the number of epochs
            differs from the one it was planned for: ``"continue"`` (default; re-planned over
            the new total) or ``"restart"`` (a warm restart); see
            :func:`~micrograd_mlp.training.schedules.extend_schedule`.
        may_change: the ``config`` keys that may differ on resume (default ``("epochs",)``).

    Attributes:
        saved_epoch: the epoch count of the last checkpoint written or resumed from (None
            before). ``path``: the checkpoint's path. ``schedule_change``: after a resume with a
            scheduler, what :func:`extend_schedule` did (``"kept"``, ``"continued"``,
            ``"restarted"``), else None.

    Raises (in ``on_train_begin``, before any step):
        FileNotFoundError: the directory does not exist, or ``resume`` and there is no file.
        PermissionError: the directory is not writable.
        CheckpointError: ``resume`` from a corrupt checkpoint or one of a different run (every
            difference listed), or whose model, optimizer, scheduler, random generators or
            history do not fit (the entry named; nothing was changed); without
            ``resume``/``force``, a file exists at ``path``.
        ValueError: the data cannot be replayed exactly (a shuffled DataLoader without an int
            seed, shuffled ``(X, y)`` mini-batches), or an unknown ``schedule``.
        TypeError: ``config`` is not JSON-representable.
    """

    #: Settings that may differ between a checkpoint and the run resuming from it (default).
    RESUMABLE_CHANGES = ("epochs",)

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        resume: bool = False,
        force: bool = False,
        config: Mapping[str, Any] | None = None,
        verbose: bool = True,
        schedule: str = "continue",
        may_change: tuple[str, ...] | None = None,
    ) -> None:
        self.path = Path(path)
        self.resume, self.force, self.verbose = bool(resume), bool(force), bool(verbose)
        self.config = dict(config or {})
        if schedule not in SCHEDULE_POLICIES:
            raise ValueError(
                f"Checkpointing: schedule must be one of {list(SCHEDULE_POLICIES)}, got "
                f"{schedule!r}"
            )
        self.schedule = schedule
        self.may_change = self.RESUMABLE_CHANGES if may_change is None else tuple(may_change)
        self.saved_epoch: int | None = None
        self.schedule_change: str | None = None

    def on_train_begin(self, run: Run) -> None:
        json.dumps(self.config)  # fail now, not when the first checkpoint is written
        self.path = check_checkpoint_path(self.path)
        self.loader_state = loader_state(run.data)
        if not self.resume:
            if not self.force:
                refuse_overwrite(self.path)
            return
        saved = load_checkpoint(self.path)
        problems: list[object] = list(differences(saved.config, self.config, skip=self.may_change))
        problems += [
            Phrase("errors.checkpoint.loader_difference", difference=p)
            for p in differences(saved.loader, self.loader_state)
        ]
        recorded = sorted(k for k, v in saved.history.items() if v)
        expected = sorted(run.recorded_series())
        if saved.epoch > 0 and recorded != expected:
            problems.append(
                Phrase("errors.checkpoint.history_series", recorded=recorded, expected=expected)
            )
        if problems:
            raise CheckpointError(
                "errors.checkpoint.different_run", path=self.path, problems=Phrases(problems)
            )
        history = saved_history(saved, run.history.metric_name)
        restore(saved, run.model, run.optimizer, run.scheduler)  # all or nothing
        if run.scheduler is not None:
            self.schedule_change = extend_schedule(
                run.scheduler, saved.epoch, run.epochs, self.schedule
            )
        run.history = history
        run.start_epoch = saved.epoch
        run.step = history.steps
        self.saved_epoch = saved.epoch
        if self.verbose:
            print(f"resumed from {self.path} after epoch {saved.epoch}", flush=True)
            if self.schedule_change in ("continued", "restarted"):
                print(f"learning-rate schedule {self.schedule_change}: lr {run.optimizer.lr:g}")
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


def saved_history(saved: Checkpoint, metric_name: str) -> History:
    """The :class:`History` of a checkpoint, checked against its epoch count: ``epoch`` is 1 to
    N, every per-epoch series has N values, the per-step series one per step, and no value is
    infinite or NaN (but a learning rate may be NaN: a run without one records NaN).

    Raises:
        CheckpointError: naming the file and the series.
    """
    where = checkpoint_name(saved.path)
    try:
        history = History.from_state(saved.history, metric_name)
    except KeyError as error:
        raise CheckpointError(
            "errors.checkpoint.history_entry", where=where, detail=error.args[0]
        ) from None
    n, problems = saved.epoch, []
    if history.epoch != list(range(1, n + 1)):
        shown = history.epoch if len(history.epoch) <= 6 else [*history.epoch[:6], "..."]
        problems.append(Phrase("errors.checkpoint.history_epochs", shown=shown, n=n))
    for name in ("epoch_loss", "epoch_metric", "lr", "seconds", "test_loss", "test_metric"):
        values = getattr(history, name)
        if values and len(values) != n:
            problems.append(
                Phrase("errors.checkpoint.history_length", name=name, count=len(values), n=n)
            )
    if history.metric and len(history.metric) != len(history.loss):
        problems.append(
            Phrase(
                "errors.checkpoint.history_steps",
                count=len(history.metric),
                steps=len(history.loss),
            )
        )
    for name in History.SERIES:
        values = np.asarray(getattr(history, name), dtype=np.float64)
        bad = np.isinf(values) if name == "lr" else ~np.isfinite(values)
        if bad.any():
            problems.append(
                Phrase("errors.checkpoint.history_value", name=name, value=float(values[bad][0]))
            )
    if problems:
        raise CheckpointError(
            "errors.checkpoint.history_unusable", where=where, problems=Phrases(problems)
        )
    return history


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
