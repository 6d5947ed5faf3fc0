"""Helpers shared by the scalar-engine demos: scores of a model on many points, and accuracy."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from micrograd_mlp.engine import Value
from micrograd_mlp.metrics import accuracy


def scores(model: Callable[[Sequence[float]], Value], X: ArrayLike) -> np.ndarray:
    """The model's single output for every row of ``X`` (N, D), as a float64 array (N,).

    One forward pass per row; each graph is freed as soon as its number is read.
    """
    return np.array([model(row).data for row in np.asarray(X, dtype=np.float64).tolist()])


def sign_accuracy(outputs: Sequence[Value], targets: ArrayLike) -> float:
    """Accuracy of a binary classifier that predicts the positive class when its score is > 0.

    ``targets`` may be 0/1 labels or -1/+1 labels: in both, the positive class is ``target > 0``.
    Usable as ``fit(..., metric=sign_accuracy)``.
    """
    predicted = np.array([o.data > 0.0 for o in outputs])
    return accuracy(predicted, np.asarray(targets) > 0)


def score_predictor(model: Any) -> Callable[[np.ndarray], np.ndarray]:
    """``points (M, D) -> scores (M,)`` for ``plot_decision_boundary``."""
    return lambda points: scores(model, points)
