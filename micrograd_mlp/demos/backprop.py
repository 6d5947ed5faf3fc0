"""Watch backpropagation node by node.

By default: one neuron, ``o = tanh(w1*x1 + w2*x2 + b)``, with inputs x1 = 2, x2 = 0, weights
w1 = -3, w2 = 1 and the bias b = 6 + atanh(1/sqrt 2) ~ 6.8814, chosen so the pre-activation is
n = atanh(1/sqrt 2), o = 1/sqrt 2 and d o/d n = 1 - o^2 = 1/2. Or any formula you type, e.g.
``micrograd-mlp backprop "tanh(x*y + 2)" --values x=1.5 y=-2`` (parsed safely, never eval'ed).
Or a built-in example: ``--example shopping`` is the apple-shopping graph Korean courses start
with (100 won x 2 apples x 1.1 tax = 220 won; d total/d price = 2.2, d total/d count = 110,
d total/d tax = 200); ``--lang ko`` (or ``MICROGRAD_MLP_LANG=ko``) prints and draws in Korean.

Prints the chain-rule trace (one line per application), writes one picture per backward step
(``frame_000.png`` ...), the animation ``backward.gif``, the trace ``trace.txt`` and a bar chart
of the leaves' gradients ``gradients.png`` under ``--out``, then runs the engine's real
``backward()`` and checks it gives the same gradients.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from matplotlib import rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from micrograd_mlp.demos._graph import add_graph_arguments, choose_graph
from micrograd_mlp.demos.options import UserError, chosen_lang
from micrograd_mlp.expression import ExpressionError
from micrograd_mlp.files import atomic_write_bytes
from micrograd_mlp.messages import message
from micrograd_mlp.viz.backprop import backward_steps, explain
from micrograd_mlp.viz.backprop_frames import backward_frames, remove_stale_pictures
from micrograd_mlp.viz.fonts import plot_lang, plot_rc
from micrograd_mlp.viz.graph import DotFailedError
from micrograd_mlp.viz.plots import save_figure

COMMAND = "backprop"
HELP = "step-by-step pictures and a text trace of backward() on a neuron or your formula"
BUILTIN_DATA = True
#: The most backward steps the demo traces (the text trace, the check and the gradient chart).
MAX_STEPS = 200
#: The most backward steps the demo draws frames for (one picture of the whole graph per step).
#: Each frame grows with the graph and so does the time to draw it: the 20 frames of
#: ``x+x+...+x`` with 21 terms are 1488 x 4887 pixels and take about 18 s with the GIF here, 30
#: steps take a minute. Above this only the trace and the gradient chart are written.
MAX_FRAMES = 20
#: Common options this command takes but does not use (the CLI's help says so).
UNUSED_OPTIONS = {"--seed": "the graph and its numbers involve nothing random"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The demo's options: the graph (:func:`add_graph_arguments`) and the frame format."""
    add_graph_arguments(parser)
    parser.add_argument(
        "--format", choices=("png", "svg"), default="png", help="frame format (default: png)"
    )
    parser.add_argument("--no-gif", action="store_true", help="do not write backward.gif")


def plot_leaf_gradients(
    grads: dict[str, float], out: str, path: Path, lang: str | None = None
) -> Path:
    """A bar chart of ``d out/d leaf`` for every leaf, with its title and axes in ``lang``.

    Args:
        grads: leaf name -> gradient (floats), in the order to draw them.
        out: the output's name, as in the trace (e.g. ``"o"``, ``"총액"``).
        path: the PNG (or other matplotlib format) to write.
        lang: ``"en"``/``"ko"``/None (see :func:`micrograd_mlp.viz.fonts.plot_lang`: Korean
            needs a Hangul font, else English with a warning).

    Returns:
        The path written.
    """
    lang = plot_lang(lang)
    # The font follows the text drawn: Hangul names get a Hangul font in an English run too.
    with rc_context(plot_rc(lang, [out, *grads])):
        fig = Figure(figsize=(1.6 + 1.1 * max(len(grads), 2), 3.6), layout="constrained")
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        names, values = list(grads), list(grads.values())
        bars = ax.bar(range(len(names)), values, color="tab:blue")
        ax.bar_label(bars, labels=[f"{g:.4g}" for g in values], padding=2)
        ax.set_xticks(range(len(names)), names)
        ax.axhline(0.0, color="black", linewidth=0.8)
        ax.margins(y=0.15)
        ax.set(
            title=message("backprop.plot_title", lang, out=out),
            xlabel=message("backprop.plot_xlabel", lang),
            ylabel=message("backprop.plot_ylabel", lang, out=out),
        )
        return save_figure(fig, path)


