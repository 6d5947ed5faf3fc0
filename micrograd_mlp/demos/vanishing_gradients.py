"""Vanishing gradients through depth: per-layer gradient norms of a deep MLP at initialization.

Backpropagation multiplies, layer by layer, the upstream gradient by the layer's weights and by
the activation's derivative at each unit. sigmoid' <= 1/4, so every sigmoid layer shrinks the
gradient at least 4-fold on top of what the weights do; tanh' <= 1 and ReLU' is 0 or 1, so
they lose far less. The demo builds ``MLP(D, [W] * (L - 1) + [10])`` -- L layers, PyTorch's
default initialization -- once per activation from the same seed, computes the cross-entropy of
a batch of random inputs with random labels, calls ``backward()`` once, and prints and plots the
Frobenius norm of every layer's weight gradient, first layer to last: the layers far from the
loss get the smallest gradients, and with sigmoid by orders of magnitude.

Writes ``vanishing_gradients.png`` under ``--out`` (one line per activation, log scale).
``--lang ko`` prints and draws in Korean.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from micrograd_mlp.demos._output import rjust, save_plot, texts
from micrograd_mlp.demos.options import chosen_lang, int_option, lang_option
from micrograd_mlp.tensor import MLP
from micrograd_mlp.tensor.functional import cross_entropy

COMMAND = "vanishing-gradients"
HELP = "per-layer gradient norms of a 10-layer MLP at initialization: sigmoid, tanh and ReLU"
BUILTIN_DATA = True
#: The files ``run`` writes under ``--out``.
PICTURES = ("vanishing_gradients.png",)
ACTIVATIONS = ("sigmoid", "tanh", "relu")
CLASSES = 10
MAX_DEPTH, MAX_WIDTH, MAX_SAMPLES = 50, 1_024, 10_000


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options: depth, width, batch size, ``--lang``."""
    parser.add_argument(
        "--depth",
        type=int_option(2, MAX_DEPTH),
        default=10,
        help=f"layers (weight matrices), 2 to {MAX_DEPTH} (default: 10)",
    )
    parser.add_argument(
        "--width",
        type=int_option(1, MAX_WIDTH),
        default=32,
        help=f"inputs and units per hidden layer, 1 to {MAX_WIDTH:,} (default: 32)",
    )
    parser.add_argument(
        "--samples",
        type=int_option(1, MAX_SAMPLES),
        default=256,
        help=f"random inputs in the batch, 1 to {MAX_SAMPLES:,} (default: 256)",
    )
    lang_option(parser)


def layer_gradient_norms(
    activation: str, depth: int, width: int, X: np.ndarray, y: np.ndarray, seed: int
) -> np.ndarray:
    """``||dL/dW_l||_F`` for l = 1..depth of a fresh float64 MLP (first layer first).

    Args:
        activation: a tensor-engine MLP activation. X: (N, width) inputs; y: (N,) class
            indices in [0, 10).

    Returns:
        float64 array (depth,).
    """
    model = MLP(width, [width] * (depth - 1) + [CLASSES], activation, seed=seed, dtype=np.float64)
    cross_entropy(model(X), y).backward()
    return np.array([np.linalg.norm(layer.weight.grad) for layer in model.layers])


def _plot(norms: dict[str, np.ndarray], depth: int, width: int, lang: str = "en") -> Figure:
    t = texts("vanishing_gradients", lang)
    fig = Figure(figsize=(7.5, 4.6), layout="constrained")
    ax = fig.add_subplot()
    layers = np.arange(1, depth + 1)
    for name, values in norms.items():
        zero = layers[values == 0]
        # A log axis cannot show an exact 0 (dead ReLUs): leave those points out, and say so.
        where = ", ".join(map(str, zero))
        label = t("plot_zero", name=name, layers=where) if zero.size else name
        shown = np.where(values > 0, values, np.nan)
        ax.plot(layers, shown, marker="o", linewidth=2, label=label)
    ax.set(
        yscale="log",
        xlabel=t("plot_xlabel"),
        ylabel=t("plot_ylabel"),
        title=t("plot_title", depth=depth, width=width),
    )
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(alpha=0.3, which="both")
    ax.legend(title=t("plot_legend"))
    return fig


def run(args: argparse.Namespace) -> dict:
    """Compute and draw the per-layer gradient norms.

    Returns:
        ``{"lang", "norms": {activation: (depth,) array}, "ratio": {activation: first layer's
        norm / last layer's, NaN if the last layer's is 0}, "plot": path}``.
    """
    lang = chosen_lang(args)
    text = texts("vanishing_gradients", lang)
    rng = np.random.default_rng(args.seed)
    X = rng.standard_normal((args.samples, args.width))
    y = rng.integers(0, CLASSES, args.samples)
    norms = {
        name: layer_gradient_norms(name, args.depth, args.width, X, y, args.seed)
        for name in ACTIVATIONS
    }
    # NaN when the last layer got no gradient at all (0 / 0 or x / 0 says nothing about depth)
    ratio = {name: float(v[0] / v[-1]) if v[-1] > 0 else math.nan for name, v in norms.items()}
    print(text("setup", depth=args.depth, width=args.width, samples=args.samples))
    label = rjust(text("table_label"), 18)
    print(f"  {label} " + " ".join(f"{k:>8}" for k in range(1, args.depth + 1)))
    for name, values in norms.items():
        print(f"  {name:>18} " + " ".join(f"{v:>8.1e}" for v in values))
    for name in ACTIVATIONS:
        if math.isnan(ratio[name]):
            print(text("ratio_undefined", name=f"{name:>7}"))
        else:
            print(text("ratio", name=f"{name:>7}", ratio=ratio[name]))
    print(text("conclusion"))
    path = save_plot(
        lambda chosen: _plot(norms, args.depth, args.width, chosen),
        Path(args.out) / PICTURES[0],
        lang,
    )
    print(text("wrote", path=path))
    return {"lang": lang, "norms": norms, "ratio": ratio, "plot": path}
