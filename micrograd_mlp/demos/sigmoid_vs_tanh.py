"""Why zero-centred activations learn faster: sigmoid against tanh on the same net and data.

Sigmoid's outputs lie in (0, 1): all positive. The gradient of a weight ``W[j, i]`` from unit i
of one layer into unit j of the next is ``delta_j * h_i`` for one sample (``delta_j`` =
d loss / d z_j, ``h_i`` unit i's output). When every ``h_i > 0``, all the weights into unit j
get updates of one sign, the sign of ``delta_j``: they can only all grow or all shrink
together, so reaching a mix of signs takes a zig-zag path (LeCun et al., "Efficient BackProp",
1998). tanh's outputs lie in (-1, 1), centred on 0, and its update signs are mixed.

The demo trains ``MLP(2, [H, H, 1])`` on two moons (binary cross-entropy, full-batch SGD) three
times from the *same* initial weights: with sigmoid, with tanh, and with ``tanh + 1`` -- tanh
shifted to (0, 2), the same derivative as tanh but not zero-centred. sigmoid vs tanh is the
lecture's comparison (sigmoid also has a 4 times smaller derivative); tanh vs ``tanh + 1``
isolates the effect of centring alone. It prints the loss of each run and, per sample, the
fraction of the second layer's units whose incoming weight updates all share one sign.

Writes ``sigmoid_vs_tanh.png`` under ``--out``: the loss curves, and the signs of one sample's
weight update of the second layer for sigmoid and for tanh.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from micrograd_mlp.data.toy import make_moons
from micrograd_mlp.demos._layers import Activation, forward, linear_stack
from micrograd_mlp.demos.options import float_option, int_option
from micrograd_mlp.optim import SGD
from micrograd_mlp.tensor import Tensor
from micrograd_mlp.tensor.functional import binary_cross_entropy_with_logits
from micrograd_mlp.viz.plots import save_figure

COMMAND = "sigmoid-vs-tanh"
HELP = (
    "sigmoid's all-positive outputs give one-signed weight updates and slow learning; tanh's don't"
)
BUILTIN_DATA = True
#: The files ``run`` writes under ``--out``.
PICTURES = ("sigmoid_vs_tanh.png",)
#: The activations compared: name -> function on the pre-activation.
ACTIVATIONS: dict[str, Activation] = {
    "sigmoid": Tensor.sigmoid,
    "tanh": Tensor.tanh,
    "tanh + 1": lambda z: z.tanh() + 1.0,
}
MAX_SAMPLES, MAX_HIDDEN, MAX_STEPS = 5_000, 256, 5_000


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options: data size, hidden width, steps and learning rate."""
    parser.add_argument(
        "--samples",
        type=int_option(4, MAX_SAMPLES),
        default=200,
        help=f"two-moons points, 4 to {MAX_SAMPLES:,} (default: 200)",
    )
    parser.add_argument(
        "--hidden",
        type=int_option(2, MAX_HIDDEN),
        default=16,
        help=f"units in each of the two hidden layers, 2 to {MAX_HIDDEN} (default: 16)",
    )
    parser.add_argument(
        "--steps",
        type=int_option(1, MAX_STEPS),
        default=400,
        help=f"full-batch SGD steps, 1 to {MAX_STEPS:,} (default: 400)",
    )
    parser.add_argument(
        "--lr",
        type=float_option(0, exclusive_minimum=True),
        default=0.5,
        help="SGD learning rate, > 0 (default: 0.5)",
    )


def one_signed_rows(X: np.ndarray, y: np.ndarray, model, activation: Activation) -> np.ndarray:
    """For each sample: the fraction of the 2nd layer's units whose incoming weight gradients
    (one row of ``dL/dW``, ``W`` of shape (H, H)) are all >= 0 or all <= 0.

    Args:
        X: (N, 2) inputs; y: (N,) 0/1 targets; model: from ``linear_stack``.

    Returns:
        float64 array (N,), each in [0, 1].
    """
    weight = model.layers[1].weight
    fractions = np.empty(len(X))
    for n in range(len(X)):
        out, _ = forward(model, X[n : n + 1], activation)
        model.zero_grad()
        binary_cross_entropy_with_logits(out.reshape(-1), y[n : n + 1]).backward()
        g = weight.grad
        fractions[n] = np.mean(np.all(g >= 0, axis=1) | np.all(g <= 0, axis=1))
    model.zero_grad()
    return fractions


