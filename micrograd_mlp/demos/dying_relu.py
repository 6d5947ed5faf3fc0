"""Dying ReLU: a too-large learning rate kills hidden units; leaky ReLU keeps them learning.

A ReLU unit whose input ``z = w . x + b`` is negative on *every* training sample outputs 0
everywhere and, since ReLU'(z) = 0 there, its incoming weights and bias get a gradient of
exactly 0: nothing can ever move them again, the unit is dead. A too-large step easily pushes
many units there (a big update throws ``b`` far negative). Leaky ReLU has slope ``a > 0`` for
z < 0, so a unit that is inactive everywhere still gets a gradient and can come back.

The demo trains ``MLP(2, [H, 1])`` on the regression y = sin(x1) cos(x2) with Adam three times
from the same initial weights: ReLU at a good learning rate, ReLU at a too-large one and leaky
ReLU at the too-large one. It counts, after every step, the hidden units inactive
(``z <= 0``) on every training sample and the units whose incoming weights got a gradient of
exactly 0, then trains the too-large runs on with plain SGD to show that dead ReLU units do not
change at all while leaky units inactive everywhere still do.

Writes ``dying_relu.png`` under ``--out``: the counts per step, and how often each unit is
active at the end.
"""

from __future__ import annotations

import argparse
from functools import partial
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from micrograd_mlp.demos._layers import forward, linear_stack
from micrograd_mlp.demos.options import float_option, int_option
from micrograd_mlp.optim import SGD, Adam
from micrograd_mlp.tensor import Tensor
from micrograd_mlp.tensor.functional import mse_loss
from micrograd_mlp.viz.plots import save_figure

COMMAND = "dying-relu"
HELP = (
    "a too-large learning rate kills ReLU units (inactive on every sample); leaky ReLU keeps them"
)
BUILTIN_DATA = True
#: The files ``run`` writes under ``--out``.
PICTURES = ("dying_relu.png",)
MAX_SAMPLES, MAX_HIDDEN, MAX_STEPS = 10_000, 1_024, 5_000
#: Plain-SGD steps after training, to show that dead units stay exactly where they are.
FROZEN_STEPS, FROZEN_LR = 50, 0.05


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options: data size, hidden width, steps, the two learning rates, leaky ReLU's slope."""
    positive = float_option(0, exclusive_minimum=True)
    parser.add_argument(
        "--samples",
        type=int_option(2, MAX_SAMPLES),
        default=256,
        help=f"training points, 2 to {MAX_SAMPLES:,} (default: 256)",
    )
    parser.add_argument(
        "--hidden",
        type=int_option(1, MAX_HIDDEN),
        default=100,
        help=f"hidden ReLU units, 1 to {MAX_HIDDEN:,} (default: 100)",
    )
    parser.add_argument(
        "--steps",
        type=int_option(1, MAX_STEPS),
        default=200,
        help=f"full-batch Adam steps, 1 to {MAX_STEPS:,} (default: 200)",
    )
    parser.add_argument(
        "--good-lr", type=positive, default=0.003, help="a good Adam lr (default: 0.003)"
    )
    parser.add_argument(
        "--lr", type=positive, default=0.1, help="the too-large Adam lr (default: 0.1)"
    )
    parser.add_argument(
        "--negative-slope",
        type=float_option(0, 1, exclusive_minimum=True, exclusive_maximum=True),
        default=0.01,
        help="leaky ReLU's slope for z < 0, in (0, 1) (default: 0.01, PyTorch's)",
    )


