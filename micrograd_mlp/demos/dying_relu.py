"""Dying ReLU: a too-large learning rate kills hidden units for good; leaky ReLU's do not die.

A ReLU unit whose input ``z = w . x + b`` is negative on *every* training sample outputs 0
everywhere and, since ReLU'(z) = 0 there, its incoming weights and bias get a gradient of
exactly 0: nothing can ever move them again, the unit is dead. A few too-large steps easily
push many units there (a big update throws ``b`` far negative). Leaky ReLU has slope ``a > 0``
for z < 0, so a unit that is inactive on every sample still gets a gradient and can come back.

The demo trains ``MLP(2, [H, 1])`` on the regression y = sin(x1) cos(x2) (MSE, full batch)
three times from the same initial weights. Each run takes ``--large-steps`` Adam steps at its
first learning rate, then ``--steps`` steps of a *new* Adam at ``--good-lr`` (new, so that no
momentum of the first steps moves a weight afterwards: only its gradient does):

* ReLU at ``--good-lr`` throughout: the healthy run;
* ReLU at the too-large ``--lr`` first: many units die, and the run ends with a higher loss;
* leaky ReLU at the too-large ``--lr`` first: as many units end up inactive on every sample,
  but each still gets a gradient, and Adam (which divides each step by the gradient's own
  size) moves their weights visibly; some become active again.

After every step it counts the hidden units inactive (``z <= 0``) on every training sample and
the units whose incoming weights and bias got a gradient of exactly 0; for the units inactive
after the large steps it measures how far their weights moved afterwards.

Writes ``dying_relu.png`` under ``--out``: the counts and the loss per step, and how far each
of those units moved. ``--lang ko`` prints and draws in Korean.
"""

from __future__ import annotations

import argparse
import warnings
from functools import partial
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from micrograd_mlp.demos._layers import finite_loss, forward, linear_stack
from micrograd_mlp.demos._output import save_plot, texts
from micrograd_mlp.demos.options import (
    UserError,
    chosen_lang,
    float_option,
    int_option,
    lang_option,
)
from micrograd_mlp.optim import Adam
from micrograd_mlp.tensor import Tensor
from micrograd_mlp.tensor.functional import mse_loss

COMMAND = "dying-relu"
HELP = (
    "a too-large learning rate kills ReLU units (inactive on every sample); leaky ReLU keeps them"
)
BUILTIN_DATA = True
#: The files ``run`` writes under ``--out``.
PICTURES = ("dying_relu.png",)
MAX_SAMPLES, MAX_HIDDEN, MAX_STEPS = 10_000, 1_024, 5_000
#: A leaky unit counts as still learning when its weights and bias moved by at least this much
#: (the largest change of one of them) after the large steps; a dead ReLU unit moves by 0.
MOVED = 0.01
#: The runs, in order: (message key of the name, activation kind, first lr is the large one).
RUNS = (("healthy", "relu", False), ("dead", "relu", True), ("leaky", "leaky", True))
COLORS = {"healthy": "tab:green", "dead": "tab:red", "leaky": "tab:blue"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options: data size, hidden width, the two phases' steps and learning rates, leaky
    ReLU's slope, ``--lang``."""
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
        help=f"hidden units, 1 to {MAX_HIDDEN:,} (default: 100)",
    )
    parser.add_argument(
        "--large-steps",
        type=int_option(1, MAX_STEPS),
        default=30,
        help=f"the first Adam steps, at the too-large --lr, 1 to {MAX_STEPS:,} (default: 30)",
    )
    parser.add_argument(
        "--steps",
        type=int_option(1, MAX_STEPS),
        default=300,
        help=f"the Adam steps after them, at --good-lr, 1 to {MAX_STEPS:,} (default: 300)",
    )
    parser.add_argument(
        "--good-lr",
        type=float_option(0, 1, exclusive_minimum=True),
        default=0.003,
        help="a good Adam lr, in (0, 1] (default: 0.003)",
    )
    parser.add_argument(
        "--lr",
        type=float_option(0, 10, exclusive_minimum=True),
        default=0.3,
        help="the too-large Adam lr of the first steps, in (0, 10] (default: 0.3)",
    )
    parser.add_argument(
        "--negative-slope",
        type=float_option(0, 1, exclusive_minimum=True, exclusive_maximum=True),
        default=0.01,
        help="leaky ReLU's slope for z < 0, in (0, 1) (default: 0.01, PyTorch's)",
    )
    lang_option(parser)


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


def _incoming(model) -> np.ndarray:
    """The hidden units' incoming weights and bias, one row per unit: (H, nin + 1), a copy."""
    layer = model.layers[0]
    return np.column_stack([layer.weight.data, layer.bias.data])


