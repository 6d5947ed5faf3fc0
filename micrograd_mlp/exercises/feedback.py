"""The picture and the chain-rule terms of a wrong gradient in a graph (exercises 2 and 4).

Drawn in the checker's process from the library's graph of the same expression, showing the
gradients the learner's process reported.
"""

from __future__ import annotations

import re

from micrograd_mlp.engine import Value
from micrograd_mlp.exercises.grading import (
    Context,
    Hint,
    fmt,
    grad_of,
)
from micrograd_mlp.messages import message
from micrograd_mlp.viz import graph as drawing
from micrograd_mlp.viz.backprop import backward_steps


def explain_wrong(
    ctx: Context, lib_root: Value, learner: dict, wrong: Value
) -> tuple[str | None, Hint]:
    """For the first wrong gradient: the chain-rule terms that make up the right one, as the
    engine's own backward pass computes them (observed through
    :func:`micrograd_mlp.viz.backprop.backward_steps`), and a picture of the learner's graph
    (the library's graph of the same expression showing the learner's gradients) with that
    gradient in red. ``learner`` maps ``id(library node)`` to (name, the learner's gradient).

    Returns:
        (the picture's path or None, the hint naming the terms).
    """
    expected = grad_of(wrong)
    nodes = lib_root.topological_order()
    for node in nodes:
        if id(node) in learner:
            node.label = learner[id(node)][0]
    terms = [
        f"{fmt(update.product)} ({step.name} = {step.formula})"
        for step in backward_steps(lib_root)
        for update in step.children
        if update.child is wrong
    ]
    hint = (
        "exercises.hint.contributions",
        {"name": wrong.label, "expected": fmt(expected), "terms": " + ".join(terms)},
    )
    if ctx.graph_dir is None:
        return None, hint
    for node in nodes:
        if id(node) in learner:
            node.grad = float(learner[id(node)][1])
    marker = message("exercises.graph.expected", ctx.lang, name=wrong.label, grad=fmt(expected))
    wrong.label = marker
    dot = drawing.draw_dot(lib_root)
    for line in dot.body:
        # the label as draw_dot writes it (escaped; no-break spaces in a Korean label)
        found = re.match(r"\s*(\S+) \[label=\"\{ " + re.escape(drawing.escape_label(marker)), line)
        if found:
            dot.node(found.group(1), color="red", penwidth="3", fillcolor="mistyrose")
            break
    path = ctx.graph_dir / f"ex{ctx.number:02d}_graph.png"
    return str(drawing.save_graph(dot, path)), hint
