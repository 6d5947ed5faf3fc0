"""Exercise 4: backward()."""

from __future__ import annotations

import random
from types import ModuleType

from micrograd_mlp.engine import Value
from micrograd_mlp.exercises.expressions import (
    Node,
    chain,
    diamond,
    naive_order,
    node_order,
    random_graph,
)
from micrograd_mlp.exercises.feedback import explain_wrong
from micrograd_mlp.exercises.grading import (
    CASES,
    Context,
    call,
    close,
    expect,
    grad_of,
    say,
)


# -------------------------------------------------------------- backward (exercise 4)
def check(module: ModuleType, ctx: Context) -> None:
    """Exercise 4: ``backward(root)`` seeds ``root.grad = 1`` and calls every node's
    ``_backward()`` once, in reverse topological order; checked on random graphs with reused
    nodes and on a chain 5,000 deep, against the library engine."""
    rng = random.Random(404)
    cases = [("b = a + a; c = b + b", None)] + [
        (say("random_graph_short", i=i + 1), i) for i in range(CASES // 2)
    ]
    for shown, index in cases:
        seed = rng.random()
        if index is None:
            leaves = None
            nodes = list(diamond())
            lib_a = Value(1.5, label="a")
            lib_b = lib_a + lib_a
            lib_nodes = [lib_a, lib_b, lib_b + lib_b]
        else:
            leaves = [random.Random(seed).uniform(-1, 1) for _ in range(3)]
            leaves = [x + 0.1 * k for k, x in enumerate(leaves)]
            size = random.Random(seed).randint(3, 20)
            nodes = random_graph(Node, leaves, random.Random(seed + 1), size)
            lib_nodes = random_graph(Value, leaves, random.Random(seed + 1), size)
        lib_nodes[-1].backward()
        call(module, "backward", nodes[-1], shown=shown)
        for k, (node, lib) in enumerate(zip(nodes[::-1], lib_nodes[::-1])):
            expected = grad_of(lib)
            if close(node.grad, expected):
                ctx.cases += 1
                continue
            mistakes = _backward_mistakes(index, seed, leaves, k)
            if all(n.grad == 0.0 for n in nodes):
                mistakes.append(("exercises.hint.seed", node.grad))
            names = {}
            for j, (n, lv) in enumerate(zip(nodes, lib_nodes)):
                names[id(lv)] = (lv.label or n.name or f"v{j}", n)
            graph, terms = explain_wrong(ctx, lib_nodes[-1], names, lib)
            expect(
                ctx,
                "backward",
                say("grad_of", case=shown, name=names[id(lib)][0]),
                expected,
                node.grad,
                mistakes,
                [terms],
                graph=graph,
            )
    deep = chain(5000)
    call(module, "backward", deep[-1], shown=say("chain", depth="5,000"))
    expect(
        ctx,
        "backward",
        say("grad_of", case=say("chain", depth="5,000"), name="x0"),
        1.0,
        deep[0].grad,
    )


def _backward_mistakes(index: int | None, seed: float, leaves, k: int) -> list[tuple[str, float]]:
    """d out/d (k-th node from the output) under two wrong backward passes: the topological
    order not reversed, and a naive order that lists reused nodes twice."""

    def rebuilt() -> list[Node]:
        if index is None:
            return list(diamond())
        return random_graph(
            Node, leaves, random.Random(seed + 1), random.Random(seed).randint(3, 20)
        )

    wrong = []
    forward = rebuilt()
    forward[-1].grad = 1.0
    for n in node_order(forward[-1]):
        n._backward()
    wrong.append(("exercises.hint.reverse", forward[::-1][k].grad))
    naive = rebuilt()
    naive[-1].grad = 1.0
    for n in reversed(naive_order(naive[-1])):
        n._backward()
    wrong.append(("exercises.hint.visited", naive[::-1][k].grad))
    return wrong
