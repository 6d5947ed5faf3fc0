"""Classification metrics on NumPy arrays: :func:`accuracy` and :func:`confusion_matrix`."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["accuracy", "confusion_matrix"]


def accuracy(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """The fraction of predictions equal to the true labels, in [0, 1].

    Args:
        y_true: true labels, shape (N,), any comparable dtype (class indices, or -1/+1).
        y_pred: predicted labels, shape (N,) (for scores of shape (N, C) pass
            ``scores.argmax(axis=1)``).

    Raises:
        ValueError: either is not 1-D, their lengths differ (both shapes named), or N = 0.
    """
    t, p = _pair(y_true, y_pred, "accuracy")
    return float(np.mean(t == p))


def confusion_matrix(y_true: ArrayLike, y_pred: ArrayLike, num_classes: int) -> np.ndarray:
    """Counts ``cm[i, j]`` of samples of true class ``i`` predicted as class ``j``.

    Rows are true classes and columns predictions (the convention of scikit-learn), so the
    diagonal holds the correct predictions and ``cm.sum() == N``.

    Args:
        y_true, y_pred: class indices in ``[0, num_classes)``, shape (N,); integer dtype, or
            floats holding whole numbers.
        num_classes: the number of classes K (a positive int).

    Returns:
        An int64 array of shape (K, K).

    Raises:
        ValueError: bad shapes (both named), ``num_classes`` < 1, or a label that is not a whole
            number in ``[0, num_classes)`` (the first such label and its position are named).
    """
    if isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)):
        raise ValueError(f"confusion_matrix: num_classes must be an int, got {num_classes!r}")
    if num_classes < 1:
        raise ValueError(f"confusion_matrix: num_classes must be >= 1, got {num_classes}")
    t, p = _pair(y_true, y_pred, "confusion_matrix")
    t = _class_indices(t, num_classes, "y_true")
    p = _class_indices(p, num_classes, "y_pred")
    # Each (true, predicted) pair gets its own bin t*K + p: one bincount fills the whole matrix.
    counts = np.bincount(t * num_classes + p, minlength=num_classes * num_classes)
    return counts.reshape(num_classes, num_classes).astype(np.int64)


def _pair(y_true: ArrayLike, y_pred: ArrayLike, where: str) -> tuple[np.ndarray, np.ndarray]:
    t, p = np.asarray(y_true), np.asarray(y_pred)
    if t.ndim != 1 or p.ndim != 1 or t.shape != p.shape:
        hint = " (for scores pass scores.argmax(axis=1))" if p.ndim == 2 else ""
        raise ValueError(
            f"{where}: y_true and y_pred must be 1-D of equal length, got shapes "
            f"{t.shape} and {p.shape}{hint}"
        )
    if t.size == 0:
        raise ValueError(f"{where}: y_true and y_pred are empty")
    return t, p


def _class_indices(a: np.ndarray, num_classes: int, name: str) -> np.ndarray:
    if not (np.issubdtype(a.dtype, np.integer) or np.issubdtype(a.dtype, np.floating)):
        raise ValueError(f"confusion_matrix: {name} must hold class indices, got dtype {a.dtype}")
    bad = ~np.isfinite(a) | (a != np.round(a)) | (a < 0) | (a >= num_classes)
    if bad.any():
        i = int(np.argmax(bad))
        raise ValueError(
            f"confusion_matrix: {name}[{i}] = {a[i].item()!r} is not a class index in "
            f"[0, {num_classes}) (num_classes={num_classes})"
        )
    return a.astype(np.int64)
