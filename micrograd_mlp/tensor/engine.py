"""The vectorized autograd engine: :class:`Tensor`.

A ``Tensor`` is a NumPy array that remembers how it was computed: the array version of
:class:`micrograd_mlp.engine.Value`, with the same op names and the same backward pass. Every
op that involves a Tensor requiring gradients returns a new Tensor holding

* ``data``       -- the forward result (a NumPy array),
* ``_children``  -- the Tensors it was computed from (an ordered tuple),
* ``_vjp``       -- the op's *vector-Jacobian product*: a function ``(g, node) -> child grads``,
* ``_ctx``       -- the op's :class:`~micrograd_mlp.autodiff.Context`: its saved values, by name,
* ``_op``        -- the operation's name.

Why a function where ``Value`` stores numbers (``_local_grads``): the local derivative of an
array op is a Jacobian matrix of size ``out.size x child.size`` (a ReLU on a 128 x 256 batch has
a 32768 x 32768 Jacobian), far too big to build. Backpropagation only ever needs it multiplied by
the upstream gradient -- ``child.grad += local * node.grad`` in ``Value`` becomes
``child.grad += g @ J`` -- and that product is cheap to compute directly (for an elementwise op it
is ``g * f'(x)``). Each op is a :class:`~micrograd_mlp.autodiff.Function` below the class, its
forward and its vector-Jacobian product side by side with the formula and the shapes (the
derivative table idea of HIPS autograd); the methods of ``Tensor`` only name them. The backward
pass itself is :func:`micrograd_mlp.autodiff.backpropagate`, the same as ``Value``'s. A node
refers to its children and to a plain function, never to itself, so a finished graph has no
reference cycles and is freed as soon as it is unreachable.

Domain errors (division by zero, ``log`` of x <= 0, overflow in ``exp`` and ``**``) are raised
from NumPy's floating-point flags, without an extra pass over the data; other results follow
IEEE arithmetic (NaN and infinity propagate). ``micrograd_mlp.detect_anomaly()`` checks every
result and gradient when asked. See docs/architecture.md, "Domain errors".

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
    as in NumPy (see the module docstring for the ops that refuse a domain error).

    Attributes:
        data: the array. grad: ``None`` until ``backward()`` reaches this Tensor, then an array
            of the same shape and dtype. requires_grad, label: as given.

    Raises:
        TypeError: ``data`` is not numeric (strings, objects, ``None``, complex numbers, ragged
            nested lists), or is a list holding Tensors that require grad (it would be a
            constant: their gradients would be lost).
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

    def __bool__(self) -> bool:
        """The truth of the single element (``bool(Tensor([0.0]))`` is False), as NumPy and
        PyTorch. Without it Python would use ``len()``: any one-element Tensor would be True.

        Raises:
            ValueError: the Tensor does not have exactly one element (ambiguous: use
                ``.data.any()`` or ``.data.all()``).
        """
        if self.data.size != 1:
            raise ValueError(
                f"the truth value of a Tensor of shape {self.shape} is ambiguous (it needs "
                "exactly one element); use t.data.any() or t.data.all()"
            )
        return bool(self.data.reshape(()))

    def item(self) -> float:
        """The single element as a Python float. Raises ValueError unless ``size == 1``."""
        if self.data.size != 1:
            raise ValueError(f"item() needs a Tensor with one element, got shape {self.shape}")
        return float(self.data.reshape(()))

    def __float__(self) -> float:
        """``float(t)``: :meth:`item` (``float(loss)``, as in PyTorch). ValueError unless one
        element."""
        return self.item()

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
    # Each method names the op; the op itself -- forward and vector-Jacobian product side by
    # side, with the formula and the shapes -- is a Function below the class, in this order.
    def __add__(self, other: Any) -> Tensor:
        return _call(Add, self, _lift(other, self, "+"))

    def __sub__(self, other: Any) -> Tensor:
        return _call(Sub, self, _lift(other, self, "-"))

    def __mul__(self, other: Any) -> Tensor:
        return _call(Mul, self, _lift(other, self, "*"))

    def __truediv__(self, other: Any) -> Tensor:
        """Elementwise division. Raises ZeroDivisionError naming the first zero divisor."""
        return _call(Div, self, _lift(other, self, "/"))

    def __pow__(self, other: Any) -> Tensor:
        """``self ** other`` elementwise: a number exponent (a constant) or a Tensor/array one.

        Raises ZeroDivisionError (zero to a negative power), ValueError (a negative base to a
        fractional power) or OverflowError, from NumPy's floating-point flags (no extra pass).
        """
        if isinstance(other, (Tensor, np.ndarray, list)):
            return _call(Pow, self, _lift(other, self, "**"))
        p = _checked_number(other, "**")
        return _call(PowNumber, self, op=f"**{p:g}", p=p)

    def __neg__(self) -> Tensor:
        return _call(Neg, self)

    # In-place forms (x += y, ...), with PyTorch's rules. Without them Python would rebind the
    # name to a new Tensor, so the PyTorch update ``with no_grad(): for p in params: p -= lr *
    # p.grad`` silently changed nothing.
    def __iadd__(self, other: Any) -> Tensor:
        """``x += y``: see :meth:`__isub__`."""
        return _in_place(self, other, "+=")

    def __isub__(self, other: Any) -> Tensor:
        """``x -= y``, as PyTorch's in-place ops.

        When no graph is being recorded (inside ``no_grad()``, or neither operand requires
        grad) it updates ``x.data`` in place, in x's dtype, and ``x`` stays the same object
        (a parameter update: an optimizer holding ``x`` sees it). While recording, on a
        Tensor computed in the graph it is ``x = x - y`` (a new node); on a leaf that
        requires grad it is refused, as in PyTorch.

        Raises:
            RuntimeError: ``x`` is a leaf that requires grad and a graph is being recorded
                (wrap the update in ``with no_grad():``).
            ValueError: ``y`` does not broadcast to ``x``'s shape (in place, the shape cannot
                grow), or ``x.data`` is read-only. The errors of ``x - y`` too; ``x`` is then
                left unchanged.
        """
        return _in_place(self, other, "-=")

    def __imul__(self, other: Any) -> Tensor:
        """``x *= y``: see :meth:`__isub__`."""
        return _in_place(self, other, "*=")

    def __itruediv__(self, other: Any) -> Tensor:
        """``x /= y``: see :meth:`__isub__` (a zero divisor raises ZeroDivisionError, as ``/``)."""
        return _in_place(self, other, "/=")

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
        return _call(MatMul, self, _lift(other, self, "@"))

    def __rmatmul__(self, other: Any) -> Tensor:
        return _lift(other, self, "@") @ self

    # ------------------------------------------------------------ unary functions
    def exp(self) -> Tensor:
        """e**x elementwise. Raises OverflowError naming the largest input if a result is inf."""
        return _call(Exp, self)

    def log(self) -> Tensor:
        """Natural logarithm elementwise. Raises ValueError naming the first input <= 0."""
        return _call(Log, self)

    def tanh(self) -> Tensor:
        """Hyperbolic tangent elementwise."""
        return _call(Tanh, self)

    def sigmoid(self) -> Tensor:
        """Logistic sigmoid 1 / (1 + e**-x) elementwise, stable for any x (no overflow)."""
        return _call(Sigmoid, self)

    def relu(self) -> Tensor:
        """max(0, x) elementwise; its derivative at 0 is taken as 0 (as in PyTorch)."""
        return _call(ReLU, self)

    def leaky_relu(self, negative_slope: float = 0.01) -> Tensor:
        """x where x > 0, ``negative_slope * x`` elsewhere (PyTorch's ``leaky_relu``)."""
        return _call(LeakyReLU, self, slope=_checked_number(negative_slope, "leaky_relu"))

    def abs(self) -> Tensor:
        """|x| elementwise; its derivative at 0 is taken as 0 (sign(x), as in PyTorch)."""
        return _call(Abs, self)

    __abs__ = abs

    def astype(self, dtype: Any) -> Tensor:
        """This Tensor converted to ``dtype`` (float32 or float64); gradients convert back.

        Raises:
            ValueError: ``dtype`` is not float32 or float64 (the allowed ones are listed).
        """
        dtype = _check_dtype(dtype)
        if dtype == self.dtype:
            return self
        return _call(AsType, self, dtype=dtype)

    # ------------------------------------------------------------------ reductions
    def sum(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        """Sum over ``axis`` (all axes when None), as ``numpy.sum``.

        (``Value.sum(values)`` adds a list of scalars; here the values are the array's elements.)
        """
        return _call(Sum, self, axis=axis, keepdims=keepdims)

    def mean(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        """Mean over ``axis`` (all axes when None), as ``numpy.mean``."""
        return _call(Mean, self, axis=axis, keepdims=keepdims)

    def max(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        """Maximum over ``axis`` (all axes when None), as ``numpy.max``.

        The gradient goes to the maximal elements; when several tie, it is split evenly among
        them (as ``torch.amax``), the symmetric choice of subgradient.
        """
        return _call(Max, self, axis=axis, keepdims=keepdims)

    def softmax(self, axis: int = -1) -> Tensor:
        """exp(x) / sum(exp(x)) along ``axis``, computed with the maximum subtracted (stable)."""
        return _call(Softmax, self, axis=axis)

    def log_softmax(self, axis: int = -1) -> Tensor:
        """x - log(sum(exp(x))) along ``axis``, by log-sum-exp with the maximum subtracted."""
        return _call(LogSoftmax, self, axis=axis)

    # --------------------------------------------------------------- reshaping
    def reshape(self, *shape: int | tuple[int, ...]) -> Tensor:
        """The same elements in a new shape (``t.reshape(2, 3)`` or ``t.reshape((2, 3))``)."""
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return _call(Reshape, self, shape=shape)

    def transpose(self, *axes: int) -> Tensor:
        """Axes permuted (reversed when none are given), as ``numpy.transpose``: ``axes`` is
        the new order of *all* the axes (``t.transpose(1, 0)``, ``x.transpose(2, 0, 1)``).

        To swap two axes, PyTorch's ``transpose(dim0, dim1)``, use :meth:`swapaxes`.

        Raises:
            ValueError: ``axes`` is not a permutation of the Tensor's axes; in particular
                ``transpose(0, 1)`` (or ``(-2, -1)``) of a 2-D Tensor, which NumPy reads as
                "leave it unchanged" and PyTorch as "swap the two axes", is refused rather
                than silently giving the untransposed Tensor to PyTorch-minded code.
        """
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        elif len(axes) == 2 and self.ndim == 2 and axes[0] in (0, -2) and axes[1] in (1, -1):
            raise ValueError(
                f"transpose{axes} of a 2-D Tensor: transpose takes the new order of all the "
                "axes (NumPy's rule), so this would leave the Tensor unchanged; to swap two "
                f"axes (PyTorch's transpose(dim0, dim1)) use swapaxes{axes}, or .T"
            )
        return _call(Transpose, self, axes=axes or tuple(range(self.ndim - 1, -1, -1)))

    def swapaxes(self, axis1: int, axis2: int) -> Tensor:
        """The Tensor with two axes interchanged, as ``numpy.swapaxes`` and PyTorch's
        ``transpose(dim0, dim1)`` / ``swapaxes``; the gradient is swapped back.

        Raises:
            ValueError: an axis is out of range for the Tensor's dimensions (both are named).
        """
        axes = list(range(self.ndim))
        try:
            axes[axis1], axes[axis2] = axes[axis2], axes[axis1]
        except (IndexError, TypeError):
            raise ValueError(
                f"swapaxes({axis1!r}, {axis2!r}) of a Tensor of shape {self.shape}: each axis "
                f"must be an int in [-{self.ndim}, {self.ndim})"
            ) from None
        return _call(Transpose, self, axes=tuple(axes))

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
        return _call(GetItem, self, index=index)

    # --------------------------------------------------------------- backprop
    def backward(self, gradient: Any = None) -> None:
        """Backpropagate: add d(self)/d(leaf) * ``gradient`` to every leaf's ``grad``.

        Args:
            gradient: d(loss)/d(self), an array of ``self.shape``; may be omitted when ``self``
                has one element (it is then 1).

        Leaves that require grad (parameters, inputs you mark) *accumulate* across calls, as in
        PyTorch: call ``zero_grad()`` between steps. Intermediate Tensors get fresh gradients
        from each call, so calling ``backward()`` twice never double counts. Iterative (no
        recursion): graphs of any depth work. The pass is
        :func:`micrograd_mlp.autodiff.backpropagate`, the same as ``Value.backward``'s.

        Raises:
            RuntimeError: ``self`` does not require grad, or it has more than one element and no
                ``gradient`` was given; an op's backward gave a gradient of the wrong shape (the
                op and both shapes are named).
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
        children = tuple([x if isinstance(x, Tensor) else _lift(x, like, op) for x in inputs])
        ctx = Context(tuple([c.requires_grad for c in children]))
        arrays = [c.data for c in children]
        data = fn.forward(ctx, *arrays, **params)
        if type(data) is not np.ndarray:
            try:
                data = np.asarray(data)
            except (TypeError, ValueError):
                data = np.asarray(None)
        if data.dtype.kind not in "biuf":
            raise TypeError(f"{op}.forward must return numbers for a Tensor, got {type(data)}")
        dtypes = {a.dtype for a in arrays}
        dtype = dtypes.pop() if len(dtypes) == 1 else np.result_type(*dtypes)
        if data.dtype != dtype:
            data = data.astype(dtype)
        if autodiff._anomaly_mode:
            autodiff.check_forward(op, data, children)
        return _result(data, children, _function_vjp(fn), op, ctx)


# ---------------------------------------------------------------------- helpers
_new = object.__new__


def _result(data: np.ndarray, children: tuple, vjp: Callable, op: str, ctx: Context) -> Tensor:
    """Make an op's output; records the graph only if gradients are on and a child needs one
    (``ctx.needs_input_grad``: the children's ``requires_grad``, already gathered)."""
    out = _new(Tensor)
    out.data = data
    out.grad = None
    out.label = ""
    if autodiff._grad_enabled and any(ctx.needs_input_grad):
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
    except TypeError:  # an unparseable name (np.dtype(None) would be float64: never reach it)
        dt = None
    if dt is None or dt not in DTYPES:
        raise ValueError(
            f"unsupported Tensor dtype {dtype!r}; the allowed dtypes are float32 and float64 "
            "(np.float32, np.float64 or their names)"
        )
    return dt


def _to_array(x: Any, dtype: np.dtype | None, what: str, copy: bool = False) -> np.ndarray:
    """``x`` as a float array of ``dtype`` (None: keep float32/float64 NumPy data, else float32).

    Raises TypeError naming ``what`` for non-numeric data, and for a list or tuple holding
    Tensors that require grad (NumPy would read their numbers and drop their graph: a silent
    constant). Only lists pay for that walk; numbers and arrays never do.
    """
    if type(x) in (list, tuple) and _holds_graph_tensors(x):
        raise TypeError(
            f"{what}: a {type(x).__name__} of Tensors that require grad would become a "
            "constant, dropping their gradients; compute one Tensor for the whole batch "
            "instead (e.g. call the model on the (B, D) batch array)"
        )
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


def _holds_graph_tensors(items: list | tuple) -> bool:
    """Whether a (nested) list or tuple holds a Tensor that requires grad (see
    :func:`_to_array`, the one place every list becomes an array)."""
    for item in items:
        if isinstance(item, Tensor):
            if item.requires_grad:
                return True
        elif isinstance(item, (list, tuple)) and _holds_graph_tensors(item):
            return True
    return False


def _lift(x: Any, like: Tensor, op: str) -> Tensor:
    """A number or array operand becomes a constant leaf with ``like``'s dtype (no upcasts)."""
    if isinstance(x, Tensor):
        return x
    return _leaf(_to_array(x, like.data.dtype, f"Tensor {op}"))


_OUT_OF_PLACE = {"+=": "__add__", "-=": "__sub__", "*=": "__mul__", "/=": "__truediv__"}


def _in_place(x: Tensor, other: Any, op: str) -> Tensor:
    """``x op= other`` with PyTorch's rules (see :meth:`Tensor.__isub__`)."""
    other_grad = isinstance(other, Tensor) and other.requires_grad
    if autodiff._grad_enabled and (x.requires_grad or other_grad):
        if x.requires_grad and not x._children:
            raise RuntimeError(
                f"{op} on a leaf Tensor that requires grad (a parameter) while a graph is being "
                f"recorded; for an update write it inside `with no_grad():`, or write x = x "
                f"{op[0]} y for a new Tensor"
            )
        return getattr(x, _OUT_OF_PLACE[op])(other)
    # The out-of-place op on a constant view of x (its checks and errors: division by zero,
    # broadcasting), then the result copied into x.data: on an error x is left unchanged.
    result = getattr(_leaf(x.data), _OUT_OF_PLACE[op])(other).data
    if result.shape != x.shape:
        raise ValueError(
            f"{op}: the result has shape {result.shape}, but an in-place update keeps the "
            f"Tensor's shape {x.shape} (the other operand must broadcast to it)"
        )
    if not x.data.flags.writeable:
        raise ValueError(f"{op}: the Tensor's data array is read-only; write x = x {op[0]} y")
    np.copyto(x.data, result, casting="unsafe")
    return x


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


# ------------------------------------------------------------------------------ the ops
# One Function per op: ``forward`` computes the result from the operands' arrays and saves what
# the derivative needs on ``ctx`` by name; ``backward`` maps ``g`` = d loss/d output (the
# output's shape) to d loss/d operand for each operand (that operand's shape; None where
# ``ctx.needs_input_grad`` is False): the op's vector-Jacobian product, never the Jacobian.
# Domain errors (division by zero, log of x <= 0, overflow in exp/**) come from NumPy's
# floating-point flags (np.errstate(..., "raise")): no extra pass over the data; the index of
# the offending element is looked up only when raising. See docs/architecture.md.


def _call(fn: type[Function], *children: Tensor, op: str | None = None, **params: Any) -> Tensor:
    """Run a built-in op on Tensors (the lean form of ``fn.apply``: operands already lifted)."""
    ctx = Context(tuple([c.requires_grad for c in children]))
    data = fn.forward(ctx, *[c.data for c in children], **params)
    if autodiff._anomaly_mode:  # detect_anomaly(): one extra pass, only when asked for
        autodiff.check_forward(op or fn.name, data, children)
    return _result(data, children, _function_vjp(fn), op or fn.name, ctx)


def _broadcast_error(op: str, a: np.ndarray, b: np.ndarray) -> ValueError:
    return ValueError(
        f"{op}: shapes {a.shape} and {b.shape} cannot be broadcast together (NumPy rules: "
        "aligned from the right, each pair of dimensions must be equal or one of them 1)"
    )


def _first(mask: np.ndarray) -> tuple[int, ...]:
    """The index of the first True element (error messages only: this is a pass over data)."""
    return tuple(np.argwhere(mask)[0].tolist())


class Add(Function):
    """``a + b`` with broadcasting. g: the output's shape; d/da = 1, d/db = 1, so each operand
    gets g summed over the axes broadcasting stretched (shapes of a and b)."""

    name = "+"

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.a_shape, ctx.b_shape = a.shape, b.shape
        try:
            return np.add(a, b)
        except ValueError:
            raise _broadcast_error("+", a, b) from None

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> tuple:
        need_a, need_b = ctx.needs_input_grad
        return (
            _unbroadcast(g, ctx.a_shape) if need_a else None,
            _unbroadcast(g, ctx.b_shape) if need_b else None,
        )


class Sub(Function):
    """``a - b`` with broadcasting; d/da = 1, d/db = -1 (g unbroadcast to each shape)."""

    name = "-"

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.a_shape, ctx.b_shape = a.shape, b.shape
        try:
            return np.subtract(a, b)
        except ValueError:
            raise _broadcast_error("-", a, b) from None

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> tuple:
        need_a, need_b = ctx.needs_input_grad
        return (
            _unbroadcast(g, ctx.a_shape) if need_a else None,
            _unbroadcast(-g, ctx.b_shape) if need_b else None,
        )


class Mul(Function):
    """``a * b`` with broadcasting; d/da = b, d/db = a: ``g * b`` and ``g * a``, unbroadcast to
    the shapes of a and b."""

    name = "*"

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.a, ctx.b = a, b
        try:
            return np.multiply(a, b)
        except ValueError:
            raise _broadcast_error("*", a, b) from None

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> tuple:
        need_a, need_b = ctx.needs_input_grad
        a, b = ctx.a, ctx.b
        return (
            _unbroadcast(g * b, a.shape) if need_a else None,
            _unbroadcast(g * a, b.shape) if need_b else None,
        )


class Div(Function):
    """``q = a / b`` with broadcasting; d/da = 1/b, d/db = -a/b^2, computed as ``-q/b`` (``b*b``
    underflows to 0 for |b| < 1e-154 where q is finite). Gradients unbroadcast to a's and b's
    shapes. Raises ZeroDivisionError naming the first zero divisor (0/0 included); inf/inf is
    NaN (IEEE: the operands held infinity already)."""

    name = "/"

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        try:
            with np.errstate(divide="raise", invalid="raise", over="ignore"):
                q = np.divide(a, b)
        except ValueError:
            raise _broadcast_error("/", a, b) from None
        except FloatingPointError:
            if not np.all(b):
                raise ZeroDivisionError(
                    f"/: division by zero: the divisor (shape {b.shape}) has "
                    f"{int(np.sum(b == 0))} zero element(s), the first at index {_first(b == 0)}"
                ) from None
            with np.errstate(all="ignore"):  # inf / inf: NaN, as IEEE (and Value) say
                q = np.divide(a, b)
        ctx.a_shape, ctx.b, ctx.q = a.shape, b, q
        return q

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> tuple:
        need_a, need_b = ctx.needs_input_grad
        b = ctx.b
        with np.errstate(over="ignore", invalid="ignore"):  # IEEE: a derivative may overflow
            return (
                _unbroadcast(g / b, ctx.a_shape) if need_a else None,
                _unbroadcast(-g * ctx.q / b, b.shape) if need_b else None,
            )


def _power(x: np.ndarray, p: Any, op: str) -> np.ndarray:
    """``x ** p`` with a clear error for the results that are not real or finite."""
    try:
        with np.errstate(divide="raise", invalid="raise", over="raise"):
            return np.power(x, p)
    except ValueError:
        raise _broadcast_error(op, x, np.asarray(p)) from None
    except FloatingPointError as e:
        if "divide" in str(e):
            raise ZeroDivisionError(
                f"{op}: zero to a negative power is a division by zero"
            ) from None
        if "overflow" in str(e):
            raise OverflowError(f"{op} overflows {x.dtype}") from None
        raise ValueError(f"{op}: a negative base to a fractional power is not real") from None


class Pow(Function):
    """``out = a ** b`` elementwise, both operands arrays (broadcast).

    d/da = b a^(b-1) (0 where b = 0: a constant power); d/db = a^b log(a): 0 where a = 0 (as
    PyTorch), NaN where a < 0 (log of a negative number, as PyTorch). Gradients unbroadcast to
    a's and b's shapes.
    """

    name = "**"

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        out = _power(a, b, "**")
        ctx.a, ctx.b, ctx.out = a, b, out
        return out

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> tuple:
        need_a, need_b = ctx.needs_input_grad
        x, p = ctx.a, ctx.b
        ga = gb = None
        with np.errstate(divide="ignore", invalid="ignore"):
            if need_a:
                ga = _unbroadcast(g * np.where(p == 0, 0, p * x ** (p - 1)), x.shape)
            if need_b:
                gb = _unbroadcast(g * np.where(x == 0, 0, ctx.out * np.log(x)), p.shape)
        return ga, gb


class PowNumber(Function):
    """``a ** p`` for a number ``p`` (a constant: it gets no gradient). g and a: same shape.

    d/da = p a^(p-1): zeros when p = 0 (a constant), +inf at a = 0 for 0 < p < 1 (e.g. sqrt),
    as PyTorch.
    """

    name = "**"

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, *, p: float) -> np.ndarray:
        ctx.a, ctx.p = a, p
        return _power(a, p, f"** {p!r}")

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> np.ndarray:
        p = ctx.p
        if p == 0:
            return np.zeros_like(g)
        with np.errstate(divide="ignore", invalid="ignore"):  # inf at 0 (sqrt); 0 * inf = NaN
            return g * (p * ctx.a ** (p - 1))


class Neg(Function):
    """``-a``; d/da = -1. g and a: same shape."""

    name = "neg"

    @staticmethod
    def forward(ctx: Context, a: np.ndarray) -> np.ndarray:
        return -a

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> np.ndarray:
        return -g


class MatMul(Function):
    """``A @ B`` with NumPy's matmul rules: ``(..., n, k) @ (..., k, m) -> (..., m)``; a 1-D
    A is a row ``(1, k)``, a 1-D B a column ``(k, 1)``, batch axes broadcast.

    dL/dA = g @ B^T and dL/dB = A^T @ g, each summed over the batch axes that broadcasting
    added or stretched for it (so a 2-D weight times a batch gets one (n, k) gradient).
    """

    name = "@"

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        try:
            out = np.matmul(a, b)
        except ValueError:
            raise ValueError(_matmul_message(a.shape, b.shape)) from None
        ctx.a, ctx.b = a, b
        return out

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> tuple:
        need_a, need_b = ctx.needs_input_grad
        A, B = ctx.a, ctx.b
        a_shape, b_shape = A.shape, B.shape
        # A 1-D operand acts as a row (left) or column (right) matrix; g gets the matching axis.
        if B.ndim == 1:
            B, g = B[:, None], g[..., None]
        if A.ndim == 1:
            A, g = A[None, :], np.expand_dims(g, -2)
        ga = gb = None
        if need_a:  # dL/dA = g @ B^T, summed over broadcast batch axes
            ga = _unbroadcast(np.matmul(g, np.swapaxes(B, -1, -2)), A.shape).reshape(a_shape)
        if need_b:  # dL/dB = A^T @ g
            gb = _unbroadcast(np.matmul(np.swapaxes(A, -1, -2), g), B.shape).reshape(b_shape)
        return ga, gb


class Exp(Function):
    """``e^x`` elementwise; d/dx = e^x (the output, saved). g and x: same shape. Raises
    OverflowError naming the largest input when a result exceeds the dtype's range."""

    name = "exp"

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        try:
            with np.errstate(over="raise"):
                e = np.exp(x)
        except FloatingPointError:
            raise OverflowError(
                f"exp overflows {x.dtype} for input {np.nanmax(x).item()!r} "
                f"(the largest finite result is exp({np.log(np.finfo(x.dtype).max):.2f}))"
            ) from None
        ctx.out = e
        return e

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> np.ndarray:
        return g * ctx.out


class Log(Function):
    """``log x`` elementwise; d/dx = 1/x. g and x: same shape. Raises ValueError naming the
    first input <= 0 (NaN passes through as NaN)."""

    name = "log"

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        try:
            with np.errstate(divide="raise", invalid="raise"):
                out = np.log(x)
        except FloatingPointError:
            where = _first(x <= 0)
            raise ValueError(
                f"log of a non-positive number: log({x[where].item()!r}) at index {where}; "
                "every input must be > 0"
            ) from None
        ctx.x = x
        return out

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> np.ndarray:
        return g / ctx.x


class Tanh(Function):
    """``t = tanh x`` elementwise; d/dx = 1 - t^2. g and x: same shape."""

    name = "tanh"

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        ctx.out = np.tanh(x)
        return ctx.out

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> np.ndarray:
        t = ctx.out
        return g * (1 - t * t)


class Sigmoid(Function):
    """``s = 1 / (1 + e^-x)`` elementwise, stable for any x; d/dx = s (1 - s). Same shapes."""

    name = "sigmoid"

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        # With e = e^-|x| <= 1: sigmoid(x) = 1/(1+e) for x >= 0 and e/(1+e) for x < 0 (the same
        # number, e^x/(1+e^x)), so exp never sees a large positive argument.
        e = np.exp(-np.abs(x))
        ctx.out = np.where(x >= 0, 1, e) / (1 + e)
        return ctx.out

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> np.ndarray:
        s = ctx.out
        return g * (s * (1 - s))


class ReLU(Function):
    """``max(0, x)`` elementwise; d/dx = 1 where x > 0, else 0 (0 at the kink, as PyTorch)."""

    name = "relu"

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        ctx.out = np.maximum(x, 0)
        return ctx.out

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> np.ndarray:
        return g * (ctx.out > 0)


class LeakyReLU(Function):
    """``x`` where x > 0, ``slope * x`` elsewhere; d/dx = 1 or ``slope``. Same shapes."""

    name = "leaky_relu"

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, *, slope: float) -> np.ndarray:
        ctx.x, ctx.slope = x, slope
        return np.where(x > 0, x, x * slope)

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> np.ndarray:
        return np.where(ctx.x > 0, g, g * ctx.slope)


class Abs(Function):
    """``|x|`` elementwise; d/dx = sign(x) (0 at the kink, as PyTorch). Same shapes."""

    name = "abs"

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        ctx.x = x
        return np.abs(x)

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> np.ndarray:
        return g * np.sign(ctx.x)


class AsType(Function):
    """``x`` converted to ``dtype``; the gradient (g, the output's shape and dtype) is converted
    back to x's dtype: d/dx = 1."""

    name = "astype"

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, *, dtype: np.dtype) -> np.ndarray:
        ctx.x_dtype = x.dtype
        return x.astype(dtype)

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> np.ndarray:
        return g.astype(ctx.x_dtype)


class Sum(Function):
    """Sum of x over ``axis``; d/dx_i = 1: g (the output's shape) is copied back along the
    summed axes to x's shape."""

    name = "sum"

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, *, axis: Any, keepdims: bool) -> np.ndarray:
        ctx.shape, ctx.axis, ctx.keepdims = x.shape, axis, keepdims
        return np.asarray(x.sum(axis=axis, keepdims=keepdims))

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> np.ndarray:
        return _expand(g, ctx.shape, ctx.axis, ctx.keepdims)


class Mean(Function):
    """Mean of x over ``axis``; d/dx_i = 1/n (n = elements per output): g / n copied back along
    the averaged axes to x's shape."""

    name = "mean"

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, *, axis: Any, keepdims: bool) -> np.ndarray:
        out = np.asarray(x.mean(axis=axis, keepdims=keepdims))
        ctx.shape, ctx.axis, ctx.keepdims = x.shape, axis, keepdims
        ctx.n = x.size // max(out.size, 1)
        return out

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> np.ndarray:
        return _expand(g / ctx.n, ctx.shape, ctx.axis, ctx.keepdims)