def run(args: argparse.Namespace) -> dict:
    """Trace, draw and check the backward pass; returns the numbers it shows.

    Returns:
        ``{"expression", "lang", "steps", "grads" (leaf name -> d out/d leaf from the trace),
        "backward_agrees" (bool), "trace", "frames" (paths; none for a formula of more than
        :data:`MAX_FRAMES` steps), "gif" (path or None), "plot" (the gradient bar chart's
        path)}``.

    Raises:
        SystemExit: a bad expression, ``--values``, ``--example`` with an expression, a formula
            with more than :data:`MAX_STEPS` backward steps, an unknown
            ``$MICROGRAD_MLP_LANG`` (the message says what is allowed), or Graphviz's ``dot``
            crashing or failing on a frame (the message says how, and what to try).
    """
    lang = "en"  # the language of an unknown $MICROGRAD_MLP_LANG's error
    try:
        lang = chosen_lang(args)
        graph = choose_graph(args, lang)
    except (UserError, ExpressionError) as e:
        error = e.text(lang) if isinstance(e, ExpressionError) else str(e)
        raise SystemExit(message("cli.error", lang, command=COMMAND, error=error)) from None
    root, params, expression = graph.root, graph.params, graph.expression
    steps = backward_steps(root)  # traced once: the text, the check, the frames and the chart
    if len(steps) > MAX_STEPS:  # refused before anything is printed or drawn
        error = message("backprop.too_many_steps", lang, steps=len(steps), limit=MAX_STEPS)
        raise SystemExit(message("cli.error", lang, command=COMMAND, error=error))
    if graph.story is not None:
        print(graph.story)

    print(message("backprop.output", lang, expression=expression, value=f"{root.data:.6g}"))
    print()
    trace = explain(root, lang=lang, steps=steps)
    print(trace)
    atomic_write_bytes(args.out / "trace.txt", trace.encode("utf-8"))

    # backward_steps left every .grad as it was; now the engine's own backward() fills them.
    root.backward()
    # Constants (the 2 of "x*y + 2") keep no gradient in the engine: nothing to compare or show.
    traced = {
        id(u.child): (u.name, u.child, u.grad_after)
        for s in steps
        for u in s.children
        if not u.constant
    }
    agrees = all(child.grad == grad for _, child, grad in traced.values())
    position = {id(v): i for i, v in enumerate(root.topological_order())}  # inputs left to right
    leaves = {
        name: grad
        for name, child, grad in sorted(traced.values(), key=lambda t: position[id(t[1])])
        if not child._children
    }
    if not steps:  # the formula is one leaf ("x"): its gradient is d x/d x = 1, the seed
        leaves = {root.label or "out": root.grad}
    shown = ", ".join(f"{k} = {v:.6g}" for k, v in leaves.items())
    print(message("backprop.leaf_grads", lang, grads=shown))
    print(message("backprop.agrees" if agrees else "backprop.disagrees", lang))

    try:
        frames = (
            backward_frames(
                root, args.out, args.format, gif=not args.no_gif, params=params, lang=lang,
                steps=steps,
            )
            if 0 < len(steps) <= MAX_FRAMES
            else None
        )
    except DotFailedError as e:  # dot crashed or failed: no frames half of this run, half old
        remove_stale_pictures(args.out)
        error = message("errors.backprop.no_frames", lang, error=e.text(lang))
        raise SystemExit(message("cli.error", lang, command=COMMAND, error=error)) from None
    plot = None
    if frames is None:
        # no frame drawn: pictures of an earlier formula in --out would pass for this one's
        remove_stale_pictures(args.out)
    if not steps:
        (args.out / "gradients.png").unlink(missing_ok=True)
        print(message("backprop.single_leaf", lang))
    else:
        if frames is None:
            print(message("backprop.no_frames", lang, steps=len(steps), limit=MAX_FRAMES,
                          path=args.out / "trace.txt"))
        else:
            count = len(frames.frames)
            key = "backprop.wrote_frame" if count == 1 else "backprop.wrote_frames"
            print(message(key, lang, count=count, out=args.out, first=frames.frames[0].name))
            if frames.gif is not None:
                print(message("backprop.wrote", lang, path=frames.gif))
        plot = plot_leaf_gradients(leaves, steps[0].name, args.out / "gradients.png", lang)
        print(message("backprop.wrote", lang, path=plot))
    return {
        "expression": expression,
        "lang": lang,
        "steps": len(steps),
        "grads": leaves,
        "backward_agrees": agrees,
        "trace": trace,
        "frames": frames.frames if frames else [],
        "gif": frames.gif if frames else None,
        "plot": plot,
    }
