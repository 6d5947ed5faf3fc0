"""Step through the forward and backward pass in your browser: one self-contained HTML page.

By default the tanh neuron of ``micrograd-mlp backprop``; or any formula you type (the same
parser, never eval'ed), e.g. ``micrograd-mlp explore "tanh(w1*x1 + w2*x2 + b)" --values w1=-3
x1=2 w2=1 x2=0 b=6.88``; or a built-in example (``--example shopping``: 100 won x 2 apples x
1.1 tax, with ``--lang ko`` in Korean); or, with ``--mlp``, one sample's squared error through
``MLP(2, [3, 1])`` followed by the SGD update of every parameter (``p <- p - lr * grad``) and
the loss after it.

``--out`` is either a file ending in ``.html`` (the page is written there) or a directory (the
page is ``explorer.html`` inside it; default ``out/explore/explorer.html``). The page loads
nothing from the network: open it from disk in any modern browser. It needs the Graphviz
``dot`` program to lay out the graph; without it the command stops with an error and writes
nothing.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from pathlib import Path

from micrograd_mlp.demos._graph import add_graph_arguments, choose_graph
from micrograd_mlp.demos.options import UserError, chosen_lang, float_option
from micrograd_mlp.engine import Constant, Value
from micrograd_mlp.expression import ExpressionError
from micrograd_mlp.functional import mse_loss
from micrograd_mlp.messages import CatalogueError, Phrase, message
from micrograd_mlp.nn import MLP
from micrograd_mlp.validation import finite_real
from micrograd_mlp.viz.explorer import Explorer
from micrograd_mlp.viz.graph import DotFailedError, DotNotFoundError

COMMAND = "explore"
HELP = "an interactive web page: step through forward, backward (and an SGD step) on your graph"
BUILTIN_DATA = True

#: The page's file name when ``--out`` is a directory.
PAGE = "explorer.html"
#: An ``--out`` ending in one of these is the page itself (the CLI's check_out allows a file).
OUT_FILE_SUFFIXES = (".html", ".htm")
#: The most values a page shows: a bigger graph is unreadable, and Graphviz's layout of it
#: slow (with far operands drawn as copies, 400 values take it about a second).
MAX_VALUES = 400
#: Defaults of ``--mlp``: the sample, its target and the learning rate.
MLP_INPUTS = (2.0, -1.0)
MLP_TARGET = 1.0
MLP_LR = 0.1
#: The largest ``--inputs``/``--target`` magnitude and ``--lr``: a tanh network saturates long
#: before, and the squared error of a larger target would overflow float64 (1e200 did).
MLP_LIMIT = 1e6


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The demo's options: a formula and its values, or ``--mlp`` with its sample."""
    add_graph_arguments(parser, "explore")  # formula, --values, --example, --lang
    parser.add_argument(
        "--mlp",
        action="store_true",
        help="explore one sample's loss through MLP(2, [3, 1]) and the SGD update",
    )
    bounded = float_option(-MLP_LIMIT, MLP_LIMIT)
    parser.add_argument(
        "--inputs",
        nargs=2,
        type=bounded,
        default=None,
        metavar=("X1", "X2"),
        help=f"with --mlp: the sample, each in [-{MLP_LIMIT:g}, {MLP_LIMIT:g}] "
        f"(default: {MLP_INPUTS[0]:g} {MLP_INPUTS[1]:g})",
    )
    parser.add_argument(
        "--target",
        type=bounded,
        default=None,
        help=f"with --mlp: its target, in [-{MLP_LIMIT:g}, {MLP_LIMIT:g}] "
        f"(default: {MLP_TARGET:g})",
    )
    parser.add_argument(
        "--lr",
        type=float_option(0.0, MLP_LIMIT),
        default=None,
        help=f"with --mlp: the SGD learning rate, in [0, {MLP_LIMIT:g}] (default: {MLP_LR:g})",
    )


def mlp_step(
    inputs: Sequence[float] = MLP_INPUTS, target: float = MLP_TARGET, seed: int = 0
) -> tuple[Value, MLP, Callable[[], Value]]:
    """One sample's squared error through ``MLP(2, [3, 1], activation="tanh", seed=seed)``.

    Every node is labelled for the page with the math's 1-based indices, as in the course
    notes and ``docs/images/xor_graph.svg``: the sample ``x1``, ``x2``; weights ``W1[j,i]``
    (layer 1, neuron j, input i; ``layers.0.weight[j-1, i-1]`` in PyTorch's names) and biases
    ``b1[j]``; pre-activations ``z1[j]``, hidden outputs ``h1[j]``; the output ``pred``, the
    target ``y``, ``err = pred - y`` and ``loss = err**2`` (``mse_loss`` of one sample). The
    sample and the target are data, not parameters: constants of this step
    (:class:`~micrograd_mlp.engine.Constant`), which get no gradient.

    Returns:
        ``(loss, model, forward)``: ``forward()`` runs the same forward pass again with the
        model's current parameters and returns the loss (a new graph).

    Raises:
        ValueError: ``inputs`` does not hold two finite numbers, or ``target`` is not finite.
    """
    if len(inputs) != 2:
        raise ValueError(f"mlp_step: expected 2 inputs, got {len(inputs)}")
    x = [Constant(finite_real(f"x{i + 1}", v), label=f"x{i + 1}") for i, v in enumerate(inputs)]
    y = Constant(finite_real("target", target), label="y")
    model = MLP(2, [3, 1], activation="tanh", seed=seed)
    for layer_no, layer in enumerate(model.layers, start=1):
        for j, unit in enumerate(layer.neurons, start=1):
            for i, w in enumerate(unit.weight, start=1):
                w.label = f"W{layer_no}[{j},{i}]"
            unit.bias.label = f"b{layer_no}[{j}]"

    def forward() -> Value:
        hidden = model.layers[0](x)  # the same calls as model(x): layer by layer
        for j, h in enumerate(hidden, start=1):
            h.label = f"h1[{j}]"
            h._children[0].label = f"z1[{j}]"
        pred = model.layers[1](hidden)[0]
        pred.label = "pred"
        loss = mse_loss(pred, y)
        loss.label = "loss"
        loss._children[0].label = "err"
        return loss

    return forward(), model, forward


