"""Watch backpropagation node by node.

By default: one neuron, ``o = tanh(w1*x1 + w2*x2 + b)``, with inputs x1 = 2, x2 = 0, weights
w1 = -3, w2 = 1 and the bias b = 6 + atanh(1/sqrt 2) ~ 6.8814, chosen so the pre-activation is
n = atanh(1/sqrt 2), o = 1/sqrt 2 and d o/d n = 1 - o^2 = 1/2. Or any formula you type, e.g.
``micrograd-mlp backprop "tanh(x*y + 2)" --values x=1.5 y=-2`` (parsed safely, never eval'ed).

Prints the chain-rule trace (one line per application), writes one picture per backward step
(``frame_000.png`` ...), the animation ``backward.gif`` and the trace ``trace.txt`` under ``--out``,
then runs the engine's real ``backward()`` and checks it gives the same gradients.
"""

from __future__ import annotations

import argparse
import math

from micrograd_mlp.engine import Value
from micrograd_mlp.expression import (
    ALLOWED,
    ExpressionError,
    parse_assignments,
    parse_expression,
)
from micrograd_mlp.files import atomic_write_bytes
from micrograd_mlp.viz.backprop import backward_steps, explain
from micrograd_mlp.viz.backprop_frames import backward_frames

COMMAND = "backprop"
HELP = "step-by-step pictures and a text trace of backward() on a neuron or your formula"
BUILTIN_DATA = True


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The demo's options: an optional formula, its variables' values, the frame format."""
    parser.add_argument(
        "expression",
        nargs="?",
        default=None,
        help=f"a formula to differentiate (default: a tanh neuron). Allowed: {ALLOWED}",
    )
    parser.add_argument(
        "--values",
        nargs="+",
        default=[],
        metavar="NAME=NUMBER",
        help="the value of every variable in the expression, e.g. --values x=1.5 y=-2",
    )
    parser.add_argument(
        "--format", choices=("png", "svg"), default="png", help="frame format (default: png)"
    )
    parser.add_argument("--no-gif", action="store_true", help="do not write backward.gif")


def neuron() -> tuple[Value, list[Value]]:
    """The default graph ``o = tanh(w1*x1 + w2*x2 + b)`` with every node labelled, and its
    parameters ``[w1, w2, b]``."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    # n = w1*x1 + w2*x2 + b = -6 + b; b = 6 + atanh(1/sqrt 2) makes tanh(n) = 1/sqrt 2.
    b = Value(6.0 + math.atanh(1.0 / math.sqrt(2.0)), label="b")
    w1x1 = w1 * x1
    w1x1.label = "w1x1"
    w2x2 = w2 * x2
    w2x2.label = "w2x2"
    s = w1x1 + w2x2
    s.label = "s"
    n = s + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return o, [w1, w2, b]


def run(args: argparse.Namespace) -> dict:
    """Trace, draw and check the backward pass; returns the numbers it shows.

    Returns:
        ``{"expression", "steps", "grads" (leaf name -> d out/d leaf from the trace),
        "backward_agrees" (bool), "trace", "frames" (paths), "gif" (path or None)}``.

    Raises:
        SystemExit: a bad expression or ``--values`` (the message says what is allowed).
    """
    try:
        if args.expression is None:
            if args.values:
                raise ExpressionError("--values needs an expression to give values to")
            root, params = neuron()
            expression = "tanh(w1*x1 + w2*x2 + b)"
        else:
            root = parse_expression(args.expression, parse_assignments(args.values))
            params, expression = None, args.expression
    except ExpressionError as e:
        raise SystemExit(f"micrograd-mlp {COMMAND}: error: {e}") from None

    print(f"out = {expression} = {root.data:.6g}\n")
    trace = explain(root)
    print(trace)
    steps = backward_steps(root)
    atomic_write_bytes(args.out / "trace.txt", trace.encode("utf-8"))

    # The replay never touches .grad; now let the engine do the real thing and compare.
    root.backward()
    traced = {id(u.child): (u.name, u.child, u.grad_after) for s in steps for u in s.children}
    agrees = all(child.grad == grad for _, child, grad in traced.values())
    leaves = {name: grad for name, child, grad in traced.values() if not child._children}
    print("gradients of the leaves:", ", ".join(f"{k} = {v:.6g}" for k, v in leaves.items()))
    print(f"root.backward() gives the same gradients: {agrees}")

    frames = (
        backward_frames(root, args.out, args.format, gif=not args.no_gif, params=params)
        if steps
        else None
    )
    if frames is None:
        print("the expression is a single leaf: there is no backward step to draw")
    else:
        count = len(frames.frames)
        print(
            f"wrote {count} frame{'s' * (count != 1)} to {args.out}/ ({frames.frames[0].name} ...)"
        )
        if frames.gif is not None:
            print(f"wrote {frames.gif}")
    return {
        "expression": expression,
        "steps": len(steps),
        "grads": leaves,
        "backward_agrees": agrees,
        "trace": trace,
        "frames": frames.frames if frames else [],
        "gif": frames.gif if frames else None,
    }
