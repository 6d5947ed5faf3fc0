"""Activations and losses on scalar :class:`~micrograd_mlp.engine.Value`s, with PyTorch's names.

Every function here is composed from the engine's primitives (``+ - * / **``, ``exp``, ``log``,
``relu``, ``abs``, ``Value.sum``), so its gradient comes from the engine's chain rule and the
graph it builds can be drawn like any other. ``micrograd_mlp.tensor.functional`` has the same
functions, with the same signatures and semantics, on arrays.

Conventions (PyTorch's ``torch.nn.functional``):

* ``input`` is a ``Value`` (or a number), or a sequence of them (a list, a tuple, a 1-D NumPy
  array); ``target`` has the same length. Numbers become constant Values.
* ``reduction="mean"`` (default) averages the per-element losses, ``"sum"`` adds them, ``"none"``
  returns them in the input's shape: a list of Values for a sequence, one Value for a Value.
* Numerically stable forms throughout: softmax and cross-entropy subtract the largest logit
  (a constant, which changes nothing mathematically because softmax is shift invariant) before
  exponentiating, so ``exp`` never overflows.

Errors: a length mismatch is a ``ValueError`` naming both lengths; a non-numeric element is a
``TypeError`` naming its position; an empty input is a ``ValueError``.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from numbers import Real

import numpy as np

from micrograd_mlp.engine import Value
from micrograd_mlp.loss_common import HALF_LOG_2PI, check_eps
from micrograd_mlp.reduction import check_reduction

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "gaussian_nll_loss",
    "hinge_loss",
    "l1_loss",
    "leaky_relu",
    "log_softmax",
    "mse_loss",
    "relu",
    "sigmoid",
    "softmax",
    "tanh",
]

#: A loss input or target: one Value/number, or a sequence of them.
Values = Value | float | Sequence[Value | float]
#: What a loss returns: one Value (mean/sum, or "none" on a single Value) or a list ("none").
LossOutput = Value | list[Value]

# PyTorch's binary_cross_entropy clamps each log term at -100 so that p = 0 or p = 1 gives a
# finite loss (100 per element at worst) instead of infinity.
_LOG_FLOOR = -100.0


# ------------------------------------------------------------------------ input handling
def _value(x: object, fn: str, where: str) -> Value:
    """One element as a Value (numbers become constants), or a TypeError naming its place."""
    if isinstance(x, Value):
        return x
    if isinstance(x, Real):
        try:
            return Value(x)
        except (TypeError, ValueError) as err:
            raise type(err)(f"{fn}: {where}: {err}") from None
    raise TypeError(f"{fn}: {where} must be a number or a Value, got {type(x).__name__} {x!r}")


def _values(x: Values, fn: str, name: str) -> tuple[list[Value], bool]:
    """``x`` as a non-empty list of Values, and whether it was a single Value/number."""
    if isinstance(x, (Value, Real)):
        return [_value(x, fn, name)], True
    if isinstance(x, (str, bytes)) or not hasattr(x, "__iter__"):
        raise TypeError(
            f"{fn}: {name} must be a Value, a number or a sequence of them, got {type(x).__name__}"
        )
    if getattr(x, "ndim", 1) == 0:  # a 0-d NumPy array: one number
        return [_value(x.item(), fn, name)], True
    out = [_value(v, fn, f"{name}[{i}]") for i, v in enumerate(x)]
    if not out:
        raise ValueError(f"{fn}: {name} is empty")
    return out, False


def _same_length(fn: str, a: list, b: list, name_a: str = "input", name_b: str = "target") -> None:
    if len(a) != len(b):
        raise ValueError(
            f"{fn}: {name_a} has {len(a)} element(s) but {name_b} has {len(b)}; "
            "they must have the same length"
        )


def _pair(fn: str, input: Values, target: Values) -> tuple[list[Value], list[Value], bool]:
    xs, single = _values(input, fn, "input")
    ts, _ = _values(target, fn, "target")
    _same_length(fn, xs, ts)
    return xs, ts, single


def _reduce(losses: list[Value], reduction: str, single: bool) -> LossOutput:
    """Apply ``reduction`` (already checked) to per-element losses."""
    if reduction == "none":
        return losses[0] if single else losses
    if len(losses) == 1:
        return losses[0]  # the sum and the mean of one loss are the loss itself
    total = Value.sum(losses)
    return total if reduction == "sum" else total / len(losses)


# ----------------------------------------------------------------------------- activations
def _elementwise(x: Values, fn: str, apply) -> Value | list[Value]:
    xs, single = _values(x, fn, "input")
    out = [apply(v) for v in xs]
    return out[0] if single else out


def relu(input: Values) -> Value | list[Value]:
    """``max(0, x)`` of a Value (returns a Value) or of each element of a sequence (a list)."""
    return _elementwise(input, "relu", Value.relu)


def leaky_relu(input: Values, negative_slope: float = 0.01) -> Value | list[Value]:
    """``x`` if ``x > 0`` else ``negative_slope * x``, elementwise (PyTorch's ``leaky_relu``)."""
    return _elementwise(input, "leaky_relu", lambda v: v.leaky_relu(negative_slope))


def sigmoid(input: Values) -> Value | list[Value]:
    """The logistic function ``1 / (1 + exp(-x))``, elementwise (stable for any ``x``)."""
    return _elementwise(input, "sigmoid", Value.sigmoid)


def tanh(input: Values) -> Value | list[Value]:
    """The hyperbolic tangent, elementwise."""
    return _elementwise(input, "tanh", Value.tanh)


# ----------------------------------------------------------------------- softmax family
def _logits(logits: Sequence[Value | float], fn: str, name: str = "logits") -> list[Value]:
    if isinstance(logits, (Value, Real)):
        raise TypeError(f"{fn}: {name} must be a sequence of C >= 1 Values, got one {name[:-1]}")
    return _values(logits, fn, name)[0]


def _shifted(xs: list[Value]) -> list[Value]:
    """``x_i - max_j x_j`` with the max as a constant, so every ``exp`` below is at most 1."""
    shift = Value(-max(v.data for v in xs))  # one constant leaf shared by the C subtractions
    return [v + shift for v in xs]


def softmax(logits: Sequence[Value | float]) -> list[Value]:
    """Probabilities ``exp(x_i) / sum_j exp(x_j)`` of a list of C logits (a list of C Values).

    Computed as ``exp(x_i - m) / sum_j exp(x_j - m)`` with ``m = max_j x_j``, which never
    overflows (logits of 1000 work). The C outputs sum to 1.

    Raises:
        TypeError: ``logits`` is a single Value or holds a non-number.
        ValueError: ``logits`` is empty.
    """
    exps = [s.exp() for s in _shifted(_logits(logits, "softmax"))]
    total = Value.sum(exps)
    return [e / total for e in exps]


def log_softmax(logits: Sequence[Value | float]) -> list[Value]:
    """``log(softmax(x))_i = x_i - log(sum_j exp(x_j))`` of C logits (a list of C Values).

    Uses the log-sum-exp trick, ``x_i - m - log(sum_j exp(x_j - m))`` with ``m = max_j x_j``: the
    sum is at least 1, so the log never sees 0 even when softmax itself underflows.

    Raises:
        TypeError: ``logits`` is a single Value or holds a non-number.
        ValueError: ``logits`` is empty.
    """
    shifted = _shifted(_logits(logits, "log_softmax"))
    log_sum_exp = Value.sum([s.exp() for s in shifted]).log()
    return [s - log_sum_exp for s in shifted]


def _class_index(t: object, num_classes: int, where: str) -> int:
    if isinstance(t, (bool, np.bool_)):
        raise TypeError(
            f"cross_entropy: {where} must be an integer class index in [0, {num_classes}), "
            f"got the bool {t!r}"
        )
    try:
        index = operator.index(t)
    except TypeError:
        raise TypeError(
            f"cross_entropy: {where} must be an integer class index in [0, {num_classes}), "
            f"got {type(t).__name__} {t!r}"
        ) from None
    if not 0 <= index < num_classes:
        raise ValueError(
            f"cross_entropy: {where} = {index} is out of range for C = {num_classes} classes "
            f"(valid indices: 0 to {num_classes - 1})"
        )
    return index


def _cross_entropy_one(row: list[Value], t: int) -> Value:
    # -log softmax(x)_t = log(sum_j exp(x_j - m)) - (x_t - m): the log-sum-exp form above.
    shifted = _shifted(row)
    return Value.sum([s.exp() for s in shifted]).log() - shifted[t]


def _is_row(x: object) -> bool:
    """Whether ``x`` is a sequence (a list, a tuple, a NumPy array of at least one dimension)."""
    if isinstance(x, (Value, Real, str, bytes)):
        return False
    return hasattr(x, "__len__") and getattr(x, "ndim", 1) != 0


def cross_entropy(
    input: Sequence[Value | float] | Sequence[Sequence[Value | float]],
    target: int | Sequence[int],
    reduction: str = "mean",
) -> LossOutput:
    """Cross-entropy of logits against class indices: ``-log softmax(input)[target]``.

    Same meaning as ``torch.nn.functional.cross_entropy`` (no class weights, no
    ``ignore_index``, no label smoothing):

    * one sample: ``input`` is C logits (Values or numbers), ``target`` an int in ``[0, C)``;
      ``"none"`` then returns one Value;
    * a batch: ``input`` is N rows of C logits, ``target`` N ints; ``"mean"`` averages over the
      N samples, ``"none"`` returns a list of N Values.

    Stable: ``log(sum_j exp(x_j - m)) - (x_t - m)`` with ``m`` the row's largest logit, so
    logits of any size work. The gradient with respect to ``x_j`` is ``softmax(x)_j - [j == t]``.

    Raises:
        TypeError: a class index is not an integer (a float, a bool, a Value, ...), or a logit
            is not a number.
        ValueError: a class index is outside ``[0, C)`` (the message names it and C); rows of
            different lengths; N logit rows but a different number of targets; empty input.
    """
    check_reduction(reduction)
    if not (_is_row(input) and len(input) > 0 and _is_row(input[0])):
        row = _logits(input, "cross_entropy", "input")
        if _is_row(target):
            raise TypeError(
                f"cross_entropy: one sample of {len(row)} logits takes one int class index as "
                f"target, got a sequence of {len(target)}"
            )
        loss = _cross_entropy_one(row, _class_index(target, len(row), "target"))
        return _reduce([loss], reduction, single=True)
    rows = [_logits(r, "cross_entropy", f"input[{i}]") for i, r in enumerate(input)]
    num_classes = len(rows[0])
    for i, r in enumerate(rows):
        if len(r) != num_classes:
            raise ValueError(
                f"cross_entropy: input[{i}] has {len(r)} logits but input[0] has {num_classes}; "
                "every row needs C logits"
            )
    if not _is_row(target):
        raise TypeError(
            f"cross_entropy: a batch of {len(rows)} rows takes a sequence of {len(rows)} class "
            f"indices as target, got {type(target).__name__} {target!r}"
        )
    _same_length("cross_entropy", rows, target, "input (rows)", "target")
    losses = [
        _cross_entropy_one(r, _class_index(t, num_classes, f"target[{i}]"))
        for i, (r, t) in enumerate(zip(rows, target))
    ]
    return _reduce(losses, reduction, single=False)


# ------------------------------------------------------------------------- regression
def mse_loss(input: Values, target: Values, reduction: str = "mean") -> LossOutput:
    """Squared error ``(input_i - target_i) ** 2``, reduced (PyTorch's ``mse_loss``).

    Raises:
        ValueError: lengths differ (both are named), empty input, unknown ``reduction``.
        TypeError: a non-numeric element.
    """
    check_reduction(reduction)
    xs, ts, single = _pair("mse_loss", input, target)
    return _reduce([(x - t) ** 2 for x, t in zip(xs, ts)], reduction, single)


def l1_loss(input: Values, target: Values, reduction: str = "mean") -> LossOutput:
    """Absolute error ``|input_i - target_i|``, reduced (PyTorch's ``l1_loss``).

    The derivative at ``input_i == target_i`` is 0 (``sign(0)``), as in PyTorch.

    Raises:
        ValueError: lengths differ (both are named), empty input, unknown ``reduction``.
        TypeError: a non-numeric element.
    """
    check_reduction(reduction)
    xs, ts, single = _pair("l1_loss", input, target)
    return _reduce([(x - t).abs() for x, t in zip(xs, ts)], reduction, single)


def gaussian_nll_loss(
    input: Values,
    target: Values,
    var: Values,
    full: bool = False,
    eps: float = 1e-6,
    reduction: str = "mean",
) -> LossOutput:
    """Negative log-likelihood of ``target`` under ``Normal(input, var)`` (PyTorch's semantics).

    Per element, with ``v = max(var_i, eps)``::

        loss_i = 0.5 * (log(v) + (input_i - target_i) ** 2 / v)   [+ 0.5 * log(2 pi) if full]

    ``var`` is one Value/number shared by every element (homoscedastic) or one per element
    (heteroscedastic). As in PyTorch the clamp to ``eps`` changes the value only: the gradient
    still flows to ``var`` as if unclamped (PyTorch clamps under ``no_grad``), evaluated at ``eps``.

    Raises:
        ValueError: a negative variance (named), ``var``'s length is neither 1 nor the input's,
            ``eps < 0``, a variance of 0 with ``eps = 0`` (log 0), lengths of input and target
            differ, empty input, unknown ``reduction``.
        TypeError: a non-numeric element.
    """
    check_reduction(reduction)
    fn = "gaussian_nll_loss"
    check_eps(fn, eps)
    xs, ts, single = _pair(fn, input, target)
    vs, _ = _values(var, fn, "var")
    if len(vs) not in (1, len(xs)):
        raise ValueError(
            f"{fn}: var has {len(vs)} element(s); expected 1 (shared) or {len(xs)} "
            "(one per input element)"
        )
    for i, v in enumerate(vs):
        if v.data < 0.0:
            raise ValueError(f"{fn}: var has negative entry/entries: var[{i}] = {v.data!r}")
        if v.data == 0.0 and eps == 0.0:
            raise ValueError(f"{fn}: var[{i}] = 0 with eps = 0 makes log(var) undefined")
    # (v - v.data) is exactly 0 with derivative 1, so adding eps gives exactly eps in value while
    # the gradient still reaches v: PyTorch's no_grad clamp.
    vs = [v if v.data >= eps else (v - v.data) + eps for v in vs]
    if len(vs) == 1:
        vs = vs * len(xs)
    losses = [0.5 * (v.log() + (x - t) ** 2 / v) for x, t, v in zip(xs, ts, vs)]
    if full:
        losses = [loss + HALF_LOG_2PI for loss in losses]
    return _reduce(losses, reduction, single)


# ---------------------------------------------------------------------- classification
def _clamped_log(x: Value) -> Value:
    """``max(log x, -100)``; below the clamp it is the constant -100 (derivative 0)."""
    if x.data > 0.0 and math.log(x.data) >= _LOG_FLOOR:
        return x.log()
    return Value(_LOG_FLOOR)


def binary_cross_entropy(input: Values, target: Values, reduction: str = "mean") -> LossOutput:
    """``-(y log p + (1 - y) log(1 - p))`` for probabilities ``p`` (PyTorch's semantics).

    ``input`` holds probabilities in ``[0, 1]`` (e.g. sigmoid outputs); ``target`` holds
    ``y``, usually 0 or 1 (soft targets in between work too). As in PyTorch each log term is
    clamped at -100, so ``p = 0`` or ``p = 1`` gives a finite loss (at most 100 per element).

    Gradients are the exact derivatives of that clamped function: ``(p - y) / (p (1 - p))``
    while the clamp is inactive, 0 through a clamped term. (PyTorch's hand-written backward
    instead caps the denominator at 1e-12, so the two differ only where ``p (1 - p) < 1e-12``.)
    Prefer :func:`binary_cross_entropy_with_logits` on logits: it is stable without clamping.

    Raises:
        ValueError: an input outside ``[0, 1]`` (named), lengths differ, empty input, unknown
            ``reduction``.
        TypeError: a non-numeric element.
    """
    check_reduction(reduction)
    fn = "binary_cross_entropy"
    ps, ys, single = _pair(fn, input, target)
    losses = []
    for i, (p, y) in enumerate(zip(ps, ys)):
        if not 0.0 <= p.data <= 1.0:
            raise ValueError(
                f"{fn}: input[{i}] = {p.data!r} is not in [0, 1]; input must be probabilities "
                "(use binary_cross_entropy_with_logits for logits)"
            )
        # PyTorch's order of terms: (y - 1) * log(1 - p) - y * log(p).
        losses.append((y - 1.0) * _clamped_log(1.0 - p) - y * _clamped_log(p))
    return _reduce(losses, reduction, single)


def binary_cross_entropy_with_logits(
    input: Values, target: Values, reduction: str = "mean"
) -> LossOutput:
    """Binary cross-entropy of ``sigmoid(input)`` against ``target``, computed stably from logits.

    ``loss = -(y log sigmoid(x) + (1 - y) log(1 - sigmoid(x)))`` rewritten (as PyTorch does) as::

        x >= 0:  (1 - y) x + log(1 + exp(-x))
        x <  0:       -y x + log(1 + exp(x))

    The exponent is never positive, so any logit works, and both branches have the exact
    gradient ``sigmoid(x) - y`` (also at ``x = 0``). No ``weight``/``pos_weight`` arguments.

    Raises:
        ValueError: lengths differ (both named), empty input, unknown ``reduction``.
        TypeError: a non-numeric element.
    """
    check_reduction(reduction)
    xs, ys, single = _pair("binary_cross_entropy_with_logits", input, target)
    losses = []
    for x, y in zip(xs, ys):
        if x.data >= 0.0:
            losses.append((1.0 - y) * x + ((-x).exp() + 1.0).log())
        else:
            losses.append(-y * x + (x.exp() + 1.0).log())
    return _reduce(losses, reduction, single)


def hinge_loss(
    input: Values, target: Values, margin: float = 1.0, reduction: str = "mean"
) -> LossOutput:
    """The SVM max-margin (hinge) loss ``max(0, margin - y * score)`` for labels ``y`` in {-1, +1}.

    ``input`` holds raw scores (not probabilities); a sample costs nothing once it is on the
    right side with at least ``margin`` to spare (``y * score >= margin``), and the cost grows
    linearly otherwise (Cortes & Vapnik 1995). The derivative at the hinge point
    ``y * score == margin`` is taken as 0, as ReLU's. PyTorch has no function of this name; it
    equals ``torch.clamp(margin - y * score, min=0)`` reduced.

    Raises:
        ValueError: a label other than -1 or +1 (e.g. 0/1 labels: map them with ``2 y - 1``),
            lengths differ, empty input, unknown ``reduction``.
        TypeError: a non-numeric element or margin.
    """
    check_reduction(reduction)
    fn = "hinge_loss"
    if not isinstance(margin, Real) or isinstance(margin, bool):
        raise TypeError(f"{fn}: margin must be a number, got {type(margin).__name__} {margin!r}")
    xs, ys, single = _pair(fn, input, target)
    for i, y in enumerate(ys):
        if y.data not in (-1.0, 1.0):
            raise ValueError(
                f"{fn}: target[{i}] = {y.data!r}; labels must be -1 or +1 "
                "(map 0/1 labels with 2 * y - 1)"
            )
    return _reduce([(margin - y * x).relu() for x, y in zip(xs, ys)], reduction, single)
