"""Helpers shared by the scalar-engine demos (``moons``, ``xor``, ``regression``,
``linear-collapse``, ``learning-rate``, ``batch-size``, ``losses``): a model's scores on many
points, accuracy, their text in the chosen language, progress lines, a run that diverges, and
two pictures: a classifier's decision regions and a regression fit.

The decision regions and the rule for when a boundary is drawn (:data:`MIN_SPAN`) live in
:mod:`micrograd_mlp.viz.regions`; :func:`plot_regions` here gives that picture its words from a
demo's catalogue.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from numpy.typing import ArrayLike

from micrograd_mlp.demos._output import Text
from micrograd_mlp.demos.options import UserError
from micrograd_mlp.engine import Value
from micrograd_mlp.metrics import accuracy
from micrograd_mlp.training import History, NonFiniteLossError
from micrograd_mlp.viz.regions import MIN_SPAN, Regions, regions
from micrograd_mlp.viz.regions import plot_regions as draw_regions

__all__ = [
    "BLOWUP_FACTOR",
    "MIN_SPAN",
    "Regions",
    "check_not_diverged",
    "plot_fit",
    "plot_regions",
    "progress",
    "regions",
    "score_predictor",
    "scores",
    "sign_accuracy",
    "stop_on_divergence",
]

#: A run whose loss grew this many times over its first loss diverged (it stops with one line).
BLOWUP_FACTOR = 1e4


def scores(model: Callable[[Sequence[float]], Value], X: ArrayLike) -> np.ndarray:
    """The model's single output for every row of ``X`` (N, D), as a float64 array (N,).

    One forward pass per row; each graph is freed as soon as its number is read.
    """
    return np.array([model(row).data for row in np.asarray(X, dtype=np.float64).tolist()])


def sign_accuracy(outputs: Sequence[Value], targets: ArrayLike) -> float:
    """Accuracy of a binary classifier that predicts the positive class when its score is > 0.

    ``targets`` may be 0/1 labels or -1/+1 labels: in both, the positive class is ``target > 0``.
    Usable as ``fit(..., metric=sign_accuracy)``.
    """
    predicted = np.array([o.data > 0.0 for o in outputs])
    return accuracy(predicted, np.asarray(targets) > 0)


def score_predictor(model: Any) -> Callable[[np.ndarray], np.ndarray]:
    """``points (M, D) -> scores (M,)`` for :func:`plot_regions`."""
    return lambda points: scores(model, points)


# ----------------------------------------------------------------------------------- text
def progress(text: Text, every: int, total: int) -> Callable[[int, History], None]:
    """A ``fit`` callback printing ``text("progress", epoch=, total=, loss=, metric=)`` after
    the first epoch, every ``every``-th and the last (``metric``: the epoch's metric with four
    decimals, "" when ``fit`` has none)."""

    def callback(epoch: int, history: History) -> None:
        if epoch == 0 or (epoch + 1) % every == 0 or epoch + 1 == total:
            metric = f"{history.epoch_metric[-1]:.4f}" if history.epoch_metric else ""
            loss = f"{history.epoch_loss[-1]:.6f}"
            print(text("progress", epoch=f"{epoch + 1:>4}", total=total, loss=loss, metric=metric))

    return callback


@contextlib.contextmanager
def stop_on_divergence(text: Text, option: str, value: float) -> Iterator[None]:
    """Turn a training loss that stopped being finite (or overflowed) into one
    :class:`UserError` line naming the option to lower: ``text("diverged", option=, value=,
    loss=, step=)``."""
    try:
        yield
    except NonFiniteLossError as error:
        raise UserError(
            text("diverged", option=option, value=f"{value:g}", loss=error.loss, step=error.step)
        ) from None
    except OverflowError:
        raise UserError(
            text("diverged", option=option, value=f"{value:g}", loss="inf", step="?")
        ) from None


def check_not_diverged(text: Text, option: str, value: float, losses: Sequence[float]) -> None:
    """Raise the :class:`UserError` of :func:`stop_on_divergence` if the last of ``losses`` is
    ``BLOWUP_FACTOR`` times the first or more (a finite loss can still diverge: Adam with a huge
    step keeps the loss finite but far above where it started)."""
    first, last = losses[0], losses[-1]
    if last > BLOWUP_FACTOR * max(first, 1e-12):
        loss, step = f"{last:.3g}", len(losses) - 1
        raise UserError(text("diverged", option=option, value=f"{value:g}", loss=loss, step=step))


# ------------------------------------------------------------------------------- pictures
def plot_regions(field: Regions, X: ArrayLike, y: ArrayLike, text: Text, title: str) -> Figure:
    """:func:`micrograd_mlp.viz.regions.plot_regions` of ``field`` with the points ``X`` (N, 2)
    of classes ``y`` (N,), in a demo's words: ``text("plot.probability")`` or
    ``text("plot.score")`` (the colour bar, for a model with logits or a margin classifier),
    ``text("plot.class")`` (the legend's title), ``text("plot.boundary")``, for a margin
    classifier ``text("plot.margin")``, and the caption ``text("plot.no_boundary", low=,
    high=)`` when the model does not separate the classes.

    Raises:
        ValueError: see :func:`micrograd_mlp.viz.regions.plot_regions`.
    """
    margin = field.link == "margin"
    words = {
        "value_label": text("plot.score" if margin else "plot.probability"),
        "class_label": text("plot.class"),
        "boundary_label": text("plot.boundary"),
        # the template itself: plot_regions fills in the range
        "no_boundary": text("plot.no_boundary", low="{low}", high="{high}"),
    }
    if margin:
        words["margin_label"] = text("plot.margin")
    return draw_regions(field, X, y, title, **words)


def plot_fit(
    x: np.ndarray,
    y: np.ndarray,
    lines: Mapping[str, tuple[np.ndarray, np.ndarray]],
    data_label: str,
    title: str,
) -> Figure:
    """Data points and named lines ``name -> (xs, ys)`` (each drawn in the order given, later
    ones thinner and dashed on top, so lines that coincide all stay visible)."""
    fig = Figure(figsize=(6.8, 4.6), layout="constrained")
    ax = fig.add_subplot()
    ax.scatter(x, y, s=14, color="0.35", label=data_label, zorder=2)
    styles = ("-", (0, (5, 3)), (0, (1, 1.5)), "-.")
    for i, (name, (xs, ys)) in enumerate(lines.items()):
        order = np.argsort(xs, kind="stable")
        ax.plot(
            np.asarray(xs)[order],
            np.asarray(ys)[order],
            lw=max(4.0 - 1.4 * i, 1.4),
            ls=styles[i % len(styles)],
            zorder=4 + i,
            label=name,
        )
    ax.legend(loc="best")
    ax.set(xlabel="x", ylabel="y", title=title)
    ax.grid(alpha=0.3)
    return fig
