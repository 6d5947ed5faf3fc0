"""The record of a training run, as the callbacks see it: :class:`History` (what was measured)
and :class:`Run` (the state of the run). The loop writes them; the callbacks read them (and may
move a resumed run's start); neither needs the loop itself."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from micrograd_mlp.training.batches import samples_per_epoch

__all__ = ["History", "LossFn", "MetricFn", "Run"]

#: ``loss_fn(outputs, targets) -> scalar``: for the scalar engine ``outputs`` is the list of the
#: model's outputs for the batch (one Value, or a list of Values, per sample) and the result a
#: Value; for the Tensor engine ``outputs`` is the model's output Tensor ``(B, ...)`` and the
#: result a Tensor holding one number. ``targets`` is the batch's rows of ``y``.
LossFn = Callable[[Any, np.ndarray], Any]
#: ``metric(outputs, targets) -> float``, e.g. :func:`micrograd_mlp.metrics.accuracy`; the same
#: arguments as :data:`LossFn`.
MetricFn = Callable[[Any, np.ndarray], float]


@dataclass
class History:
    """What :func:`~micrograd_mlp.training.fit` measured, per step and per epoch (resumed epochs
    included).

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
        test_loss, test_metric: per epoch, the figures of
            :class:`~micrograd_mlp.training.Evaluate` (empty without).
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
        """The per-epoch series under the names ``plot_training_history`` draws: ``epoch``,
        ``lr``, ``train_loss``, ``train_<metric>``, ``test_loss``, ``test_<metric>``,
        ``seconds`` (series that were not recorded are left out)."""
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
        """The History saved by :meth:`state`.

        Raises:
            KeyError: ``state`` has a series this class does not know.
        """
        unknown = sorted(set(state) - set(cls.SERIES))
        if unknown:
            raise KeyError(f"unknown history series {unknown}")
        values = {k: [float(x) for x in state.get(k, ())] for k in cls.SERIES}
        values["epoch"] = [int(e) for e in values["epoch"]]
        return cls(**values, metric_name=metric_name)


@dataclass
class Run:
    """The state of a :func:`~micrograd_mlp.training.fit` run, as callbacks see it.

    Attributes:
        model, loss_fn, optimizer, metric: as given to ``fit``.
        data: the training batches (``(X, y)`` arrays made an
            :class:`~micrograd_mlp.training.batches.ArrayBatches`).
        epochs: the total number of epochs (resumed ones included).
        history: what was measured so far.
        batched: whether the model takes whole batches (Tensor engine).
        scheduler: the learning-rate scheduler of the run, set by
            :class:`~micrograd_mlp.training.Schedule` (None without one); a checkpoint saves
            and restores it.
        epoch: the current 0-based epoch; ``start_epoch`` the first one this call trains
            (after a resume, the checkpoint's epoch count).
        step: the number of steps taken so far over the run (the next step's index).
        epoch_samples: the samples of the last finished epoch.
        test_series: the History series the run's ``Evaluate`` callbacks record.
    """

    model: Any
    loss_fn: LossFn
    optimizer: Any
    data: Any
    epochs: int
    history: History
    batched: bool
    metric: MetricFn | None = None
    scheduler: Any = None
    epoch: int = 0
    start_epoch: int = 0
    step: int = 0
    epoch_samples: int = 0
    test_series: tuple[str, ...] = ()

    @property
    def samples_per_epoch(self) -> int | None:
        """Samples in one pass over the data, when the data can tell."""
        return samples_per_epoch(self.data)

    def recorded_series(self) -> list[str]:
        """The History series this run fills (a resumed checkpoint must have the same)."""
        names = ["loss", "epoch_loss", "epoch", "lr", "seconds", *self.test_series]
        if self.metric is not None:
            names += ["metric", "epoch_metric"]
        return names