def page_path(out: Path) -> Path:
    """Where the page goes: ``out`` itself if it ends in ``.html``, else ``out/explorer.html``."""
    return out if out.suffix.lower() in OUT_FILE_SUFFIXES else out / PAGE


class PageNotWrittenError(CatalogueError, UserError):
    """No page was written: Graphviz's ``dot`` is missing or failed, or a number overflowed
    (the message says which, in the run's language)."""


def write_page(root: Value, out: Path, **options) -> Explorer:
    """Build the page of ``root`` (``options`` as in :class:`~micrograd_mlp.viz.explorer.
    Explorer`) and write it to :func:`page_path` ``(out)``; other commands and examples with
    their own graph (any labelled ``Value`` graph) can call this too.

    Raises:
        UserError: the Graphviz ``dot`` program is missing or failed (crashed, an error, out of
            time), or a number overflowed: nothing is written.
    """
    try:
        page = Explorer(root, **options)
    except (DotNotFoundError, DotFailedError, OverflowError) as e:
        error = Phrase("errors.explore.overflow", detail=e) if isinstance(e, OverflowError) else e
        raise PageNotWrittenError("errors.explore.no_page", error=error) from None
    page.save(page_path(out))
    return page


def run(args: argparse.Namespace) -> dict:
    """Build and write the page; returns what it shows.

    Returns:
        ``{"page" (path), "steps", "phases" (phase -> number of steps), "expression",
        "names" (node names in evaluation order)}``.

    Raises:
        UserError: a bad expression or ``--values``, an option that does not fit the mode
            (``--lr``, ``--inputs`` or ``--target`` without ``--mlp``, ...), a graph of more than
            :data:`MAX_VALUES` values, or no Graphviz ``dot`` (or one that failed);
            ``micrograd-mlp`` prints it as one line and exits with status 1. (A bad
            ``--lr``/``--target``/``--inputs`` number is refused by argparse first.)
    """
    fail = UserError
    lang = chosen_lang(args)  # the page's language and the example's labels
    options: dict = {"lang": lang}
    if args.example is not None and (args.mlp or args.expression is not None or args.values):
        raise fail(message("explore.example_alone", lang))
    if args.mlp:
        if args.expression is not None or args.values:
            raise fail(message("explore.mlp_alone", lang))
        lr = MLP_LR if args.lr is None else args.lr
        inputs = MLP_INPUTS if args.inputs is None else args.inputs
        target = MLP_TARGET if args.target is None else args.target
        try:
            root, model, forward = mlp_step(inputs, target, args.seed)
        except (OverflowError, ValueError) as e:  # the options' bounds keep clear of this
            raise fail(f"--mlp: {e}") from None
        expression = message("explore.mlp_expression", lang)
        options.update(params=model.parameters(), lr=lr, forward=forward)
    else:
        if args.lr is not None:
            raise fail(message("explore.lr_needs_mlp", lang))
        for option, given in (("--inputs", args.inputs), ("--target", args.target)):
            if given is not None:  # it would be ignored: a formula takes --values
                raise fail(message("explore.sample_needs_mlp", lang, option=option))
        try:
            graph = choose_graph(args, lang)
        except ExpressionError as e:
            raise fail(e.text(lang)) from None
        if graph.story is not None:
            print(graph.story)
        root, expression = graph.root, graph.expression
        options["params"] = graph.params
    options["title"] = message("explorer.title", lang, what=expression)
    values = len(root.topological_order())
    if values > MAX_VALUES:  # refused before Graphviz runs, in the command's words
        raise fail(message("explore.too_big", lang, values=values, limit=MAX_VALUES))
    try:
        page = write_page(root, args.out, max_nodes=MAX_VALUES, **options)
    except ValueError as e:
        raise fail(str(e)) from None
    path = page_path(args.out)
    phases = page.phase_counts
    summary = ", ".join(
        message("explore.phase_steps", lang, steps=n, phase=message(f"explorer.ui.{phase}", lang))
        for phase, n in phases.items()
        if n
    )
    print(message("explore.summary", lang, expression=expression, steps=page.steps, phases=summary))
    print(message("explore.wrote", lang, path=path))
    return {
        "page": path,
        "steps": page.steps,
        "phases": phases,
        "expression": expression,
        "names": page.names,
    }
