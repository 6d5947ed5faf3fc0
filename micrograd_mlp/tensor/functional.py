"""Activations and losses on :class:`Tensor`s: the names and semantics of the scalar
:mod:`micrograd_mlp.functional`, on whole arrays at once (PyTorch's ``torch.nn.functional``).

Conventions:

* ``input`` is a Tensor (a NumPy array or a list becomes a constant Tensor); ``target`` (and
  ``var``) may be a Tensor, an array or a number, and takes ``input``'s dtype.
* Elementwise losses need ``input`` and ``target`` of the same shape (a ``ValueError`` names
  both: NumPy's broadcasting would silently turn ``(N, 1)`` against ``(N,)`` into ``(N, N)``).
* ``reduction="mean"`` (default) averages over all elements (over the N samples for
  ``cross_entropy``), ``"sum"`` adds them, ``"none"`` keeps the per-element losses.
* ``linear``, ``cross_entropy`` and both binary cross-entropies are fused single nodes (see
  :mod:`micrograd_mlp.tensor.fused`); the others are composed from Tensor ops, so their
  gradients come from the engine's chain rule exactly as in the scalar module.
"""

from __future__ import annotations

from numbers import Real
from typing import Any

import numpy as np

from micrograd_mlp.loss_common import HALF_LOG_2PI, check_eps
from micrograd_mlp.reduction import check_reduction
from micrograd_mlp.tensor.engine import Tensor, _lift
from micrograd_mlp.tensor.fused import (
    _reduce,
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    linear,
)

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "gaussian_nll_loss",
    "hinge_loss",
    "l1_loss",
    "leaky_relu",
    "linear",
    "log_softmax",
    "mse_loss",
    "relu",
    "sigmoid",
    "softmax",
    "tanh",
]


def _tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


# ----------------------------------------------------------------------------- activations
def relu(input: Tensor) -> Tensor:
    """``max(0, x)`` elementwise (derivative 0 at 0)."""
    return _tensor(input).relu()


