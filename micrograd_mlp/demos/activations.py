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

Writes ``activations.png`` (the functions, left; their derivatives, right) under ``--out``. The
lecture's other points about activations have their own demos: ``micrograd-mlp
sigmoid-vs-tanh`` (zero-centred outputs), ``dying-relu``, ``vanishing-gradients`` and
``softmax``.
"""

from __future__ import annotations

import argparse

import numpy as np
from matplotlib.figure import Figure

from micrograd_mlp.demos.options import float_option, int_option
from micrograd_mlp.engine import Value
from micrograd_mlp.viz.plots import save_figure

COMMAND = "activations"
HELP = "sigmoid, tanh, ReLU, leaky ReLU and their derivatives, computed by backward()"
BUILTIN_DATA = True
#: Common options this command takes but does not use (the CLI's help says so).
UNUSED_OPTIONS = {"--seed": "the grid and the curves involve nothing random"}
#: The files ``run`` writes under ``--out``.
PICTURES = ("activations.png",)
#: The activations shown, in plotting order.
NAMES = ("sigmoid", "tanh", "relu", "leaky_relu")


#: The largest ``--points``: every point is a small graph of the scalar engine (a few seconds).
MAX_POINTS = 10_001


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The demo's options: the grid and leaky ReLU's slope."""
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
        default=0.1,
        help="leaky ReLU's slope for x < 0, in [0, 1) (PyTorch's default is 0.01; 0.1 is "
        "easier to see; default: 0.1)",
    )


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


def _plot(xs: np.ndarray, curves: dict, sigmoid_max: float) -> Figure:
    fig = Figure(figsize=(11.0, 4.2), layout="constrained")
    left, right = fig.subplots(1, 2)
    for name, (values, grads) in curves.items():
        # Dashed leaky ReLU: it coincides with ReLU for x > 0.
        style = {"linewidth": 2, "linestyle": "--" if name == "leaky_relu" else "-"}
        left.plot(xs, values, label=name, **style)
        right.plot(xs, grads, label=f"{name}'", **style)
    right.axhline(sigmoid_max, color="grey", linestyle="--", linewidth=1)
    right.annotate(
        f"sigmoid' <= {sigmoid_max:.4g}",
        (0.0, sigmoid_max),
        xytext=(0.35 * xs[-1], sigmoid_max + 0.12),
        arrowprops={"arrowstyle": "->", "color": "grey"},
    )
    left.set(title="activation f(x)", xlabel="x", ylabel="f(x)")
    right.set(title="derivative f'(x) from backward()", xlabel="x", ylabel="f'(x)")
    for ax in (left, right):
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left")
    return fig


def run(args: argparse.Namespace) -> dict:
    """Compute the curves with the engine, print what they show and draw them.

    Returns:
        ``{"x": grid (n,), "values": {name: (n,)}, "grads": {name: (n,)},
        "sigmoid_grad_max": float, "sigmoid_grad_argmax": x where it is reached,
        "tanh_grad_max": float, "relu_grad_negative_max": largest |ReLU'(x)| over x < 0,
        "leaky_relu_grad_negative": the distinct leaky ReLU' values over x < 0 (list),
        "sigmoid_chain_10": 0.25 ** 10 (the best case through 10 sigmoid layers),
        "plot": path of activations.png}``.
    """
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
    }

    grid = f"{args.points} points in [{-args.xmax:g}, {args.xmax:g}]"
    print(f"{grid}; f'(x) is x.grad after f(x).backward()")
    print(f"  {'x':>6}  " + "  ".join(f"{name}'".rjust(12) for name in NAMES))
    for x0 in (-args.xmax, -1.0, 0.0, 1.0, args.xmax):
        i = int(np.argmin(np.abs(xs - x0)))
        print(f"  {xs[i]:>6.2f}  " + "  ".join(f"{grads[n][i]:>12.6f}" for n in NAMES))
    print(
        f"sigmoid' is at most {result['sigmoid_grad_max']:.6g} (at x = "
        f"{result['sigmoid_grad_argmax']:.3g}): every sigmoid layer shrinks the gradient at "
        f"least 4-fold; 10 layers: <= {result['sigmoid_chain_10']:.3g} (vanishing gradients)"
    )
    print(
        f"tanh' is at most {result['tanh_grad_max']:.6g} (at x = 0), but "
        f"{grads['tanh'][-1]:.2g} at x = {xs[-1]:g}: saturated units learn slowly too"
    )
    print(
        f"ReLU' for x < 0: largest |value| {result['relu_grad_negative_max']:g}, so no "
        f"gradient flows back through a unit whose input is negative; leaky ReLU' there: "
        f"{', '.join(f'{g:g}' for g in result['leaky_relu_grad_negative'])}"
    )
    path = save_figure(_plot(xs, curves, result["sigmoid_grad_max"]), args.out / PICTURES[0])
    print(f"wrote {path}")
    result["plot"] = path
    return result
