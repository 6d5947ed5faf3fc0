"""Activations and losses on scalar :class:`~micrograd_mlp.engine.Value`s, with PyTorch's names.

Every function here is composed from the engine's primitives (``+ - * / **``, ``exp``, ``log``,
``relu``, ``abs``, ``Value.sum``, ``Value.dot``), so its gradient comes from the engine's chain
rule and the graph it builds can be drawn like any other. :mod:`micrograd_mlp.tensor.functional`
has the same functions, with the same names, arguments and semantics, on arrays; what the losses
of both share (reduction, the log clamp, argument checks) is in :mod:`micrograd_mlp.loss_common`.

Conventions (PyTorch's ``torch.nn.functional``):

* ``input`` is a ``Value`` (or a number), or a sequence of them (a list, a tuple, a 1-D NumPy
  array; a dict or a set is refused: their order is not the user's); ``target`` has the same
  length. Numbers become constant Values.
* ``reduction="mean"`` (default) averages the per-element losses, ``"sum"`` adds them, ``"none"``
  returns them in the input's shape: a list of Values for a sequence, one Value for a Value.
* Numerically stable forms throughout: softmax and cross-entropy subtract the largest logit
  (a constant, which changes nothing mathematically because softmax is shift invariant) before
  exponentiating, so ``exp`` never overflows.

Errors: a length mismatch is a ``ValueError`` naming both lengths; a non-numeric element is a
``TypeError`` naming its position; an empty input is ``ValueError("...: input is empty")`` (the
rule of every loss in both engines).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from numbers import Real

import numpy as np

from micrograd_mlp.engine import Value
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

#: A loss input or target: one Value/number, or a sequence of them.
Values = Value | float | Sequence[Value | float]
#: What a loss returns: one Value (mean/sum, or "none" on a single Value) or a list ("none").
LossOutput = Value | list[Value]


# ------------------------------------------------------------------------ input handling
def _is_sequence(x: object) -> bool:
    """A list, a tuple, a range or a NumPy array of at least one dimension (not a str/dict/set)."""
    if isinstance(x, np.ndarray):
        return x.ndim != 0
    return isinstance(x, Sequence) and not isinstance(x, (str, bytes))


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
    if isinstance(x, np.ndarray) and x.ndim == 0:  # a 0-d NumPy array: one number
        return [_value(x.item(), fn, name)], True
    if not _is_sequence(x):
        raise TypeError(
            f"{fn}: {name} must be a Value, a number or a sequence of them (a list, a tuple, "
            f"a 1-D array), got {type(x).__name__}"
        )
    out = [_value(v, fn, f"{name}[{i}]") for i, v in enumerate(x)]
    check_nonempty(fn, len(out), name)
    return out, False


def _constants(x: object, fn: str, name: str) -> list[float]:
    """Numbers (or Values, taken by their data: no gradient flows to them) as floats."""
    return [v.data for v in _values(x, fn, name)[0]]


def _broadcast(fn: str, name: str, xs: list, n: int) -> list:
    """A list of 1 or ``n`` entries as ``n`` entries (one shared value, or one per element)."""
    if len(xs) == n:
        return xs
    if len(xs) == 1:
        return xs * n
    raise ValueError(
        f"{fn}: {name} has {len(xs)} element(s); expected 1 (shared) or {n} (one per input element)"
    )


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


def _sum(losses: list[Value]) -> Value:
    # the sum of one loss is the loss itself (no extra node in the graph)
    return losses[0] if len(losses) == 1 else Value.sum(losses)


def _reduce(
    losses: list[Value], reduction: str, single: bool, denominator: float | None = None
) -> LossOutput:
    """Apply ``reduction`` (already checked) to per-element losses (``loss_common.reduce``)."""
    if reduction == "none" and single:
        return losses[0]
    return reduce(losses, reduction, _sum, len(losses) if denominator is None else denominator)


def _weighted(fn: str, losses: list[Value], weight: Values | None) -> list[Value]:
    """``losses[i] * weight[i]`` (``weight``: one number for all, or one per element)."""
    if weight is None:
        return losses
    ws = _broadcast(fn, "weight", _constants(weight, fn, "weight"), len(losses))
    return [loss * w for loss, w in zip(losses, ws)]


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


def linear(
    input: Sequence[Value | float] | Sequence[Sequence[Value | float]],
    weight: Sequence[Sequence[Value | float]],
    bias: Sequence[Value | float] | None = None,
) -> list[Value] | list[list[Value]]:
    """``input @ weight.T + bias``, PyTorch's ``F.linear``, on Values: one ``dot`` node per output.

    Args:
        input: one sample of ``nin`` Values/numbers, or a batch: ``N`` such rows.
        weight: ``nout`` rows of ``nin`` Values/numbers (PyTorch's ``(nout, nin)`` layout).
        bias: ``nout`` Values/numbers, or None.

    Returns:
        ``nout`` Values for one sample, ``N`` lists of ``nout`` for a batch.

    Raises:
        TypeError: an argument is not a sequence, or holds a non-number.
        ValueError: the lengths do not fit (each is named), or an argument is empty.
    """
    fn = "linear"
    rows = [_values(r, fn, f"weight[{j}]")[0] for j, r in enumerate(_rows(weight, fn, "weight"))]
    nin = len(rows[0])
    for j, r in enumerate(rows):
        if len(r) != nin:
            raise ValueError(f"{fn}: weight[{j}] has {len(r)} entries but weight[0] has {nin}")
    bs = [0.0] * len(rows) if bias is None else _values(bias, fn, "bias")[0]
    if len(bs) != len(rows):
        raise ValueError(f"{fn}: bias has {len(bs)} entries but weight has {len(rows)} rows")
    batch = _is_sequence(input) and len(input) > 0 and _is_sequence(input[0])
    samples = [
        _values(x, fn, f"input[{i}]" if batch else "input")[0]
        for i, x in enumerate(input if batch else [input])
    ]
    for i, x in enumerate(samples):
        if len(x) != nin:
            where = f"input[{i}]" if batch else "input"
            raise ValueError(f"{fn}: {where} has {len(x)} entries but weight rows have {nin}")
    out = [[Value.dot(w, x, b) for w, b in zip(rows, bs)] for x in samples]
    return out if batch else out[0]


def _rows(x: object, fn: str, name: str) -> list:
    """A non-empty sequence of sequences (a list of rows, a 2-D array)."""
    if not (_is_sequence(x) and len(x) > 0 and all(_is_sequence(r) for r in x)):
        if _is_sequence(x) and len(x) == 0:
            check_nonempty(fn, 0, name)
        raise TypeError(f"{fn}: {name} must be a sequence of rows (e.g. a list of lists)")
    return list(x)


# ----------------------------------------------------------------------- softmax family
def _logits(logits: Sequence[Value | float], fn: str, name: str = "input") -> list[Value]:
    if isinstance(logits, (Value, Real)):
        raise TypeError(
            f"{fn}: {name} must be a sequence of C >= 1 logits, got the single "
            f"{type(logits).__name__} {logits!r}"
        )
    return _values(logits, fn, name)[0]


def _shifted(xs: list[Value]) -> list[Value]:
    """``x_i - max_j x_j`` with the max as a constant, so every ``exp`` below is at most 1."""
    shift = Value(-max(v.data for v in xs))  # one constant leaf shared by the C subtractions
    return [v + shift for v in xs]


def _check_axis(fn: str, axis: object) -> None:
    """A list of C logits has one axis: ``axis`` must be -1 or 0 (the tensor version's default)."""
    if isinstance(axis, bool) or axis not in (-1, 0):
        raise ValueError(
            f"{fn}: a sequence of logits has one axis; axis must be -1 or 0, got {axis!r}"
        )


def softmax(input: Sequence[Value | float], axis: int = -1) -> list[Value]:
    """Probabilities ``exp(x_i) / sum_j exp(x_j)`` of a list of C logits (a list of C Values).

    Computed as ``exp(x_i - m) / sum_j exp(x_j - m)`` with ``m = max_j x_j``, which never
    overflows (logits of 1000 work). The C outputs sum to 1. ``axis`` mirrors the tensor
    version's argument: a list has only axis -1 (= 0).

    Raises:
        TypeError: ``input`` is a single Value or holds a non-number.
        ValueError: ``input`` is empty, or ``axis`` is not -1 or 0.
    """
    _check_axis("softmax", axis)
    exps = [s.exp() for s in _shifted(_logits(input, "softmax"))]
    total = Value.sum(exps)
    return [e / total for e in exps]


def log_softmax(input: Sequence[Value | float], axis: int = -1) -> list[Value]:
    """``log(softmax(x))_i = x_i - log(sum_j exp(x_j))`` of C logits (a list of C Values).

    Uses the log-sum-exp trick, ``x_i - m - log(sum_j exp(x_j - m))`` with ``m = max_j x_j``: the
    sum is at least 1, so the log never sees 0 even when softmax itself underflows. ``axis`` as
    in :func:`softmax`.

    Raises:
        TypeError: ``input`` is a single Value or holds a non-number.
        ValueError: ``input`` is empty, or ``axis`` is not -1 or 0.
    """
    _check_axis("log_softmax", axis)
    shifted = _shifted(_logits(input, "log_softmax"))
    log_sum_exp = Value.sum([s.exp() for s in shifted]).log()
    return [s - log_sum_exp for s in shifted]


def _class_index(t: object, num_classes: int, where: str, ignore_index: int) -> int:
    if isinstance(t, (bool, np.bool_)):
        raise TypeError(
            f"cross_entropy: {where} must be an integer class index in [0, {num_classes}), "
            f"got the bool {t!r}"
        )
    try:
        index = operator.index(t)
    except TypeError:
        raise TypeError(
            f"cross_entropy: {where} must be an integer class index in [0, {num_classes}) or "
            f"class probabilities (a sequence of {num_classes}), got {type(t).__name__} {t!r}"
        ) from None
    if index != ignore_index and not 0 <= index < num_classes:
        raise ValueError(
            f"cross_entropy: {where} = {index} is out of range for C = {num_classes} classes "
            f"(valid indices: 0 to {num_classes - 1}, or ignore_index = {ignore_index})"
        )
    return index


def _check_finite_logits(row: list[Value], where: str) -> None:
    """Refuse a row with NaN or +inf, or only -inf: its softmax is undefined (inf/inf, 0/0).

    (A -inf among finite logits is fine: its probability is 0. The vectorized engine gives such
    a row a NaN loss with a warning, as NumPy does with its domain errors.)"""
    for j, v in enumerate(row):
        if math.isnan(v.data) or v.data == math.inf:
            raise ValueError(
                f"cross_entropy: {where}[{j}] = {v.data!r}; logits must be finite (the softmax "
                "of a NaN or infinite logit is undefined)"
            )
    if all(v.data == -math.inf for v in row):
        raise ValueError(
            f"cross_entropy: every logit of {where} is -inf; softmax is undefined (0/0)"
        )


def _cross_entropy_rows(
    rows: list[list[Value]],
    targets: list,
    probabilities: bool,
    weight: list[float] | None,
    ignore_index: int,
    smoothing: float,
) -> tuple[list[Value], float]:
    """Per-sample losses and the weighted mean's denominator (see :func:`cross_entropy`)."""
    c = len(rows[0])
    w = [1.0] * c if weight is None else weight
    losses, denominator = [], 0.0
    for row, t in zip(rows, targets):
        shifted = _shifted(row)
        log_sum_exp = Value.sum([s.exp() for s in shifted]).log()
        if probabilities:  # -sum_c w_c p'_c log q_c with p' = (1 - eps) p + eps / C
            coef = [w[k] * (p * (1.0 - smoothing) + smoothing / c) for k, p in enumerate(t)]
            log_q = [s - log_sum_exp for s in shifted]
            losses.append(-Value.dot(coef, log_q))
            denominator += 1.0
        elif t == ignore_index:
            # an ignored sample costs nothing and is not counted; 0 * logits keeps it in the
            # graph, so its logits get the gradient 0 (as in PyTorch), not "no gradient"
            losses.append(Value.dot([0.0] * c, row))
        elif weight is None and smoothing == 0.0:
            # -log softmax(x)_t = log(sum_j exp(x_j - m)) - (x_t - m): the log-sum-exp form
            losses.append(log_sum_exp - shifted[t])
            denominator += 1.0
        else:  # (1 - eps) w_t (-log q_t) + (eps / C) sum_k w_k (-log q_k)
            coef = [smoothing / c * wk for wk in w]
            coef[t] += (1.0 - smoothing) * w[t]
            log_q = [s - log_sum_exp for s in shifted]
            losses.append(-Value.dot(coef, log_q))
            denominator += w[t]
    return losses, denominator


def cross_entropy(
    input: Sequence[Value | float] | Sequence[Sequence[Value | float]],
    target: int | Sequence[int] | Sequence[Value | float] | Sequence[Sequence[Value | float]],
    weight: Sequence[float] | None = None,
    *,
    ignore_index: int = DEFAULT_IGNORE_INDEX,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> LossOutput:
    """Cross-entropy of logits against class indices or class probabilities (PyTorch's).

    With ``q = softmax(input_n)`` (C logits per sample ``n``), as ``F.cross_entropy``:

    * **class indices** (``target`` an int for one sample of C logits, N ints for N rows):
      ``loss_n = -w_t log q_t`` with ``t = target_n`` and ``w = weight`` (all 1 by default),
      i.e. ``CE = -o_t + log sum_j e^{o_j}``. A sample whose target is ``ignore_index`` has
      loss 0 and is not counted. ``"mean"`` divides the sum by ``sum_n w_{t_n}`` over the
      counted samples (PyTorch's weighted mean), not by N.
    * **class probabilities** (``target`` of the input's shape: C numbers per sample, one-hot or
      soft, e.g. ``[0, 1, 0]``): ``loss_n = -sum_c w_c p_c log q_c``; ``"mean"`` divides by N;
      ``ignore_index`` does not apply (as in PyTorch). Values in ``target`` get gradients.
    * ``label_smoothing = eps`` mixes the target with the uniform distribution over the C
      classes: indices become ``(1 - eps) onehot + eps / C``, probabilities
      ``(1 - eps) p + eps / C``; with indices the weighted mean still divides by
      ``sum_n w_{t_n}`` (PyTorch's rule), with probabilities by N. (Label smoothing: Szegedy
      et al., "Rethinking the Inception Architecture for Computer Vision", CVPR 2016; the
      semantics of every option are those of PyTorch's ``torch.nn.CrossEntropyLoss`` docs.)

    Stable: ``log q_c = (x_c - m) - log(sum_j exp(x_j - m))`` with ``m`` the row's largest logit,
    so logits of any size work. Without weights and smoothing, the gradient with respect to
    ``x_j`` is ``softmax(x)_j - [j == t]``. ``weight`` is a constant (no gradient flows to it).

    Args:
        input: one sample, C logits (Values or numbers); or a batch, N rows of C logits.
        target: as above. ``weight``: C numbers (class weights) or None.
        ignore_index: a class index to skip (default -100: none). label_smoothing: in [0, 1].
        reduction: ``"mean"``, ``"sum"``, or ``"none"`` (one Value for one sample, else N).

    Raises:
        TypeError: a class index is not an integer (a float, a bool, a Value, ...), a logit is
            not a number, or ``input``/``target`` is not a sequence (a dict, a set).
        ValueError: a class index outside ``[0, C)`` (the message names it and C); a logit of
            NaN or +inf (or a row of -inf); rows of different lengths; probabilities of the wrong
            length; N rows but a different number of targets; ``weight`` not of length C;
            ``label_smoothing`` outside [0, 1]; empty input; with ``"mean"``, every sample
            ignored or of weight 0 (PyTorch returns NaN there).
    """
    fn = "cross_entropy"
    check_weight_not_reduction(fn, weight)
    check_reduction(reduction)
    smoothing = check_label_smoothing(fn, label_smoothing)
    ignore_index = check_ignore_index(fn, ignore_index)
    single = not (_is_sequence(input) and len(input) > 0 and _is_sequence(input[0]))
    if single:
        rows, names = [_logits(input, fn, "input")], ["input"]
    else:
        rows = [_logits(r, fn, f"input[{i}]") for i, r in enumerate(input)]
        names = [f"input[{i}]" for i in range(len(rows))]
    c = len(rows[0])
    for name, row in zip(names, rows):
        if len(row) != c:
            raise ValueError(
                f"{fn}: {name} has {len(row)} logits but input[0] has {c}; every row needs C logits"
            )
        _check_finite_logits(row, name)
    w = None
    if weight is not None:
        w = _constants(weight, fn, "weight")
        if len(w) != c:
            raise ValueError(f"{fn}: weight has {len(w)} entries; expected one per class, C = {c}")
    if single:
        probabilities = _is_sequence(target)
        targets = [target]
    else:
        if not _is_sequence(target):
            raise TypeError(
                f"{fn}: a batch of {len(rows)} rows takes a sequence of {len(rows)} class "
                f"indices (or {len(rows)} rows of class probabilities) as target, got "
                f"{type(target).__name__} {target!r}"
            )
        _same_length(fn, rows, target, "input (rows)", "target")
        targets = list(target)
        probabilities = _is_sequence(targets[0])
    if probabilities:
        tnames = ["target"] if single else [f"target[{i}]" for i in range(len(targets))]
        targets = [_values(t, fn, name)[0] for name, t in zip(tnames, targets)]
        for name, t in zip(tnames, targets):
            if len(t) != c:
                raise ValueError(
                    f"{fn}: {name} has {len(t)} class probabilities but the logits have C = {c}"
                )
        # numbers stay numbers (a constant coefficient), Values stay Values (they get gradients)
        raw = [
            t.tolist() if isinstance(t, np.ndarray) else list(t)
            for t in ([target] if single else list(target))
        ]
        targets = [
            [v if isinstance(r, Value) else v.data for v, r in zip(t, r_row)]
            for t, r_row in zip(targets, raw)
        ]
    else:
        tnames = ["target"] if single else [f"target[{i}]" for i in range(len(targets))]
        targets = [_class_index(t, c, name, ignore_index) for name, t in zip(tnames, targets)]
    losses, denominator = _cross_entropy_rows(
        rows, targets, probabilities, w, ignore_index, smoothing
    )
    if reduction == "mean" and denominator == 0.0:
        raise ValueError(
            f"{fn}: the mean is 0/0: every target is ignore_index = {ignore_index} or has class "
            "weight 0 (use reduction='sum' to get 0)"
        )
    return _reduce(losses, reduction, single, denominator)


# ------------------------------------------------------------------------- regression
def mse_loss(input: Values, target: Values, reduction: str = "mean") -> LossOutput:
    """Squared error ``(input_i - target_i) ** 2``, reduced (PyTorch's ``mse_loss``).

    Raises:
        ValueError: lengths differ (both are named), empty input, unknown ``reduction``.
        TypeError: a non-numeric element, or an input that is not a sequence (a dict, a set).
    """
    check_reduction(reduction)
    xs, ts, single = _pair("mse_loss", input, target)
    return _reduce([(x - t) ** 2 for x, t in zip(xs, ts)], reduction, single)


def l1_loss(input: Values, target: Values, reduction: str = "mean") -> LossOutput:
    """Absolute error ``|input_i - target_i|``, reduced (PyTorch's ``l1_loss``).

    The derivative at ``input_i == target_i`` is 0 (``sign(0)``), as in PyTorch.

    Raises:
        ValueError: lengths differ (both are named), empty input, unknown ``reduction``.
        TypeError: a non-numeric element, or an input that is not a sequence (a dict, a set).
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
            ``eps`` negative or not finite, a variance of 0 with ``eps = 0`` (log 0), lengths
            of input and target differ, empty input, unknown ``reduction``.
        TypeError: a non-numeric element, or an ``eps`` that is not a real number (a bool).
    """
    check_reduction(reduction)
    fn = "gaussian_nll_loss"
    check_eps(fn, eps)
    xs, ts, single = _pair(fn, input, target)
    vs, _ = _values(var, fn, "var")
    for i, v in enumerate(vs):
        if v.data < 0.0:
            raise ValueError(f"{fn}: var has negative entry/entries: var[{i}] = {v.data!r}")
        if v.data == 0.0 and eps == 0.0:
            raise ValueError(f"{fn}: var[{i}] = 0 with eps = 0 makes log(var) undefined")
    # (v - v.data) is exactly 0 with derivative 1, so adding eps gives exactly eps in value while
    # the gradient still reaches v: PyTorch's no_grad clamp.
    vs = [v if v.data >= eps else (v - v.data) + eps for v in vs]
    vs = _broadcast(fn, "var", vs, len(xs))
    losses = [0.5 * (v.log() + (x - t) ** 2 / v) for x, t, v in zip(xs, ts, vs)]
    if full:
        losses = [loss + HALF_LOG_2PI for loss in losses]
    return _reduce(losses, reduction, single)


# ---------------------------------------------------------------------- classification
def _clamped_log(x: Value) -> Value:
    """``max(log x, -100)``; below the clamp it is the constant -100 (derivative 0)."""
    if x.data > 0.0 and math.log(x.data) >= LOG_FLOOR:
        return x.log()
    return Value(LOG_FLOOR)


def binary_cross_entropy(
    input: Values, target: Values, weight: Values | None = None, *, reduction: str = "mean"
) -> LossOutput:
    """``-w (y log p + (1 - y) log(1 - p))`` for probabilities ``p`` (PyTorch's semantics).

    ``input`` holds probabilities in ``[0, 1]`` (e.g. sigmoid outputs); ``target`` holds
    ``y``, usually 0 or 1 (soft targets in between work too); ``weight`` (optional, a constant)
    is one number for every element or one per element. As in PyTorch each log term is
    clamped at -100, so ``p = 0`` or ``p = 1`` gives a finite loss (at most 100 per element).

    Gradients are the exact derivatives of that clamped function: ``(p - y) / (p (1 - p))``
    while the clamp is inactive, 0 through a clamped term. (PyTorch's hand-written backward
    instead caps the denominator at 1e-12, so the two differ only where ``p (1 - p) < 1e-12``.)
    Prefer :func:`binary_cross_entropy_with_logits` on logits: it is stable without clamping.

    Raises:
        ValueError: an input outside ``[0, 1]`` (named), lengths differ (also of ``weight``),
            empty input, unknown ``reduction``.
        TypeError: a non-numeric element.
    """
    fn = "binary_cross_entropy"
    check_weight_not_reduction(fn, weight)
    check_reduction(reduction)
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
    return _reduce(_weighted(fn, losses, weight), reduction, single)


def _softplus_of_minus(x: Value) -> Value:
    """``log(1 + exp(-x))`` with a never-positive exponent: ``-x + log(1 + exp(x))`` for x < 0."""
    if x.data >= 0.0:
        return ((-x).exp() + 1.0).log()
    return (x.exp() + 1.0).log() - x


def binary_cross_entropy_with_logits(
    input: Values,
    target: Values,
    weight: Values | None = None,
    *,
    reduction: str = "mean",
    pos_weight: Values | None = None,
) -> LossOutput:
    """Binary cross-entropy of ``sigmoid(input)`` against ``target``, computed stably from logits.

    ``loss = -w (r y log sigmoid(x) + (1 - y) log(1 - sigmoid(x)))``, with ``w = weight`` and
    ``r = pos_weight`` (both 1 by default; PyTorch's ``pos_weight`` > 1 counts positives more),
    rewritten (as PyTorch does) with ``softplus(-x) = log(1 + exp(-x)) = -log sigmoid(x)`` as::

        loss = w ((1 - y) x + (1 + (r - 1) y) softplus(-x))

    The exponent inside softplus is never positive, so any logit works; the gradient is
    ``w ((1 + (r - 1) y) sigmoid(x) - r y)``, i.e. ``sigmoid(x) - y`` without the options.
    ``weight`` and ``pos_weight`` are constants: one number, or one per element.

    Raises:
        ValueError: lengths differ (both named; also of ``weight``/``pos_weight``), empty input,
            unknown ``reduction``.
        TypeError: a non-numeric element.
    """
    fn = "binary_cross_entropy_with_logits"
    check_weight_not_reduction(fn, weight)
    check_reduction(reduction)
    xs, ys, single = _pair(fn, input, target)
    if pos_weight is None:
        losses = [(1.0 - y) * x + _softplus_of_minus(x) for x, y in zip(xs, ys)]
    else:
        rs = _broadcast(fn, "pos_weight", _constants(pos_weight, fn, "pos_weight"), len(xs))
        losses = [
            (1.0 - y) * x + (1.0 + (r - 1.0) * y) * _softplus_of_minus(x)
            for x, y, r in zip(xs, ys, rs)
        ]
    return _reduce(_weighted(fn, losses, weight), reduction, single)


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
            a NaN or infinite margin, lengths differ, empty input, unknown ``reduction``.
        TypeError: a non-numeric element or margin.
    """
    check_reduction(reduction)
    fn = "hinge_loss"
    margin = check_margin(fn, margin)
    xs, ys, single = _pair(fn, input, target)
    for i, y in enumerate(ys):
        if y.data not in (-1.0, 1.0):
            raise ValueError(
                f"{fn}: target[{i}] = {y.data!r}; labels must be -1 or +1 "
                "(map 0/1 labels with 2 * y - 1)"
            )
    return _reduce([(margin - y * x).relu() for x, y in zip(xs, ys)], reduction, single)
