"""A model's loss and metric on held-out data: :func:`evaluate` and its :class:`Evaluation`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from micrograd_mlp.autodiff import no_grad
from micrograd_mlp.training.batches import (
    as_batches,
    forward,
    is_batched,
    loss_value,
    output_array,
    set_mode,
)
from micrograd_mlp.training.record import LossFn, MetricFn

__all__ = ["Evaluation", "evaluate"]


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
        model, loss_fn, metric: as for :func:`~micrograd_mlp.training.fit`.
        data: an iterable of ``(inputs, targets)`` batches, or an ``(X, y)`` tuple of arrays
            (evaluated in one batch).
        batched: whether ``model`` takes whole batches; default: it does when its parameters
            are Tensors (NumPy ``data``). Say so for a plain function of a batch.

    Returns:
        An :class:`Evaluation` (``.loss``, ``.metric``, ``.outputs``, ``.predictions``).

    Raises:
        ValueError: the data yields no samples, or outputs and targets do not fit.
        TypeError: ``loss_fn`` did not return one scalar.
    """
    batched = is_batched(model) if batched is None else bool(batched)
    data = as_batches(data, batched, "evaluate")
    was_training = getattr(model, "training", None)
    set_mode(model, False)
    loss_sum, metric_sum, seen, outputs = 0.0, 0.0, 0, []
    try:
        with no_grad():
            for inputs, targets in data:
                out = forward(model, inputs, batched)
                size = len(targets)
                loss_sum += loss_value(loss_fn(out, targets)) * size
                if metric is not None:
                    metric_sum += float(metric(out, targets)) * size
                outputs.append(output_array(out))
                seen += size
    finally:
        if was_training is not None:
            set_mode(model, was_training)
    if seen == 0:
        raise ValueError(f"evaluate: the data yields no samples ({data!r})")
    return Evaluation(
        loss_sum / seen,
        metric_sum / seen if metric is not None else None,
        np.concatenate(outputs),
    )
