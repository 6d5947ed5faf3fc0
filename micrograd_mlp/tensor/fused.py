"""Fused ops of the vectorized engine: one graph node with a hand-derived backward each.

Each could be composed from :class:`Tensor` ops, but as one node it is faster (no temporaries
and no graph bookkeeping per step) and numerically safer (the formulas below stay finite where
the composed version overflows or takes ``log(0)``):

* ``linear(x, weight, bias)``        -- ``x @ weight.T + bias``, the layer of every MLP;
* ``cross_entropy(logits, target)``  -- log-softmax + negative log-likelihood, gradient
  ``softmax - onehot``;
* ``binary_cross_entropy(p, y)`` and ``binary_cross_entropy_with_logits(x, y)``.

Targets are constants here (no gradient flows to them), as in PyTorch's class-index
cross-entropy and ``binary_cross_entropy``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from micrograd_mlp.reduction import check_reduction
from micrograd_mlp.tensor.engine import Tensor, _lift, _result, is_grad_enabled

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "linear",
]


def linear(input: Tensor | Any, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``input @ weight.T + bias``, PyTorch's ``F.linear``, as one node.

    Args:
        input: ``(..., nin)`` (``(nin,)`` for one sample); arrays become constants.
        weight: ``(nout, nin)``.
        bias: ``(nout,)`` or None.

    Returns:
        ``(..., nout)``.

    Raises:
        ValueError: the shapes do not fit (all of them are named).
    """
    x = _lift(input, weight, "linear")
    X, W = x.data, weight.data
    nout = W.shape[0] if W.ndim == 2 else None
    if W.ndim != 2 or X.ndim == 0 or X.shape[-1] != W.shape[1]:
        raise ValueError(
            f"linear: input shape {X.shape} does not fit weight shape {W.shape}: expected a "
            f"2-D weight (nout, nin) and an input of shape (..., nin)"
        )
    out = np.matmul(X, W.T)  # BLAS reads W.T as a transposed view: no copy
    if bias is None:
        return _result(out, (x, weight), _vjp_linear, "linear")
    if bias.shape != (nout,):
        raise ValueError(f"linear: bias shape {bias.shape} does not fit weight shape {W.shape}")
    if bias.dtype == out.dtype:
        out += bias.data  # in place: out is a fresh array
    else:
        out = out + bias.data
    return _result(out, (x, weight, bias), _vjp_linear, "linear")


def _vjp_linear(g, node):
    # y = x W^T + b:  dL/dx = g W,  dL/dW = g^T x (summed over samples),  dL/db = sum_n g_n
    x, w = node._children[0], node._children[1]
    g2 = g.reshape(-1, g.shape[-1])  # samples along axis 0 (one row for a 1-D input)
    gx = np.matmul(g, w.data) if x.requires_grad else None
    gw = np.matmul(g2.T, x.data.reshape(-1, x.shape[-1])) if w.requires_grad else None
    if len(node._children) == 2:
        return gx, gw
    gb = g2.sum(axis=0) if node._children[2].requires_grad else None
    return gx, gw, gb


def cross_entropy(input: Tensor | Any, target: Any, reduction: str = "mean") -> Tensor:
    """Cross-entropy of logits against class indices, PyTorch's ``F.cross_entropy``.

    ``loss_n = -log softmax(input_n)[target_n] = logsumexp(input_n) - input_n[target_n]``,
    with the row maximum subtracted before ``exp`` so that any logits are safe.

    Args:
        input: logits ``(N, C)``, or ``(C,)`` for one sample.
        target: integer class indices ``(N,)`` (a single integer for a ``(C,)`` input), each in
            ``[0, C)``.
        reduction: ``"mean"`` (over the N samples), ``"sum"`` or ``"none"`` (shape ``(N,)``).

    Raises:
        ValueError: bad reduction, shapes, or a target outside ``[0, C)`` (the value and C are
            named).
        TypeError: targets that are not integers.
    """
    check_reduction(reduction)
    logits = input if isinstance(input, Tensor) else Tensor(input)
    z = logits.data
    if z.ndim not in (1, 2):
        raise ValueError(f"cross_entropy: logits must be (N, C) or (C,), got shape {z.shape}")
    t = _class_indices(target, z.shape)
    if z.ndim == 1:
        z, t = z[None, :], t.reshape(1)
    n = z.shape[0]
    rows = np.arange(n)
    shifted = z - z.max(axis=1, keepdims=True)
    picked = shifted[rows, t]
    e = np.exp(shifted, out=shifted)  # reuse the buffer: shifted is not needed any more
    total = e.sum(axis=1)
    losses = np.log(total) - picked  # log sum_j e^{z_j - m} - (z_t - m)
    if reduction == "mean":
        data = np.asarray(losses.mean())
    elif reduction == "sum":
        data = np.asarray(losses.sum())
    else:
        data = losses.reshape(logits.shape[:-1])
    ctx = None
    if logits.requires_grad and is_grad_enabled():
        e /= total[:, None]  # softmax probabilities, kept for the backward pass
        ctx = (e, t, reduction)
    return _result(data, (logits,), _vjp_cross_entropy, "cross_entropy", ctx)


def _vjp_cross_entropy(g, node):
    probs, t, reduction = node._ctx
    n = probs.shape[0]
    # d loss_n / d z_nj = softmax(z_n)_j - [j == t_n]
    if reduction == "none":
        grad = probs * g.reshape(n, 1)
        grad[np.arange(n), t] -= g.reshape(n)
    else:
        scale = g / n if reduction == "mean" else g
        grad = probs * scale
        grad[np.arange(n), t] -= scale
    return (grad.reshape(node._children[0].shape),)


