"""Activations and losses on :class:`Tensor`s: the names and semantics of the scalar
:mod:`micrograd_mlp.functional`, on whole arrays at once (PyTorch's ``torch.nn.functional``).

The two modules mirror each other name for name and argument for argument; what their losses
share (reduction, the log clamp, argument checks, constants) is in
:mod:`micrograd_mlp.loss_common`.

Conventions:

* ``input`` is a Tensor (a NumPy array or a list becomes a constant Tensor); ``target`` (and
  ``var``, ``weight``) may be a Tensor, an array or a number, and takes ``input``'s dtype.
* Elementwise losses need ``input`` and ``target`` of the same shape (a ``ValueError`` names
  both: NumPy's broadcasting would silently turn ``(N, 1)`` against ``(N,)`` into ``(N, N)``).
* ``reduction="mean"`` (default) averages over all elements (over the N samples for
  ``cross_entropy``, weighted as PyTorch does), ``"sum"`` adds them, ``"none"`` keeps the
  per-element losses.
* Every loss refuses an empty input (``"...: input is empty"``), as in the scalar engine; the
  engine's own ``Tensor.mean()`` of an empty array keeps NumPy's NaN.
* ``cross_entropy`` and both binary cross-entropies are fused single nodes with a hand-derived
  backward (faster, and finite where the composed version overflows or takes ``log(0)``); the
  others are composed from Tensor ops, so their gradients come from the engine's chain rule
  exactly as in the scalar module. ``linear`` is the fused op of
  :mod:`micrograd_mlp.tensor.fused`, with its arguments checked here.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from micrograd_mlp.autodiff import is_grad_enabled
from micrograd_mlp.function import Function
from micrograd_mlp.loss_common import (
    DEFAULT_IGNORE_INDEX,
    HALF_LOG_2PI,
    LOG_FLOOR,
    check_eps,
    check_ignore_index,
    check_label_smoothing,
    check_margin,
    check_nonempty,
    check_reduction,
    check_weight_not_reduction,
    reduce,
)
from micrograd_mlp.tensor import fused
from micrograd_mlp.tensor.tensor import Tensor

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


def _reduce(losses: Tensor, reduction: str, denominator: float | None = None) -> Tensor:
    """Apply a (checked) ``reduction`` to per-element losses (``loss_common.reduce``)."""
    return reduce(
        losses, reduction, Tensor.sum, losses.size if denominator is None else denominator
    )


def _operand(x: Any, like: Tensor, fn: str, name: str) -> Tensor:
    """``x`` as a Tensor: a Tensor as it is, numbers and arrays as a constant of ``like``'s dtype.

    Raises:
        TypeError: ``x`` holds something other than numbers (the message names ``fn`` and
            the argument).
    """
    if isinstance(x, Tensor):
        return x
    try:
        return Tensor(x, dtype=like.dtype)
    except TypeError as err:
        raise TypeError(f"{fn}: {name}: {err}") from None


def _constant(
    x: Any, like: Tensor, fn: str, name: str, shape: tuple[int, ...] | None = None
) -> np.ndarray:
    """A ``weight``-like argument as a constant array of ``like``'s dtype (no gradient flows to
    it), broadcast to ``shape`` if given."""
    arr = _operand(x, like, fn, name).data.astype(like.dtype, copy=False)
    if shape is None:
        return arr
    try:
        return np.broadcast_to(arr, shape)
    except ValueError:
        raise ValueError(
            f"{fn}: {name} shape {arr.shape} does not broadcast to the input's shape {shape}"
        ) from None


def linear(input: Tensor | Any, weight: Tensor | Any, bias: Tensor | Any | None = None) -> Tensor:
    """``input @ weight.T + bias``, PyTorch's ``F.linear``, as one node (``fused.linear``).

    Args:
        input: ``(..., nin)`` (``(nin,)`` for one sample).
        weight: ``(nout, nin)``.
        bias: ``(nout,)`` or None.
        (Arrays and lists become constant Tensors: no gradient for them.)

    Returns:
        ``(..., nout)``.

    Raises:
        ValueError: the shapes do not fit (all of them are named).
        TypeError: an argument holds something other than numbers.
    """
    w = weight if isinstance(weight, Tensor) else Tensor(weight)
    b = None if bias is None else _operand(bias, w, "linear", "bias")
    return fused.linear(input, w, b)


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
    t = _operand(target, x, fn, "target")
    if x.shape != t.shape:
        raise ValueError(f"{fn}: input shape {x.shape} and target shape {t.shape} differ")
    check_nonempty(fn, x.size)
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
        ValueError: a negative variance, ``var`` of another shape, ``eps`` negative or not
            finite, a variance of 0 with ``eps = 0``, input and target shapes differ, empty
            input, bad ``reduction``.
        TypeError: an ``eps`` that is not a real number (a bool).
    """
    check_reduction(reduction)
    fn = "gaussian_nll_loss"
    check_eps(fn, eps)
    x, t = _pair(fn, input, target)
    v = _operand(var, x, fn, "var")
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
def _class_indices(
    target: Any, logits_shape: tuple[int, ...], ignore_index: int
) -> tuple[np.ndarray, np.ndarray | None]:
    """Check class-index targets against ``(N, C)`` (or ``(C,)``) logits.

    Returns:
        The targets as intp ``(N,)``, and the mask of the counted samples (those whose target
        is not ``ignore_index``), or None when every sample counts.
    """
    if isinstance(target, Tensor):
        raise TypeError(
            "cross_entropy: class-index targets must be integers (a NumPy int array or a list "
            f"of ints), not a Tensor (Tensors hold floats); a Tensor target of the logits' "
            f"shape {logits_shape} is read as class probabilities"
        )
    t = np.asarray(target)
    expected = logits_shape[:-1]
    if t.shape != expected:
        raise ValueError(
            f"cross_entropy: target shape {t.shape} does not fit logits shape {logits_shape}; "
            f"expected {expected} (class indices) or {logits_shape} (class probabilities)"
        )
    if t.dtype.kind not in "iu":
        raise TypeError(
            f"cross_entropy: target must hold integer class indices, got dtype {t.dtype} "
            f"(class probabilities need the logits' shape {logits_shape})"
        )
    c = logits_shape[-1]
    t = t.astype(np.intp, copy=False).reshape(-1)
    if t.min() >= 0 and t.max() < c:  # every target is a class (the usual case: two passes)
        if not 0 <= ignore_index < c:
            return t, None
        valid = t != ignore_index
        return t, (None if valid.all() else valid)
    valid = t != ignore_index
    bad = t[((t < 0) | (t >= c)) & valid]
    if bad.size:
        raise ValueError(
            f"cross_entropy: target {bad.flat[0]} is out of range for C = {c} classes "
            f"(valid: 0 to {c - 1}, or ignore_index = {ignore_index})"
        )
    return t, valid