class Max(Function):
    """Maximum of x over ``axis``; d/dx_i = [x_i == max] / (number of maximal elements): g (the
    output's shape) goes to the maxima of x, split evenly among ties (as ``torch.amax``)."""

    name = "max"

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, *, axis: Any, keepdims: bool) -> np.ndarray:
        out = np.asarray(x.max(axis=axis, keepdims=keepdims))
        ctx.x, ctx.out, ctx.axis, ctx.keepdims = x, out, axis, keepdims
        return out

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> np.ndarray:
        out, axis = ctx.out, ctx.axis
        if axis is not None and not ctx.keepdims:
            out, g = np.expand_dims(out, axis), np.expand_dims(g, axis)
        is_max = ctx.x == out
        ties = is_max.sum(axis=axis, keepdims=True, dtype=g.dtype)
        return is_max * (g / ties)


class Softmax(Function):
    """``s = exp(x) / sum exp(x)`` along ``axis`` (maximum subtracted: stable). With
    d s_i/d x_j = s_i (delta_ij - s_j): (g J)_j = s_j (g_j - sum_i g_i s_i). Same shapes."""

    name = "softmax"

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, *, axis: int) -> np.ndarray:
        e = np.exp(x - x.max(axis=axis, keepdims=True))
        ctx.out, ctx.axis = e / e.sum(axis=axis, keepdims=True), axis
        return ctx.out

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> np.ndarray:
        s = ctx.out
        return s * (g - (g * s).sum(axis=ctx.axis, keepdims=True))