def _class_indices(target: Any, logits_shape: tuple[int, ...]) -> np.ndarray:
    """Check class-index targets against ``(N, C)`` (or ``(C,)``) logits; return them as intp."""
    if isinstance(target, Tensor):
        raise TypeError(
            "cross_entropy: target must be integer class indices (a NumPy int array or a list "
            "of ints), not a Tensor (Tensors hold floats)"
        )
    t = np.asarray(target)
    if t.dtype.kind not in "iu":
        raise TypeError(
            f"cross_entropy: target must hold integer class indices, got dtype {t.dtype} "
            "(class probabilities are not supported)"
        )
    expected = logits_shape[:-1]
    if t.shape != expected:
        raise ValueError(
            f"cross_entropy: target shape {t.shape} does not fit logits shape {logits_shape}; "
            f"expected {expected}"
        )
    c = logits_shape[-1]
    if t.size:
        bad = t[(t < 0) | (t >= c)]
        if bad.size:
            raise ValueError(
                f"cross_entropy: target {bad.flat[0]} is out of range for C = {c} classes "
                f"(valid: 0 to {c - 1})"
            )
    return t.astype(np.intp, copy=False)


#: As PyTorch, each log term of binary cross-entropy is clamped at -100 so p = 0 or 1 stays finite.
_LOG_FLOOR = -100.0


def binary_cross_entropy(input: Tensor | Any, target: Any, reduction: str = "mean") -> Tensor:
    """``-(y log p + (1 - y) log(1 - p))`` elementwise, PyTorch's ``F.binary_cross_entropy``.

    Args:
        input: probabilities ``p`` in ``[0, 1]``, any shape.
        target: ``y``, same shape (usually 0 or 1; any value in ``[0, 1]`` works).
        reduction: ``"mean"``, ``"sum"`` or ``"none"``.

    As in PyTorch each log is clamped at -100, so ``p = 0`` or ``1`` gives a finite loss. The
    gradient is the exact derivative of that clamped function, as in the scalar engine:
    ``(p - y) / (p (1 - p))`` while no clamp is active, and a clamped term contributes 0.
    (PyTorch instead caps the denominator at 1e-12: they differ only where ``p (1 - p) < 1e-12``.)

    Raises:
        ValueError: bad reduction, different shapes, or ``p`` outside ``[0, 1]`` (or NaN).
    """
    check_reduction(reduction)
    p = input if isinstance(input, Tensor) else Tensor(input)
    y = _lift(target, p, "binary_cross_entropy").data
    _same_shape("binary_cross_entropy", p.shape, y.shape)
    x = p.data
    inside = (x >= 0) & (x <= 1)
    if not np.all(inside):
        raise ValueError(
            f"binary_cross_entropy: input must be probabilities in [0, 1], got "
            f"{x[~inside].flat[0].item()!r}; use binary_cross_entropy_with_logits for logits"
        )
    with np.errstate(divide="ignore"):
        log_p, log_q = np.log(x), np.log1p(-x)
    losses = -(y * np.maximum(log_p, _LOG_FLOOR) + (1 - y) * np.maximum(log_q, _LOG_FLOOR))
    ctx = (y, log_p >= _LOG_FLOOR, log_q >= _LOG_FLOOR)
    return _reduce(_result(losses, (p,), _vjp_bce, "binary_cross_entropy", ctx), reduction)


def _vjp_bce(g, node):
    p = node._children[0].data
    y, p_active, q_active = node._ctx
    # d/dp -y log p = -y / p and d/dp -(1 - y) log(1 - p) = (1 - y) / (1 - p), each only where
    # its log is above the clamp (a clamped term is a constant); together (p - y) / (p (1 - p)).
    with np.errstate(divide="ignore", invalid="ignore"):
        d = np.where(p_active, -y / p, 0) + np.where(q_active, (1 - y) / (1 - p), 0)
    return (g * d,)


def binary_cross_entropy_with_logits(
    input: Tensor | Any, target: Any, reduction: str = "mean"
) -> Tensor:
    """Binary cross-entropy of ``sigmoid(x)`` against ``y``, computed from the logits ``x``.

    ``loss = max(x, 0) - x y + log(1 + e^-|x|)``, an exact rewrite of
    ``-(y log sigmoid(x) + (1 - y) log(1 - sigmoid(x)))`` that never overflows (PyTorch's
    ``F.binary_cross_entropy_with_logits``). Its gradient is ``sigmoid(x) - y``.

    Args:
        input: logits, any shape. target: same shape. reduction: ``"mean"``, ``"sum"``, ``"none"``.

    Raises:
        ValueError: bad reduction or different shapes.
    """
    check_reduction(reduction)
    z = input if isinstance(input, Tensor) else Tensor(input)
    y = _lift(target, z, "binary_cross_entropy_with_logits").data
    _same_shape("binary_cross_entropy_with_logits", z.shape, y.shape)
    x = z.data
    losses = np.maximum(x, 0) - x * y + np.log1p(np.exp(-np.abs(x)))
    out = _result(losses, (z,), _vjp_bce_logits, "binary_cross_entropy_with_logits", y)
    return _reduce(out, reduction)


def _vjp_bce_logits(g, node):
    x, y = node._children[0].data, node._ctx
    e = np.exp(-np.abs(x))
    sigmoid = np.where(x >= 0, 1, e) / (1 + e)  # stable, as Tensor.sigmoid
    return (g * (sigmoid - y),)


def _same_shape(op: str, a: tuple[int, ...], b: tuple[int, ...]) -> None:
    if a != b:
        raise ValueError(f"{op}: input shape {a} and target shape {b} differ")


def _reduce(losses: Tensor, reduction: str) -> Tensor:
    """Apply a (checked) ``reduction`` to per-element losses."""
    if reduction == "mean":
        return losses.mean()
    if reduction == "sum":
        return losses.sum()
    return losses
