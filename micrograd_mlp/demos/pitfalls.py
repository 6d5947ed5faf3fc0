"""The pitfall lab: the mistakes learners make with backprop, each printed as the wrong number
next to the right one, every number computed here and now.

1. ``backward()`` twice without ``zero_grad()``: leaf gradients add up (doubled).
2. ``zero_grad()`` on the parameters only: an input Value's gradient keeps accumulating.
3. Drawing the graph before ``backward()``: no gradient has flowed yet.
4. A recursive topological sort: Python's recursion limit stops it near depth 1,000; the
   engine's iterative sort handles a chain 100,000 deep.
5. Recursion without a visited set: ``b = a + a; c = b + b`` counts the reused ``b`` twice.
6. A missing ``__radd__``: ``2 + v`` fails, and so does ``sum(values)`` (it starts from 0).
7. ``exp`` overflow: ``1 / (1 + exp(-x))`` at x = -1000 overflows; the stable sigmoid does not.
8. A learning rate too large: the loss of gradient descent grows instead of shrinking.

Text comes from the message catalogue (``--lang ko`` for Korean).
"""

from __future__ import annotations

import argparse
import re
import sys

import numpy as np

from micrograd_mlp.data.toy import linear_regression_data
from micrograd_mlp.demos.options import chosen_lang, lang_option
from micrograd_mlp.engine import Value
from micrograd_mlp.exercises.expressions import naive_and_correct_dc_da
from micrograd_mlp.functional import mse_loss
from micrograd_mlp.messages import message
from micrograd_mlp.nn import Neuron
from micrograd_mlp.viz.graph import draw_dot, format_number

COMMAND = "pitfalls"
HELP = "common backprop mistakes, each shown as the wrong number next to the right one"
BUILTIN_DATA = True
#: Common options this command takes but does not use (the CLI's help says so).
UNUSED_OPTIONS = {"--out": "it prints its numbers and writes no files"}

#: Depth of the chain the engine's own (iterative) backward pass handles.
DEEP = 100_000
#: Learning rates of the gradient-descent pitfall: one that converges, one that diverges.
GOOD_LR, BAD_LR = 0.5, 1.5
STEPS = 20


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """``--lang`` (:func:`micrograd_mlp.demos.options.lang_option`: default
    ``$MICROGRAD_MLP_LANG``, else English)."""
    lang_option(parser)


def backward_twice() -> dict:
    """d(w x)/dw at x = 3 after one ``backward()`` and after two without ``zero_grad()``."""
    w, x = Value(2.0, label="w"), Value(3.0, label="x")
    loss = w * x
    loss.backward()
    right = w.grad
    loss.backward()
    return {"wrong": w.grad, "right": right}


def zero_grad_inputs() -> dict:
    """A neuron's dL/dx after two steps that call ``zero_grad()`` on the model only, against
    the fresh dL/dx of the second step."""
    neuron = Neuron(2, activation="tanh", seed=0)
    x = [Value(0.5, label="x1"), Value(-1.0, label="x2")]
    for _ in range(2):
        neuron.zero_grad()  # clears w and b, not the inputs
        out = neuron(x)
        out.backward()
    wrong = x[0].grad
    fresh = Value(0.5)
    neuron.zero_grad()
    neuron([fresh, Value(-1.0)]).backward()
    return {"wrong": wrong, "right": fresh.grad, "param_grad": neuron.parameters()[0].grad}


def graph_before_backward() -> dict:
    """The grads a picture shows when drawn before and after ``backward()`` (read from the
    Graphviz labels that ``draw_dot`` writes)."""
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    out = (a * b).tanh()
    out.label = "out"
    before = re.findall(r"grad ([^ |}]+)", draw_dot(out).source)
    out.backward()
    after = re.findall(r"grad ([^ |}]+)", draw_dot(out).source)
    return {"wrong": before, "right": after}


def _recursive_order(node: Value, order: list, seen: set) -> list:
    """The textbook recursive topological sort (what the engine does *not* do)."""
    if id(node) not in seen:
        seen.add(id(node))
        for child in node._children:
            _recursive_order(child, order, seen)
        order.append(node)
    return order


def _chain(depth: int) -> tuple[Value, Value]:
    x0 = x = Value(1.0, label="x0")
    for _ in range(depth):
        x = x * 1.0
    return x0, x


def recursion_limit() -> dict:
    """The depth at which the recursive sort fails, and the engine's backward at ``DEEP``."""
    limit = sys.getrecursionlimit()
    depth = limit + 500
    _, top = _chain(depth)
    try:
        _recursive_order(top, [], set())
        error = ""
    except RecursionError as e:
        error = f"RecursionError: {e}"
    x0, top = _chain(DEEP)
    top.backward()
    return {"limit": limit, "depth": depth, "wrong": error, "deep": DEEP, "right": x0.grad}


def double_count() -> dict:
    """dc/da for ``b = a + a; c = b + b``: without a visited set, and the true value."""
    naive, correct = naive_and_correct_dc_da()
    return {"wrong": naive, "right": correct}


