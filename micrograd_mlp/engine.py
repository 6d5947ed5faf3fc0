"""The scalar autograd engine. Read it top to bottom: it is the whole story of ``backward()``.

A :class:`Value` is one number that remembers how it was computed: ``data`` (the number),
``grad`` (d output/d this value, 0.0 until a backward pass reaches it), ``_children`` (the
operands it was computed from, in order; ``_prev`` as a set), ``_local_grads`` (the op's *local
derivative* d this/d child for each operand, a number worked out in the forward pass next to
the result), ``_op`` (the op's name) and ``label`` (a name you give it).

Backpropagation is then two small methods at the end of the class:

* ``_backward()`` is the chain rule at one node, ``child.grad += local * self.grad`` for each
  operand (``+=``: a value used twice gets the sum of both paths);
* ``backward()`` puts the graph in topological order (every node after its operands), gives
  the intermediate nodes fresh gradients, seeds ``self.grad`` with 1 (d out/d out) and calls
  ``_backward()`` on every node from the output back to the inputs. You can run that loop by
  hand too, reading the gradients between the calls, as Karpathy's lecture does.

As in Karpathy's micrograd, with one change: micrograd keeps each op's backward step in a
``_backward`` closure, which refers to its own node; every node is then a reference cycle that
only Python's cyclic garbage collector frees. Here the local derivatives are numbers (HIPS
autograd's derivative table) and one ``_backward`` method applies them: a finished graph has no
cycles and is freed at once, which makes training several times faster with the collector on.

Argument checks and the domain errors of ``/``, ``exp``, ``log`` and ``**`` live in
:mod:`micrograd_mlp.validation`; ``topological_order`` and ``detect_anomaly`` in
:mod:`micrograd_mlp.autodiff`; ops of your own in :mod:`micrograd_mlp.function`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from operator import mul

from micrograd_mlp import validation as check
from micrograd_mlp.autodiff import check_graph, is_anomaly_enabled, topological_order

__all__ = ["Constant", "Value"]


class Value:
    """A scalar node of a computation graph (micrograd's ``Value``).

    Args:
        data: a real number (``int``, ``float``, ``bool`` or a NumPy scalar), stored as a float.
        _children, _op: micrograd's constructor arguments, accepted so its code runs; such a
            node has no local derivatives, and ``backward()`` through it raises a TypeError.
        label: a name for graphs and traces; it can also be set later (``v.label = "x"``).
        _local_grads: d(this)/d(child) for each of ``_children`` (the ops pass them).

    Raises:
        TypeError: ``data`` is not a real number, or ``_children`` is not a tuple of Values.
        ValueError: ``data`` is NaN or does not fit a float64.
    """

    __slots__ = ("data", "grad", "label", "_children", "_local_grads", "_op")
    __array_ufunc__ = None  # NumPy scalars defer to our operators: np.float64(2) * v is a Value

    def __init__(
        self,
        data: float,
        _children: tuple = (),
        _op: str = "",
        label: str = "",
        _local_grads: tuple | None = None,
    ) -> None:
        if _local_grads is None:  # made by hand, not by an op: check the number and operands
            data = check.real(data)  # (a leaf, or micrograd's Value(data, (a, b), '+'))
            _children, _local_grads = check.micrograd_operands(_children)
        self.data = data
        self.grad = 0.0
        self.label = label
        self._children = _children
        self._local_grads = _local_grads
        self._op = _op

    @property
    def _prev(self) -> set[Value]:
        """The operands as a set: micrograd's name (``_children`` keeps their order)."""
        return set(self._children)

    def __repr__(self) -> str:
        name = f"label={self.label!r}, " if self.label else ""
        return f"Value({name}data={self.data:.6g}, grad={self.grad:.6g})"

    # ------------------------------------------------------------------------ the ops
    # Each op computes its result and the local derivative d(result)/d(operand) for each
    # operand, side by side, and returns a new Value that remembers both.
    def __add__(self, other: Value | float) -> Value:
        other = _lift(other, "+")
        # d(a+b)/da = 1,  d(a+b)/db = 1
        return Value(self.data + other.data, (self, other), "+", _local_grads=(1.0, 1.0))

    def __sub__(self, other: Value | float) -> Value:
        other = _lift(other, "-")
        # d(a-b)/da = 1,  d(a-b)/db = -1
        return Value(self.data - other.data, (self, other), "-", _local_grads=(1.0, -1.0))

    def __mul__(self, other: Value | float) -> Value:
        other = _lift(other, "*")
        # d(a*b)/da = b,  d(a*b)/db = a
        return Value(
            self.data * other.data, (self, other), "*", _local_grads=(other.data, self.data)
        )

    def __truediv__(self, other: Value | float) -> Value:
        other = _lift(other, "/")
        b = other.data
        q = check.divide(self.data, b)
        # d(a/b)/da = 1/b,  d(a/b)/db = -a/b^2, written -(a/b)/b: b*b underflows for tiny b
        return Value(q, (self, other), "/", _local_grads=(1.0 / b, -q / b))

    def __pow__(self, other: Value | float) -> Value:
        a = self.data
        if isinstance(other, Value):  # a Value exponent gets a gradient too
            out = check.power(a, other.data)
            # d(a^b)/db = a^b log(a): 0 at a = 0, undefined (NaN) for a < 0, as in PyTorch
            d_b = out * math.log(a) if a > 0.0 else (0.0 if a == 0.0 else math.nan)
            return Value(
                out, (self, other), "**", _local_grads=(_d_power(a, other.data), d_b)
            )
        p = check.real(other, "**")  # a number exponent is a constant: x**2
        # d(a^p)/da = p a^(p-1)
        return Value(check.power(a, p), (self,), f"**{p:g}", _local_grads=(_d_power(a, p),))

    def __neg__(self) -> Value:
        # d(-a)/da = -1
        return Value(-self.data, (self,), "neg", _local_grads=(-1.0,))

    # The number on the left (2 + v, 2 * v, ...): lift it and use the ops above.
    def __radd__(self, other: float) -> Value:
        return _lift(other, "+") + self

    def __rsub__(self, other: float) -> Value:
        return _lift(other, "-") - self

    def __rmul__(self, other: float) -> Value:
        return _lift(other, "*") * self

    def __rtruediv__(self, other: float) -> Value:
        return _lift(other, "/") / self

    def __rpow__(self, other: float) -> Value:
        return _lift(other, "**") ** self

    def exp(self) -> Value:
        """e**x. Raises OverflowError naming the input for x above ~709.78."""
        e = check.exp(self.data)
        # d(e^x)/dx = e^x
        return Value(e, (self,), "exp", _local_grads=(e,))

    def log(self) -> Value:
        """Natural logarithm. Raises ValueError for x <= 0 (NaN gives NaN)."""
        x = self.data
        # d(log x)/dx = 1/x
        return Value(check.log(x), (self,), "log", _local_grads=(1.0 / x,))

    def tanh(self) -> Value:
        """Hyperbolic tangent."""
        t = math.tanh(self.data)
        # d(tanh x)/dx = 1 - tanh(x)^2
        return Value(t, (self,), "tanh", _local_grads=(1.0 - t * t,))

    def sigmoid(self) -> Value:
        """1 / (1 + e**-x), computed so that no exp overflows (any x works)."""
        x = self.data
        e = math.exp(-abs(x))  # <= 1; sigmoid(x) = 1/(1+e) for x >= 0, e/(1+e) for x < 0
        s = 1.0 / (1.0 + e) if x >= 0.0 else e / (1.0 + e)
        # d(sigmoid x)/dx = sigmoid(x) (1 - sigmoid(x))
        return Value(s, (self,), "sigmoid", _local_grads=(s * (1.0 - s),))

    def relu(self) -> Value:
        """max(0, x); the derivative at 0 is taken as 0 (as in PyTorch)."""
        x = self.data
        # d(relu x)/dx = 1 if x > 0 else 0
        if x > 0.0:
            return Value(x, (self,), "relu", _local_grads=(1.0,))
        return Value(0.0, (self,), "relu", _local_grads=(0.0,))

    def leaky_relu(self, negative_slope: float = 0.01) -> Value:
        """x for x > 0, ``negative_slope * x`` otherwise (PyTorch's ``leaky_relu``)."""
        slope = check.real(negative_slope, "leaky_relu")
        local = 1.0 if self.data > 0.0 else slope
        # d(leaky_relu x)/dx = 1 if x > 0 else negative_slope
        return Value(self.data * local, (self,), "leaky_relu", _local_grads=(local,))

    def abs(self) -> Value:
        """|x|; the derivative at 0 is taken as 0 (sign(x), as in PyTorch)."""
        x = self.data
        # d|x|/dx = sign(x)
        sign = 1.0 if x > 0.0 else (-1.0 if x < 0.0 else 0.0)
        return Value(abs(x), (self,), "abs", _local_grads=(sign,))

    __abs__ = abs

    @staticmethod
    def sum(values: Iterable[Value | float]) -> Value:
        """One node for ``v1 + v2 + ... + vn`` (not a chain of n-1 ``+`` nodes).

        Raises ValueError for an empty sequence."""
        children = tuple(_lift(v, "sum") for v in values)
        check.nonempty("Value.sum", children)
        # d(v1 + ... + vn)/dv_i = 1
        total = sum([c.data for c in children])
        return Value(total, children, "sum", _local_grads=(1.0,) * len(children))

    @staticmethod
    def dot(
        ws: Sequence[Value | float], xs: Sequence[Value | float], bias: Value | float = 0.0
    ) -> Value:
        """One node for ``w1*x1 + ... + wn*xn + bias``: a neuron's pre-activation.

        One n-ary node instead of a chain of 2n binary ones keeps graphs small and fast.
        Raises ValueError when ``ws`` and ``xs`` differ in length or are empty."""
        ws = [w if isinstance(w, Value) else _lift(w, "dot") for w in ws]
        xs = [x if isinstance(x, Value) else _lift(x, "dot") for x in xs]
        check.same_length("Value.dot", ws, xs)
        w_data = [w.data for w in ws]
        x_data = [x.data for x in xs]
        bias = _lift(bias, "dot")
        # d(b + sum_i w_i x_i)/dw_i = x_i,  d/dx_i = w_i,  d/db = 1
        total = sum(map(mul, w_data, x_data), bias.data)
        return Value(total, (*ws, *xs, bias), "dot", _local_grads=(*x_data, *w_data, 1.0))

    # ---------------------------------------------------------------------- backprop
    def _backward(self) -> None:
        """The chain rule at this node: pass d out/d self on to each operand.

        d out/d child += d out/d self * d self/d child. ``+=`` because a child used by several
        nodes (or twice by one, as in ``x * x``) gets the sum over its uses. A leaf has no
        operands: nothing to do.
        """
        for child, local in zip(self._children, self._local_grads):
            child.grad += local * self.grad

    def backward(self, gradient: float = 1.0) -> None:
        """Fill ``grad`` of every Value this one depends on: d self/d v, times ``gradient``.

        Leaves (Values you made: parameters, inputs) *add* to their ``grad``, so set it back to
        0 between steps (``model.zero_grad()``, or micrograd's ``p.grad = 0.0``). Intermediate
        nodes start from 0 on every call, so calling it twice never double counts through them.
        Iterative: graphs of any depth work.

        Args:
            gradient: d(loss)/d(self), a real number (1.0: ``self`` is the loss).

        Raises:
            TypeError: ``gradient`` is not a real number, or a node was built with micrograd's
                ``Value(data, _children, _op)`` (its local derivatives are unknown).
            ValueError: ``gradient`` is NaN.
        """
        gradient = check.real(gradient, "backward gradient")
        order = topological_order(self)  # every node after the nodes it was computed from
        for node in order:
            if node._children:  # intermediate nodes start fresh; leaves keep theirs
                node.grad = 0.0
        self.grad += gradient  # d self/d self = 1 (times the seed)
        for node in reversed(order):  # from the output back: each node's grad is complete
            node._backward()  # when it is reached, since every node using it came before
        if is_anomaly_enabled():  # opt-in NaN/inf checks (autodiff.detect_anomaly)
            check_graph(order)

    def topological_order(self) -> list[Value]:
        """Every node this Value depends on, once each, operands first, ``self`` last."""
        return topological_order(self)


class Constant(Value):
    """A number mixed into an op (the ``2`` of ``2 * x``): a leaf whose ``grad`` stays 0.0.

    As in PyTorch, a plain number gets no gradient: what the chain rule sends it is dropped.
    Pictures draw it as a constant. ``Constant(2.0)`` takes what ``Value(2.0)`` takes.
    """

    __slots__ = ()

    @property
    def grad(self) -> float:
        return 0.0

    @grad.setter
    def grad(self, value: float) -> None:
        pass  # a number has no gradient of its own

    def __repr__(self) -> str:
        return f"Constant({self.data:.6g})"


def _lift(x: Value | float, op: str) -> Value:
    """A Python number used in an op becomes a :class:`Constant` (checked: named by ``op``)."""
    return x if isinstance(x, Value) else Constant(check.real(x, f"Value {op}"))


def _d_power(a: float, p: float) -> float:
    """d(a^p)/da = p a^(p-1), with its limits where that formula has none."""
    if p == 0.0:
        return 0.0  # a^0 = 1 is constant in a
    if a == 0.0 and p < 1.0:
        return math.inf  # e.g. sqrt at 0: the slope is infinite, as in PyTorch
    return p * a ** (p - 1.0)
