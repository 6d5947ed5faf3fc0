"""Exercise 4: backward(root), on graphs of :class:`~.expressions.Node` the learner's process
builds from the checker's description (nodes with the same ``_backward()`` as exercise 2's
Value), against the library engine on the same graph.

A wrong pass is compared as a whole with the passes of the typical mistakes, simulated here on
the checker's own copy of the graph: no seed, the topological order forward instead of
reversed, a recursion that revisits a shared node (post-order without a visited set, or
``_backward()`` then each operand, recursively). A pass that matches one is named by it; only a
pass that matches none gets the chain-rule terms of its first wrong gradient.
"""

from __future__ import annotations

from collections.abc import Callable

from micrograd_mlp.engine import Value
from micrograd_mlp.exercises.checkers.ex03_topological_order import (
    check_recursion_limit,
    deep_chain,
    named_graph,
    random_spec,
)
from micrograd_mlp.exercises.expressions import (
    Node,
    build_graph,
    naive_order,
    node_order,
    path_count,
)
from micrograd_mlp.exercises.feedback import explain_wrong
from micrograd_mlp.exercises.grading import (
    CASES,
    Context,
    Failure,
    Hint,
    as_number,
    close,
    grad_of,
    grad_scales,
)


def _no_seed(root: Node) -> None:
    for node in reversed(node_order(root)):
        node._backward()


def _forward(root: Node) -> None:
    root.grad = 1.0
    for node in node_order(root):
        node._backward()


def _naive_postorder(root: Node) -> None:
    root.grad = 1.0
    for node in reversed(naive_order(root)):
        node._backward()


def _revisiting(root: Node) -> None:
    root.grad = 1.0
    todo = [root]
    while todo:  # _backward(), then each operand in turn, with no visited set
        node = todo.pop()
        node._backward()
        todo.extend(reversed(node._prev))


def _seed_last(root: Node) -> None:
    for node in reversed(node_order(root)):
        node._backward()
    root.grad = 1.0


#: The typical wrong passes: (hint, the pass on a fresh copy of the graph, whether it walks
#: every path).
MISTAKES: list[tuple[str, Callable[[Node], None], bool]] = [
    ("exercises.hint.seed", _no_seed, False),
    ("exercises.hint.seed", _seed_last, False),
    ("exercises.hint.reverse", _forward, False),
    ("exercises.hint.visited", _naive_postorder, True),
    ("exercises.hint.visited", _revisiting, True),
]
#: Walks longer than this are not simulated (a graph with many paths).
MAX_PATHS = 100_000


def _mistaken(spec: dict, got: list[float], scales: list[float]) -> list[Hint]:
    """The hints of the typical wrong passes whose gradients are all of ``got``."""
    found = []
    for hint, wrong_pass, every_path in MISTAKES:
        nodes = node_order(build_graph(spec, Node)[-1])
        if every_path and path_count(nodes[-1]) > MAX_PATHS:
            continue
        wrong_pass(nodes[-1])
        if all(close(g, n.grad, s, 1e-9) for g, n, s in zip(got, nodes, scales)):
            found.append((hint, {}))
    return found


def _check_backward(ctx: Context, spec: dict, shown: str) -> None:
    nodes = named_graph(spec)
    lib = node_order(build_graph(spec, Value)[-1])
    for j, (node, value) in enumerate(zip(nodes, lib)):
        value.label = node.name or f"v{j}"
    lib[-1].backward()
    scale_of = grad_scales(lib[-1])
    scales = [scale_of.get(id(v), 1.0) for v in lib]
    answer = ctx.ask("backward", "backward", shown, graph=spec)
    check_recursion_limit(ctx, "backward", answer["limit"])
    got = [as_number("backward", shown, g) for g in answer["grads"]]
    if len(got) != len(lib):
        raise Failure("exercises.fail.garbled", file=ctx.file)
    wrong = [k for k in range(len(lib)) if not close(got[k], grad_of(lib[k]), scales[k])]
    if not wrong:
        ctx.cases += 1
        return
    k = wrong[-1]  # from the output back: the first wrong gradient is where the error starts
    hints = _mistaken(spec, got, scales)
    name, expected = lib[k].label, grad_of(lib[k])
    learner = {id(v): (v.label, g) for v, g in zip(lib, got)}
    picture, terms = explain_wrong(ctx, lib[-1], learner, lib[k])  # (relabels the graph)
    if not hints:
        hints = [("exercises.hint.seed", {})] if k == len(lib) - 1 else [terms]
    raise Failure(
        "exercises.fail.mismatch",
        func="backward",
        input=ctx.say("grad_of", case=shown, name=name),
        expected=expected,
        got=got[k],
        hints=hints,
        graph=picture,
    )


def check(ctx: Context) -> None:
    """Exercise 4: ``backward(root)`` seeds ``root.grad = 1`` and calls every node's
    ``_backward()`` once, in reverse topological order; checked on a reused node, random graphs
    and a chain 5,000 to 8,000 deep, against the library engine."""
    cases = [("b = a + a; c = b + b", {"kind": "diamond"})]
    for i in range(CASES // 2):
        cases.append((ctx.say("random_graph_short", i=i + 1), random_spec(ctx, 3, 20)))
    spec = deep_chain(ctx)
    cases.append((ctx.say("chain", depth=f"{spec['depth']:,}"), spec))
    for shown, spec in cases:
        _check_backward(ctx, spec, shown)
