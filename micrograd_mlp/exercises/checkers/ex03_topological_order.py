"""Exercise 3: topological order, on graphs of :class:`~.expressions.Node` the learner's process
builds from the checker's description: a reused node, random graphs, and a chain deeper than
Python's recursion limit (the exercise asks for an explicit stack; a raised recursion limit is
named, not accepted)."""

from __future__ import annotations

from micrograd_mlp.exercises.expressions import (
    Node,
    build_graph,
    naive_and_correct_dc_da,
    node_order,
)
from micrograd_mlp.exercises.grading import (
    CASES,
    Context,
    Failure,
    as_number,
    expect,
    fmt,
)

#: Depths of the deep chain, drawn at check time: far above Python's recursion limit (1,000).
DEEP = (5_000, 8_000)


def named_graph(spec: dict) -> list[Node]:
    """The graph ``spec`` describes, in :func:`node_order`, its nodes named for the messages
    (a, b, c of the diamond; x0, x1, ... along a chain)."""
    nodes = build_graph(spec, Node)
    if spec["kind"] == "diamond":
        for node, name in zip(nodes, "abc"):
            node.name = name
    elif spec["kind"] == "chain":
        for k, node in enumerate(nodes):
            node.name = f"x{k}"
    return node_order(nodes[-1])


def random_spec(ctx: Context, low: int, high: int) -> dict:
    """A random graph's description: three leaves, ``low`` to ``high`` ops."""
    leaves = [ctx.rng.uniform(-1, 1) + 0.1 * k for k in range(3)]
    return {
        "kind": "random",
        "leaves": leaves,
        "seed": ctx.rng.randrange(2**32),
        "size": ctx.rng.randint(low, high),
    }


def deep_chain(ctx: Context) -> dict:
    return {"kind": "chain", "depth": ctx.rng.randint(*DEEP)}


def check_recursion_limit(ctx: Context, func: str, limit: int) -> None:
    """Fail when the learner's file raised Python's recursion limit (at import or in ``func``):
    the deep chain must be walked with an explicit stack."""
    before = ctx.learner.imported.get("limit_before", limit)
    after = max(limit, ctx.learner.imported.get("limit", limit))
    if after > before:
        raise Failure(
            "exercises.fail.recursion_limit",
            func=func,
            before=f"{before:,}",
            after=f"{after:,}",
            hints=[("exercises.hint.recursion", {})],
        )


def _check_order(ctx: Context, spec: dict, shown: str) -> None:
    func = "topological_order"
    nodes = named_graph(spec)
    answer = ctx.ask("order", func, shown, graph=spec)
    check_recursion_limit(ctx, func, answer["limit"])
    if "not_list" in answer:
        raise Failure(
            "exercises.fail.not_list", func=func, input=shown, got=fmt(answer["not_list"])
        )
    got = answer["order"]
    if None in got:
        item = answer["items"][0] if answer["items"] else "?"
        raise Failure("exercises.fail.not_node", func=func, input=shown, item=item)
    if len(set(got)) != len(got):
        twice = next(i for i in got if got.count(i) > 1)
        raise Failure(
            "exercises.fail.duplicate",
            func=func,
            input=shown,
            node=repr(nodes[twice]),
            hints=[("exercises.hint.visited", {})],
        )
    missing = sorted(set(range(len(nodes))) - set(got))
    if missing:
        raise Failure("exercises.fail.missing_node", func=func, input=shown, node=nodes[missing[0]])
    if got[-1] != len(nodes) - 1:
        raise Failure("exercises.fail.root_last", func=func, input=shown, last=nodes[got[-1]])
    position = {id(nodes[i]): k for k, i in enumerate(got)}
    for i in got:
        for child in nodes[i]._prev:
            if position[id(child)] > position[id(nodes[i])]:
                raise Failure(
                    "exercises.fail.order",
                    func=func,
                    input=shown,
                    node=repr(nodes[i]),
                    child=repr(child),
                    hints=[("exercises.hint.postorder", {})],
                )
    ctx.cases += 1


def check(ctx: Context) -> None:
    """Exercise 3: ``topological_order(root)`` lists every node once, children before parents,
    root last, also for a reused node and a chain 5,000 to 8,000 deep; ``naive_dc_da()`` and
    ``correct_dc_da()`` answer the double-counting question."""
    _check_order(ctx, {"kind": "diamond"}, "b = a + a; c = b + b")
    for i in range(CASES):
        spec = random_spec(ctx, 3, 25)
        shown = ctx.say("random_graph", i=i + 1, n=len(build_graph(spec)))
        _check_order(ctx, spec, shown)
    spec = deep_chain(ctx)
    _check_order(ctx, spec, ctx.say("chain", depth=f"{spec['depth']:,}"))
    naive, correct = naive_and_correct_dc_da()
    for func, expected in (("correct_dc_da", correct), ("naive_dc_da", naive)):
        got = as_number(func, "", ctx.call(func, shown=""))
        expect(ctx, func, "b = a + a; c = b + b", expected, got)
