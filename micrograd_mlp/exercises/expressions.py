"""The graphs and expressions the checks of exercises 2-4 build, written once for any engine.

The checker's process builds them on the library's engine (the reference) and the learner's
process builds the very same ones on the learner's ``Value`` (exercise 2) or on :class:`Node`
(exercises 3 and 4), from a description in plain data (a recipe's index and its inputs, or a
graph *spec* such as ``{"kind": "random", "leaves": [...], "seed": 7, "size": 12}``). A node is
named by its position in :func:`node_order`, the package's one topological order, which is the
same on both sides for graphs of the same shape.

Also the double-counting computation of exercise 3 and of the pitfall lab
(:func:`naive_and_correct_dc_da`).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import Any

from micrograd_mlp.autodiff import topological_order
from micrograd_mlp.engine import Value

__all__ = [
    "RECIPES",
    "Node",
    "Recipe",
    "build_graph",
    "naive_and_correct_dc_da",
    "naive_order",
    "node_order",
    "path_count",
]


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


def _random_graph(leaf: Callable, leaves: list, rng: random.Random, size: int) -> list:
    """``size`` random ops (+, *, tanh) on earlier nodes (so nodes get reused), built with the
    same choices on any engine (``leaf`` makes a leaf)."""
    nodes = [leaf(x) for x in leaves]
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


def build_graph(spec: dict, leaf: Callable = Node) -> list:
    """The graph ``spec`` describes, its leaves made by ``leaf`` (``Node`` or ``Value``); returns
    the nodes made, in the order they were made, the output last:

    * ``{"kind": "diamond"}``: ``a = 1.5; b = a + a; c = b + b`` (a reused node, twice);
    * ``{"kind": "chain", "depth": d}``: ``x0 = 0.5``, then ``x_k = x_(k-1) * 1.0``, d times;
    * ``{"kind": "random", "leaves": [...], "seed": s, "size": n}``: n random ops on the leaves
      and earlier results (nodes get reused), then the sum of the last few.
    """
    kind = spec["kind"]
    if kind == "diamond":
        a = leaf(1.5)
        b = a + a
        return [a, b, b + b]
    if kind == "chain":
        nodes = [leaf(0.5)]
        for _ in range(int(spec["depth"])):
            nodes.append(nodes[-1] * leaf(1.0))
        return nodes
    if kind == "random":
        leaves = [float(x) for x in spec["leaves"]]
        return _random_graph(leaf, leaves, random.Random(spec["seed"]), int(spec["size"]))
    raise ValueError(f"unknown graph kind {kind!r}")


def naive_order(root: Any) -> list:
    """A post-order *without* a visited set: a node reached twice is listed twice (what a
    recursive search without one lists; written with a stack, for deep graphs)."""
    order: list = []
    stack = [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
        else:
            stack.append((node, True))
            stack.extend((child, False) for child in reversed(node._prev))
    return order


def path_count(root: Any) -> int:
    """How many nodes a walk without a visited set lists: one per path from ``root``."""
    order = node_order(root)
    paths = {id(root): 1}
    for node in reversed(order):
        for child in node._children:
            paths[id(child)] = paths.get(id(child), 0) + paths[id(node)]
    return sum(paths.values())


def naive_and_correct_dc_da() -> tuple[float, float]:
    """d c/d a for ``b = a + a; c = b + b`` with a backward over the naive order (each reuse
    processed again) and over the library's engine (each node once)."""
    a, _, c = build_graph({"kind": "diamond"})
    c.grad = 1.0
    for node in reversed(naive_order(c)):
        node._backward()
    lib_a, _, lib_c = build_graph({"kind": "diamond"}, Value)
    lib_c.backward()
    return a.grad, lib_a.grad


class Recipe:
    """An expression of exercise 2, built the same way on any engine: ``build(a, b)`` returns its
    nodes, the output last. ``kind`` is "single" (one op), "chain" (ops feeding ops) or "reuse"
    (a node used twice). ``op`` names the operation whose known mistakes apply."""

    def __init__(self, text: str, build: Callable, kind: str = "single", op: str = "") -> None:
        self.text, self.build, self.kind, self.op = text, build, kind, op

    @property
    def uses_b(self) -> bool:
        """Whether the expression has a second input ``b``."""
        return "b" in self.text


_UNARY_OPS = ("exp", "log", "tanh", "sigmoid", "relu")

#: The expressions of exercise 2: ops first, each on its own (an op a learner writes from others,
#: a / b as a * b**-1, comes after the ops it uses), then chains of ops and reused nodes.
RECIPES: list[Recipe] = [
    Recipe("a + b", lambda a, b: [a + b], op="add"),
    Recipe("a * b", lambda a, b: [a * b], op="mul"),
    *[Recipe(f"a ** {p:g}", lambda a, b, p=p: [a**p], op=f"pow{p:g}") for p in (2, 3, 0.5, -1)],
    *[Recipe(f"a.{op}()", lambda a, b, op=op: [getattr(a, op)()], op=op) for op in _UNARY_OPS],
    Recipe("-a", lambda a, b: [-a], op="neg"),
    Recipe("a - b", lambda a, b: [a - b], op="sub"),
    Recipe("a / b", lambda a, b: [a / b], op="div"),
    Recipe("2 + a", lambda a, b: [2.0 + a], op="radd"),
    Recipe("3 * a", lambda a, b: [3.0 * a], op="rmul"),
    Recipe("(a * b).tanh()", lambda a, b: (lambda n: [n, n.tanh()])(a * b), "chain"),
    Recipe(
        "((a + b) * b).exp() / 4",
        lambda a, b: (lambda n, m: [n, m, m.exp(), m.exp() / 4.0])(a + b, (a + b) * b),
        "chain",
    ),
    Recipe(
        "(a * b).sigmoid() * 3",
        lambda a, b: (lambda n: [n, n.sigmoid(), n.sigmoid() * 3.0])(a * b),
        "chain",
    ),
    Recipe("a * a", lambda a, b: [a * a], "reuse"),
    Recipe("(a * b) * a", lambda a, b: (lambda n: [n, n * a])(a * b), "reuse"),
    Recipe("a.tanh() * a", lambda a, b: (lambda n: [n, n * a])(a.tanh()), "reuse"),
    Recipe(
        "n = a * b; n * n + n",
        lambda a, b: (lambda n: [n, n * n, n * n + n])(a * b),
        "reuse",
    ),
]
