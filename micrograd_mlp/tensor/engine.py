"""The vectorized autograd engine: :class:`Tensor`.

A ``Tensor`` is a NumPy array that remembers how it was computed: the array version of
:class:`micrograd_mlp.engine.Value`, with the same op names and the same backward pass. Every
op that involves a Tensor requiring gradients returns a new Tensor holding

* ``data``       -- the forward result (a NumPy array),
* ``_children``  -- the Tensors it was computed from (an ordered tuple),
* ``_vjp``       -- the op's *vector-Jacobian product*: a function ``(g, node) -> child grads``,
* ``_ctx``       -- anything that function needs besides the children's and the node's data,
* ``_op``        -- the operation's name.

Why a function where ``Value`` stores numbers (``_local_grads``): the local derivative of an
array op is a Jacobian matrix of size ``out.size x child.size`` (a ReLU on a 128 x 256 batch has
a 32768 x 32768 Jacobian), far too big to build. Backpropagation only ever needs it multiplied by
the upstream gradient -- ``child.grad += local * node.grad`` in ``Value`` becomes
``child.grad += g @ J`` -- and that product is cheap to compute directly (for an elementwise op it
is ``g * f'(x)``). The products form a derivative table (the idea of HIPS autograd): one
module-level function per op, at the end of this file, each with its formula. A node refers to
its children and to a plain function, never to itself, so a finished graph has no reference
cycles and is freed as soon as it is unreachable.

Dtypes: float32 by default (speed), float64 on request; see :class:`Tensor`. Python numbers and
NumPy arrays mixed into an op are constants that take the Tensor's dtype, so a float32 graph stays
float32 (``x * 0.5`` and ``x * np.float64(0.5)`` are float32). Two Tensors of different dtypes
promote by NumPy's rules (float32 with float64 gives float64); gradients are cast back to each
leaf's own dtype.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from micrograd_mlp import autodiff
from micrograd_mlp.autodiff import (
    Context,
    Function,
    backpropagate,
    is_grad_enabled,
    no_grad,
    topological_order,
)

__all__ = ["Tensor", "is_grad_enabled", "no_grad"]

#: The dtypes a Tensor can hold. float32 is the default, float64 is for gradient checks.
DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


class Tensor:
    """An n-dimensional array node in a computation graph.

    Args:
        data: a NumPy array, a (nested) list of numbers, a number or a Tensor (its data is used;
            the new Tensor is a leaf). Integers and booleans are converted to floats.
        requires_grad: whether ``backward()`` should compute ``grad`` for this leaf (and for
            everything computed from it). Parameters set it; inputs usually do not.
        dtype: ``np.float32`` or ``np.float64`` (or their names). By default, a NumPy float64
            array stays float64 and everything else becomes float32 (as ``torch.tensor``).
        label: an optional name shown in reprs and rendered graphs.

    No copy is made when ``data`` is already a NumPy array of the target dtype (as
    ``torch.from_numpy``): an in-place update of the Tensor (an optimizer step) changes the
    array passed in. Pass ``data.copy()`` to keep the original. NaN and infinity are allowed,
    as in NumPy.

    Attributes:
        data: the array. grad: ``None`` until ``backward()`` reaches this Tensor, then an array
            of the same shape and dtype. requires_grad, label: as given.

    Raises:
        TypeError: ``data`` is not numeric (strings, objects, ``None``, complex numbers, ragged
            nested lists).
        ValueError: ``dtype`` is not float32 or float64.
    """

    __slots__ = (
        "data",
        "grad",
        "requires_grad",
        "label",
        "_children",
        "_vjp",
        "_ctx",
        "_op",
        "__weakref__",
    )
    # NumPy arrays defer to our reflected operators: np.ones(3) * t calls t.__rmul__.
    __array_ufunc__ = None

    def __init__(
        self,
        data: Any,
        requires_grad: bool = False,
        dtype: Any = None,
        label: str = "",
    ) -> None:
        if isinstance(data, Tensor):
            data = data.data
        self.data = _to_array(data, _check_dtype(dtype), "Tensor")
        self.grad: np.ndarray | None = None
        self.requires_grad = bool(requires_grad)
        self.label = label
        self._children: tuple[Tensor, ...] = ()
        self._vjp: Callable | None = None
        self._ctx: Any = None
        self._op = ""

    # ------------------------------------------------------------ array protocol
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        return self.data.size

    def __len__(self) -> int:
        return len(self.data)

    def item(self) -> float:
        """The single element as a Python float. Raises ValueError unless ``size == 1``."""
        if self.data.size != 1:
            raise ValueError(f"item() needs a Tensor with one element, got shape {self.shape}")
        return float(self.data.reshape(()))

    def numpy(self) -> np.ndarray:
        """The data array itself (no copy)."""
        return self.data

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        return self.data if dtype is None else self.data.astype(dtype, copy=False)

    def detach(self) -> Tensor:
        """A new leaf sharing this Tensor's data, outside any graph (``requires_grad=False``)."""
        return _leaf(self.data)

    def __repr__(self) -> str:
        body = np.array2string(
            self.data, precision=4, threshold=20, separator=", ", prefix="Tensor("
        )
        extras = "" if self.dtype == np.float32 else f", dtype={self.dtype}"
        if self.requires_grad:
            extras += ", requires_grad=True"
        if self._op:
            extras += f", op={self._op!r}"
        if self.label:
            extras += f", label={self.label!r}"
        return f"Tensor({body}{extras})"

    # ------------------------------------------------------------------ arithmetic
    def __add__(self, other: Any) -> Tensor:
        other = _lift(other, self, "+")
        # d(a+b)/da = 1, d(a+b)/db = 1: g passes through (summed over broadcast axes)
        return _binary(np.add, self, other, _vjp_add, "+")

    def __sub__(self, other: Any) -> Tensor:
        other = _lift(other, self, "-")
        # d(a-b)/da = 1, d(a-b)/db = -1
        return _binary(np.subtract, self, other, _vjp_sub, "-")

    def __mul__(self, other: Any) -> Tensor:
        other = _lift(other, self, "*")
        # d(a*b)/da = b, d(a*b)/db = a
        return _binary(np.multiply, self, other, _vjp_mul, "*")

    def __truediv__(self, other: Any) -> Tensor:
        other = _lift(other, self, "/")
        if not np.all(other.data):
            zeros = np.argwhere(other.data == 0)
            raise ZeroDivisionError(
                f"/: division by zero: the divisor (shape {other.shape}) has {len(zeros)} zero "
                f"element(s), the first at index {tuple(zeros[0].tolist())}"
            )
        # d(a/b)/da = 1/b, d(a/b)/db = -a/b^2 = -(a/b)/b
        return _binary(np.divide, self, other, _vjp_div, "/")

    def __pow__(self, other: Any) -> Tensor:
        a = self.data
        if isinstance(other, (Tensor, np.ndarray, list)):
            other = _lift(other, self, "**")
            with np.errstate(all="ignore"):  # domain errors are reported below, by name
                out = _binary(np.power, self, other, _vjp_pow, "**")
            b = other.data
            if np.any((a < 0) & (b != np.round(b))):
                raise ValueError("**: a negative base to a fractional power is not real")
            if other.requires_grad and np.any(a < 0):
                raise ValueError(
                    "Tensor ** Tensor: every base must be >= 0 when the exponent requires grad "
                    "(d/d exponent = out * log(base)); use a plain number as the exponent instead"
                )
            if np.any((a == 0) & (b < 0)):
                raise ZeroDivisionError("**: zero to a negative power is a division by zero")
            # d(a^b)/da = b a^(b-1), d(a^b)/db = a^b log(a)
            return out
        p = _checked_number(other, "**")
        if not float(p).is_integer() and np.any(a < 0):
            raise ValueError(f"** {p!r}: a negative base to a fractional power is not real")
        if p < 0 and not np.all(a):
            raise ZeroDivisionError(f"** {p!r}: zero to a negative power is a division by zero")
        # d(a^p)/da = p a^(p-1)   (p is a constant: it gets no gradient)
        return _result(a**p, (self,), _vjp_pow_number, f"**{p:g}", p)

    def __neg__(self) -> Tensor:
        # d(-a)/da = -1
        return _result(-self.data, (self,), _vjp_neg, "neg")

    # Reflected forms: the number or array is on the left (2 + t, x @ t, ...).
    def __radd__(self, other: Any) -> Tensor:
        return _lift(other, self, "+") + self

    def __rsub__(self, other: Any) -> Tensor:
        return _lift(other, self, "-") - self

    def __rmul__(self, other: Any) -> Tensor:
        return _lift(other, self, "*") * self

    def __rtruediv__(self, other: Any) -> Tensor:
        return _lift(other, self, "/") / self

    def __rpow__(self, other: Any) -> Tensor:
        return _lift(other, self, "**") ** self

    def __matmul__(self, other: Any) -> Tensor:
        """Matrix product with NumPy's ``matmul`` rules (1-D operands, batch broadcasting).

        Raises ValueError naming both shapes when the inner dimensions differ.
        """
        other = _lift(other, self, "@")
        try:
            data = np.matmul(self.data, other.data)
        except ValueError:
            raise ValueError(_matmul_message(self.shape, other.shape)) from None
        # d(A@B)/dA: g @ B^T,  d(A@B)/dB: A^T @ g
        return _result(data, (self, other), _vjp_matmul, "@")

    def __rmatmul__(self, other: Any) -> Tensor:
        return _lift(other, self, "@") @ self

    # ------------------------------------------------------------ unary functions
    def exp(self) -> Tensor:
        """e**x elementwise. Raises OverflowError naming the largest input if a result is inf."""
        with np.errstate(over="ignore"):
            e = np.exp(self.data)
        if np.any(e == np.inf):
            raise OverflowError(
                f"exp overflows {self.dtype} for input {self.data.max().item()!r} "
                f"(the largest finite result is exp({np.log(np.finfo(self.dtype).max):.2f}))"
            )
        # d(e^x)/dx = e^x
        return _result(e, (self,), _vjp_exp, "exp")

    def log(self) -> Tensor:
        """Natural logarithm elementwise. Raises ValueError if any input is <= 0 (or NaN)."""
        x = self.data
        positive = x > 0
        if not np.all(positive):
            where = np.argwhere(~positive)[0]
            raise ValueError(
                f"log of a non-positive number: log({x[tuple(where)].item()!r}) at index "
                f"{tuple(where.tolist())}; every input must be > 0"
            )
        # d(log x)/dx = 1/x
        return _result(np.log(x), (self,), _vjp_log, "log")

    def tanh(self) -> Tensor:
        """Hyperbolic tangent elementwise."""
        # d(tanh x)/dx = 1 - tanh(x)^2
        return _result(np.tanh(self.data), (self,), _vjp_tanh, "tanh")

    def sigmoid(self) -> Tensor:
        """Logistic sigmoid 1 / (1 + e**-x) elementwise, stable for any x (no overflow)."""
        x = self.data
        # With e = e^-|x| <= 1: sigmoid(x) = 1/(1+e) for x >= 0 and e/(1+e) for x < 0 (the same
        # number, e^x/(1+e^x)), so exp never sees a large positive argument.
        e = np.exp(-np.abs(x))
        s = np.where(x >= 0, 1, e) / (1 + e)
        # d(sigmoid x)/dx = sigmoid(x) (1 - sigmoid(x))
        return _result(s, (self,), _vjp_sigmoid, "sigmoid")

    def relu(self) -> Tensor:
        """max(0, x) elementwise; its derivative at 0 is taken as 0 (as in PyTorch)."""
        # d(relu x)/dx = 1 if x > 0 else 0
        return _result(np.maximum(self.data, 0), (self,), _vjp_relu, "relu")

    def leaky_relu(self, negative_slope: float = 0.01) -> Tensor:
        """x where x > 0, ``negative_slope * x`` elsewhere (PyTorch's ``leaky_relu``)."""
        slope = _checked_number(negative_slope, "leaky_relu")
        x = self.data
        # d(leaky_relu x)/dx = 1 if x > 0 else negative_slope
        return _result(np.where(x > 0, x, x * slope), (self,), _vjp_leaky_relu, "leaky_relu", slope)

    def abs(self) -> Tensor:
        """|x| elementwise; its derivative at 0 is taken as 0 (sign(x), as in PyTorch)."""
        # d|x|/dx = sign(x)
        return _result(np.abs(self.data), (self,), _vjp_abs, "abs")

    __abs__ = abs

    def astype(self, dtype: Any) -> Tensor:
        """This Tensor converted to ``dtype`` (float32 or float64); gradients convert back."""
        dtype = _check_dtype(dtype)
        if dtype == self.dtype:
            return self
        return _result(self.data.astype(dtype), (self,), _vjp_astype, "astype")

    # ------------------------------------------------------------------ reductions
    def sum(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        """Sum over ``axis`` (all axes when None), as ``numpy.sum``.

        (``Value.sum(values)`` adds a list of scalars; here the values are the array's elements.)
        """
        # d(sum)/dx_i = 1: g is copied back along the summed axes
        data = self.data.sum(axis=axis, keepdims=keepdims)
        return _result(np.asarray(data), (self,), _vjp_sum, "sum", (axis, keepdims))

    def mean(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        """Mean over ``axis`` (all axes when None), as ``numpy.mean``."""
        data = np.asarray(self.data.mean(axis=axis, keepdims=keepdims))
        # d(mean)/dx_i = 1/n, n = how many elements each output averages
        n = self.data.size // max(data.size, 1)
        return _result(data, (self,), _vjp_mean, "mean", (axis, keepdims, n))

    def max(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        """Maximum over ``axis`` (all axes when None), as ``numpy.max``.

        The gradient goes to the maximal elements; when several tie, it is split evenly among
        them (as ``torch.amax``), the symmetric choice of subgradient.
        """
        data = np.asarray(self.data.max(axis=axis, keepdims=keepdims))
        # d(max)/dx_i = [x_i == max] / (number of maximal elements)
        return _result(data, (self,), _vjp_max, "max", (axis, keepdims))

    def softmax(self, axis: int = -1) -> Tensor:
        """exp(x) / sum(exp(x)) along ``axis``, computed with the maximum subtracted (stable)."""
        x = self.data
        e = np.exp(x - x.max(axis=axis, keepdims=True))
        s = e / e.sum(axis=axis, keepdims=True)
        # d s_i/d x_j = s_i (delta_ij - s_j), so (g J)_j = s_j (g_j - sum_i g_i s_i)
        return _result(s, (self,), _vjp_softmax, "softmax", axis)

    def log_softmax(self, axis: int = -1) -> Tensor:
        """x - log(sum(exp(x))) along ``axis``, by log-sum-exp with the maximum subtracted."""
        x = self.data
        shifted = x - x.max(axis=axis, keepdims=True)
        out = shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
        # d y_i/d x_j = delta_ij - softmax_j, so (g J)_j = g_j - softmax_j sum_i g_i
        return _result(out, (self,), _vjp_log_softmax, "log_softmax", axis)

    # --------------------------------------------------------------- reshaping
    def reshape(self, *shape: int | tuple[int, ...]) -> Tensor:
        """The same elements in a new shape (``t.reshape(2, 3)`` or ``t.reshape((2, 3))``)."""
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        try:
            data = self.data.reshape(shape)
        except ValueError:
            raise ValueError(
                f"reshape: cannot reshape a Tensor of shape {self.shape} "
                f"({self.size} elements) into shape {shape}"
            ) from None
        # reshaping moves no numbers: the gradient is reshaped back
        return _result(data, (self,), _vjp_reshape, "reshape")

    def transpose(self, *axes: int) -> Tensor:
        """Axes permuted (reversed when none are given), as ``numpy.transpose``."""
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        axes = axes or tuple(range(self.ndim - 1, -1, -1))
        try:
            data = self.data.transpose(axes)
        except ValueError as e:
            raise ValueError(f"transpose{axes} of a Tensor of shape {self.shape}: {e}") from None
        # the gradient is permuted back by the inverse permutation
        return _result(data, (self,), _vjp_transpose, "transpose", axes)

    @property
    def T(self) -> Tensor:  # noqa: N802 (NumPy's and PyTorch's name)
        """The Tensor with its axes reversed (the matrix transpose for 2-D)."""
        return self.transpose()

    def __getitem__(self, index: Any) -> Tensor:
        """NumPy indexing: ints, slices, ``None``, ``...``, boolean masks and integer arrays.

        ``logits[np.arange(N), targets]`` picks one score per row. An index that repeats an
        element sends it the sum of the gradients of its copies.
        """
        if isinstance(index, Tensor):
            index = index.data
        try:
            data = self.data[index]
        except IndexError as e:
            raise IndexError(f"indexing a Tensor of shape {self.shape}: {e}") from None
        # d out/d x: 1 at the picked positions; the gradient is scattered back
        return _result(np.asarray(data), (self,), _vjp_getitem, "index", index)

    # --------------------------------------------------------------- backprop
    def backward(self, gradient: Any = None) -> None:
        """Backpropagate: add d(self)/d(leaf) * ``gradient`` to every leaf's ``grad``.

        Args:
            gradient: d(loss)/d(self), an array of ``self.shape``; may be omitted when ``self``
                has one element (it is then 1).

        Leaves that require grad (parameters, inputs you mark) *accumulate* across calls, as in
        PyTorch: call ``zero_grad()`` between steps. Intermediate Tensors get fresh gradients
        from each call, so calling ``backward()`` twice never double counts. Iterative (no
        recursion): graphs of any depth work.

        Raises:
            RuntimeError: ``self`` does not require grad, or it has more than one element and no
                ``gradient`` was given.
            ValueError: ``gradient`` has a different shape from ``self``.
        """
        if not self.requires_grad:
            raise RuntimeError(
                "backward() on a Tensor that does not require grad: no leaf it depends on was "
                "created with requires_grad=True (or it was computed inside no_grad())"
            )
        if gradient is None:
            if self.data.size != 1:
                raise RuntimeError(
                    f"backward() without a gradient needs a Tensor with one element (a scalar "
                    f"loss), got shape {self.shape}; pass gradient=<array of that shape>"
                )
            seed = np.ones_like(self.data)
        else:
            seed = _to_array(gradient, self.dtype, "backward gradient", copy=True)
            if seed.shape != self.shape:
                raise ValueError(
                    f"backward(): gradient shape {seed.shape} differs from the Tensor's shape "
                    f"{self.shape}"
                )
        backpropagate(self, seed)

    def topological_order(self) -> list[Tensor]:
        """Every node this Tensor depends on, children before parents, ending with ``self``.

        Iterative and deterministic: see :func:`micrograd_mlp.autodiff.topological_order`.
        """
        return topological_order(self)

    @staticmethod
    def _backward_hooks() -> tuple:
        """The array arithmetic of :func:`~micrograd_mlp.autodiff.backpropagate`."""
        return _BACKWARD_HOOKS

    @staticmethod
    def _apply_function(fn: type[Function], inputs: tuple, params: dict) -> Tensor:
        """:meth:`Function.apply` for Tensors: numbers and arrays become constants of the first
        Tensor's dtype; the result has the inputs' promoted dtype; ``backward`` runs in
        ``Tensor.backward()``."""
        op = fn.op_name()
        like = next(x for x in inputs if isinstance(x, Tensor))
        children = tuple(_lift(x, like, op) for x in inputs)
        ctx = Context(tuple(c.requires_grad for c in children))
        data = fn.forward(ctx, *[c.data for c in children], **params)
        try:
            data = np.asarray(data)
        except (TypeError, ValueError):
            data = np.asarray(None)
        if data.dtype.kind not in "biuf":
            raise TypeError(f"{op}.forward must return numbers for a Tensor, got {type(data)}")
        dtype = np.result_type(*[c.dtype for c in children])
        if data.dtype != dtype:
            data = data.astype(dtype)
        return _result(data, children, _function_vjp(fn), op, ctx)


# ---------------------------------------------------------------------- helpers
_new = object.__new__


def _result(data: np.ndarray, children: tuple, vjp: Callable, op: str, ctx: Any = None) -> Tensor:
    """Make an op's output; records the graph only if gradients are on and a child needs one."""
    out = _new(Tensor)
    out.data = data
    out.grad = None
    out.label = ""
    if autodiff._grad_enabled and any([c.requires_grad for c in children]):
        out.requires_grad = True
        out._children, out._vjp, out._ctx, out._op = children, vjp, ctx, op
    else:  # nothing to differentiate: a plain leaf, and the children can be freed
        out.requires_grad = False
        out._children, out._vjp, out._ctx, out._op = (), None, None, ""
    return out


@functools.cache
def _function_vjp(fn: type[Function]) -> Callable:
    """The ``(g, node) -> grads`` of a :class:`~micrograd_mlp.autodiff.Function` (one per class)."""

    def vjp(g: np.ndarray, node: Tensor) -> list:
        grads = fn.gradients(node._ctx, g, len(node._children))
        return [
            np.asarray(d) if d is not None and child.requires_grad else None
            for child, d in zip(node._children, grads)
        ]

    return vjp


def _leaf(data: np.ndarray) -> Tensor:
    """A constant leaf around an already checked float array (no copy, no checks)."""
    out = _new(Tensor)
    out.data, out.grad, out.requires_grad, out.label = data, None, False, ""
    out._children, out._vjp, out._ctx, out._op = (), None, None, ""
    return out


def _binary(fn: Callable, a: Tensor, b: Tensor, vjp: Callable, op: str) -> Tensor:
    try:
        data = fn(a.data, b.data)
    except ValueError:
        raise ValueError(
            f"{op}: shapes {a.shape} and {b.shape} cannot be broadcast together (NumPy rules: "
            "aligned from the right, each pair of dimensions must be equal or one of them 1)"
        ) from None
    return _result(data, (a, b), vjp, op)


def _start_backward(order: list[Tensor]) -> None:
    """Intermediate Tensors get fresh gradients; leaves keep theirs (they accumulate)."""
    for node in order:
        if node._children:
            node.grad = None


def _contributions(node: Tensor, g: np.ndarray) -> tuple:
    """The op's vector-Jacobian product: d root/d child for each operand (None: no gradient)."""
    return node._vjp(g, node)


def _accumulate(child: Tensor, g: np.ndarray, node: Tensor | None, upstream: Any) -> None:
    """``child.grad += g``, cast to the child's dtype; a leaf's grad is an array of its own.

    Raises:
        RuntimeError: ``g`` does not have the child's shape (a derivative-table bug: refusing it
            here stops a wrong-shaped gradient from reaching a parameter silently).
    """
    if g.shape != child.data.shape:
        op = node._op if node is not None else "backward"
        raise RuntimeError(
            f"backward: op {op!r} gave a gradient of shape {g.shape} for an operand of shape "
            f"{child.data.shape}"
        )
    if g.dtype != child.data.dtype:
        g = g.astype(child.data.dtype)
    if child.grad is None:
        # A leaf must own its grad (optimizers may update it in place): copy a view, a read-only
        # array, or the upstream array passed through unchanged (shared with another node).
        if not child._children and (
            g is upstream
            or not isinstance(g, np.ndarray)
            or g.base is not None
            or not g.flags.writeable
        ):
            g = np.array(g)
        child.grad = g
    else:
        child.grad = child.grad + g  # a new array: nothing else sees the change


def _finish_backward(state: None) -> None:
    return None


_BACKWARD_HOOKS = (_start_backward, _contributions, _accumulate, _finish_backward, False)


def _check_dtype(dtype: Any) -> np.dtype | None:
    if dtype is None:
        return None
    try:
        dt = np.dtype(dtype)
    except TypeError:
        dt = None
    if dt not in DTYPES:
        raise ValueError(f"unsupported Tensor dtype {dtype!r}; use np.float32 or np.float64")
    return dt


def _to_array(x: Any, dtype: np.dtype | None, what: str, copy: bool = False) -> np.ndarray:
    """``x`` as a float array of ``dtype`` (None: keep float32/float64 NumPy data, else float32).

    Raises TypeError naming ``what`` for non-numeric data.
    """
    try:
        arr = np.asarray(x)
    except ValueError as e:  # ragged nested lists
        raise TypeError(
            f"{what}: cannot make a numeric array from {type(x).__name__}: {e}"
        ) from None
    if arr.dtype.kind not in "biuf":
        raise TypeError(
            f"{what}: expected numbers, got {type(x).__name__} with dtype {arr.dtype} "
            f"({_KIND_NAMES.get(arr.dtype.kind, 'non-numeric')})"
        )
    if dtype is None:
        keep = isinstance(x, (np.ndarray, np.generic)) and arr.dtype in DTYPES
        dtype = arr.dtype if keep else DTYPES[0]
    return np.array(arr, dtype=dtype, copy=True) if copy else arr.astype(dtype, copy=False)


_KIND_NAMES = {"O": "Python objects", "U": "strings", "S": "bytes", "c": "complex numbers"}


def _lift(x: Any, like: Tensor, op: str) -> Tensor:
    """A number or array operand becomes a constant leaf with ``like``'s dtype (no upcasts)."""
    if isinstance(x, Tensor):
        return x
    return _leaf(_to_array(x, like.data.dtype, f"Tensor {op}"))


def _checked_number(x: Any, op: str) -> float:
    """``x`` as a Python float (a NumPy float64 scalar would upcast float32 data)."""
    if isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, bool):
        return float(x)
    raise TypeError(f"{op}: expected a real number, got {type(x).__name__} {x!r}")


def _matmul_message(a: tuple, b: tuple) -> str:
    if not a or not b:
        return f"@ (matmul): operands must have at least one dimension, got shapes {a} and {b}"
    inner_b = b[0] if len(b) == 1 else b[-2]
    where_b = "only" if len(b) == 1 else "second-to-last"
    return (
        f"@ (matmul): shapes {a} and {b} do not align: the first operand's last dimension "
        f"({a[-1]}) must equal the second's {where_b} dimension ({inner_b})"
        + ("" if a[-1] != inner_b else ", and the batch dimensions must broadcast")
    )


def _unbroadcast(g: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``g`` over the axes NumPy broadcasting added or stretched, so it has ``shape``.

    If x of shape (C,) was broadcast to (N, C), each x_j was used N times: its gradient is the
    sum of the N upstream gradients (multivariable chain rule).
    """
    if g.shape == shape:
        return g
    lead = g.ndim - len(shape)
    if lead:
        g = g.sum(axis=tuple(range(lead)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    if stretched:
        g = g.sum(axis=stretched, keepdims=True)
    return g


def _expand(g: np.ndarray, shape: tuple, axis: Any, keepdims: bool) -> np.ndarray:
    """Broadcast the gradient of a reduction over ``axis`` back to the input's ``shape``."""
    if axis is not None and not keepdims:
        g = np.expand_dims(g, axis)
    return np.broadcast_to(g, shape)


# ------------------------------------------------------------ derivative table
# Each function maps g = d(loss)/d(node) to d(loss)/d(child) for every child, None for a child
# that does not require grad (its gradient is never computed).


def _vjp_add(g, node):
    a, b = node._children
    return (
        _unbroadcast(g, a.shape) if a.requires_grad else None,
        _unbroadcast(g, b.shape) if b.requires_grad else None,
    )


def _vjp_sub(g, node):
    a, b = node._children
    return (
        _unbroadcast(g, a.shape) if a.requires_grad else None,
        _unbroadcast(-g, b.shape) if b.requires_grad else None,
    )


def _vjp_mul(g, node):
    a, b = node._children
    return (
        _unbroadcast(g * b.data, a.shape) if a.requires_grad else None,
        _unbroadcast(g * a.data, b.shape) if b.requires_grad else None,
    )


def _vjp_div(g, node):
    a, b = node._children
    return (
        _unbroadcast(g / b.data, a.shape) if a.requires_grad else None,
        _unbroadcast(-g * node.data / b.data, b.shape) if b.requires_grad else None,
    )


def _vjp_pow(g, node):
    a, b = node._children
    x, p = a.data, b.data
    with np.errstate(divide="ignore", invalid="ignore"):
        # d/da = b a^(b-1) (0 where b = 0: a constant); d/db = a^b log(a) (0 where a = 0)
        ga = gb = None
        if a.requires_grad:
            ga = _unbroadcast(g * np.where(p == 0, 0, p * x ** (p - 1)), a.shape)
        if b.requires_grad:
            log_a = np.log(np.where(x > 0, x, 1))
            gb = _unbroadcast(g * node.data * log_a, b.shape)
    return ga, gb


def _vjp_pow_number(g, node):
    (a,) = node._children
    p = node._ctx
    if p == 0:
        return (np.zeros_like(g),)
    # d(a^p)/da = p a^(p-1); +inf at a = 0 for 0 < p < 1, as in PyTorch
    with np.errstate(divide="ignore"):
        return (g * (p * a.data ** (p - 1)),)


def _vjp_neg(g, node):
    return (-g,)


def _vjp_matmul(g, node):
    a, b = node._children
    A, B = a.data, b.data
    # A 1-D operand acts as a row (left) or column (right) matrix; g gets the matching axis.
    if B.ndim == 1:
        B, g = B[:, None], g[..., None]
    if A.ndim == 1:
        A, g = A[None, :], np.expand_dims(g, -2)
    ga = gb = None
    if a.requires_grad:  # dL/dA = g @ B^T, summed over broadcast batch axes
        ga = _unbroadcast(np.matmul(g, np.swapaxes(B, -1, -2)), A.shape).reshape(a.shape)
    if b.requires_grad:  # dL/dB = A^T @ g
        gb = _unbroadcast(np.matmul(np.swapaxes(A, -1, -2), g), B.shape).reshape(b.shape)
    return ga, gb


def _vjp_exp(g, node):
    return (g * node.data,)


def _vjp_log(g, node):
    return (g / node._children[0].data,)


def _vjp_tanh(g, node):
    t = node.data
    return (g * (1 - t * t),)


def _vjp_sigmoid(g, node):
    s = node.data
    return (g * (s * (1 - s)),)


def _vjp_relu(g, node):
    return (g * (node.data > 0),)


def _vjp_leaky_relu(g, node):
    x = node._children[0].data
    return (np.where(x > 0, g, g * node._ctx),)


def _vjp_abs(g, node):
    return (g * np.sign(node._children[0].data),)


def _vjp_astype(g, node):
    return (g.astype(node._children[0].dtype),)


def _vjp_sum(g, node):
    axis, keepdims = node._ctx
    return (_expand(g, node._children[0].shape, axis, keepdims),)


def _vjp_mean(g, node):
    axis, keepdims, n = node._ctx
    return (_expand(g / n, node._children[0].shape, axis, keepdims),)


def _vjp_max(g, node):
    x = node._children[0].data
    axis, keepdims = node._ctx
    out = node.data
    if axis is not None and not keepdims:
        out, g = np.expand_dims(out, axis), np.expand_dims(g, axis)
    is_max = x == out
    ties = is_max.sum(axis=axis, keepdims=True, dtype=g.dtype)
    return (is_max * (g / ties),)


def _vjp_softmax(g, node):
    s = node.data
    return (s * (g - (g * s).sum(axis=node._ctx, keepdims=True)),)


def _vjp_log_softmax(g, node):
    return (g - np.exp(node.data) * g.sum(axis=node._ctx, keepdims=True),)


def _vjp_reshape(g, node):
    return (g.reshape(node._children[0].shape),)


def _vjp_transpose(g, node):
    return (g.transpose(np.argsort(node._ctx)),)


def _vjp_getitem(g, node):
    x = node._children[0]
    index = node._ctx
    grad = np.zeros(x.shape, dtype=g.dtype)
    if _is_basic_index(index):
        grad[index] = g  # a slice view: each element picked at most once
    else:
        np.add.at(grad, index, g)  # integer arrays may repeat an element: add, don't overwrite
    return (grad,)


def _is_basic_index(index: Any) -> bool:
    items = index if isinstance(index, tuple) else (index,)
    return all(isinstance(i, (int, np.integer, slice)) or i is None or i is Ellipsis for i in items)
