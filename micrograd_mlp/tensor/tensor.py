"""The vectorized autograd engine: :class:`Tensor`, with the same shape as ``Value``.

A ``Tensor`` is a NumPy array that remembers how it was computed: the array version of
:class:`micrograd_mlp.engine.Value`, with the same op names and the same backward loop. Every op
on a Tensor that requires gradients returns a new Tensor holding

* ``data``       -- the forward result (a NumPy array),
* ``_children``  -- the Tensors it was computed from (an ordered tuple),
* ``_fn``, ``_ctx`` -- the op (a :class:`~micrograd_mlp.function.Function` of
  :mod:`micrograd_mlp.tensor.ops`) and what its forward saved for its backward,
* ``_op``        -- the operation's name.

``_backward()`` is the chain rule at one node, as in ``Value``: where a ``Value`` multiplies its
stored local derivatives, ``child.grad += local * node.grad``, a Tensor asks its op for the
*vector-Jacobian product*, ``child.grad += g @ J``, computed without building the Jacobian
``J`` (for an elementwise op it is ``g * f'(x)``). ``backward()`` is ``Value.backward``'s loop.
The ops, each with its forward and its vector-Jacobian product side by side, are in
:mod:`micrograd_mlp.tensor.ops`; they see arrays and a context, never this class. A node refers
to its children and to its op's class, never to itself, so a finished graph has no reference
cycles and is freed as soon as it is unreachable.

Conventions are PyTorch's: ``grad`` is ``None`` until a backward pass reaches a Tensor (optimizers
skip a ``None`` gradient), ``requires_grad``, ``no_grad``. (The scalar ``Value`` follows
micrograd: its ``grad`` is a number from the start, 0.0.)

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

from typing import Any

import numpy as np

from micrograd_mlp.autodiff import (
    check_forward,
    check_graph,
    is_anomaly_enabled,
    is_grad_enabled,
    no_grad,
    topological_order,
)
from micrograd_mlp.function import Context, Function
from micrograd_mlp.tensor.arrays import check_dtype, checked_number, to_array
from micrograd_mlp.tensor.ops import (
    Abs,
    Add,
    AsType,
    Div,
    Exp,
    GetItem,
    LeakyReLU,
    Log,
    LogSoftmax,
    MatMul,
    Max,
    Mean,
    Mul,
    Neg,
    Pow,
    PowNumber,
    ReLU,
    Reshape,
    Sigmoid,
    Softmax,
    Sub,
    Sum,
    Tanh,
    Transpose,
)

__all__ = ["Tensor", "is_grad_enabled", "no_grad"]

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
        "_fn",
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
        self.data = to_array(data, check_dtype(dtype), "Tensor")
        self.grad: np.ndarray | None = None
        self.requires_grad = bool(requires_grad)
        self.label = label
        self._children: tuple[Tensor, ...] = ()
        self._fn: type[Function] | None = None
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
        p = checked_number(other, "**")
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
        return _call(LeakyReLU, self, slope=checked_number(negative_slope, "leaky_relu"))

    def abs(self) -> Tensor:
        """|x| elementwise; its derivative at 0 is taken as 0 (sign(x), as in PyTorch)."""
        return _call(Abs, self)

    __abs__ = abs

    def astype(self, dtype: Any) -> Tensor:
        """This Tensor converted to ``dtype`` (float32 or float64); gradients convert back.

        Raises:
            ValueError: ``dtype`` is not float32 or float64 (the allowed ones are listed).
        """
        dtype = check_dtype(dtype)
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

    # ------------------------------------------------------------------ backprop
    def _vjp(self) -> list[np.ndarray | None]:
        """The op's vector-Jacobian product at ``self.grad``: d out/d child for each operand (an
        array of the operand's shape; None where none is needed). ``Value`` multiplies stored
        local derivatives; an array op's Jacobian is far too big to store (a ReLU on a 128 x 256
        batch has a 32768 x 32768 one), so the op computes ``g @ J`` directly (``ops.py``)."""
        grads = self._fn.gradients(self._ctx, self.grad, len(self._children))
        return [
            np.asarray(d) if d is not None and child.requires_grad else None
            for child, d in zip(self._children, grads)
        ]

    def _backward(self) -> None:
        """The chain rule at this node, as ``Value._backward``: each operand's ``grad`` gets its
        share of d out/d self. A leaf, or a node no gradient reached, passes nothing on."""
        if self._children and self.grad is not None:
            for child, g in zip(self._children, self._vjp()):
                if g is not None:
                    _accumulate(child, g, self)

    def backward(self, gradient: Any = None) -> None:
        """Backpropagate: add d(self)/d(leaf) * ``gradient`` to every leaf's ``grad``.

        Args:
            gradient: d(loss)/d(self), an array of ``self.shape``; may be omitted when ``self``
                has one element (it is then 1).

        Leaves that require grad (parameters, inputs you mark) *accumulate* across calls, as in
        PyTorch: call ``zero_grad()`` between steps. Intermediate Tensors get fresh gradients
        from each call, so calling ``backward()`` twice never double counts. Iterative (no
        recursion): graphs of any depth work. The loop is ``Value.backward``'s: topological
        order, fresh intermediate gradients, the seed, then ``_backward()`` from the output back.

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
            seed = to_array(gradient, self.dtype, "backward gradient", copy=True)
            if seed.shape != self.shape:
                raise ValueError(
                    f"backward(): gradient shape {seed.shape} differs from the Tensor's shape "
                    f"{self.shape}"
                )
        order = topological_order(self)
        for node in order:
            if node._children:  # intermediate nodes start fresh; leaves keep theirs
                node.grad = None
        _accumulate(self, seed, None)
        for node in reversed(order):  # each node's grad is complete when it is reached
            node._backward()
        if is_anomaly_enabled():  # opt-in NaN/inf checks (autodiff.detect_anomaly)
            check_graph(order)

    def topological_order(self) -> list[Tensor]:
        """Every node this Tensor depends on, children before parents, ending with ``self``.

        Iterative and deterministic: see :func:`micrograd_mlp.autodiff.topological_order`.
        """
        return topological_order(self)

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
        if is_anomaly_enabled():
            check_forward(op, data, children)
        return _result(data, children, fn, op, ctx)