class ValueWithoutRadd:
    """A first attempt at a Value: ``__add__`` but no ``__radd__`` (forward values only)."""

    def __init__(self, data: float) -> None:
        self.data = float(data)

    def __add__(self, other: ValueWithoutRadd | float) -> ValueWithoutRadd:
        other = other if isinstance(other, ValueWithoutRadd) else ValueWithoutRadd(other)
        return ValueWithoutRadd(self.data + other.data)


def missing_radd() -> dict:
    """``2 + v`` and ``sum(values)`` with and without ``__radd__``."""
    out = {}
    for name, cls in (("wrong", ValueWithoutRadd), ("right", Value)):
        values = [cls(1.5), cls(2.5)]
        try:
            out[name] = {"2 + v": (2 + values[0]).data, "sum": sum(values).data}
        except TypeError as e:
            out[name] = {"error": f"TypeError: {e}"}
    return out


def exp_overflow(x: float = -1000.0) -> dict:
    """sigmoid(x) written as 1 / (1 + exp(-x)) with Values, and the engine's stable one."""
    v = Value(x)
    try:
        naive = (1.0 / (1.0 + (-v).exp())).data
        wrong = f"{naive:.6g}"
    except OverflowError as e:
        wrong = f"OverflowError: {e}"
    s = v.sigmoid()
    s.backward()
    return {"x": x, "wrong": wrong, "right": s.data, "right_grad": v.grad}


def _descend(lr: float, x: np.ndarray, y: np.ndarray) -> list[float]:
    w, b = Value(0.0, label="w"), Value(0.0, label="b")
    losses = []
    for _ in range(STEPS):
        loss = mse_loss([w * float(xi) + b for xi in x], [float(t) for t in y])
        losses.append(loss.data)
        w.grad = b.grad = 0.0  # zero_grad
        loss.backward()
        w.data -= lr * w.grad
        b.data -= lr * b.grad
    return losses


def large_learning_rate(seed: int = 0) -> dict:
    """The MSE of gradient descent on a line after ``STEPS`` steps, for a good and a too large
    learning rate; also 2 / (largest curvature), the lr above which it must diverge."""
    x, y = linear_regression_data(20, seed=seed)
    design = np.column_stack([x, np.ones_like(x)])
    hessian = 2.0 / len(x) * design.T @ design  # of the MSE in (w, b): constant for a line
    limit = 2.0 / float(np.linalg.eigvalsh(hessian).max())
    good, bad = _descend(GOOD_LR, x, y), _descend(BAD_LR, x, y)
    return {"limit": limit, "wrong": bad[-1], "right": good[-1], "start": good[0]}


def _number(x: float) -> str:
    return format_number(x, ".6g")


def run(args: argparse.Namespace) -> dict:
    """Run every pitfall, print each wrong number beside the right one, return the numbers."""
    lang = chosen_lang(args)
    say = lambda key, **f: print(message(f"pitfalls.{key}", lang, **f))  # noqa: E731
    results = {}

    r = results["backward_twice"] = backward_twice()
    say("backward_twice.title")
    say("backward_twice.body", wrong=_number(r["wrong"]), right=_number(r["right"]))

    r = results["zero_grad_inputs"] = zero_grad_inputs()
    say("zero_grad_inputs.title")
    say(
        "zero_grad_inputs.body",
        wrong=_number(r["wrong"]),
        right=_number(r["right"]),
        param=_number(r["param_grad"]),
    )

    r = results["graph_before_backward"] = graph_before_backward()
    say("graph_before_backward.title")
    say("graph_before_backward.body", wrong=", ".join(r["wrong"]), right=", ".join(r["right"]))

    r = results["recursion_limit"] = recursion_limit()
    say("recursion_limit.title")
    say(
        "recursion_limit.body",
        limit=f"{r['limit']:,}",
        depth=f"{r['depth']:,}",
        wrong=r["wrong"] or "-",
        deep=f"{r['deep']:,}",
        right=_number(r["right"]),
    )

    r = results["double_count"] = double_count()
    say("double_count.title")
    say("double_count.body", wrong=_number(r["wrong"]), right=_number(r["right"]))

    r = results["missing_radd"] = missing_radd()
    say("missing_radd.title")
    for side in ("wrong", "right"):
        shown = r[side].get("error") or message(
            "pitfalls.missing_radd.values",
            lang,
            plus=_number(r[side]["2 + v"]),
            total=_number(r[side]["sum"]),
        )
        say(f"missing_radd.{side}", result=shown)

    r = results["exp_overflow"] = exp_overflow()
    say("exp_overflow.title")
    say(
        "exp_overflow.body",
        x=_number(r["x"]),
        wrong=r["wrong"],
        right=_number(r["right"]),
        grad=_number(r["right_grad"]),
    )

    r = results["large_learning_rate"] = large_learning_rate(args.seed)
    say("large_learning_rate.title")
    say(
        "large_learning_rate.body",
        steps=STEPS,
        good=GOOD_LR,
        bad=BAD_LR,
        start=_number(r["start"]),
        wrong=_number(r["wrong"]),
        right=_number(r["right"]),
        limit=f"{r['limit']:.3g}",
    )
    return results


__all__ = [
    "backward_twice",
    "double_count",
    "exp_overflow",
    "graph_before_backward",
    "large_learning_rate",
    "missing_radd",
    "recursion_limit",
    "run",
    "zero_grad_inputs",
]
