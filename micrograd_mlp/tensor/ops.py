"""The ops of the vectorized engine: each op's forward and vector-Jacobian product side by side.

One :class:`~micrograd_mlp.function.Function` per op, in the order of ``Tensor``'s methods.
``forward(ctx, *arrays, **params)`` computes the result from the operands' arrays and saves what
the derivative needs on ``ctx`` by name; ``backward(ctx, g)`` maps ``g`` = d out/d result (the
result's shape) to d out/d operand for each operand (that operand's shape; None where
``ctx.needs_input_grad`` is False): the vector-Jacobian product, never the Jacobian. This is the
array version of the local derivatives ``Value`` stores (:mod:`micrograd_mlp.engine`), and, like
HIPS autograd's derivative table, each docstring gives the formula and the shapes.

The ops see NumPy arrays and a context, never the ``Tensor`` class (which imports them).
Domain errors (division by zero, log of x <= 0, overflow in exp/``**``) come from NumPy's
floating-point flags (``np.errstate(..., "raise")``): no extra pass over the data; the index of
the offending element is looked up only when raising. See docs/architecture.md.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from micrograd_mlp.function import Context, Function


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
