"""Activation functions and their derivatives, with the derivatives computed by the engine.

For every x on a grid the demo builds ``y = f(Value(x))`` for f = sigmoid, tanh, ReLU and leaky
ReLU, calls ``y.backward()`` and reads ``f'(x)`` from ``x.grad``: no derivative formula is
written here, the curves are what backpropagation itself uses. It then reports what the curves
show:

* sigmoid'(x) = sigmoid(x) (1 - sigmoid(x)) is at most 1/4, reached at x = 0. Backpropagation
  multiplies one such factor per layer, so through k sigmoid layers a gradient shrinks by at
  least 4^k (the *vanishing gradient*); tanh' reaches 1 at x = 0 but also decays for large |x|;
* ReLU'(x) = 0 for every x < 0: a unit whose input is negative passes no gradient back
  (a "dead" unit if that holds for every sample), while leaky ReLU keeps a small slope there.

Leaky ReLU's slope for x < 0 is PyTorch's default, 0.01, as everywhere in this project: too
small to see at the scale of the other curves, so a panel under each magnifies x < 0.

Writes ``activations.png`` (the functions, left; their derivatives, right) under ``--out``;
``--lang ko`` prints and draws in Korean. The lecture's other points about activations have
their own demos: ``micrograd-mlp sigmoid-vs-tanh`` (zero-centred outputs), ``dying-relu``,
``vanishing-gradients`` and ``softmax``.
"""

from __future__ import annotations

import argparse

import numpy as np
from matplotlib.figure import Figure

from micrograd_mlp.demos._output import save_plot, texts
from micrograd_mlp.demos.options import chosen_lang, float_option, int_option, lang_option
from micrograd_mlp.engine import Value

COMMAND = "activations"
HELP = "sigmoid, tanh, ReLU, leaky ReLU and their derivatives, computed by backward()"
BUILTIN_DATA = True
#: Common options this command takes but does not use (the CLI's help says so).
UNUSED_OPTIONS = {"--seed": "the grid and the curves involve nothing random"}
#: The files ``run`` writes under ``--out``.
PICTURES = ("activations.png",)
#: The activations shown, in plotting order.
NAMES = ("sigmoid", "tanh", "relu", "leaky_relu")
#: Their names in the picture's legends (the same in every language).
LABELS = {"sigmoid": "sigmoid", "tanh": "tanh", "relu": "ReLU", "leaky_relu": "leaky ReLU"}
COLORS = {"sigmoid": "tab:blue", "tanh": "tab:orange", "relu": "tab:green", "leaky_relu": "tab:red"}
#: Leaky ReLU's slope for x < 0 by default: PyTorch's (``torch.nn.LeakyReLU``).
NEGATIVE_SLOPE = 0.01


#: The largest ``--points``: every point is a small graph of the scalar engine (a few seconds).
MAX_POINTS = 10_001


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The demo's options: the grid, leaky ReLU's slope and ``--lang``."""
    parser.add_argument(
        "--xmax",
        type=float_option(0, 1e6, exclusive_minimum=True),
        default=5.0,
        help="the grid spans [-XMAX, XMAX], 0 < XMAX <= 1e6 (default: 5)",
    )
    parser.add_argument(
        "--points",
        type=int_option(3, MAX_POINTS),
        default=201,
        help=f"grid points, 3 to {MAX_POINTS:,}; an odd number puts one at x = 0 (default: 201)",
    )
    parser.add_argument(
        "--negative-slope",
        type=float_option(0, 1, exclusive_maximum=True),
        default=NEGATIVE_SLOPE,
        help=f"leaky ReLU's slope for x < 0, in [0, 1) (default: {NEGATIVE_SLOPE:g}, PyTorch's; "
        "the picture magnifies x < 0 below)",
    )
    lang_option(parser)


def engine_curve(name: str, xs: np.ndarray, **kwargs: float) -> tuple[np.ndarray, np.ndarray]:
    """``f(x)`` and ``f'(x)`` at every point of ``xs``, where ``f`` is the Value method ``name``.

    The derivative is the engine's: ``x = Value(x0); y = f(x); y.backward(); f'(x0) = x.grad``.

    Args:
        name: a unary ``Value`` method (``"sigmoid"``, ``"tanh"``, ``"relu"``, ...).
        xs: the points, shape (n,), float64.
        kwargs: passed to the method (e.g. ``negative_slope`` for ``leaky_relu``).

    Returns:
        ``(values, grads)``, two float64 arrays of shape (n,).

    Raises:
        ValueError: ``name`` is not a method of ``Value``.
    """
    method = getattr(Value, name, None)
    if not callable(method):
        raise ValueError(f"engine_curve: Value has no method {name!r}")
    values, grads = np.empty(len(xs)), np.empty(len(xs))
    for i, x0 in enumerate(xs.tolist()):
        x = Value(x0)
        y = method(x, **kwargs)
        y.backward()
        values[i], grads[i] = y.data, x.grad
    return values, grads


def _curve(ax, xs, ys, name: str, label: str) -> None:
    # Dashed leaky ReLU: it coincides with ReLU for x > 0.
    style = "--" if name == "leaky_relu" else "-"
    ax.plot(xs, ys, color=COLORS[name], linewidth=2, linestyle=style, label=label)


def _magnified(ax, xs, curves: dict, which: int, slope: float, title: str) -> None:
    """ReLU and leaky ReLU over x <= 0 only (``which``: 0 for the values, 1 for the
    derivatives), the y range a little wider than the leaky part's: its slope made visible."""
    negative = xs <= 0
    for name in ("relu", "leaky_relu"):
        label = LABELS[name] + ("'" if which else "")
        _curve(ax, xs[negative], curves[name][which][negative], name, label)
    low, high = (slope * xs[0], 0.0) if which == 0 else (0.0, slope)
    pad = 0.2 * max(high - low, 1e-12)
    ax.set_ylim(low - pad, high + pad)
    ax.set_title(title, fontsize="medium")
    ax.set(xlabel="x", ylabel="f'(x)" if which else "f(x)")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right" if which == 0 else "center left", fontsize="small")


