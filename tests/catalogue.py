"""One catalogue of the functions both engines compute, for the property tests.

Each :class:`Op` has a name, a plain-float version written with ``math`` (the reference), a
``Value`` version and a ``Tensor`` version, and an input domain chosen so that the function is
smooth there and central finite differences stay valid: ``log(x + 3)`` over ``x >= -2`` (so
``x + 3 >= 1``), division by ``y + 5.5`` over ``y >= -5``, ReLU and ``abs`` only at least
``strategies.KINK_MARGIN`` away from 0.

* ``unary`` and ``binary`` ops are elementwise: the Tensor version applies to whole arrays
  (binary ones with NumPy broadcasting), the float and Value versions to one element.
* ``reduction`` ops map a list of n numbers to one: the float and Value versions take a list,
  the Tensor version reduces over axis 0 (``(n,) -> ()``, or ``(n, B) -> (B,)``: one reduction
  per column).

Several versions are one lambda written with operators (``3.0 - 2.5 * x``), which floats,
Values and Tensors all support: the point is that each engine evaluates it its own way.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

import micrograd_mlp.functional as F
import micrograd_mlp.tensor.functional as TF
from micrograd_mlp.engine import Value
from micrograd_mlp.tensor import Tensor


@dataclass(frozen=True)
class Op:
    """One catalogue entry.

    Attributes:
        name: shown in test ids.
        kind: ``"unary"``, ``"binary"`` or ``"reduction"``.
        math: the reference on Python floats (a list of floats for a reduction).
        value: the same function on Values (a list of Values for a reduction).
        tensor: the same function on Tensors (elementwise, or over axis 0 for a reduction).
        domain: one ``(lo, hi)`` interval per argument (a reduction: one, for every element).
        kinks: points where the function is not differentiable; test inputs keep
            ``strategies.KINK_MARGIN`` away from them (the engines still agree there).
        distinct: a reduction whose elements must differ (max: ties are not differentiable).
    """

    name: str
    kind: str
    math: Callable
    value: Callable
    tensor: Callable
    domain: tuple[tuple[float, float], ...]
    kinks: tuple[float, ...] = ()
    distinct: bool = False

    @property
    def arity(self) -> int:
        return 2 if self.kind == "binary" else 1


def _same(f: Callable) -> dict[str, Callable]:
    """One operator expression serves as the float, Value and Tensor version."""
    return {"math": f, "value": f, "tensor": f}


def _sigmoid(x: float) -> float:
    # 1/(1+e^-x) written for each sign so that exp never overflows, as the engines do
    return 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))


def _leaky(slope: float) -> Callable[[float], float]:
    return lambda x: x if x > 0 else slope * x


WIDE = (-10.0, 10.0)
MID = (-5.0, 5.0)

UNARY = [
    Op("neg", "unary", **_same(lambda x: -x), domain=(WIDE,)),
    Op("exp", "unary", math.exp, Value.exp, Tensor.exp, domain=(MID,)),
    Op(
        "log(x+3)",
        "unary",
        lambda x: math.log(x + 3),
        lambda x: (x + 3).log(),
        lambda x: (x + 3).log(),
        domain=((-2.0, 10.0),),
    ),
    Op("tanh", "unary", math.tanh, Value.tanh, Tensor.tanh, domain=(MID,)),
    Op("sigmoid", "unary", _sigmoid, Value.sigmoid, Tensor.sigmoid, domain=(WIDE,)),
    Op(
        "relu", "unary", lambda x: max(x, 0.0), Value.relu, Tensor.relu, domain=(MID,), kinks=(0.0,)
    ),
    Op(
        "leaky_relu",
        "unary",
        _leaky(0.01),
        Value.leaky_relu,
        Tensor.leaky_relu,
        domain=(MID,),
        kinks=(0.0,),
    ),
    Op(
        "leaky_relu(0.2)",
        "unary",
        _leaky(0.2),
        lambda x: x.leaky_relu(0.2),
        lambda x: x.leaky_relu(0.2),
        domain=(MID,),
        kinks=(0.0,),
    ),
    Op("abs", "unary", **_same(abs), domain=(MID,), kinks=(0.0,)),
    Op("x**2", "unary", **_same(lambda x: x**2), domain=(MID,)),
    Op("x**3", "unary", **_same(lambda x: x**3), domain=((-3.0, 3.0),)),
    Op(
        "sqrt(x+3)",
        "unary",
        lambda x: math.sqrt(x + 3),
        lambda x: (x + 3) ** 0.5,
        lambda x: (x + 3) ** 0.5,
        domain=((-2.0, 10.0),),
    ),
    Op("(x+3)**-1.5", "unary", **_same(lambda x: (x + 3) ** -1.5), domain=((-2.0, 10.0),)),
    Op("2/(x+5.5)", "unary", **_same(lambda x: 2.0 / (x + 5.5)), domain=((-5.0, 10.0),)),
    Op("2**x", "unary", **_same(lambda x: 2.0**x), domain=(MID,)),
    Op("3-2.5x", "unary", **_same(lambda x: 3.0 - 2.5 * x), domain=(WIDE,)),
    Op("x/4+1", "unary", **_same(lambda x: x / 4.0 + 1.0), domain=(WIDE,)),
]

BINARY = [
    Op("a+b", "binary", **_same(lambda a, b: a + b), domain=(MID, MID)),
    Op("a-b", "binary", **_same(lambda a, b: a - b), domain=(MID, MID)),
    Op("a*b", "binary", **_same(lambda a, b: a * b), domain=(MID, MID)),
    Op("a/(b+5.5)", "binary", **_same(lambda a, b: a / (b + 5.5)), domain=(MID, MID)),
    Op("(a+3)**b", "binary", **_same(lambda a, b: (a + 3) ** b), domain=((-2.0, 5.0), (-2.0, 2.0))),
    Op("a*b+a", "binary", **_same(lambda a, b: a * b + a), domain=(MID, MID)),
]


# -------------------------------------------------------------------------- reductions
def _fixed_weights(n: int) -> list[float]:
    """Constant weights 1, -1.5, 2, -2.5, ... for a dot product with constants."""
    return [(-1) ** i * (1 + i / 2) for i in range(n)]


def _along_axis0(w: list[float], t: Tensor) -> np.ndarray:
    """``w`` shaped to multiply ``t`` along axis 0 (``(n,)`` or ``(n, 1)``)."""
    return np.asarray(w).reshape((len(w),) + (1,) * (t.ndim - 1))


def _math_logsumexp(xs: list[float]) -> float:
    m = max(xs)
    return m + math.log(math.fsum(math.exp(x - m) for x in xs))


def _value_logsumexp(xs: list[Value]) -> Value:
    m = max(v.data for v in xs)  # a constant: the shift does not change the value
    return Value.sum([(v - m).exp() for v in xs]).log() + m


def _tensor_logsumexp(t: Tensor) -> Tensor:
    m = t.data.max(axis=0)
    return (t - m).exp().sum(axis=0).log() + m


def _value_max(xs: list[Value]) -> Value:
    """The maximum, its gradient split evenly among tied elements (as ``Tensor.max``).

    Written as ``top + sum((t - top) / k)`` over the k tied elements: exactly ``top`` in
    value (each ``t - top`` is 0), and ``1/k`` of the gradient to each tie.
    """
    top = max(v.data for v in xs)
    ties = [v for v in xs if v.data == top]
    return Value.sum([(t - top) * (1.0 / len(ties)) for t in ties]) + top


def _math_softmax0(xs: list[float]) -> float:
    m = max(xs)
    return math.exp(xs[0] - m) / math.fsum(math.exp(x - m) for x in xs)


def _tensor_cross_entropy0(t: Tensor) -> Tensor:
    # cross-entropy with class 0 as the target, one per column: logits (B, n) = t.T
    if t.ndim == 1:
        return TF.cross_entropy(t, 0, reduction="none")
    return TF.cross_entropy(t.T, np.zeros(t.shape[1], np.int64), reduction="none")


REDUCTIONS = [
    Op("sum", "reduction", math.fsum, Value.sum, lambda t: t.sum(axis=0), domain=(MID,)),
    Op(
        "mean",
        "reduction",
        lambda xs: math.fsum(xs) / len(xs),
        lambda xs: Value.sum(xs) / len(xs),
        lambda t: t.mean(axis=0),
        domain=(MID,),
    ),
    Op("max", "reduction", max, _value_max, lambda t: t.max(axis=0), domain=(MID,), distinct=True),
    Op(
        "dot(x,x)",
        "reduction",
        lambda xs: math.fsum(x * x for x in xs),
        lambda xs: Value.dot(xs, xs),
        lambda t: (t * t).sum(axis=0),
        domain=(MID,),
    ),
    Op(
        "dot(w,x)+0.5",
        "reduction",
        lambda xs: math.fsum(w * x for w, x in zip(_fixed_weights(len(xs)), xs)) + 0.5,
        lambda xs: Value.dot(_fixed_weights(len(xs)), xs, 0.5),
        lambda t: (t * _along_axis0(_fixed_weights(len(t)), t)).sum(axis=0) + 0.5,
        domain=(MID,),
    ),
    Op(
        "logsumexp",
        "reduction",
        _math_logsumexp,
        _value_logsumexp,
        _tensor_logsumexp,
        domain=(MID,),
    ),
    Op(
        "softmax[0]",
        "reduction",
        _math_softmax0,
        lambda xs: F.softmax(xs)[0],
        lambda t: t.softmax(axis=0)[0],
        domain=(MID,),
    ),
    Op(
        "log_softmax[0]",
        "reduction",
        lambda xs: xs[0] - _math_logsumexp(xs),
        lambda xs: F.log_softmax(xs)[0],
        lambda t: t.log_softmax(axis=0)[0],
        domain=(MID,),
    ),
    Op(
        "cross_entropy(x,0)",
        "reduction",
        lambda xs: _math_logsumexp(xs) - xs[0],
        lambda xs: F.cross_entropy(xs, 0),
        _tensor_cross_entropy0,
        domain=(MID,),
    ),
]

CATALOGUE = UNARY + BINARY + REDUCTIONS
BY_NAME = {op.name: op for op in CATALOGUE}
