"""The autodiff core shared by both engines: graph order, backpropagation, grad mode, anomaly mode.

Both engines build the same kind of graph: every node has ``data``, ``grad`` and an ordered tuple
``_children`` (the operands it was computed from). A scalar :class:`~micrograd_mlp.engine.Value`
stores its local derivatives d node/d child as numbers (``_local_grads``); an array
:class:`~micrograd_mlp.tensor.Tensor` stores a function that multiplies the upstream gradient by
its Jacobian (a vector-Jacobian product). Everything else is here, once:

* :func:`topological_order` -- the one graph walk (operands left to right, children first);
* :func:`backpropagate` -- the one backward pass: the chain rule applied node by node in reverse
  topological order, ``child.grad += d node/d child * node.grad``, with an optional observer
  that sees every application (the step-by-step pictures and traces are such observers);
* :class:`Function` -- the public way to define an op (its forward and its derivative) once, for
  both engines;
* :func:`no_grad` / :func:`is_grad_enabled` -- record no graph (evaluation);
* :func:`detect_anomaly` -- opt-in checks that name the first op giving NaN or infinity.

The rules are PyTorch's: no shortcut changes a result (``0 * inf`` is NaN, also behind a zero
upstream gradient); a gradient is ``None`` until a backward pass reaches its node; a pass gives
every leaf it reaches a gradient (zero when nothing flowed) and *adds* to a leaf's existing one;
intermediate nodes get fresh gradients from each pass; constants (numbers mixed into an op) get
no gradient.
"""

from __future__ import annotations

import contextlib
import functools
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

__all__ = [
    "AnomalyError",
    "ChainRule",
    "Context",
    "Function",
    "backpropagate",
    "detect_anomaly",
    "is_anomaly_enabled",
    "is_grad_enabled",
    "no_grad",
    "topological_order",
]


class Node(Protocol):
    """A computation-graph node: anything with ``data``, ``grad`` and ordered ``_children``."""

    _children: tuple


N = TypeVar("N", bound=Node)


def topological_order(root: N) -> list[N]:
    """Every node ``root`` depends on, each once, children before parents, ending with ``root``.

    The order is that of a depth-first search that visits each node's operands left to right
    (``x1`` before ``w1`` in ``x1 * w1``), so the pictures and traces read inputs first. It is
    iterative (an explicit stack: graphs of any depth work, where a recursive search stops near
    Python's recursion limit of ~1,000) and deterministic. Nodes are told apart by identity.
    Every part of the package that walks a graph uses this order.
    """
    order: list[N] = []
    visited: set[N] = {root}
    # The path from root to the current node: each entry is a node and an iterator over its
    # operands not yet looked at (what a recursive search keeps in its call frames).
    stack: list[tuple[N, Iterator[N]]] = [(root, iter(root._children))]
    while stack:
        node, operands = stack[-1]
        for child in operands:
            if child not in visited:
                visited.add(child)
                if child._children:  # go down into it; come back to `node` afterwards
                    stack.append((child, iter(child._children)))
                    break
                order.append(child)  # a leaf is finished at once
        else:  # every operand of `node` is in `order`: so is `node` now
            stack.pop()
            order.append(node)
    return order


@dataclass(frozen=True)
class ChainRule:
    """One application of the chain rule, as :func:`backpropagate` tells its observer.

    ``d root/d child += upstream * d node/d child``, i.e. ``child.grad += contribution``.

    Attributes:
        node: the node being processed (its gradient is complete).
        index: which operand of ``node`` the child is (0-based; ``x * x`` has 0 and 1).
        child: that operand.
        upstream: ``node.grad`` = d root/d node (a float, or an array of ``node``'s shape).
        local: d node/d child as a number (``Value``); None for a ``Tensor`` (its Jacobian is
            never built: only its product with ``upstream`` is).
        contribution: what was added to ``child.grad`` (``upstream * local`` for a ``Value``; an
            array of ``child``'s shape for a ``Tensor``).
    """

    node: Any
    index: int
    child: Any
    upstream: Any
    local: float | None
    contribution: Any