# ---------------------------------------------------------------------- helpers
_new = object.__new__


def _result(
    data: np.ndarray, children: tuple, fn: type[Function], op: str, ctx: Context
) -> Tensor:
    """Make an op's output; records the graph only if gradients are on and a child needs one
    (``ctx.needs_input_grad``: the children's ``requires_grad``, already gathered)."""
    out = _new(Tensor)
    out.data = data
    out.grad = None
    out.label = ""
    if is_grad_enabled() and any(ctx.needs_input_grad):
        out.requires_grad = True
        out._children, out._fn, out._ctx, out._op = children, fn, ctx, op
    else:  # nothing to differentiate: a plain leaf, and the children can be freed
        out.requires_grad = False
        out._children, out._fn, out._ctx, out._op = (), None, None, ""
    return out


def _leaf(data: np.ndarray) -> Tensor:
    """A constant leaf around an already checked float array (no copy, no checks)."""
    out = _new(Tensor)
    out.data, out.grad, out.requires_grad, out.label = data, None, False, ""
    out._children, out._fn, out._ctx, out._op = (), None, None, ""
    return out


def _accumulate(child: Tensor, g: np.ndarray, node: Tensor | None) -> None:
    """``child.grad += g`` (``g`` from ``node``'s op, or the seed when ``node`` is None), cast to
    the child's dtype; a leaf's grad is an array of its own.

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
            (node is not None and g is node.grad)
            or not isinstance(g, np.ndarray)
            or g.base is not None
            or not g.flags.writeable
        ):
            g = np.array(g)
        child.grad = g
    else:
        child.grad = child.grad + g  # a new array: nothing else sees the change


def _lift(x: Any, like: Tensor, op: str) -> Tensor:
    """A number or array operand becomes a constant leaf with ``like``'s dtype (no upcasts)."""
    if isinstance(x, Tensor):
        return x
    return _leaf(to_array(x, like.data.dtype, f"Tensor {op}"))


_OUT_OF_PLACE = {"+=": "__add__", "-=": "__sub__", "*=": "__mul__", "/=": "__truediv__"}


def _in_place(x: Tensor, other: Any, op: str) -> Tensor:
    """``x op= other`` with PyTorch's rules (see :meth:`Tensor.__isub__`)."""
    other_grad = isinstance(other, Tensor) and other.requires_grad
    if is_grad_enabled() and (x.requires_grad or other_grad):
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


def _call(fn: type[Function], *children: Tensor, op: str | None = None, **params: Any) -> Tensor:
    """Run a built-in op on Tensors (the lean form of ``fn.apply``: operands already lifted)."""
    ctx = Context(tuple([c.requires_grad for c in children]))
    data = fn.forward(ctx, *[c.data for c in children], **params)
    if is_anomaly_enabled():  # detect_anomaly(): one extra pass, only when asked for
        check_forward(op or fn.name, data, children)
    return _result(data, children, fn, op or fn.name, ctx)
