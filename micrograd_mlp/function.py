"""Define an op once, forward and derivative side by side, for both engines: :class:`Function`.

The same API as PyTorch's ``torch.autograd.Function``. For a ``Value`` the derivative is
evaluated once, at forward time, and stored as the node's local derivatives (the scalar engine
stores numbers, see :mod:`micrograd_mlp.engine`); for a ``Tensor`` it runs during the backward
pass (every built-in Tensor op is such a class, in :mod:`micrograd_mlp.tensor.ops`).
"""

from __future__ import annotations

from typing import Any

from micrograd_mlp.engine import Constant, Value
from micrograd_mlp.validation import real

__all__ = ["Context", "Function"]


class Context:
    """What an op's ``forward`` saves for its ``backward``, by name (``ctx.x = x``).

    Attributes:
        needs_input_grad: one bool per input of the op: whether a gradient for it is needed
            (False for a constant, or a Tensor with ``requires_grad=False``); ``backward`` may
            skip the work for those (and return None).
    """

    def __init__(self, needs_input_grad: tuple[bool, ...]) -> None:
        self.needs_input_grad = needs_input_grad

    def __repr__(self) -> str:
        saved = ", ".join(f"{k}=..." for k in vars(self) if k != "needs_input_grad")
        return f"Context({saved})"


class Function:
    """An op defined once -- forward and derivative side by side -- for both engines.

    Subclass it and write two static methods, as in PyTorch's ``torch.autograd.Function``::

        class Softplus(Function):
            "softplus(x) = log(1 + e^x);  d/dx = sigmoid(x)"

            @staticmethod
            def forward(ctx, x):
                ctx.x = x
                return np.logaddexp(0, x)            # works on a float and on an array

            @staticmethod
            def backward(ctx, g):
                return g / (1 + np.exp(-ctx.x))      # g * sigmoid(x)

        Softplus.apply(Value(0.5))                   # a Value
        Softplus.apply(Tensor([0.5, -1.0], requires_grad=True))   # a Tensor

    * ``forward(ctx, *inputs, **params)`` gets the inputs' *data* (a float for a ``Value``, a
      NumPy array for a ``Tensor``; numbers or arrays given for inputs are constants) and any
      keyword ``params`` unchanged; it returns the result's data (a number / an array). Save
      what ``backward`` needs on ``ctx`` by name.
    * ``backward(ctx, g)`` gets ``g`` = d loss/d output (the output's shape) and returns
      d loss/d input for each input: ``g`` times the local derivative (a vector-Jacobian
      product), one value per input (a tuple, or the value alone for a one-input op), each of
      that input's shape; None where ``ctx.needs_input_grad`` is False.

    For a ``Value``, ``backward(ctx, 1.0)`` is called once, at forward time: its results are
    the local derivatives the scalar engine stores (``_local_grads``), so ``backward`` must be
    linear in ``g`` (every chain rule is). For a ``Tensor``, it is called during ``backward()``.
    Check a new op with :func:`micrograd_mlp.gradcheck` in both engines.

    Attributes:
        name: the op's name in graphs and traces (default: the class name, lower case).
    """

    name: str = ""

    @staticmethod
    def forward(ctx: Context, *inputs: Any, **params: Any) -> Any:  # pragma: no cover
        raise NotImplementedError("a Function subclass must define forward(ctx, *inputs)")

    @staticmethod
    def backward(ctx: Context, g: Any) -> Any:  # pragma: no cover
        raise NotImplementedError("a Function subclass must define backward(ctx, g)")

    @classmethod
    def apply(cls, *inputs: Any, **params: Any) -> Any:
        """Run the op on ``inputs`` (Values and numbers, or Tensors and arrays): a new node.

        Raises:
            TypeError: no input is a ``Value`` or a ``Tensor``, or the two engines are mixed;
                ``forward``/``backward`` return something of the wrong kind or shape (named).
        """
        tensors = [x for x in inputs if hasattr(type(x), "_apply_function")]
        values = [x for x in inputs if isinstance(x, Value)]
        if tensors and values:
            raise TypeError(f"{cls.op_name()}: inputs mix Value and {type(tensors[0]).__name__}")
        if tensors:  # the Tensor engine runs backward() during its backward pass
            return type(tensors[0])._apply_function(cls, inputs, params)
        if not values:
            raise TypeError(
                f"{cls.op_name()}.apply: at least one input must be a Value or a Tensor, got "
                + ", ".join(type(x).__name__ for x in inputs)
            )
        return _apply_to_values(cls, inputs, params)

    @classmethod
    def op_name(cls) -> str:
        return cls.name or cls.__name__.lower()

    @classmethod
    def gradients(cls, ctx: Context, g: Any, count: int) -> tuple:
        """``backward(ctx, g)`` as a tuple of ``count`` entries (a lone value is wrapped)."""
        grads = cls.backward(ctx, g)
        if not isinstance(grads, tuple):
            grads = (grads,)
        if len(grads) != count:
            raise TypeError(
                f"{cls.op_name()}.backward returned {len(grads)} gradient(s) for {count} "
                "input(s); return one per input (None for an input that needs none)"
            )
        return grads


def _apply_to_values(fn: type[Function], inputs: tuple, params: dict) -> Value:
    """:meth:`Function.apply` for Values: numbers become constants, and the local derivatives
    are ``backward(ctx, 1.0)``, one number per input (0 where it returned None)."""
    op = fn.op_name()
    children = tuple(
        x if isinstance(x, Value) else Constant(real(x, f"Value {op}")) for x in inputs
    )
    ctx = Context(tuple(type(c) is not Constant for c in children))
    data = _number(fn.forward(ctx, *[c.data for c in children], **params), op, "forward")
    local = fn.gradients(ctx, 1.0, len(children))
    local = tuple(0.0 if d is None else _number(d, op, "backward") for d in local)
    return Value(data, children, op, _local_grads=local)


def _number(x: object, op: str, method: str) -> float:
    """A Function's result for a Value: a real number, a NumPy scalar or a 0-d array."""
    try:
        if isinstance(x, (str, bytes)) or getattr(x, "size", 1) != 1:
            raise TypeError
        return float(x)
    except (TypeError, ValueError):
        raise TypeError(
            f"{op}.{method} must return a real number for a Value, got {type(x).__name__} {x!r}"
        ) from None
