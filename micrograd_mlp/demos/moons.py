"""Two moons: an MLP(2, [16, 16, 1]) learns a curved boundary with a max-margin loss.

The classic demo of micrograd, on this library: 100 points of two interleaving half circles
(labels -1 and +1, not 0 and 1 as in the other demos: the hinge loss below needs them, since
``y * score`` is positive exactly on the right side of the boundary), a ReLU network with two
hidden layers of 16, and the SVM loss::

    loss = mean_i max(0, 1 - y_i * score_i)  +  alpha * sum_p p^2

The hinge term is zero for a point on the right side of the boundary with a margin of at least 1
(Cortes & Vapnik 1995); the L2 term keeps the weights small, so the margin is earned by the shape
of the boundary rather than by scaling the scores up. Full-batch SGD with momentum and a
learning rate decaying linearly to a tenth of its start, as in micrograd's demo, reaches 100%
training accuracy.

Writes, under ``--out``: ``moons_boundary.png`` (the learned regions coloured by the score, the
boundary at score 0 and the margins at +-1; no boundary if the scores hardly vary) and
``moons_loss.png`` (loss and accuracy per step). ``--lang ko`` prints and draws in Korean.
``benchmarks/scalar_step.py`` times one step of exactly this training with the functions below.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from micrograd_mlp.data.toy import make_moons
from micrograd_mlp.demos._output import Text, save_plot, texts
from micrograd_mlp.demos._predict import (
    Regions,
    check_not_diverged,
    plot_regions,
    progress,
    regions,
    score_predictor,
    sign_accuracy,
    stop_on_divergence,
)
from micrograd_mlp.demos.options import chosen_lang, float_option, int_option, lang_option
from micrograd_mlp.engine import Value
from micrograd_mlp.functional import hinge_loss
from micrograd_mlp.nn import MLP
from micrograd_mlp.optim import SGD
from micrograd_mlp.optim.lr_scheduler import LinearLR
from micrograd_mlp.training import History, Schedule, fit
from micrograd_mlp.viz.plots import plot_loss_curve

COMMAND = "moons"
HELP = "MLP(2, [16, 16, 1]) on two moons with hinge loss + L2, as micrograd's demo: 100% accuracy"
BUILTIN_DATA = True
#: The files ``run`` writes under ``--out``.
PICTURES = ("moons_boundary.png", "moons_loss.png")
#: Defaults: data, architecture and training (the benchmark uses these).
SAMPLES, NOISE = 100, 0.1
HIDDEN = (16, 16)
STEPS, LR, MOMENTUM, ALPHA = 150, 0.3, 0.9, 1e-4


#: Upper bounds of the size options (the scalar engine: every step is a Python graph).
MAX_SAMPLES, MAX_STEPS = 2_000, 10_000


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options: data size and noise, training steps, learning rate, momentum, L2 strength."""
    parser.add_argument(
        "--samples",
        type=int_option(2, MAX_SAMPLES),
        default=SAMPLES,
        help=f"points, 2 to {MAX_SAMPLES:,} (default: {SAMPLES})",
    )
    parser.add_argument(
        "--noise", type=float_option(0), default=NOISE, help=f"data noise, >= 0 (default: {NOISE})"
    )
    parser.add_argument(
        "--steps",
        type=int_option(1, MAX_STEPS),
        default=STEPS,
        help=f"full-batch steps, 1 to {MAX_STEPS:,} (default: {STEPS})",
    )
    parser.add_argument(
        "--lr",
        type=float_option(0, exclusive_minimum=True),
        default=LR,
        help=f"initial SGD lr, > 0, decaying to lr/10 (default: {LR})",
    )
    parser.add_argument(
        "--momentum",
        type=float_option(0, 1, exclusive_maximum=True),
        default=MOMENTUM,
        help=f"SGD momentum, in [0, 1) (default: {MOMENTUM})",
    )
    parser.add_argument(
        "--alpha",
        type=float_option(0),
        default=ALPHA,
        help=f"L2 coefficient alpha, >= 0 (default: {ALPHA:g})",
    )
    lang_option(parser, "the text and the pictures")