def make_data(samples: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``X`` (N, 2) uniform on [-2, 2]^2 and ``y = sin(x1) cos(x2)`` (N,), float64."""
    X = np.random.default_rng(seed).uniform(-2.0, 2.0, size=(samples, 2))
    return X, np.sin(X[:, 0]) * np.cos(X[:, 1])


def unit_counts(pre: np.ndarray, weight_grad: np.ndarray | None) -> tuple[int, int]:
    """``(inactive, no_gradient)``: hidden units with ``z <= 0`` on every sample (``pre`` is
    (N, H)), and units whose row of ``weight_grad`` (H, nin) is exactly 0 (H units if None)."""
    inactive = int(np.sum(np.all(pre <= 0, axis=0)))
    if weight_grad is None:
        return inactive, pre.shape[1]
    return inactive, int(np.sum(np.all(weight_grad == 0, axis=1)))


def train(X, y, hidden: int, steps: int, lr: float, seed: int, activation) -> dict:
    """Full-batch Adam on the MSE; the counts of :func:`unit_counts` after every step.

    Returns:
        ``{"model", "loss": [...], "inactive": [...], "no_gradient": [...]}`` (lists per step).
    """
    model = linear_stack(2, [hidden, 1], seed)
    optimizer = Adam(model.parameters(), lr=lr)
    record: dict = {"model": model, "loss": [], "inactive": [], "no_gradient": []}
    for _ in range(steps):
        out, (z,) = forward(model, X, activation)
        loss = mse_loss(out.reshape(-1), y)
        optimizer.zero_grad()
        loss.backward()
        inactive, frozen = unit_counts(z.data, model.layers[0].weight.grad)
        optimizer.step()
        record["loss"].append(float(loss.data))
        record["inactive"].append(inactive)
        record["no_gradient"].append(frozen)
    return record


def keep_training(model, X, y, activation, units: np.ndarray) -> float:
    """``FROZEN_STEPS`` plain SGD steps; the largest change of the incoming weights and bias of
    ``units`` (a boolean mask of the hidden units)."""
    layer = model.layers[0]
    before = np.column_stack([layer.weight.data, layer.bias.data])[units].copy()
    optimizer = SGD(model.parameters(), lr=FROZEN_LR)
    for _ in range(FROZEN_STEPS):
        out, _ = forward(model, X, activation)
        loss = mse_loss(out.reshape(-1), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    after = np.column_stack([layer.weight.data, layer.bias.data])[units]
    return float(np.max(np.abs(after - before))) if units.any() else 0.0


def _active_fraction(model, X, activation) -> np.ndarray:
    _, (z,) = forward(model, X, activation)
    return np.mean(z.data > 0, axis=0)


def _plot(runs: dict, fractions: dict, hidden: int) -> Figure:
    fig = Figure(figsize=(12.0, 4.4), layout="constrained")
    left, right = fig.subplots(1, 2)
    colors = ("tab:green", "tab:red", "tab:blue")
    for (name, record), color in zip(runs.items(), colors):
        steps = np.arange(1, len(record["inactive"]) + 1)
        what = "inactive, still gets gradient" if "leaky" in name else "inactive = dead"
        left.plot(steps, record["inactive"], color=color, linewidth=2, label=f"{name}: {what}")
        if "leaky" in name:
            left.plot(
                steps,
                record["no_gradient"],
                color=color,
                linestyle="--",
                linewidth=2,
                label=f"{name}: zero gradient",
            )
    left.set(
        title=f"hidden units (of {hidden}) inactive on every training sample",
        xlabel="Adam step",
        ylabel="units",
    )
    left.xaxis.set_major_locator(MaxNLocator(integer=True))
    left.grid(alpha=0.3)
    left.legend(fontsize="small")
    for (name, fraction), color in zip(fractions.items(), colors):
        right.plot(np.sort(fraction)[::-1], color=color, linewidth=2, label=name)
    right.set(
        title="after training: share of samples on which each unit is active",
        xlabel="hidden unit (sorted)",
        ylabel="share of samples with z > 0",
        ylim=(-0.03, 1.03),
    )
    right.grid(alpha=0.3)
    right.legend(fontsize="small")
    return fig


def run(args: argparse.Namespace) -> dict:
    """Train the three runs, count dead units, check they stay dead, draw.

    Returns:
        ``{"runs": {name: {"loss", "inactive", "no_gradient": lists per step}},
        "dead": {name: units inactive on every sample at the end},
        "no_gradient": {name: units whose weights got exactly zero gradient at the last step},
        "frozen_change": {name: largest change of those inactive units' weights in
        FROZEN_STEPS more SGD steps}, "plot": path}``.
    """
    X, y = make_data(args.samples, args.seed)
    leaky = partial(Tensor.leaky_relu, negative_slope=args.negative_slope)
    setups = {
        f"ReLU, lr {args.good_lr:g}": (Tensor.relu, args.good_lr),
        f"ReLU, lr {args.lr:g}": (Tensor.relu, args.lr),
        f"leaky ReLU, lr {args.lr:g}": (leaky, args.lr),
    }
    print(
        f"MLP(2, [{args.hidden}, 1]) on y = sin(x1) cos(x2), {args.samples} points, MSE, "
        f"full-batch Adam, {args.steps} steps, the same initial weights for every run"
    )
    runs, fractions, result = {}, {}, {"dead": {}, "no_gradient": {}, "frozen_change": {}}
    for name, (activation, lr) in setups.items():
        record = train(X, y, args.hidden, args.steps, lr, args.seed, activation)
        model = record.pop("model")
        runs[name] = record
        fractions[name] = _active_fraction(model, X, activation)
        dead = fractions[name] == 0
        result["dead"][name] = int(dead.sum())
        result["no_gradient"][name] = record["no_gradient"][-1]
        result["frozen_change"][name] = keep_training(model, X, y, activation, dead)
        print(
            f"  {name:>22}: loss {record['loss'][-1]:.5f}; "
            f"inactive on every sample: {record['inactive'][0]} at the start, "
            f"{result['dead'][name]} at the end; zero gradient: {result['no_gradient'][name]}"
        )
    for name, change in result["frozen_change"].items():
        if result["dead"][name]:
            print(
                f"  {name}: after {FROZEN_STEPS} more SGD steps (lr {FROZEN_LR:g}), the weights "
                f"of its {result['dead'][name]} inactive units changed by at most {change:.3g}"
            )
    print(
        "dead ReLU units get exactly zero gradient, so they never change again; leaky ReLU's "
        f"slope {args.negative_slope:g} for z < 0 still passes a gradient, so its inactive "
        "units keep learning"
    )
    path = save_figure(_plot(runs, fractions, args.hidden), Path(args.out) / PICTURES[0])
    print(f"wrote {path}")
    result.update(runs=runs, plot=path)
    return result
