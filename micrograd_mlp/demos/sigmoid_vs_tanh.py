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
isolates the effect of centring alone.

All-positive inputs to a layer cost twice. Each sample's update into a unit has one sign (the
zig-zag), and the loss curves more steeply along the direction in which all the weights into a
unit move together (the inputs' mean adds ``mean(h) mean(h)^T`` to the curvature), so gradient
descent becomes unstable -- the loss jumps up -- at a smaller learning rate. A comparison at one
learning rate therefore shows either loss spikes of ``tanh + 1`` or a rate too small for tanh.
The demo gives each activation the largest learning rate of ``--lrs`` at which its loss never
rises (by more than ``STABLE_RISE`` in one step) and trains it there: tanh tolerates a larger
rate than ``tanh + 1`` and ends far lower. It prints the rates tried, the loss of each run and,
per sample, the fraction of the second layer's units whose incoming weight updates all share
one sign.

Writes ``sigmoid_vs_tanh.png`` under ``--out``: the loss curves (none with a spike), and the
signs of one sample's weight update of the second layer for sigmoid and for tanh. ``--lang ko``
prints and draws in Korean.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullFormatter

from micrograd_mlp.data.toy import make_moons
from micrograd_mlp.demos._layers import Activation, finite_loss, forward, linear_stack
from micrograd_mlp.demos._output import save_plot, texts
from micrograd_mlp.demos.options import (
    UserError,
    chosen_lang,
    float_option,
    int_option,
    lang_option,
)
from micrograd_mlp.optim import SGD
from micrograd_mlp.tensor import Tensor
from micrograd_mlp.tensor.functional import binary_cross_entropy_with_logits

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
#: The learning rates tried by default, and the bounds of ``--lrs``.
LRS = (0.1, 0.15, 0.2, 0.3, 0.5, 0.7, 1.0, 1.5, 2.0)
MAX_LR, MAX_LRS = 100.0, 20
#: A run is stable when its loss never rises by more than this fraction from one step to the
#: next (full-batch gradient descent below its stability limit only goes down).
STABLE_RISE = 1e-3


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options: data size, hidden width, steps, the learning rates tried, ``--lang``."""
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
        "--lrs",
        type=float_option(0, MAX_LR, exclusive_minimum=True),
        nargs="+",
        default=list(LRS),
        metavar="LR",
        help=f"SGD learning rates to try, each in (0, {MAX_LR:g}], at most {MAX_LRS}; each "
        "activation trains at the largest one at which its loss never rises "
        f"(default: {' '.join(f'{lr:g}' for lr in LRS)})",
    )
    lang_option(parser)


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


def train(
    X,
    y,
    hidden: int,
    steps: int,
    lr: float,
    seed: int,
    activation: Activation,
    stop_on_rise: bool = False,
):
    """Full-batch SGD on binary cross-entropy.

    Args:
        stop_on_rise: stop at the first step whose loss is more than ``1 + STABLE_RISE`` times
            the previous one (or not finite).

    Returns:
        ``(model, losses per step (list), rise)``: ``rise`` is None for a stable run, else
        ``(step, loss before, loss after)`` of its first rise (1-based step).
    """
    model = linear_stack(2, [hidden, hidden, 1], seed)
    optimizer = SGD(model.parameters(), lr=lr)
    losses: list[float] = []
    rise = None
    for step in range(1, steps + 1):
        out, _ = forward(model, X, activation)
        loss = binary_cross_entropy_with_logits(out.reshape(-1), y)
        value = float(loss.data)
        if rise is None and losses and not value <= losses[-1] * (1 + STABLE_RISE):
            rise = (step, losses[-1], value)
            if stop_on_rise:
                losses.append(value)
                break
        losses.append(value)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return model, losses, rise


def largest_stable_run(X, y, hidden: int, steps: int, lrs, seed: int, activation, error):
    """Train at the learning rates ``lrs`` from the largest down until a run is stable.

    Args:
        error: ``(lr, step, loss) -> str``, the one-line error when the run kept (the smallest
            rate, if none is stable) has a loss that is not finite.

    Returns:
        ``{"lr": the rate kept, "losses": its losses per step, "stable": bool, "rises":
        {lr: (step, before, after)} for every rate tried above it (and for the kept one if it
        is not stable)}``. If no rate is stable, the smallest is kept (trained to the end).
    """
    rises = {}
    ordered = sorted(set(lrs), reverse=True)
    for lr in ordered:
        last = lr == ordered[-1]
        _, losses, rise = train(X, y, hidden, steps, lr, seed, activation, not last)
        if rise is None:
            return {"lr": lr, "losses": losses, "stable": True, "rises": rises}
        rises[lr] = rise
        if last:
            for step, value in enumerate(losses, start=1):
                finite_loss(value, lambda v, lr=lr, step=step: error(lr, step, v))
            return {"lr": lr, "losses": losses, "stable": False, "rises": rises}
    raise AssertionError("unreachable: --lrs has at least one rate")


def _plot(runs: dict, signs: dict, one_signed: dict, lang: str = "en") -> Figure:
    t = texts("sigmoid_vs_tanh", lang)
    fig = Figure(figsize=(13.0, 4.2), layout="constrained")
    grid = fig.add_gridspec(1, 3, width_ratios=[1.5, 1, 1])
    ax = fig.add_subplot(grid[0])
    for name, result in runs.items():
        values = result["losses"]
        label = t("plot_run", name=name, lr=f"{result['lr']:g}")
        ax.plot(np.arange(1, len(values) + 1), values, linewidth=2, label=label)
    ax.set(
        title=t("plot_loss_title"),
        xlabel=t("plot_step"),
        ylabel=t("plot_loss"),
        yscale="log",
    )
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    # plain numbers at 1, 2 and 5 per decade: the losses span only a decade or two
    ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.grid(alpha=0.3, which="both")
    ax.legend()
    for k, name in enumerate(("sigmoid", "tanh")):
        panel = fig.add_subplot(grid[k + 1])
        panel.imshow(signs[name], cmap="bwr", vmin=-1, vmax=1)
        panel.set(
            title=t("plot_signs_title", name=name, share=one_signed[name]),
            xlabel=t("plot_signs_x"),
            ylabel=t("plot_signs_y"),
        )
        panel.set_xticks([])
        panel.set_yticks([])
    fig.text(0.99, 0.01, t("plot_colors"), ha="right", fontsize=9)
    return fig


def run(args: argparse.Namespace) -> dict:
    """Find each activation's largest stable learning rate, train there, measure the update
    signs, draw.

    Returns:
        ``{"lang", "lr": {name: the rate kept}, "stable": {name: bool}, "rises": {name: {lr:
        (step, before, after)}}, "loss": {name: [loss per step]}, "final_loss": {name: float},
        "one_signed_rows": {name: mean over samples of the fraction of one-signed rows},
        "plot": path}`` for name in sigmoid, tanh, tanh + 1.

    Raises:
        UserError: more than ``MAX_LRS`` rates, or the loss of a kept run became NaN or
            infinite (every rate of ``--lrs`` too large).
    """
    lang = chosen_lang(args)
    text = texts("sigmoid_vs_tanh", lang)
    if len(args.lrs) > MAX_LRS:
        raise UserError(text("too_many_lrs", limit=MAX_LRS, count=len(args.lrs)))
    X, labels = make_moons(args.samples, noise=0.1, seed=args.seed)
    y = (labels > 0).astype(np.float64)
    print(
        text(
            "setup",
            hidden=args.hidden,
            samples=args.samples,
            steps=args.steps,
            rise=f"{STABLE_RISE:.1%}",
        )
    )
    runs, one_signed, signs = {}, {}, {}
    for name, activation in ACTIVATIONS.items():
        start = linear_stack(2, [args.hidden, args.hidden, 1], args.seed)
        one_signed[name] = float(np.mean(one_signed_rows(X, y, start, activation)))
        signs[name] = sample_update_signs(X[0], y[0], start, activation)

        def error(lr: float, step: int, loss: float, name: str = name) -> str:
            return text("diverged", name=name, lr=f"{lr:g}", step=step, loss=loss)

        runs[name] = largest_stable_run(
            X, y, args.hidden, args.steps, args.lrs, args.seed, activation, error
        )
    for name, result in runs.items():
        key = "kept" if result["stable"] else "kept_unstable"
        print(text(key, name=name, lr=f"{result['lr']:g}"))
        # the smallest rate that was too large (or the kept one, if none was stable)
        shown = min(result["rises"], default=None)
        if shown is not None:
            step, before, after = result["rises"][shown]
            print(text("rose", lr=f"{shown:g}", step=step, before=before, after=after))
    marks = sorted({min(args.steps, k) for k in (10, 50, 100, 200, args.steps)})
    print(text("loss_header", steps="  ".join(f"{k:>7}" for k in marks)))
    for name, result in runs.items():
        values = result["losses"]
        print(f"  {name:>15} " + "  ".join(f"{values[k - 1]:>7.4f}" for k in marks))
    print(text("signs_header"))
    for name, fraction in one_signed.items():
        print(text("signs_row", name=f"{name:>8}", share=fraction))
    print(
        text(
            "explanation",
            tanh_lr=f"{runs['tanh']['lr']:g}",
            shifted_lr=f"{runs['tanh + 1']['lr']:g}",
        )
    )
    path = save_plot(
        lambda chosen: _plot(runs, signs, one_signed, chosen), Path(args.out) / PICTURES[0], lang
    )
    print(text("wrote", path=path))
    return {
        "lang": lang,
        "lr": {name: result["lr"] for name, result in runs.items()},
        "stable": {name: result["stable"] for name, result in runs.items()},
        "rises": {name: result["rises"] for name, result in runs.items()},
        "loss": {name: result["losses"] for name, result in runs.items()},
        "final_loss": {name: result["losses"][-1] for name, result in runs.items()},
        "one_signed_rows": one_signed,
        "plot": path,
    }