def train(X, y, hidden: int, first, then, seed: int, activation, error) -> dict:
    """Full-batch training on the MSE in two phases, each with a new Adam; the counts of
    :func:`unit_counts` after every step.

    Args:
        first, then: ``(steps, lr)`` of each phase (a new ``Adam(lr=lr)`` for ``steps`` steps).
        error: ``(loss, step) -> str``: the one-line error when the loss stops being finite.

    Returns:
        ``{"loss", "inactive", "no_gradient": lists per step, "inactive_after_first": boolean
        mask (H,) of the units inactive on every sample after the first phase, "moved": (H,)
        the largest change of each unit's weights and bias in the second phase,
        "gradient_seen": (H,) whether the unit got a nonzero gradient in the second phase,
        "active_share": (H,) share of samples on which each unit is active at the end}``.

    Raises:
        UserError: the loss became NaN or infinite.
    """
    model = linear_stack(2, [hidden, 1], seed)
    layer = model.layers[0]
    record: dict = {"loss": [], "inactive": [], "no_gradient": []}
    gradient_seen = np.zeros(hidden, dtype=bool)

    def phase(steps: int, lr: float) -> None:
        optimizer = Adam(model.parameters(), lr=lr)
        for _ in range(steps):
            out, (z,) = forward(model, X, activation)
            loss = mse_loss(out.reshape(-1), y)
            step = len(record["loss"]) + 1
            value = finite_loss(loss.data, lambda v, step=step: error(v, step))
            optimizer.zero_grad()
            loss.backward()
            grads = np.column_stack([layer.weight.grad, layer.bias.grad])
            gradient_seen[:] |= np.any(grads != 0, axis=1)
            record["loss"].append(value)
            record["inactive"].append(int(np.sum(np.all(z.data <= 0, axis=0))))
            record["no_gradient"].append(int(np.sum(np.all(grads == 0, axis=1))))
            optimizer.step()

    # An overflow is reported as one line (finite_loss), without NumPy's warnings before it.
    with np.errstate(over="ignore", invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        phase(*first)
        _, (z,) = forward(model, X, activation)
        record["inactive_after_first"] = np.all(z.data <= 0, axis=0)
        start = _incoming(model)
        gradient_seen[:] = False
        phase(*then)
    _, (z,) = forward(model, X, activation)
    record["moved"] = np.max(np.abs(_incoming(model) - start), axis=1)
    record["gradient_seen"] = gradient_seen
    record["active_share"] = np.mean(z.data > 0, axis=0)
    return record


def _plot(runs: dict, args, lang: str = "en") -> Figure:
    t = texts("dying_relu", lang)
    lrs = {"good_lr": f"{args.good_lr:g}", "lr": f"{args.lr:g}"}
    names = {key: t(f"run_{key}", **lrs) for key in runs}
    fig = Figure(figsize=(15.0, 4.6), layout="constrained")
    counts, losses, moved = fig.subplots(1, 3, width_ratios=[1.1, 1.1, 1.0])
    switch = args.large_steps + 0.5
    for key, record in runs.items():
        steps = np.arange(1, len(record["loss"]) + 1)
        style = {"color": COLORS[key], "linewidth": 2}
        counts.plot(steps, record["inactive"], label=names[key], **style)
        losses.plot(steps, record["loss"], label=names[key], **style)
    counts.plot(
        steps,
        runs["leaky"]["no_gradient"],
        color=COLORS["leaky"],
        linestyle="--",
        linewidth=2,
        label=t("plot_leaky_zero_gradient"),
    )
    for ax in (counts, losses):
        ax.axvline(switch, color="grey", linestyle=":", linewidth=1.5)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        ax.set_xlabel(t("plot_step"))
    counts.set(title=t("plot_counts_title", hidden=args.hidden), ylabel=t("plot_units"))
    counts.legend(fontsize="small", loc="best")
    losses.set(title=t("plot_loss_title"), ylabel=t("plot_loss"), yscale="log")
    losses.legend(fontsize="small")
    losses.annotate(
        t("plot_switch", lr=f"{args.lr:g}", good_lr=f"{args.good_lr:g}"),
        (switch, 1.0),
        xycoords=("data", "axes fraction"),
        xytext=(4, -4),
        textcoords="offset points",
        va="top",
        fontsize="small",
        color="dimgrey",
    )
    for key in ("dead", "leaky"):
        record = runs[key]
        values = np.sort(record["moved"][record["inactive_after_first"]])[::-1]
        moved.plot(
            np.arange(1, len(values) + 1),
            values,
            color=COLORS[key],
            linewidth=2,
            marker="o",
            markersize=3,
            label=t(f"plot_moved_{key}", n=len(values)),
        )
    threshold = t("plot_threshold", threshold=f"{MOVED:g}")
    moved.axhline(MOVED, color="grey", linestyle="--", linewidth=1, label=threshold)
    moved.set(
        title=t("plot_moved_title", large_steps=args.large_steps),
        xlabel=t("plot_unit_sorted"),
        ylabel=t("plot_moved"),
    )
    moved.set_ylim(bottom=-0.02 * max(1e-9, moved.get_ylim()[1]))
    moved.xaxis.set_major_locator(MaxNLocator(integer=True))
    moved.grid(alpha=0.3)
    moved.legend(fontsize="small")
    return fig


def run(args: argparse.Namespace) -> dict:
    """Train the three runs, count the inactive units, measure how far they move, draw.

    Returns:
        ``{"lang", "runs": {key: result of train (lists and arrays)}, "names": {key: label},
        "final_loss": {key: loss at the last step}, "dead": number of the ReLU run's units
        inactive on every sample after the large steps, "dead_moved": their largest move
        afterwards (0.0 exactly), "dead_gradient_seen": how many of them got a nonzero gradient
        afterwards (0), "leaky_inactive": the leaky run's units inactive after the large steps,
        "leaky_moved_min": the smallest move of those, "leaky_revived": how many of them are
        active on some sample at the end, "loss_ratio": the dead run's final loss over the
        healthy run's, "plot": path}`` (keys: ``healthy``, ``dead``, ``leaky``).

    Raises:
        UserError: a loss became NaN or infinite, or a run ended with a loss above its first
            (a too-large ``--lr`` or ``--good-lr``).
    """
    lang = chosen_lang(args)
    text = texts("dying_relu", lang)
    X, y = make_data(args.samples, args.seed)
    leaky = partial(Tensor.leaky_relu, negative_slope=args.negative_slope)
    activations = {"relu": Tensor.relu, "leaky": leaky}
    lrs = {"good_lr": f"{args.good_lr:g}", "lr": f"{args.lr:g}"}
    names = {key: text(f"run_{key}", **lrs) for key, _, _ in RUNS}
    print(
        text(
            "setup",
            hidden=args.hidden,
            samples=args.samples,
            large_steps=args.large_steps,
            steps=args.steps,
            **lrs,
        )
    )
    runs = {}
    for key, kind, large in RUNS:
        first = args.lr if large else args.good_lr

        def error(loss: float, step: int, name: str = names[key], large: bool = large) -> str:
            option = "--lr" if large and step <= args.large_steps else "--good-lr"
            lr = args.lr if option == "--lr" else args.good_lr
            return text("diverged", name=name, step=step, loss=loss, option=option, lr=lr)

        runs[key] = train(
            X,
            y,
            args.hidden,
            (args.large_steps, first),
            (args.steps, args.good_lr),
            args.seed,
            activations[kind],
            error,
        )
        losses = runs[key]["loss"]
        if losses[-1] > losses[0]:  # finite, but the run never recovered: it diverged
            option, lr = ("--lr", args.lr) if large else ("--good-lr", args.good_lr)
            raise UserError(
                text(
                    "ended_above",
                    name=names[key],
                    end=losses[-1],
                    start=losses[0],
                    option=option,
                    lr=lr,
                )
            )
    print(text("table_header", large_steps=args.large_steps))
    for key, record in runs.items():
        print(
            text(
                "table_row",
                name=names[key],
                loss=record["loss"][-1],
                start=record["inactive"][0],
                middle=int(record["inactive_after_first"].sum()),
                end=record["inactive"][-1],
            )
        )
    final = {key: record["loss"][-1] for key, record in runs.items()}
    dead_mask = runs["dead"]["inactive_after_first"]
    leaky_mask = runs["leaky"]["inactive_after_first"]
    result = {
        "lang": lang,
        "runs": runs,
        "names": names,
        "final_loss": final,
        "dead": int(dead_mask.sum()),
        "dead_moved": float(runs["dead"]["moved"][dead_mask].max()) if dead_mask.any() else 0.0,
        "dead_gradient_seen": int(runs["dead"]["gradient_seen"][dead_mask].sum()),
        "leaky_inactive": int(leaky_mask.sum()),
        "leaky_moved_min": (
            float(runs["leaky"]["moved"][leaky_mask].min()) if leaky_mask.any() else 0.0
        ),
        "leaky_revived": int(np.sum(leaky_mask & (runs["leaky"]["active_share"] > 0))),
        "loss_ratio": final["dead"] / final["healthy"],
    }
    print(
        text(
            "loss_ratio",
            dead=result["dead"],
            ratio=result["loss_ratio"],
            loss=final["dead"],
            healthy=final["healthy"],
        )
    )
    print(
        text(
            "dead_frozen",
            dead=result["dead"],
            large_steps=args.large_steps,
            steps=args.steps,
            seen=result["dead_gradient_seen"],
            moved=f"{result['dead_moved']:g}",
        )
    )
    print(
        text(
            "leaky_moves",
            slope=f"{args.negative_slope:g}",
            inactive=result["leaky_inactive"],
            moved=result["leaky_moved_min"],
            threshold=f"{MOVED:g}",
            revived=result["leaky_revived"],
            large_steps=args.large_steps,
        )
    )
    path = save_plot(lambda chosen: _plot(runs, args, chosen), Path(args.out) / PICTURES[0], lang)
    print(text("wrote", path=path))
    result["plot"] = path
    return result
