"""Graph traversal shared by both engines (``Value`` and ``Tensor`` nodes alike)."""

from __future__ import annotations

from typing import Protocol, TypeVar

__all__ = ["topological_order"]


class Node(Protocol):
    """A computation-graph node: anything with an ordered tuple of ``_children``."""

    _children: tuple


N = TypeVar("N", bound=Node)


def topological_order(root: N) -> list[N]:
    """Every node ``root`` depends on, children before parents, ending with ``root``.

    An iterative depth-first search (an explicit stack, so graphs of any depth work; Python's
    recursion limit would stop a recursive one near depth 1,000). Deterministic, because each
    node's children are an ordered tuple. Nodes are told apart by identity.
    """
    order: list[N] = []
    visited: set[N] = set()
    stack: list[tuple[N, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if children_done:
            order.append(node)  # all its children are already in `order`
        elif node not in visited:
            visited.add(node)
            stack.append((node, True))  # revisit after its children
            for child in node._children:
                if child not in visited:
                    stack.append((child, False))
    return order
