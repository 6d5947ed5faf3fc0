"""The graph a learner asks ``backprop`` and ``explore`` for, chosen in one place.

:func:`add_graph_arguments` adds the options (an optional formula, ``--values``, ``--example``,
``--lang``); :func:`choose_graph` reads them and builds the graph: a built-in example
(:mod:`micrograd_mlp.examples`), the typed formula (:mod:`micrograd_mlp.expression`, never
eval'ed), or by default the tanh :func:`neuron`. Its errors come from the message catalogue, in
the learner's language.
"""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass

from micrograd_mlp.demos.options import UserError, lang_option
from micrograd_mlp.engine import Value
from micrograd_mlp.examples import EXAMPLES, example
from micrograd_mlp.expression import ALLOWED, normalize, parse_assignments, parse_expression
from micrograd_mlp.messages import message

#: How the default graph, :func:`neuron`, is shown.
NEURON_FORMULA = "tanh(w1*x1 + w2*x2 + b)"


def add_graph_arguments(parser: argparse.ArgumentParser, purpose: str = "differentiate") -> None:
    """The options that choose a graph and its language, shared by ``backprop`` and
    ``explore``: an optional formula, ``--values``, ``--example`` and ``--lang``
    (:func:`micrograd_mlp.demos.options.lang_option`). :func:`choose_graph` reads them.

    Args:
        parser: the command's parser.
        purpose: the verb in the formula's help, e.g. ``"explore"`` (``a formula to explore``).
    """
    parser.add_argument(
        "expression",
        nargs="?",
        default=None,
        help=f"a formula to {purpose} (default: a tanh neuron; one starting with '-' needs "
        f"parentheses, e.g. '(-x)*y'). Allowed: {ALLOWED}",
    )
    parser.add_argument(
        "--values",
        nargs="+",
        default=[],
        metavar="NAME=NUMBER",
        help="the value of every variable in the expression, e.g. --values x=1.5 y=-2",
    )
    parser.add_argument(
        "--example",
        choices=sorted(EXAMPLES),
        default=None,
        help="a built-in graph instead of the neuron: shopping = 100 won x 2 apples x 1.1 tax",
    )
    lang_option(parser, "the text and of the example's labels")


def neuron() -> tuple[Value, list[Value]]:
    """The default graph ``o = tanh(w1*x1 + w2*x2 + b)`` with every node labelled, and its
    parameters ``[w1, w2, b]``.

    The inputs are x1 = 2, x2 = 0, the weights w1 = -3, w2 = 1 and the bias
    b = 6 + atanh(1/sqrt 2) ~ 6.8814, chosen so that n = atanh(1/sqrt 2), o = 1/sqrt 2 and
    d o/d n = 1 - o^2 = 1/2.
    """
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


@dataclass(frozen=True, eq=False)
class ChosenGraph:
    """The graph :func:`choose_graph` built.

    Attributes:
        root: its output ``Value``.
        params: the parameters to draw as such (``[w1, w2, b]`` of the neuron), else None.
        expression: the formula as shown, e.g. ``"tanh(w1*x1 + w2*x2 + b)"``, the typed
            formula, or the example's ``"total = price * count * tax"`` (in ``lang``).
        story: the example's story to print before it (in ``lang``), else None.
    """

    root: Value
    params: list[Value] | None
    expression: str
    story: str | None = None


def choose_graph(args: argparse.Namespace, lang: str) -> ChosenGraph:
    """The graph the options of :func:`add_graph_arguments` ask for: ``--example NAME``; else
    the formula with its ``--values``; else the default :func:`neuron`.

    Args:
        args: parsed options with ``expression`` (str or None), ``values`` (list of
            ``NAME=NUMBER`` strings) and ``example`` (a name in ``EXAMPLES`` or None).
        lang: ``"en"``/``"ko"``: the language of the example's labels and of the errors.

    Returns:
        A :class:`ChosenGraph`.

    Raises:
        UserError: ``--example`` with a formula or ``--values``; ``--values`` without a formula
            (messages ``graph.example_and_expression``, ``graph.values_need_expression``).
        ExpressionError: the formula or ``--values`` cannot be read or evaluated.
    """
    if args.example is not None:
        if args.expression is not None or args.values:
            raise UserError(message("graph.example_and_expression", lang))
        built = example(args.example, lang)
        return ChosenGraph(built.root, None, built.expression, built.story)
    if args.expression is None:
        if args.values:
            raise UserError(message("graph.values_need_expression", lang))
        root, params = neuron()
        return ChosenGraph(root, params, NEURON_FORMULA)
    root = parse_expression(args.expression, parse_assignments(args.values))
    # As the parser read it (full-width "ｘ＊ｙ" is "x*y"); stripped: " -x*y" (the CLI's hint)
    return ChosenGraph(root, None, normalize(args.expression).strip())
