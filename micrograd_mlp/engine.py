"""The scalar autograd engine: :class:`Value`.

A ``Value`` is one float that remembers how it was computed. Every operation
returns a new ``Value`` holding

* ``data``          -- the forward result,
* ``_children``     -- the Values it was computed from (an ordered tuple),
* ``_local_grads``  -- d(result)/d(child) for each child, evaluated at the forward point,
* ``_op``           -- the operation's name (for pictures and traces).

Backpropagation is then the chain rule applied node by node in reverse
topological order::

    child.grad += local_grad * node.grad        # d out/d child += d node/d child * d out/d node

(that loop is :func:`micrograd_mlp.autodiff.backpropagate`, shared with the Tensor engine).
A ``grad`` is ``None`` until a backward pass reaches its Value, as in PyTorch. A Python number
mixed into an op (the ``2`` of ``2 * x``) becomes a :class:`Constant`: it shows in graphs but
gets no gradient.

Storing the local derivatives as numbers (the derivative table idea of HIPS
autograd) instead of a ``_backward`` closure means a node never refers to
itself, so a finished graph has no reference cycles and is freed the moment
the last reference to it goes: training never waits for Python's cyclic
garbage collector. Every op below shows its forward computation and its local
derivative side by side.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterable, Sequence
from numbers import Real
from operator import mul

from micrograd_mlp.autodiff import Context, Function, backpropagate, topological_order

__all__ = ["Constant", "Value"]


class Value:
    """A scalar node in a computation graph.

    Args:
        data: a real number (``int``, ``float``, ``bool`` or a NumPy scalar); stored as a
            Python ``float`` (float64).
        _children, _op: micrograd's constructor arguments (the operands and the op name), so
            code written for micrograd's ``Value(data, _children, _op)`` runs; such a node has no
            local derivatives, so ``backward()`` through it raises a clear TypeError. Our own
            ops build their nodes themselves. A string in the second place is the ``label``
            (``Value(2.0, "x")``).
        label: an optional name shown in rendered graphs and traces.

    Attributes:
        data: the value (float).
        grad: d(root)/d(self): ``None`` until a ``backward()`` reaches this Value, then a float
            (as PyTorch's ``.grad``). ``zero_grad()`` sets it back to ``None``.
        label: the name given at construction ("" if none).

    Raises:
        TypeError: ``data`` is not a real number (a string, ``None``, a NumPy array, ...), or
            ``_children`` holds something that is not a Value.
        ValueError: ``data`` is NaN or does not fit a float64.
    """

    __slots__ = ("data", "grad", "label", "_children", "_local_grads", "_op")
    # Let NumPy scalars defer to our reflected operators (np.float64(2) * Value(3) -> Value).
    __array_ufunc__ = None

    def __init__(
        self,
        data: float,
        _children: Iterable[Value] | str = (),
        _op: str = "",
        label: str = "",
    ) -> None:
        if isinstance(_children, str):  # Value(2.0, "x"): our positional label
            _children, label = (), _children
        self.data = _checked_float(data)
        self.grad: float | None = None
        self.label = label
        self._children: tuple[Value, ...] = _checked_children(_children)
        self._local_grads = _NO_LOCAL_GRADS if self._children else ()
        self._op = _op

    @property
    def _prev(self) -> set[Value]:
        """The variable operands as a set: micrograd's name, read-only, for code written for
        micrograd (e.g. its ``trace_graph`` notebook's ``trace`` and ``draw_dot``).

        Ours are ``_children`` (ordered, constants included). Constants are left out here:
        micrograd's code formats every node's ``grad`` as a number, and a constant has none
        (``grad`` stays ``None``); our own :func:`micrograd_mlp.draw_dot` draws them.
        """
        return {c for c in self._children if type(c) is not Constant}

    def __repr__(self) -> str:
        name = f"label={self.label!r}, " if self.label else ""
        grad = "None" if self.grad is None else f"{self.grad:.6g}"
        return f"Value({name}data={self.data:.6g}, grad={grad})"

    # ------------------------------------------------------------------ arithmetic
    def __add__(self, other: Value | float) -> Value:
        other = _lift(other, "+")
        # d(a+b)/da = 1,  d(a+b)/db = 1
        return _result(self.data + other.data, (self, other), (1.0, 1.0), "+")

    def __sub__(self, other: Value | float) -> Value:
        other = _lift(other, "-")
        # d(a-b)/da = 1,  d(a-b)/db = -1
        return _result(self.data - other.data, (self, other), (1.0, -1.0), "-")

    def __mul__(self, other: Value | float) -> Value:
        other = _lift(other, "*")
        # d(a*b)/da = b,  d(a*b)/db = a
        return _result(self.data * other.data, (self, other), (other.data, self.data), "*")

    def __truediv__(self, other: Value | float) -> Value:
        other = _lift(other, "/")
        a, b = self.data, other.data
        if b == 0.0:
            raise ZeroDivisionError(f"division by zero: {a!r} / {b!r}")
        # d(a/b)/da = 1/b,  d(a/b)/db = -a/b^2, computed as -(a/b)/b: b*b would underflow to 0
        # (or overflow) for |b| < 1e-154 (> 1e154) where the quotient itself is finite
        q = a / b
        return _result(q, (self, other), (1.0 / b, -q / b), "/")

    def __pow__(self, other: Value | float) -> Value:
        a = self.data
        if isinstance(other, Value):
            b = other.data
            out = _power(a, b)
            # d(a^b)/da = b a^(b-1),  d(a^b)/db = a^b log(a): 0 when a = 0, NaN when a < 0
            # (the log of a negative number; as PyTorch)
            d_exponent = out * math.log(a) if a > 0.0 else (0.0 if a == 0.0 else math.nan)
            return _result(out, (self, other), (_dpower(a, b), d_exponent), "**")
        b = _checked_float(other, "**")
        # d(a^p)/da = p a^(p-1)   (p is a constant: it gets no gradient)
        return _result(_power(a, b), (self,), (_dpower(a, b),), f"**{b:g}")

    def __neg__(self) -> Value:
        # d(-a)/da = -1
        return _result(-self.data, (self,), (-1.0,), "neg")

    # Reflected forms: the Python number is on the left (2 + v, 2 - v, ...).
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

    # ------------------------------------------------------------ unary functions
    def exp(self) -> Value:
        """e**x. Raises OverflowError naming the input when the result exceeds float64."""
        try:
            e = math.exp(self.data)
        except OverflowError:
            raise OverflowError(
                f"exp({self.data!r}) overflows float64 (inputs above ~709.78)"
            ) from None
        # d(e^x)/dx = e^x
        return _result(e, (self,), (e,), "exp")

    def log(self) -> Value:
        """Natural logarithm. Raises ValueError for an input <= 0 (a NaN input gives NaN)."""
        x = self.data
        if not x > 0.0:
            if x != x:  # NaN from an earlier op propagates, as in the Tensor engine (IEEE)
                return _result(x, (self,), (x,), "log")
            raise ValueError(f"log of a non-positive number: log({x!r}); the input must be > 0")
        # d(log x)/dx = 1/x
        return _result(math.log(x), (self,), (1.0 / x,), "log")

    def tanh(self) -> Value:
        """Hyperbolic tangent."""
        t = math.tanh(self.data)
        # d(tanh x)/dx = 1 - tanh(x)^2
        return _result(t, (self,), (1.0 - t * t,), "tanh")

    def sigmoid(self) -> Value:
        """Logistic sigmoid 1 / (1 + e**-x), stable for any |x| (no overflow at |x| = 1000)."""
        x = self.data
        if x >= 0.0:
            s = 1.0 / (1.0 + math.exp(-x))
        else:  # e^x/(1+e^x): same number, but exp never sees a large positive argument
            e = math.exp(x)
            s = e / (1.0 + e)
        # d(sigmoid x)/dx = sigmoid(x) (1 - sigmoid(x))
        return _result(s, (self,), (s * (1.0 - s),), "sigmoid")

    def relu(self) -> Value:
        """max(0, x); its derivative at 0 is taken as 0 (as in PyTorch)."""
        x = self.data
        # d(relu x)/dx = 1 if x > 0 else 0
        if x > 0.0:
            return _result(x, (self,), (1.0,), "relu")
        return _result(0.0, (self,), (0.0,), "relu")

    def leaky_relu(self, negative_slope: float = 0.01) -> Value:
        """x for x > 0, ``negative_slope * x`` otherwise (PyTorch's ``leaky_relu``).

        Raises:
            TypeError: ``negative_slope`` is not a real number (as the Tensor version).
        """
        x = self.data
        negative_slope = _checked_float(negative_slope, "leaky_relu")
        slope = 1.0 if x > 0.0 else negative_slope
        # d(leaky_relu x)/dx = 1 if x > 0 else negative_slope
        return _result(x * slope, (self,), (slope,), "leaky_relu")

    def abs(self) -> Value:
        """|x|; its derivative at 0 is taken as 0 (sign(x), as in PyTorch)."""
        x = self.data
        # d|x|/dx = sign(x)
        return _result(abs(x), (self,), (1.0 if x > 0.0 else (-1.0 if x < 0.0 else 0.0),), "abs")

    __abs__ = abs

    # ---------------------------------------------------------------- n-ary ops
    @staticmethod
    def sum(values: Iterable[Value | float]) -> Value:
        """One node for ``v1 + v2 + ... + vn`` (instead of a chain of n-1 binary nodes).

        Raises:
            ValueError: ``values`` is empty.
        """
        children = tuple(_lift(v, "sum") for v in values)
        if not children:
            raise ValueError("Value.sum of an empty sequence")
        # d(sum)/dv_i = 1
        return _result(sum([c.data for c in children]), children, (1.0,) * len(children), "sum")

    @staticmethod
    def dot(
        ws: Sequence[Value | float], xs: Sequence[Value | float], bias: Value | float = 0.0
    ) -> Value:
        """One node for ``w1*x1 + ... + wn*xn + bias``: a neuron's pre-activation.

        One n-ary node instead of a chain of 2n binary ones makes graphs small and fast.

        Raises:
            ValueError: ``ws`` and ``xs`` have different lengths, or are empty.
        """
        ws = [w if isinstance(w, Value) else _lift(w, "dot") for w in ws]
        xs = [x if isinstance(x, Value) else _lift(x, "dot") for x in xs]
        if len(ws) != len(xs):
            raise ValueError(f"Value.dot: length mismatch, {len(ws)} weights and {len(xs)} inputs")
        if not ws:
            raise ValueError("Value.dot of empty sequences")
        return _dot(ws, xs, _lift(bias, "dot"))

    # --------------------------------------------------------------- backprop
    def backward(self, gradient: float = 1.0) -> None:
        """Backpropagate: add d(self)/d(leaf) * ``gradient`` to every leaf's ``grad``.

        The chain rule node by node in reverse topological order,
        ``child.grad += local_grad * node.grad``: see
        :func:`micrograd_mlp.autodiff.backpropagate`, the one backward pass of both engines.
        Leaves (Values made by the user, such as parameters and inputs) *accumulate* across
        calls, as in PyTorch; call ``zero_grad()`` between steps. Every leaf reached gets a
        gradient (0.0 if nothing flowed); constants (numbers mixed into an op) get none.
        Intermediate nodes get fresh gradients from this call, so calling ``backward()`` twice
        never double counts. Iterative (no recursion): graphs of any depth work.

        Args:
            gradient: d(loss)/d(self), a real number (1.0: ``self`` is the loss).

        Raises:
            TypeError: ``gradient`` is not a real number (a string is refused, not parsed), or
                the graph has a node built with micrograd's constructor (no local derivatives).
            ValueError: ``gradient`` is NaN.
        """
        backpropagate(self, _checked_float(gradient, "backward gradient"))

    def topological_order(self) -> list[Value]:
        """Every node this Value depends on, children before parents, ending with ``self``.

        Iterative and deterministic: see :func:`micrograd_mlp.autodiff.topological_order`.
        """
        return topological_order(self)

    @staticmethod
    def _backward_hooks() -> tuple:
        """The scalar arithmetic of :func:`~micrograd_mlp.autodiff.backpropagate`."""
        return _BACKWARD_HOOKS

    @staticmethod
    def _apply_function(fn: type[Function], inputs: tuple, params: dict) -> Value:
        """:meth:`Function.apply` for Values: the local derivatives are ``backward(ctx, 1.0)``."""
        op = fn.op_name()
        children = tuple(_lift(x, op) for x in inputs)
        ctx = Context(tuple(type(c) is not Constant for c in children))
        data = _function_number(
            fn.forward(ctx, *[c.data for c in children], **params), op, "forward"
        )
        local = fn.gradients(ctx, 1.0, len(children))
        local = tuple(0.0 if d is None else _function_number(d, op, "backward") for d in local)
        return _result(data, children, local, op)


class Constant(Value):
    """A number mixed into an op (the ``2`` of ``2 * x``): a leaf that gets no gradient.

    Graphs draw it labelled as a constant; its ``grad`` stays ``None``, as a Python number's
    would in PyTorch (the same rule as the Tensor engine's constants).
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return f"Constant({self.data:.6g})"


def _constant(data: float) -> Constant:
    out = _new(Constant)
    out.data, out.grad, out.label = data, None, ""
    out._children, out._local_grads, out._op = (), (), ""
    return out


class _NoLocalGrads:
    """The local derivatives of a node made by micrograd's constructor: there are none."""

    __slots__ = ()

    def __iter__(self):
        raise TypeError(
            "backward() through a Value built as Value(data, _children, _op): its local "
            "derivatives are unknown; build it with Value's operators (a + b, a * b, ...)"
        )

    def __getitem__(self, index: int) -> float:
        return next(iter(self))


_NO_LOCAL_GRADS = _NoLocalGrads()


def _start_backward(order: list[Value]) -> list[Value]:
    """Every node reached starts at 0.0 (a leaf keeps its grad); returns the constants."""
    constants = []
    for node in order:
        if node._children:
            node.grad = 0.0
        elif node.grad is None:
            node.grad = 0.0
            if type(node) is Constant:
                constants.append(node)
    return constants


def _contributions(node: Value, g: float) -> list[float]:
    """local * g for each operand: the chain rule of one node (the observed path).

    A constant operand gets its product too (what a variable there would receive, so a trace
    can show it); :func:`_finish_backward` then clears it: a constant keeps no gradient."""
    return [local * g for local in node._local_grads]


def _accumulate(child: Value, c: float, node: Value | None, g: float | None) -> None:
    child.grad += c


def _finish_backward(constants: list[Value]) -> None:
    for c in constants:  # the hot loop added to them; a constant has no gradient
        c.grad = None


_BACKWARD_HOOKS = (_start_backward, _contributions, _accumulate, _finish_backward, True)


_new = object.__new__


def _dot(ws: Sequence[Value], xs: Sequence[Value], bias: Value) -> Value:
    """``Value.dot`` without its checks, for callers whose ``ws`` and ``xs`` are equally long
    sequences of Values already (a layer's neurons: the hot path of every MLP)."""
    w_data = [w.data for w in ws]
    x_data = [x.data for x in xs]
    # d(b + sum_i w_i x_i)/dw_i = x_i,  d(...)/dx_i = w_i,  d(...)/db = 1
    return _result(
        sum(map(mul, w_data, x_data), bias.data),
        (*ws, *xs, bias),
        (*x_data, *w_data, 1.0),
        "dot",
    )


def _result(data: float, children: tuple, local_grads: tuple, op: str) -> Value:
    """Make an op's output node; skips the user-facing checks of ``Value.__init__`` (hot path)."""
    out = _new(Value)
    out.data = data
    out.grad = None
    out.label = ""
    out._children = children
    out._local_grads = local_grads
    out._op = op
    return out


def _checked_float(x: object, op: str = "Value") -> float:
    """``x`` as a float, or a TypeError/ValueError that names ``op`` and ``x``."""
    if type(x) is float and x == x:
        return x
    if (isinstance(x, Real) or _is_numpy_bool(x)) and not isinstance(x, Value):
        try:
            f = float(x)
        except OverflowError:  # an int beyond float64's range
            digits = len(str(abs(int(x))))
            raise ValueError(
                f"{op}: the integer ({digits} digits) is too large for a float64 "
                f"(largest ~{sys.float_info.max:.4g})"
            ) from None
        if f != f:
            raise ValueError(f"{op}: got NaN; a Value must hold a number")
        return f
    if x is not None and type(x).__module__ == "numpy" and getattr(x, "ndim", None) is not None:
        what = f"a NumPy array of shape {x.shape}" + ("" if x.ndim else " (use x.item())")
        raise TypeError(
            f"{op}: expected a real number, got {what}; use micrograd_mlp.tensor.Tensor for arrays"
        )
    if op == "Value":  # the constructor: it takes a number (an op also takes a Value)
        hint = "; use v.data for a new Value from a Value's number" if isinstance(x, Value) else ""
        raise TypeError(f"Value: expected a real number, got {type(x).__name__} {x!r}{hint}")
    if op in _NUMBER_ONLY:
        raise TypeError(f"{op}: expected a real number, got {type(x).__name__} {x!r}")
    raise TypeError(f"{op}: expected a real number or Value, got {type(x).__name__} {x!r}")


def _is_numpy_bool(x: object) -> bool:
    """A NumPy boolean scalar (``np.bool_``): a number like Python's bool (no NumPy import)."""
    return type(x).__module__ == "numpy" and type(x).__name__ in ("bool_", "bool")


# Arguments that take a plain number (not a Value), named in their error messages.
_NUMBER_ONLY = frozenset({"leaky_relu", "backward gradient", "**"})


def _lift(x: Value | float, op: str) -> Value:
    """A Python number becomes a :class:`Constant` leaf: it shows in graphs, gets no gradient."""
    return x if isinstance(x, Value) else _constant(_checked_float(x, f"Value {op}"))


def _function_number(x: object, op: str, method: str) -> float:
    """A Function's result for a Value (a real number, a NumPy scalar or a 0-d array)."""
    try:
        if isinstance(x, (str, bytes)) or getattr(x, "size", 1) != 1:
            raise TypeError
        return float(x)
    except (TypeError, ValueError):
        raise TypeError(
            f"{op}.{method} must return a real number for a Value, got {type(x).__name__} {x!r}"
        ) from None


def _checked_children(children: Iterable[Value]) -> tuple[Value, ...]:
    """micrograd's ``_children`` (a tuple or set of Values) as an ordered tuple."""
    if children == ():
        return ()
    try:
        out = tuple(children)
    except TypeError:
        raise TypeError(
            f"Value: _children must be a tuple of Values, got {type(children).__name__}"
        ) from None
    for c in out:
        if not isinstance(c, Value):
            raise TypeError(f"Value: _children must be Values, got a {type(c).__name__}")
    return out


def _power(a: float, b: float) -> float:
    if a == 0.0 and b < 0.0:
        raise ZeroDivisionError(f"{a!r} ** {b!r}: zero to a negative power is a division by zero")
    if a < 0.0 and not float(b).is_integer():
        raise ValueError(f"{a!r} ** {b!r}: a negative base to a fractional power is not real")
    try:
        return a**b
    except OverflowError:
        raise OverflowError(f"{a!r} ** {b!r} overflows float64") from None


def _dpower(a: float, b: float) -> float:
    """d(a^b)/da = b a^(b-1); 0 when b = 0 (a constant), defined at a = 0 for b >= 1."""
    if b == 0.0:
        return 0.0
    if a == 0.0 and b < 1.0:
        return math.inf  # d/da a^b at a = 0 for 0 < b < 1 (e.g. sqrt) is +inf, as in PyTorch
    return b * a ** (b - 1.0)