def leaky_relu(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    """``x`` where ``x > 0``, else ``negative_slope * x``, elementwise."""
    return _tensor(input).leaky_relu(negative_slope)


def sigmoid(input: Tensor) -> Tensor:
    """``1 / (1 + exp(-x))`` elementwise, stable for any ``x``."""
    return _tensor(input).sigmoid()


def tanh(input: Tensor) -> Tensor:
    """The hyperbolic tangent, elementwise."""
    return _tensor(input).tanh()


def softmax(input: Tensor, axis: int = -1) -> Tensor:
    """``exp(x_i) / sum_j exp(x_j)`` along ``axis`` (the maximum is subtracted first: stable)."""
    return _tensor(input).softmax(axis)


def log_softmax(input: Tensor, axis: int = -1) -> Tensor:
    """``x_i - log(sum_j exp(x_j))`` along ``axis``, by the log-sum-exp trick (stable)."""
    return _tensor(input).log_softmax(axis)


# ----------------------------------------------------------------------------- regression
def _pair(fn: str, input: Any, target: Any) -> tuple[Tensor, Tensor]:
    x = _tensor(input)
    t = _lift(target, x, fn)
    if x.shape != t.shape:
        raise ValueError(f"{fn}: input shape {x.shape} and target shape {t.shape} differ")
    if x.size == 0:
        raise ValueError(f"{fn}: input is empty")
    return x, t


def mse_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """Squared error ``(input - target) ** 2``, reduced (PyTorch's ``mse_loss``).

    Raises:
        ValueError: shapes differ (both named), empty input, unknown ``reduction``.
    """
    check_reduction(reduction)
    x, t = _pair("mse_loss", input, target)
    return _reduce((x - t) ** 2, reduction)


def l1_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """Absolute error ``|input - target|``, reduced (PyTorch's ``l1_loss``; derivative 0 at 0).

    Raises:
        ValueError: shapes differ (both named), empty input, unknown ``reduction``.
    """
    check_reduction(reduction)
    x, t = _pair("l1_loss", input, target)
    return _reduce((x - t).abs(), reduction)


def gaussian_nll_loss(
    input: Tensor,
    target: Any,
    var: Any,
    full: bool = False,
    eps: float = 1e-6,
    reduction: str = "mean",
) -> Tensor:
    """Negative log-likelihood of ``target`` under ``Normal(input, var)`` (PyTorch's semantics).

    Per element, with ``v = max(var, eps)``::

        loss = 0.5 * (log(v) + (input - target) ** 2 / v)   [+ 0.5 * log(2 pi) if full]

    ``var`` is a number (homoscedastic), an array of ``input``'s shape (heteroscedastic), or,
    as in PyTorch, of shape ``input.shape[:-1]`` or ``input.shape[:-1] + (1,)`` (one variance
    per sample). The clamp to ``eps`` changes the value only: the gradient still reaches
    ``var`` as if unclamped (PyTorch clamps under ``no_grad``).

    Raises:
        ValueError: a negative variance, ``var`` of another shape, ``eps < 0``, a variance of 0
            with ``eps = 0``, input and target shapes differ, empty input, bad ``reduction``.
    """
    check_reduction(reduction)
    fn = "gaussian_nll_loss"
    check_eps(fn, eps)
    x, t = _pair(fn, input, target)
    v = _lift(var, x, fn)
    if v.ndim and v.shape != x.shape:
        if v.shape == x.shape[:-1]:
            v = v.reshape(*v.shape, 1)  # one variance per sample, broadcast over the last axis
        elif v.shape != (*x.shape[:-1], 1):
            raise ValueError(
                f"{fn}: var shape {v.shape} does not fit input shape {x.shape}; expected a "
                f"number, {x.shape}, {x.shape[:-1]} or {(*x.shape[:-1], 1)}"
            )
    if np.any(v.data < 0):
        raise ValueError(
            f"{fn}: var has negative entries, e.g. {v.data[v.data < 0].flat[0].item()!r}"
        )
    if eps == 0 and not np.all(v.data):
        raise ValueError(f"{fn}: a variance of 0 with eps = 0 makes log(var) undefined")
    if np.any(v.data < eps):
        # (v - v.data) is exactly 0 with derivative 1: adding the clamped values gives them
        # exactly, while the gradient still flows to var (PyTorch's no_grad clamp).
        v = (v - v.data) + np.maximum(v.data, eps)
    losses = 0.5 * (v.log() + (x - t) ** 2 / v)
    if full:
        losses = losses + HALF_LOG_2PI
    return _reduce(losses, reduction)


# ------------------------------------------------------------------------- classification
def hinge_loss(input: Tensor, target: Any, margin: float = 1.0, reduction: str = "mean") -> Tensor:
    """The SVM max-margin loss ``max(0, margin - y * score)`` for labels ``y`` in {-1, +1}.

    ``input`` holds raw scores; a sample costs nothing once ``y * score >= margin`` and grows
    linearly otherwise (Cortes & Vapnik 1995). Derivative 0 at the hinge point, as ReLU's.

    Raises:
        ValueError: a label other than -1 or +1 (map 0/1 labels with ``2 * y - 1``), shapes
            differ, empty input, unknown ``reduction``.
        TypeError: a non-numeric margin.
    """
    check_reduction(reduction)
    fn = "hinge_loss"
    if not isinstance(margin, Real) or isinstance(margin, bool):
        raise TypeError(f"{fn}: margin must be a number, got {type(margin).__name__} {margin!r}")
    x, y = _pair(fn, input, target)
    bad = (y.data != 1) & (y.data != -1)
    if np.any(bad):
        raise ValueError(
            f"{fn}: target has label {y.data[bad].flat[0].item()!r}; labels must be -1 or +1 "
            "(map 0/1 labels with 2 * y - 1)"
        )
    return _reduce((float(margin) - y * x).relu(), reduction)
