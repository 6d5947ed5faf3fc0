"""What both engines share and a learner can skip: graph order, grad mode, anomaly mode.

Both engines build the same kind of graph: every node has ``data``, ``grad`` and an ordered tuple
``_children`` (the operands it was computed from), and a ``_backward()`` method that applies the
chain rule at that node. Each engine's ``backward()`` is the same loop, written in its own file
(:mod:`micrograd_mlp.engine` for ``Value``, :mod:`micrograd_mlp.tensor.tensor` for ``Tensor``)::

    for node in reversed(topological_order(root)):
        node._backward()

Here, once for both:

* :func:`topological_order` -- the one graph walk (operands left to right, children first);
* :func:`no_grad` / :func:`is_grad_enabled` -- record no graph (evaluation);
* :func:`detect_anomaly` -- opt-in checks that name the first op giving NaN or infinity
  (:func:`check_graph`, run by ``backward()`` after its loop when the mode is on).

Defining an op of your own for both engines is :class:`micrograd_mlp.function.Function`.
"""

from __future__ import annotations

import contextlib
import functools
import math
from collections.abc import Callable, Iterator
from typing import Any, Protocol, TypeVar

__all__ = [
    "AnomalyError",
    "check_graph",
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


def check_graph(order: list) -> None:
    """Anomaly mode, after a backward pass over ``order`` (``topological_order(root)``): raise
    :class:`AnomalyError` naming the first op that turned finite numbers into NaN or infinity.

    First the forward results, in forward order (scalar ops are not checked one by one as they
    run: that would slow every ``Value`` op; ``Tensor`` ops also check as they run). Then each
    node's gradient contributions (its upstream gradient is final now), from the output back: a
    contribution that is not finite although the node's gradient is.
    """
    for node in order:
        if node._children:
            check_forward(node._op, node.data, node._children)
    for node in reversed(order):
        if not node._children or node.grad is None or not _all_finite(node.grad):
            continue
        for index, contribution in enumerate(_contributions(node)):
            if contribution is not None and not _all_finite(contribution):
                raise AnomalyError(
                    f"detect_anomaly: the backward of op {node._op!r} produced NaN or infinity "
                    f"in the gradient of its operand {index}{_shape_note(contribution)} from a "
                    "finite upstream gradient"
                )


def _contributions(node: Any) -> list:
    """What ``node._backward()`` sends each operand: ``local * grad`` for a ``Value``, the op's
    vector-Jacobian product for a ``Tensor`` (recomputed: anomaly mode only)."""
    if hasattr(node, "_local_grads"):
        return [local * node.grad for local in node._local_grads]
    return list(node._vjp())


def _all_finite(x: Any) -> bool:
    if isinstance(x, float):
        return math.isfinite(x)
    import numpy as np

    return bool(np.isfinite(x).all())


def _shape_note(x: Any) -> str:
    shape = getattr(x, "shape", None)
    return f" (shape {shape})" if shape else ""