def backpropagate(
    root: Any, seed: Any, observer: Callable[[ChainRule], None] | None = None
) -> None:
    """The backward pass of both engines: fill ``.grad`` of everything ``root`` depends on.

    1. Intermediate nodes get fresh gradients (None, then what this pass gives them); leaves
       keep theirs, so a leaf *accumulates* across passes (call ``zero_grad()`` between steps).
    2. ``root.grad += seed`` (d root/d root, usually 1).
    3. In reverse :func:`topological_order` -- a node comes only after every node that uses
       it, so its gradient is complete -- every operand gets
       ``child.grad += contribution``, the chain rule
       ``d root/d child += d root/d node * d node/d child``. ``observer`` (if given) is called
       after each such addition with a :class:`ChainRule`.

    Every leaf the pass reaches ends with a gradient (zero if nothing flowed to it, as in
    PyTorch), except constants and Tensors that do not require grad, which keep ``None``
    (a scalar constant's product is computed and shown to the observer like any operand's,
    then dropped).
    The engine supplies the arithmetic: ``type(root)._backward_hooks()`` gives its
    ``start(order)``, ``contributions(node, g)``, ``accumulate(child, c, node, g)`` and
    ``finish(state)``. For ``Value`` the loop multiplies the stored numbers directly (the
    scalar hot path: no call per edge).

    Args:
        root: a ``Value`` or ``Tensor``.
        seed: d root/d root: a float, or an array of ``root``'s shape (already checked).
        observer: called with a :class:`ChainRule` at each chain-rule application.
    """
    order = topological_order(root)
    start, contributions, accumulate, finish, numbers = type(root)._backward_hooks()
    state = start(order)
    try:
        accumulate(root, seed, None, None)
        if _anomaly_mode:
            _check_graph(order)
            observer = _anomaly_observer(observer)
        for node in reversed(order):
            children = node._children
            if not children:
                continue
            g = node.grad
            if g is None:  # a Tensor its users gave no gradient (e.g. a Function's None)
                continue
            if numbers and observer is None:  # Value: local derivatives are stored numbers
                locals_ = node._local_grads
                # A zero upstream gradient times finite local derivatives adds only zeros: skip
                # them (behind a dead ReLU that is most of a graph). Not when a local derivative
                # is inf or NaN (the sum is then not finite): 0 * inf is NaN and must propagate.
                if g == 0.0 and math.isfinite(sum(locals_)):
                    continue
                for child, local in zip(children, locals_):
                    child.grad += local * g
                continue
            for index, (child, c) in enumerate(zip(children, contributions(node, g))):
                if c is None:  # a constant operand: no gradient
                    continue
                accumulate(child, c, node, g)
                if observer is not None:
                    local = node._local_grads[index] if numbers else None
                    observer(ChainRule(node, index, child, g, local, c))
    finally:
        finish(state)


# ------------------------------------------------------------------------ defining ops
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
        engine = None
        for x in inputs:
            hook = getattr(type(x), "_apply_function", None)
            if hook is not None:
                if engine is not None and engine is not type(x):
                    raise TypeError(
                        f"{cls.op_name()}: inputs mix {engine.__name__} and {type(x).__name__}"
                    )
                engine = type(x)
        if engine is None:
            raise TypeError(
                f"{cls.op_name()}.apply: at least one input must be a Value or a Tensor, got "
                + ", ".join(type(x).__name__ for x in inputs)
            )
        return engine._apply_function(cls, inputs, params)

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


# ------------------------------------------------------------------------- grad mode
_grad_enabled = True


def is_grad_enabled() -> bool:
    """False inside a :func:`no_grad` block, True otherwise."""
    return _grad_enabled