def make_data(samples: int, noise: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Two moons: ``X`` (samples, 2) float64 and labels ``y`` (samples,) float64 in {-1, +1}."""
    X, y = make_moons(samples, noise, seed=seed)
    return X, 2.0 * y - 1.0  # the hinge loss wants -1/+1 labels


def make_model(seed: int) -> MLP:
    """``MLP(2, [16, 16, 1])`` with ReLU hidden layers and a linear score output."""
    return MLP(2, [*HIDDEN, 1], activation="relu", seed=seed)


def l2_penalty(params: Sequence[Value]) -> Value:
    """``sum_p p^2`` as one graph node (``Value.dot(params, params)``; gradient ``2 p``)."""
    return Value.dot(params, params)


def objective(model: MLP, alpha: float) -> Callable[[list[Value], np.ndarray], Value]:
    """The training loss for ``fit``: mean hinge loss of the scores + ``alpha * sum_p p^2``."""
    params = model.parameters()

    def loss_fn(scores: list[Value], labels: np.ndarray) -> Value:
        return hinge_loss(scores, labels) + alpha * l2_penalty(params)

    return loss_fn


def lr_schedule(lr: float, steps: int) -> Callable[[int], float]:
    """``step -> lr * (1 - 0.9 step / steps)``: linear decay from ``lr`` towards ``lr / 10``.

    :func:`train` gets this schedule from ``LinearLR(start_factor=1, end_factor=0.1,
    total_iters=steps)``; the function states it as a formula (and tests compare the two)."""
    return lambda step: lr * (1.0 - 0.9 * step / steps)


def make_optimizer(model: MLP, lr: float, momentum: float) -> SGD:
    """Plain SGD with momentum on the model's parameters (the schedule sets ``lr`` each step)."""
    return SGD(model.parameters(), lr=lr, momentum=momentum)


def train(
    model: MLP,
    X: np.ndarray,
    y: np.ndarray,
    steps: int = STEPS,
    lr: float = LR,
    momentum: float = MOMENTUM,
    alpha: float = ALPHA,
    verbose: bool = True,
    callback: Callable[[int, History], object] | None = None,
    lang: str = "en",
) -> History:
    """Full-batch training of ``model`` on ``(X, y)`` (labels -1/+1) for ``steps`` steps.

    Args:
        model, X, y: the network and the data (see :func:`make_model`, :func:`make_data`).
        steps, lr, momentum, alpha: as the command's options.
        verbose: print the loss and accuracy every 10 steps, in ``lang``.
        callback: also called as ``callback(step, history)`` after every step.
    """
    optimizer = make_optimizer(model, lr, momentum)
    # Full batch: one epoch is one step, so the epoch scheduler decays the rate every step,
    # linearly from lr to lr / 10 (the schedule of micrograd's demo; see lr_schedule).
    scheduler = LinearLR(optimizer, start_factor=1.0, end_factor=0.1, total_iters=steps)
    callbacks = [Schedule(scheduler)]
    if verbose:
        callbacks.append(progress(texts("moons", lang), 10, steps))
    if callback is not None:
        callbacks.append(callback)
    return fit(
        model,
        X,
        y,
        objective(model, alpha),
        optimizer,
        steps,
        metric=sign_accuracy,
        callbacks=callbacks,
    )


def _plot_boundary(field: Regions, X: np.ndarray, y: np.ndarray, acc: float, text: Text) -> Figure:
    """The learned regions by score, titled with the training accuracy (or "no boundary")."""
    if field.separates:
        title = text("plot.title", accuracy=f"{acc:.0%}")
    else:
        title = text("plot.title_no_boundary")
    return plot_regions(field, X, y, text, title)


def _plot_loss(history: History, text: Text) -> Figure:
    fig = plot_loss_curve(
        history.loss,
        accuracy=history.metric,
        xlabel=text("plot.step"),
        title=text("plot.loss_title"),
    )
    fig.axes[0].set_ylabel(text("plot.loss"))
    fig.axes[1].set_ylabel(text("plot.accuracy"))
    return fig


def run(args: argparse.Namespace) -> dict:
    """Train on two moons and draw the decision boundary.

    Returns:
        ``{"accuracy": final training accuracy, "loss": final loss (hinge + L2) of the trained
        model, "steps": steps taken, "first_perfect_step": the first step whose batch was all
        right (None if none), "score_range": (lowest, highest) score over the picture,
        "boundary": whether the picture draws a decision boundary, "lang", "files": [paths]}``.

    Raises:
        UserError: the loss stopped being finite (a too-large ``--lr``).
    """
    out = Path(args.out)
    lang = chosen_lang(args)
    text = texts("moons", lang)
    X, y = make_data(args.samples, args.noise, args.seed)
    model = make_model(args.seed)
    print(
        text(
            "intro",
            hidden=", ".join(str(h) for h in HIDDEN),
            parameters=len(model.parameters()),
            samples=args.samples,
            alpha=f"{args.alpha:g}",
            momentum=f"{args.momentum:g}",
            lr=f"{args.lr:g}",
            end=f"{args.lr / 10:g}",
            steps=args.steps,
        )
    )
    print(text("labels"))
    with stop_on_divergence(text, "--lr", args.lr):
        history = train(model, X, y, args.steps, args.lr, args.momentum, args.alpha, lang=lang)
    check_not_diverged(text, "--lr", args.lr, history.loss)
    outputs = [model(x) for x in X.tolist()]
    result: dict = {
        "accuracy": sign_accuracy(outputs, y),
        "loss": objective(model, args.alpha)(outputs, y).data,
        "steps": history.steps,
        "first_perfect_step": next((k for k, a in enumerate(history.metric) if a == 1.0), None),
        "lang": lang,
    }
    field = regions(score_predictor(model), X, link="margin")
    result["score_range"], result["boundary"] = (field.low, field.high), field.separates
    print(text("trained", loss=f"{result['loss']:.5f}", accuracy=f"{result['accuracy']:.0%}"))

    files = [
        save_plot(
            lambda chosen: _plot_boundary(
                field, X, y.astype(np.int64), result["accuracy"], texts("moons", chosen)
            ),
            out / "moons_boundary.png",
            lang,
        ),
        save_plot(
            lambda chosen: _plot_loss(history, texts("moons", chosen)), out / "moons_loss.png", lang
        ),
    ]
    result["files"] = files
    print(text("wrote", files=", ".join(str(p) for p in files)))
    return result