def sample_update_signs(x: np.ndarray, target: float, model, activation: Activation) -> np.ndarray:
    """``sign(-dL/dW)`` of the 2nd layer for one sample ``x`` (2,): the direction SGD moves
    each weight, (H, H) of -1, 0, +1."""
    out, _ = forward(model, x[None, :], activation)
    model.zero_grad()
    binary_cross_entropy_with_logits(out.reshape(-1), np.array([target])).backward()
    signs = np.sign(-model.layers[1].weight.grad)
    model.zero_grad()
    return signs


def train(X, y, hidden: int, steps: int, lr: float, seed: int, activation: Activation):
    """Full-batch SGD on binary cross-entropy; returns (model, losses per step, list)."""
    model = linear_stack(2, [hidden, hidden, 1], seed)
    optimizer = SGD(model.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        out, _ = forward(model, X, activation)
        loss = binary_cross_entropy_with_logits(out.reshape(-1), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(float(loss.data))
    return model, losses


def _plot(losses: dict, signs: dict, one_signed: dict, args) -> Figure:
    fig = Figure(figsize=(13.0, 4.2), layout="constrained")
    grid = fig.add_gridspec(1, 3, width_ratios=[1.5, 1, 1])
    ax = fig.add_subplot(grid[0])
    for name, values in losses.items():
        ax.plot(np.arange(1, len(values) + 1), values, linewidth=2, label=name)
    ax.set(
        title=f"same net, same data, same start: SGD lr {args.lr:g}",
        xlabel="step",
        ylabel="binary cross-entropy",
        yscale="log",
    )
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(alpha=0.3)
    ax.legend()
    for k, name in enumerate(("sigmoid", "tanh")):
        panel = fig.add_subplot(grid[k + 1])
        panel.imshow(signs[name], cmap="bwr", vmin=-1, vmax=1)
        panel.set(
            title=f"{name}: update signs of layer 2\n"
            f"one sign per row: {one_signed[name]:.0%} of rows",
            xlabel="from unit i of layer 1",
            ylabel="into unit j of layer 2",
        )
        panel.set_xticks([])
        panel.set_yticks([])
    fig.text(0.99, 0.01, "red: weight grows, blue: shrinks (one sample)", ha="right", fontsize=9)
    return fig


def run(args: argparse.Namespace) -> dict:
    """Train the three nets, measure the update signs, draw.

    Returns:
        ``{"loss": {name: [loss per step]}, "final_loss": {name: float},
        "one_signed_rows": {name: mean over samples of the fraction of one-signed rows},
        "plot": path}`` for name in sigmoid, tanh, tanh + 1.
    """
    X, labels = make_moons(args.samples, noise=0.1, seed=args.seed)
    y = (labels > 0).astype(np.float64)
    print(
        f"MLP(2, [{args.hidden}, {args.hidden}, 1]) on {args.samples} two-moons points, binary "
        f"cross-entropy, full-batch SGD lr {args.lr:g}, {args.steps} steps, the same initial "
        "weights for every activation"
    )
    losses, one_signed, signs = {}, {}, {}
    for name, activation in ACTIVATIONS.items():
        start = linear_stack(2, [args.hidden, args.hidden, 1], args.seed)
        one_signed[name] = float(np.mean(one_signed_rows(X, y, start, activation)))
        signs[name] = sample_update_signs(X[0], y[0], start, activation)
        _, losses[name] = train(X, y, args.hidden, args.steps, args.lr, args.seed, activation)
    marks = sorted({min(args.steps, k) for k in (10, 50, 100, 200, args.steps)})
    print("  loss after step " + "  ".join(f"{k:>7}" for k in marks))
    for name, values in losses.items():
        print(f"  {name:>15} " + "  ".join(f"{values[k - 1]:>7.4f}" for k in marks))
    print("layer-2 weights into one unit whose updates share one sign, per sample (at the start):")
    for name, fraction in one_signed.items():
        print(f"  {name:>8}: {fraction:.1%} of the units")
    print(
        "sigmoid and tanh + 1 output only positive numbers, so every row of a sample's update "
        "has one sign;\n  tanh's outputs have both signs. tanh + 1 has tanh's derivative, so its "
        "slower loss is the cost of\n  not being zero-centred alone; sigmoid adds a 4 times "
        "smaller derivative"
    )
    path = save_figure(_plot(losses, signs, one_signed, args), Path(args.out) / PICTURES[0])
    print(f"wrote {path}")
    return {
        "loss": losses,
        "final_loss": {name: values[-1] for name, values in losses.items()},
        "one_signed_rows": one_signed,
        "plot": path,
    }