def _warn_non_finite_rows(m: np.ndarray, shape: tuple[int, ...]) -> None:
    """Warn about rows whose maximum is not finite: a NaN or +inf logit, or every logit -inf.

    The loss of such a row is NaN (or inf), as in PyTorch: the vectorized engine follows IEEE
    arithmetic (the training loop stops at a non-finite loss, naming the step). The check costs
    one pass over the N row maxima, which the stable form computes anyway.
    """
    bad = ~np.isfinite(m)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        where = "input" if len(shape) == 1 else f"input[{row}]"
        warnings.warn(
            f"cross_entropy: {where} holds a non-finite logit (largest {m[row].item()!r}); its "
            "loss is NaN or infinite (logits must be finite)",
            RuntimeWarning,
            stacklevel=3,
        )


def cross_entropy(
    input: Tensor | Any,
    target: Any,
    weight: Tensor | Any | None = None,
    *,
    ignore_index: int = DEFAULT_IGNORE_INDEX,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """Cross-entropy of logits against class indices or class probabilities (PyTorch's).

    The same loss as the scalar :func:`micrograd_mlp.functional.cross_entropy` (see there for
    the formulas: ``loss_n = -sum_c A_nc log softmax(x_n)_c`` with ``A`` the weighted, smoothed
    target), as one fused node. Its gradient is ``(sum_c A_nc) softmax(x_n) - A_n``
    (``softmax - onehot`` without weights or smoothing), scaled by the reduction.

    Args:
        input: logits ``(N, C)``, or ``(C,)`` for one sample.
        target: integer class indices ``(N,)`` (one integer for a ``(C,)`` input) in ``[0, C)``
            or ``ignore_index``; or class probabilities of the input's shape (one-hot or soft;
            a Tensor target gets a gradient).
        weight: ``(C,)`` class weights (a constant) or None.
        ignore_index: a class index whose samples are skipped (default -100: none).
        reduction: ``"mean"`` (over the samples; weighted: divided by ``sum_n w_{t_n}``),
            ``"sum"``, or ``"none"`` (shape ``(N,)``, or ``()`` for one sample).
        label_smoothing: ``eps`` in [0, 1]: the target becomes ``(1 - eps) target + eps / C``.

    A row with a NaN or +inf logit (or only -inf) gives a NaN (or inf) loss, as in PyTorch, with
    a ``RuntimeWarning`` naming the row (the scalar engine refuses such a row, as it refuses
    every domain error).

    Raises:
        ValueError: bad reduction, shapes, an empty input, a target outside ``[0, C)`` (the
            value and C are named), a non-finite logit (NaN, +inf, a row of -inf), a ``weight``
            not of shape ``(C,)``, ``label_smoothing`` outside [0, 1], or with ``"mean"`` every
            sample ignored or of weight 0 (PyTorch returns NaN there).
        TypeError: class-index targets that are not integers.
    """
    fn = "cross_entropy"
    check_weight_not_reduction(fn, weight)
    check_reduction(reduction)
    smoothing = label_smoothing
    if type(smoothing) is not float or not 0.0 <= smoothing <= 1.0:  # (the default skips this)
        smoothing = check_label_smoothing(fn, label_smoothing)
    ignore_index = check_ignore_index(fn, ignore_index)
    logits = _tensor(input)
    shape = logits.shape
    if len(shape) not in (1, 2):
        raise ValueError(f"{fn}: logits must be (N, C) or (C,), got shape {shape}")
    check_nonempty(fn, logits.size)
    c = shape[-1]
    z = logits.data.reshape(-1, c)
    n = z.shape[0]
    w = None
    if weight is not None:
        w = _constant(weight, logits, fn, "weight")
        if w.shape != (c,):
            raise ValueError(
                f"{fn}: weight shape {w.shape} does not fit C = {c} classes; expected ({c},)"
            )
    target_shape = target.shape if isinstance(target, Tensor) else np.shape(target)
    if target_shape == shape:  # class probabilities
        p = _operand(target, logits, fn, "target")
        return _CrossEntropy.apply(
            logits,
            p,
            t=None,
            coef=None,
            smooth=None,
            w=w,
            smoothing=smoothing,
            reduction=reduction,
            denominator=float(n),
        )
    t, valid = _class_indices(target, shape, ignore_index)
    coef = smooth = None  # each sample's target-class weight (None: all 1); the smoothing part
    denominator = float(n)
    if w is not None or smoothing or valid is not None:
        if valid is None:
            valid = np.ones(n, dtype=bool)
        else:
            t = np.where(valid, t, 0)
        wt = (w[t] if w is not None else np.ones(n, z.dtype)) * valid
        coef = (1 - smoothing) * wt
        denominator = float(wt.sum())
        if reduction == "mean" and denominator == 0.0:
            raise ValueError(
                f"{fn}: the mean is 0/0: every target is ignore_index = {ignore_index} or has "
                "class weight 0 (use reduction='sum' to get 0)"
            )
        if smoothing:  # the uniform part of the target, weighted, only for counted samples
            smooth = (smoothing / c) * valid[:, None] * (w if w is not None else np.ones(c))
            smooth = smooth.astype(z.dtype, copy=False)
    return _CrossEntropy.apply(
        logits,
        t=t,
        coef=coef,
        smooth=smooth,
        w=None,
        smoothing=smoothing,
        reduction=reduction,
        denominator=denominator,
    )


class _CrossEntropy(Function):
    """The fused cross-entropy: ``loss_n = -sum_c A_nc log q_nc`` with ``q_n = softmax(x_n)``.

    ``A`` is never built densely for class indices: ``A = coef_n onehot(t_n) + smooth`` where
    ``coef`` (N,) is each sample's target weight (None: all 1) and ``smooth`` the smoothing
    part (N, C) or None. For probability targets ``A = w * ((1 - eps) p + eps / C)`` (N, C).

    Inputs: logits ``x`` of shape (N, C) or (C,), and for probability targets ``p`` of the same
    shape. Output: () for mean/sum, (N,) (or () for one sample) for "none".
    Gradients (Bridle 1990; PyTorch's formula): ``d loss_n / d x_nj = (sum_c A_nc) q_nj - A_nj``
    and ``d loss_n / d p_nc = -(1 - eps) w_c log q_nc``, both times the upstream ``g`` (divided
    by ``denominator`` for the mean).
    """

    name = "cross_entropy"

    @staticmethod
    def forward(ctx, x, p=None, *, t, coef, smooth, w, smoothing, reduction, denominator):
        shape = x.shape
        c = shape[-1]
        z = x.reshape(-1, c)
        n = z.shape[0]
        m = z.max(axis=1, keepdims=True)
        if np.isfinite(m).all():
            shifted = z - m
        else:
            _warn_non_finite_rows(m.reshape(-1), shape)
            with np.errstate(invalid="ignore"):  # inf - inf: warned about
                shifted = z - m
        e = np.exp(shifted)
        total = e.sum(axis=1)
        log_total = np.log(total)
        if p is not None:
            a = p.reshape(n, c)
            a = a * (1 - smoothing) + smoothing / c if smoothing else a
            if w is not None:
                a = a * w
            log_q = shifted - log_total[:, None]
            losses = -(a * log_q).sum(axis=1)
            smooth = a  # the whole coefficient matrix
        else:
            picked = log_total - shifted[np.arange(n), t]  # -log q_{n, t_n}
            losses = picked if coef is None else coef * picked
            if smooth is not None:
                losses = losses + (smooth * (log_total[:, None] - shifted)).sum(axis=1)
        losses = losses.astype(z.dtype, copy=False)
        if is_grad_enabled() and any(ctx.needs_input_grad):
            e /= total[:, None]  # softmax, in the exp buffer
            ctx.probs, ctx.t, ctx.coef, ctx.smooth = e, t, coef, smooth
            ctx.reduction, ctx.denominator, ctx.shape = reduction, denominator, shape
            if p is not None and ctx.needs_input_grad[1]:  # d loss_n / d p_nc
                ctx.target_grad = -(1 - smoothing) * (shifted - log_total[:, None])
                if w is not None:
                    ctx.target_grad *= w
        if reduction == "mean":
            return np.asarray(losses.sum() / z.dtype.type(denominator))
        if reduction == "sum":
            return np.asarray(losses.sum())
        return losses.reshape(shape[:-1])

    @staticmethod
    def backward(ctx, g):
        n = ctx.probs.shape[0]
        if ctx.reduction == "none":
            scale = np.reshape(g, (n, 1))  # one upstream value per sample
            per_sample = scale[:, 0]
        else:
            scale = g / ctx.denominator if ctx.reduction == "mean" else g  # one number
            per_sample = scale
        if ctx.smooth is None and ctx.coef is None:  # A = onehot: softmax - onehot
            grad = ctx.probs * scale
        else:
            row_total = np.zeros(n, ctx.probs.dtype)  # sum_c A_nc
            if ctx.t is not None:
                row_total += 1.0 if ctx.coef is None else ctx.coef
            if ctx.smooth is not None:
                row_total += ctx.smooth.sum(axis=1)
            grad = ctx.probs * (row_total[:, None] * scale)
            if ctx.smooth is not None:
                grad -= ctx.smooth * scale
        if ctx.t is not None:
            picked = per_sample if ctx.coef is None else ctx.coef * per_sample
            grad[np.arange(n), ctx.t] -= picked
        gx = grad.reshape(ctx.shape) if ctx.needs_input_grad[0] else None
        if len(ctx.needs_input_grad) == 1:
            return gx
        gp = (ctx.target_grad * scale).reshape(ctx.shape) if ctx.needs_input_grad[1] else None
        return gx, gp


def binary_cross_entropy(
    input: Tensor | Any, target: Any, weight: Tensor | Any | None = None, *, reduction: str = "mean"
) -> Tensor:
    """``-w (y log p + (1 - y) log(1 - p))`` elementwise, PyTorch's ``F.binary_cross_entropy``.

    Args:
        input: probabilities ``p`` in ``[0, 1]``, any shape.
        target: ``y``, same shape (usually 0 or 1; any value in ``[0, 1]`` works; a constant).
        weight: a constant broadcastable to the input's shape, or None.
        reduction: ``"mean"``, ``"sum"`` or ``"none"``.

    As in PyTorch each log is clamped at -100, so ``p = 0`` or ``1`` gives a finite loss. The
    gradient is the exact derivative of that clamped function, as in the scalar engine:
    ``w (p - y) / (p (1 - p))`` while no clamp is active, and a clamped term contributes 0.
    (PyTorch instead caps the denominator at 1e-12: they differ only where ``p (1 - p) < 1e-12``.)

    Raises:
        ValueError: bad reduction, different shapes, empty input, a ``weight`` that does not
            broadcast, or ``p`` outside ``[0, 1]`` (or NaN).
    """
    fn = "binary_cross_entropy"
    check_weight_not_reduction(fn, weight)
    check_reduction(reduction)
    p, target_t = _pair(fn, input, target)
    y = target_t.data
    x = p.data
    inside = (x >= 0) & (x <= 1)
    if not np.all(inside):
        raise ValueError(
            f"{fn}: input must be probabilities in [0, 1], got "
            f"{x[~inside].flat[0].item()!r}; use binary_cross_entropy_with_logits for logits"
        )
    w = None if weight is None else _constant(weight, p, fn, "weight", p.shape)
    return _reduce(_BinaryCrossEntropy.apply(p, y=y, w=w), reduction)


class _BinaryCrossEntropy(Function):
    """``-w (y log p + (1 - y) log(1 - p))`` elementwise, each log clamped at -100 (PyTorch's).

    Input ``p``, constants ``y`` and ``w`` (None: 1), output and ``g``: all of ``p``'s shape.
    d/dp: ``-y / p`` where ``log p`` is above the clamp plus ``(1 - y) / (1 - p)`` where
    ``log(1 - p)`` is (a clamped term is a constant), i.e. ``(p - y) / (p (1 - p))``; times ``w``.
    """

    name = "binary_cross_entropy"

    @staticmethod
    def forward(ctx, p, *, y, w):
        with np.errstate(divide="ignore"):
            log_p, log_q = np.log(p), np.log1p(-p)
        losses = -(y * np.maximum(log_p, LOG_FLOOR) + (1 - y) * np.maximum(log_q, LOG_FLOOR))
        ctx.p, ctx.y, ctx.w = p, y, w
        ctx.p_active, ctx.q_active = log_p >= LOG_FLOOR, log_q >= LOG_FLOOR
        return losses if w is None else losses * w

    @staticmethod
    def backward(ctx, g):
        p, y = ctx.p, ctx.y
        with np.errstate(divide="ignore", invalid="ignore"):
            d = np.where(ctx.p_active, -y / p, 0) + np.where(ctx.q_active, (1 - y) / (1 - p), 0)
        return g * d if ctx.w is None else g * d * ctx.w


def binary_cross_entropy_with_logits(
    input: Tensor | Any,
    target: Any,
    weight: Tensor | Any | None = None,
    *,
    reduction: str = "mean",
    pos_weight: Tensor | Any | None = None,
) -> Tensor:
    """Binary cross-entropy of ``sigmoid(x)`` against ``y``, computed from the logits ``x``.

    ``loss = w ((1 - y) x + (1 + (r - 1) y) softplus(-x))`` with ``w = weight``, ``r =
    pos_weight`` (1 by default) and ``softplus(-x) = max(-x, 0) + log(1 + e^-|x|)``: an exact
    rewrite of ``-w (r y log sigmoid(x) + (1 - y) log(1 - sigmoid(x)))`` that never overflows
    (PyTorch's ``F.binary_cross_entropy_with_logits``). Its gradient is
    ``w ((1 + (r - 1) y) sigmoid(x) - r y)``: ``sigmoid(x) - y`` without the options.

    Args:
        input: logits, any shape. target: same shape (a constant).
        weight: broadcastable to the input's shape, or None. pos_weight: broadcastable to the
            input's shape (PyTorch: one per class, along the last axis), or None.
        reduction: ``"mean"``, ``"sum"``, ``"none"``.

    Raises:
        ValueError: bad reduction, different shapes, empty input, or a ``weight``/``pos_weight``
            that does not broadcast to the input's shape.
    """
    fn = "binary_cross_entropy_with_logits"
    check_weight_not_reduction(fn, weight)
    check_reduction(reduction)
    z, target_t = _pair(fn, input, target)
    y = target_t.data
    w = None if weight is None else _constant(weight, z, fn, "weight", z.shape)
    r = None if pos_weight is None else _constant(pos_weight, z, fn, "pos_weight", z.shape)
    return _reduce(_BinaryCrossEntropyWithLogits.apply(z, y=y, w=w, r=r), reduction)


class _BinaryCrossEntropyWithLogits(Function):
    """``w ((1 - y) x + l softplus(-x))`` with ``l = 1 + (r - 1) y``, elementwise.

    Input ``x`` (logits), constants ``y``, ``w`` (None: 1) and ``r`` (pos_weight, None: 1);
    output and ``g``: all of ``x``'s shape. ``softplus(-x) = max(-x, 0) + log(1 + e^-|x|)``
    never overflows. d/dx = ``w ((1 - y) - l (1 - sigmoid(x)))`` = ``w (sigmoid(x) - y)`` for
    ``r = 1``.
    """

    name = "binary_cross_entropy_with_logits"

    @staticmethod
    def forward(ctx, x, *, y, w, r):
        log1p_exp = np.log1p(np.exp(-np.abs(x)))  # softplus(-x) = max(-x, 0) + log1p_exp
        if r is None:
            log_weight = None
            losses = np.maximum(x, 0) - x * y + log1p_exp
        else:
            log_weight = 1 + (r - 1) * y
            losses = (1 - y) * x + log_weight * (np.maximum(-x, 0) + log1p_exp)
        ctx.x, ctx.y, ctx.w, ctx.log_weight = x, y, w, log_weight
        return losses if w is None else losses * w

    @staticmethod
    def backward(ctx, g):
        x, y, lw = ctx.x, ctx.y, ctx.log_weight
        e = np.exp(-np.abs(x))
        sigmoid = np.where(x >= 0, 1, e) / (1 + e)  # stable, as Tensor.sigmoid
        d = sigmoid - y if lw is None else (1 - y) - lw * (1 - sigmoid)
        return g * d if ctx.w is None else g * d * ctx.w


def hinge_loss(input: Tensor, target: Any, margin: float = 1.0, reduction: str = "mean") -> Tensor:
    """The SVM max-margin loss ``max(0, margin - y * score)`` for labels ``y`` in {-1, +1}.

    ``input`` holds raw scores; a sample costs nothing once ``y * score >= margin`` and grows
    linearly otherwise (Cortes & Vapnik 1995). Derivative 0 at the hinge point, as ReLU's.

    Raises:
        ValueError: a label other than -1 or +1 (map 0/1 labels with ``2 * y - 1``), a NaN or
            infinite margin, shapes differ, empty input, unknown ``reduction``.
        TypeError: a non-numeric margin.
    """
    check_reduction(reduction)
    fn = "hinge_loss"
    margin = check_margin(fn, margin)
    x, y = _pair(fn, input, target)
    bad = (y.data != 1) & (y.data != -1)
    if np.any(bad):
        raise ValueError(
            f"{fn}: target has label {y.data[bad].flat[0].item()!r}; labels must be -1 or +1 "
            "(map 0/1 labels with 2 * y - 1)"
        )
    return _reduce((margin - y * x).relu(), reduction)