def no_grad(func: Callable[..., Any] | None = None) -> Any:
    """Context manager (or decorator): Tensor ops inside record no graph, as PyTorch's ``no_grad``.

    ``with no_grad(): ...``, or on a function ``@no_grad()`` or ``@no_grad`` (both forms, as
    PyTorch's). Results computed inside are plain leaves with ``requires_grad=False``: nothing
    is kept for a backward pass, which saves time and memory when evaluating a model. The flag
    is global to the process (not per thread). (Scalar ``Value`` graphs are always recorded:
    they are what a learner looks at.)

    Raises:
        TypeError: ``func`` is given and is not callable.
    """
    if func is None:
        return _no_grad()
    if not callable(func):
        raise TypeError(
            f"no_grad takes no argument (with no_grad(): ...) or a function to decorate, got "
            f"{type(func).__name__} {func!r}"
        )

    @functools.wraps(func)
    def without_grad(*args: Any, **kwargs: Any) -> Any:
        with _no_grad():
            return func(*args, **kwargs)

    return without_grad


@contextlib.contextmanager
def _no_grad() -> Iterator[None]:
    global _grad_enabled
    previous, _grad_enabled = _grad_enabled, False
    try:
        yield
    finally:
        _grad_enabled = previous


# ---------------------------------------------------------------------- anomaly mode
_anomaly_mode = False


class AnomalyError(FloatingPointError):
    """:func:`detect_anomaly` found NaN or infinity; the message names the op that made it."""


def is_anomaly_enabled() -> bool:
    """True inside a :func:`detect_anomaly` block."""
    return _anomaly_mode


@contextlib.contextmanager
def detect_anomaly() -> Iterator[None]:
    """Context manager: check every forward result and every gradient for NaN and infinity.

    As PyTorch's ``torch.autograd.detect_anomaly``: off by default (it costs a pass over every
    array), and inside the block the first op whose forward result, or whose gradient
    contribution in ``backward()``, holds NaN or infinity raises :class:`AnomalyError` naming the
    op, the operand and the shape. Outside it, NaN and infinity propagate as IEEE arithmetic says
    (see docs/architecture.md, "Domain errors").
    """
    global _anomaly_mode
    previous, _anomaly_mode = _anomaly_mode, True
    try:
        yield
    finally:
        _anomaly_mode = previous


def check_forward(op: str, data: Any, operands: tuple) -> None:
    """Anomaly mode: raise :class:`AnomalyError` if ``data`` (an op's result) is not finite.

    Operands that already held NaN/inf are not blamed on ``op`` (the anomaly came earlier)."""
    if _all_finite(data):
        return
    for x in operands:
        if not _all_finite(x.data):
            return  # not this op's doing
    raise AnomalyError(
        f"detect_anomaly: op {op!r} produced NaN or infinity in its forward result"
        f"{_shape_note(data)} from finite operands"
        + ("" if _shape_note(data) else f" (got {data!r})")
    )


def _check_graph(order: list) -> None:
    """Anomaly mode: the first node (in forward order) whose data went non-finite names its op.

    (Scalar ops are not checked one by one as they run -- that would slow every Value op --
    so a Value graph is checked here, when its backward pass starts.)"""
    for node in order:
        if node._children:
            check_forward(node._op, node.data, node._children)


def _anomaly_observer(inner: Callable[[ChainRule], None] | None) -> Callable[[ChainRule], None]:
    def observe(step: ChainRule) -> None:
        if not _all_finite(step.contribution) and _all_finite(step.upstream):
            raise AnomalyError(
                f"detect_anomaly: the backward of op {step.node._op!r} produced NaN or infinity "
                f"in the gradient of its operand {step.index}{_shape_note(step.contribution)} "
                "from a finite upstream gradient"
            )
        if inner is not None:
            inner(step)

    return observe


def _all_finite(x: Any) -> bool:
    if isinstance(x, float):
        return math.isfinite(x)
    import numpy as np

    return bool(np.isfinite(x).all())


def _shape_note(x: Any) -> str:
    shape = getattr(x, "shape", None)
    return f" (shape {shape})" if shape else ""
