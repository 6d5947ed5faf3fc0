"""Exercise 3: topological order."""

from __future__ import annotations

import random
from types import ModuleType

from micrograd_mlp.exercises.expressions import (
    Node,
    chain,
    diamond,
    naive_and_correct_dc_da,
    node_order,
    random_graph,
)
from micrograd_mlp.exercises.grading import (
    CASES,
    Context,
    Failure,
    as_number,
    call,
    expect,
    fmt,
    say,
)


def _check_order(module: ModuleType, root: Node, shown: str, ctx: Context) -> list:
    got = call(module, "topological_order", root, shown=shown)
    if not isinstance(got, list | tuple):
        raise Failure(
            "exercises.fail.not_list", func="topological_order", input=shown, got=fmt(got)
        )
    expected = node_order(root)
    ids = [id(n) for n in got]
    if len(set(ids)) != len(ids):
        twice = next(n for n in got if ids.count(id(n)) > 1)
        raise Failure(
            "exercises.fail.duplicate",
            func="topological_order",
            input=shown,
            node=repr(twice),
            hints=[("exercises.hint.visited", {})],
        )
    listed = set(ids)
    missing = [n for n in expected if id(n) not in listed]
    if missing:
        raise Failure(
            "exercises.fail.missing_node",
            func="topological_order",
            input=shown,
            node=repr(missing[0]),
        )
    if got[-1] is not root:
        raise Failure(
            "exercises.fail.root_last", func="topological_order", input=shown, last=repr(got[-1])
        )
    position = {id(n): i for i, n in enumerate(got)}
    for n in got:
        for c in n._prev:
            if position[id(c)] > position[id(n)]:
                raise Failure(
                    "exercises.fail.order",
                    func="topological_order",
                    input=shown,
                    node=repr(n),
                    child=repr(c),
                    hints=[("exercises.hint.postorder", {})],
                )
    ctx.cases += 1
    return got


def check(module: ModuleType, ctx: Context) -> None:
    """Exercise 3: ``topological_order(root)`` lists every node once, children before parents,
    root last, also for a reused node and a chain 5,000 deep; ``naive_dc_da()`` and
    ``correct_dc_da()`` answer the double-counting question."""
    a, b, c = diamond()
    _check_order(module, c, "b = a + a; c = b + b", ctx)
    rng = random.Random(303)
    for i in range(CASES):
        leaves = [rng.uniform(-1, 1) for _ in range(3)]
        nodes = random_graph(Node, leaves, rng, rng.randint(3, 25))
        _check_order(module, nodes[-1], say("random_graph", i=i + 1, n=len(nodes)), ctx)
    deep = chain(5000)
    _check_order(module, deep[-1], say("chain", depth="5,000"), ctx)
    naive, correct = naive_and_correct_dc_da()
    for func, expected in (("correct_dc_da", correct), ("naive_dc_da", naive)):
        got = as_number(func, "", call(module, func, shown=""))
        expect(ctx, func, "b = a + a; c = b + b", expected, got)
