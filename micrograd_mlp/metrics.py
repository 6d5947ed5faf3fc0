"""Classification metrics: :func:`accuracy` and :func:`confusion_matrix`.

The argument orders are those of the libraries the names come from: ``accuracy(input, target)``
as PyTorch's metrics (the model's scores or predicted labels first, the true labels second;
usable as ``fit(..., metric=accuracy)``), ``confusion_matrix(y_true, y_pred, num_classes)`` as
scikit-learn's (rows are true classes).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["accuracy", "confusion_matrix"]


def accuracy(input: Any, target: ArrayLike) -> float:
    """The fraction of samples whose predicted class is the true one, in [0, 1].

    Args:
        input: class scores ``(B, C)`` with ``C >= 2`` (the predicted class is the largest
            score: a Tensor of logits, an array, or the scalar engine's list of B outputs, each
            a list of C Values), or predicted labels ``(B,)`` (whole numbers or booleans, any
            comparable dtype: class indices, -1/+1, True/False).
        target: the true labels ``(B,)``.

    Returns:
        The accuracy, a Python float.

    Raises:
        ValueError: ``input`` is not ``(B, C)`` scores with ``C >= 2`` nor ``(B,)`` labels (one
            score per sample, as a column ``(B, 1)`` or as ``(B,)`` non-whole numbers, has no
            class to pick: compare ``scores > 0`` with the labels instead); ``target`` is not
            ``(B,)`` (a ``(B, 1)`` column would broadcast into a ``(B, B)`` comparison); no
            samples.
    """
    scores = _as_array(input)
    labels = np.asarray(target)
    if scores.ndim == 2 and scores.shape[1] >= 2:
        predicted = scores.argmax(axis=1)
    elif scores.ndim != 1:
        raise ValueError(
            "accuracy: input must be class scores (B, C) with C >= 2 or predicted labels (B,), "
            f"got shape {scores.shape} (for one score per sample, pass scores > 0)"
        )
    else:
        predicted = scores
        fraction = predicted != np.round(predicted) if predicted.dtype.kind == "f" else None
        if fraction is not None and fraction.any():
            i = int(np.argmax(fraction))
            raise ValueError(
                f"accuracy: input of shape {scores.shape} must hold predicted labels, got "
                f"input[{i}] = {predicted[i].item()!r} (for one score per sample, pass "
                "scores > 0)"
            )
    if labels.shape != predicted.shape:
        raise ValueError(
            f"accuracy: target must be labels of shape ({len(predicted)},) for input of shape "
            f"{scores.shape}, got shape {labels.shape}"
        )
    if labels.size == 0:
        raise ValueError("accuracy: input and target hold no samples")
    return float(np.mean(predicted == labels))


def _as_array(values: Any) -> np.ndarray:
    """A Tensor's data, an array, or numbers, Values or lists of Values (one per sample)."""
    data = getattr(values, "data", None)
    if isinstance(data, np.ndarray):
        return data
    if isinstance(values, np.ndarray):
        return values
    return np.array([_numbers(sample) for sample in values])


def _numbers(sample: Any) -> Any:
    if isinstance(sample, (list, tuple)):
        return [getattr(v, "data", v) for v in sample]
    return getattr(sample, "data", sample)


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