def _plot(xs: np.ndarray, curves: dict, sigmoid_max: float, slope: float, lang: str) -> Figure:
    t = texts("activations", lang)
    zoom = xs[0] < 0 and slope > 0  # a slope of 0 or a grid without x < 0: nothing to magnify
    fig = Figure(figsize=(11.0, 7.0 if zoom else 4.6), layout="constrained")
    axes = fig.subplots(2 if zoom else 1, 2, squeeze=False, height_ratios=[2, 1] if zoom else None)
    left, right = axes[0]
    for name, (values, grads) in curves.items():
        slope_note = f" (a = {slope:g})" if name == "leaky_relu" else ""
        _curve(left, xs, values, name, LABELS[name] + slope_note)
        _curve(right, xs, grads, name, LABELS[name] + "'" + slope_note)
    right.axhline(sigmoid_max, color="grey", linestyle="--", linewidth=1)
    right.annotate(
        f"sigmoid' <= {sigmoid_max:.4g}",
        (0.0, sigmoid_max),
        xytext=(0.35 * xs[-1], sigmoid_max + 0.12),
        arrowprops={"arrowstyle": "->", "color": "grey"},
    )
    left.set(title=t("plot_values_title"), xlabel="x", ylabel="f(x)")
    right.set(title=t("plot_grads_title"), xlabel="x", ylabel="f'(x)")
    for ax in (left, right):
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left", fontsize="small")
    if zoom:
        title = t("plot_magnified", slope=f"{slope:g}")
        _magnified(axes[1][0], xs, curves, 0, slope, title)
        _magnified(axes[1][1], xs, curves, 1, slope, title)
    return fig


def run(args: argparse.Namespace) -> dict:
    """Compute the curves with the engine, print what they show and draw them.

    Returns:
        ``{"x": grid (n,), "values": {name: (n,)}, "grads": {name: (n,)},
        "sigmoid_grad_max": float, "sigmoid_grad_argmax": x where it is reached,
        "tanh_grad_max": float, "relu_grad_negative_max": largest |ReLU'(x)| over x < 0,
        "leaky_relu_grad_negative": the distinct leaky ReLU' values over x < 0 (list),
        "sigmoid_chain_10": 0.25 ** 10 (the best case through 10 sigmoid layers),
        "lang", "plot": path of activations.png}``.
    """
    lang = chosen_lang(args)
    xs = np.linspace(-args.xmax, args.xmax, args.points)
    curves = {
        name: engine_curve(
            name, xs, **({"negative_slope": args.negative_slope} if name == "leaky_relu" else {})
        )
        for name in NAMES
    }
    grads = {name: g for name, (_, g) in curves.items()}
    negative = xs < 0
    s_grad = grads["sigmoid"]
    i_max = int(np.argmax(s_grad))
    result = {
        "x": xs,
        "values": {name: v for name, (v, _) in curves.items()},
        "grads": grads,
        "sigmoid_grad_max": float(s_grad[i_max]),
        "sigmoid_grad_argmax": float(xs[i_max]),
        "tanh_grad_max": float(grads["tanh"].max()),
        "relu_grad_negative_max": float(np.abs(grads["relu"][negative]).max()),
        "leaky_relu_grad_negative": sorted(set(grads["leaky_relu"][negative].tolist())),
        "sigmoid_chain_10": float(s_grad[i_max]) ** 10,
        "lang": lang,
    }

    text = texts("activations", lang)
    print(text("grid", points=args.points, low=f"{-args.xmax:g}", high=f"{args.xmax:g}"))
    print(f"  {'x':>6}  " + "  ".join(f"{name}'".rjust(12) for name in NAMES))
    for x0 in (-args.xmax, -1.0, 0.0, 1.0, args.xmax):
        i = int(np.argmin(np.abs(xs - x0)))
        print(f"  {xs[i]:>6.2f}  " + "  ".join(f"{grads[n][i]:>12.6f}" for n in NAMES))
    print(
        text(
            "sigmoid",
            max=f"{result['sigmoid_grad_max']:.6g}",
            at=f"{result['sigmoid_grad_argmax']:.3g}",
            chain=f"{result['sigmoid_chain_10']:.3g}",
        )
    )
    print(
        text(
            "tanh",
            max=f"{result['tanh_grad_max']:.6g}",
            value=f"{grads['tanh'][-1]:.2g}",
            x=f"{xs[-1]:g}",
        )
    )
    print(
        text(
            "relu",
            max=f"{result['relu_grad_negative_max']:g}",
            values=", ".join(f"{g:g}" for g in result["leaky_relu_grad_negative"]),
        )
    )
    print(text("leaky_note", slope=f"{args.negative_slope:g}"))
    path = save_plot(
        lambda chosen: _plot(xs, curves, result["sigmoid_grad_max"], args.negative_slope, chosen),
        args.out / PICTURES[0],
        lang,
    )
    print(text("wrote", path=path))
    result["plot"] = path
    return result