class LogSoftmax(Function):
    """``y = x - log sum exp(x)`` along ``axis`` (log-sum-exp, maximum subtracted). With
    d y_i/d x_j = delta_ij - softmax_j: (g J)_j = g_j - softmax_j sum_i g_i. Same shapes."""

    name = "log_softmax"

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, *, axis: int) -> np.ndarray:
        shifted = x - x.max(axis=axis, keepdims=True)
        ctx.out = shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
        ctx.axis = axis
        return ctx.out

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> np.ndarray:
        return g - np.exp(ctx.out) * g.sum(axis=ctx.axis, keepdims=True)


class Reshape(Function):
    """x in a new ``shape``; moving no numbers, the gradient is g reshaped back to x's shape."""

    name = "reshape"

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, *, shape: tuple) -> np.ndarray:
        try:
            out = x.reshape(shape)
        except ValueError:
            raise ValueError(
                f"reshape: cannot reshape a Tensor of shape {x.shape} ({x.size} elements) into "
                f"shape {shape}"
            ) from None
        ctx.shape = x.shape
        return out

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> np.ndarray:
        return g.reshape(ctx.shape)


class Transpose(Function):
    """x with its axes permuted by ``axes``; the gradient is g permuted back by the inverse
    permutation (``argsort(axes)``), giving x's shape."""

    name = "transpose"

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, *, axes: tuple) -> np.ndarray:
        try:
            out = x.transpose(axes)
        except ValueError as e:
            hint = (
                f"; transpose takes the new order of all {x.ndim} axes (NumPy's rule): to swap "
                f"two (PyTorch's transpose(dim0, dim1)) use swapaxes{axes}"
                if len(axes) == 2 and x.ndim != 2
                else ""
            )
            raise ValueError(f"transpose{axes} of a Tensor of shape {x.shape}: {e}{hint}") from None
        ctx.axes = axes
        return out

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> np.ndarray:
        return g.transpose(np.argsort(ctx.axes))


class GetItem(Function):
    """``x[index]`` (NumPy indexing); d out/d x is 1 at the picked positions: g (the output's
    shape) is scattered back into zeros of x's shape, a repeated element getting the sum."""

    name = "index"

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, *, index: Any) -> np.ndarray:
        try:
            out = np.asarray(x[index])
        except IndexError as e:
            raise IndexError(f"indexing a Tensor of shape {x.shape}: {e}") from None
        ctx.shape, ctx.index = x.shape, index
        return out

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> np.ndarray:
        grad = np.zeros(ctx.shape, dtype=g.dtype)
        if _is_basic_index(ctx.index):
            grad[ctx.index] = g  # a slice view: each element picked at most once
        else:
            np.add.at(grad, ctx.index, g)  # integer arrays may repeat an element: add
        return grad


def _is_basic_index(index: Any) -> bool:
    items = index if isinstance(index, tuple) else (index,)
    return all(isinstance(i, (int, np.integer, slice)) or i is None or i is Ellipsis for i in items)
