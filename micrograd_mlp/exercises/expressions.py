"""The graphs the checks of exercises 2-4 build, the same way on any engine."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import Any

from micrograd_mlp.autodiff import topological_order
from micrograd_mlp.exercises.grading import (
    lib_grads,
)


# ------------------------------------------------------------- graphs (exercises 2, 3, 4)
class View:
    """A learner's node as the library's graph walk sees nodes (its ``_children``), told apart
    by identity whatever the learner's class defines; one view per node."""

    __slots__ = ("node", "_views")

    def __init__(self, node: Any, views: dict[int, View]) -> None:
        self.node, self._views = node, views
        views[id(node)] = self

    @property
    def _children(self) -> tuple[View, ...]:
        views = self._views
        return tuple(views.get(id(c)) or View(c, views) for c in self.node._children)


def node_order(root: Any) -> list[Any]:
    """The nodes behind ``root`` (through ``_children``), operands first: the package's one
    topological order (:func:`micrograd_mlp.autodiff.topological_order`)."""
    return [view.node for view in topological_order(View(root, {}))]


# ------------------------------------------------------- topological order (exercise 3)
class Node:
    """A graph node for exercises 3 and 4, built as the learner's Value of exercise 2: ``data``,
    ``grad``, ``_children`` (its operands, in order; ``_prev`` too), ``_local_grads`` (d self/d
    operand, a number each) and the same ``_backward()``."""

    __slots__ = ("data", "grad", "_children", "_local_grads", "_op", "name")

    def __init__(
        self, data: float, prev: tuple = (), local: tuple = (), op: str = "", name: str = ""
    ):
        self.data, self.grad, self._children, self._local_grads = data, 0.0, prev, local
        self._op, self.name = op, name

    @property
    def _prev(self) -> tuple[Node, ...]:
        return self._children

    def __repr__(self) -> str:
        return f"Node({self.name or self._op or 'leaf'}, data={self.data:.4g})"

    def _backward(self) -> None:
        for child, local in zip(self._children, self._local_grads):
            child.grad += local * self.grad

    def __add__(self, other: Node) -> Node:
        return Node(self.data + other.data, (self, other), (1.0, 1.0), "+")

    def __mul__(self, other: Node) -> Node:
        return Node(self.data * other.data, (self, other), (other.data, self.data), "*")

    def tanh(self) -> Node:
        t = math.tanh(self.data)
        return Node(t, (self,), (1.0 - t * t,), "tanh")


def random_graph(node: Callable, leaves: list, rng: random.Random, size: int) -> list:
    """``size`` random ops (+, *, tanh) on earlier nodes (so nodes get reused), built with the
    same choices on any engine (``node`` makes a leaf)."""
    nodes = [node(x) for x in leaves]
    for _ in range(size):
        kind = rng.choice("+*t")
        a, b = rng.choice(nodes[-4:]), rng.choice(nodes)
        nodes.append(a.tanh() if kind == "t" else (a + b if kind == "+" else a * b))
    # Sum of the last few, so every recent node reaches the output.
    out = nodes[-1]
    for extra in nodes[-4:-1]:
        out = out + extra
    nodes.append(out)
    return nodes


def naive_order(root: Node) -> list[Node]:
    """A post-order *without* a visited set: a node reached twice is listed twice."""
    order: list[Node] = []

    def visit(n: Node) -> None:
        for c in n._prev:
            visit(c)
        order.append(n)

    visit(root)
    return order


def diamond() -> tuple[Node, Node, Node]:
    a = Node(1.5, name="a")
    b = a + a
    b.name = "b"
    c = b + b
    c.name = "c"
    return a, b, c


def chain(depth: int) -> list[Node]:
    nodes = [Node(0.5, name="x0")]
    for i in range(depth):
        nodes.append(nodes[-1] * Node(1.0))
        nodes[-1].name = f"x{i + 1}"
    return nodes


def naive_and_correct_dc_da() -> tuple[float, float]:
    """d c/d a for ``b = a + a; c = b + b`` with a backward over the naive order (each reuse
    processed again) and over the library's (each node once)."""
    a, b, c = diamond()
    c.grad = 1.0
    for node in reversed(naive_order(c)):
        node._backward()
    _, (correct,) = lib_grads(lambda v: (lambda w: w + w)(v + v), 1.5)
    return a.grad, correct
