"""Helpers shared by the scalar-engine demos (``moons``, ``xor``, ``regression``,
``linear-collapse``, ``learning-rate``, ``batch-size``, ``losses``): a model's scores on many
points, accuracy, their text in the chosen language, progress lines, a run that diverges, and
two pictures: a classifier's decision regions and a regression fit.

A decision boundary is drawn only where the model separates the classes: when its outputs over
the picture span less than :data:`MIN_SPAN` (a probability that stays at ~1/2, a score that stays
at ~0), the regions are one flat colour and a caption says that there is no boundary. A line
drawn through rounding noise (logits of 1e-6) would show a confident boundary the model does not
have.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator
from numpy.typing import ArrayLike

from micrograd_mlp.demos._output import Text
from micrograd_mlp.demos.options import UserError
from micrograd_mlp.engine import Value
from micrograd_mlp.metrics import accuracy
from micrograd_mlp.training import History, NonFiniteLossError

#: ``text(key, **fields)``: a command's message ``<topic>.<key>`` in one language.

#: A run whose loss grew this many times over its first loss diverged (it stops with one line).
BLOWUP_FACTOR = 1e4

#: The smallest spread of a classifier's outputs over a picture that gets a decision boundary:
#: of the probability p(class 1) for a model with logits, of the score for a margin classifier
#: (whose margin is 1). Below it, the model predicts ~1/2 (a score of ~0) everywhere.
MIN_SPAN = 0.1


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


def sigmoid(z: ArrayLike) -> np.ndarray:
    """``1 / (1 + e^-z)`` elementwise, without overflow for large ``|z|``."""
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


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
@dataclass(frozen=True)
class Regions:
    """A classifier's outputs over a picture's grid.

    Attributes:
        link: ``"logit"`` (``shown`` is p(class 1) = sigmoid(score)) or ``"margin"`` (``shown``
            is the score itself, the boundary at 0, the margins at +-1).
        gx, gy: the grid (R, R); ``shown``: the plotted value at each grid point (R, R).
        low, high: the smallest and largest ``shown`` over the grid.
        separates: ``high - low >= MIN_SPAN``: the picture draws a boundary.
    """

    link: str
    gx: np.ndarray
    gy: np.ndarray
    shown: np.ndarray
    low: float
    high: float

    @property
    def span(self) -> float:
        """``high - low``."""
        return self.high - self.low

    @property
    def separates(self) -> bool:
        """True if the outputs spread over at least :data:`MIN_SPAN` (a boundary is drawn)."""
        return self.span >= MIN_SPAN

    @property
    def verdict(self) -> str:
        """``"line"``: a boundary is drawn; ``"flat"``: no boundary, the model predicts p ~ 1/2
        (a score ~ 0) everywhere, within :data:`MIN_SPAN`; ``"other"``: no boundary, one class
        everywhere."""
        if self.separates:
            return "line"
        at = 0.5 if self.link == "logit" else 0.0
        return "flat" if max(abs(self.low - at), abs(self.high - at)) < MIN_SPAN else "other"


def regions(
    predict: Callable[[np.ndarray], ArrayLike],
    X: ArrayLike,
    link: str = "logit",
    resolution: int = 80,
    padding: float = 0.1,
) -> Regions:
    """``predict`` (points (M, 2) -> scores (M,)) over a ``resolution`` x ``resolution`` grid
    around the points ``X`` (N, 2), with ``padding`` of their range on each side.

    Raises:
        ValueError: an unknown ``link``, or scores that are not finite.
    """
    if link not in ("logit", "margin"):
        raise ValueError(f"regions: link must be 'logit' or 'margin', got {link!r}")
    X = np.asarray(X, dtype=np.float64)
    low, high = X.min(axis=0), X.max(axis=0)
    margin = padding * np.where(high > low, high - low, 1.0)
    gx, gy = np.meshgrid(
        np.linspace(low[0] - margin[0], high[0] + margin[0], resolution),
        np.linspace(low[1] - margin[1], high[1] + margin[1], resolution),
    )
    z = np.asarray(predict(np.column_stack([gx.ravel(), gy.ravel()])), dtype=np.float64)
    z = z.reshape(gx.shape)
    if not np.all(np.isfinite(z)):
        raise ValueError("regions: the model's scores are not all finite")
    shown = sigmoid(z) if link == "logit" else z
    return Regions(link, gx, gy, shown, float(shown.min()), float(shown.max()))


def plot_regions(
    field: Regions,
    X: ArrayLike,
    y: ArrayLike,
    text: Text,
    title: str,
) -> Figure:
    """The decision regions of :func:`regions` with the points ``X`` (N, 2) of classes ``y``.

    A model with logits is coloured by p(class 1) on a fixed scale from 0 to 1 (white is 1/2),
    a margin classifier by its score on a scale centred at 0. The boundary (p = 1/2, score 0)
    and, for a margin classifier, the margins (score +-1, dashed) are drawn only when
    ``field.separates``; otherwise the regions are one flat colour and the caption
    ``text("plot.no_boundary", low=, high=)`` says that the model predicts about the same
    everywhere. Its other labels: ``text("plot.probability")`` or ``text("plot.score")`` (the
    colour bar), ``text("plot.class")`` (the legend's title), ``text("plot.boundary")`` and, for a
    margin classifier, ``text("plot.margin")`` (the lines). The boundary's artist has the gid
    ``"decision-boundary"``, the caption ``"no-boundary"``.
    """
    X, y = np.asarray(X, dtype=np.float64), np.asarray(y)
    fig = Figure(figsize=(6.4, 5.2), layout="constrained")
    ax = fig.add_subplot()
    cmap = "RdBu_r"
    if field.link == "logit":
        # 11 bands: 1/2 lies inside the middle one, so an undecided model is one flat colour.
        levels, norm = np.linspace(0.0, 1.0, 12), Normalize(0.0, 1.0)
        at, label = 0.5, text("plot.probability")
    else:
        top = max(abs(field.low), abs(field.high), 1.5)
        levels, norm = np.linspace(-top, top, 22), Normalize(-top, top)
        at, label = 0.0, text("plot.score")
    shown = field.shown if field.separates else np.full_like(field.shown, at)
    filled = ax.contourf(field.gx, field.gy, shown, levels=levels, cmap=cmap, norm=norm, alpha=0.6)
    bar = fig.colorbar(filled, ax=ax, label=label)
    if field.link == "logit":
        bar.set_ticks([0.0, 0.25, 0.5, 0.75, 1.0])
    else:
        ticks = MaxNLocator(nbins=6, symmetric=True).tick_values(-top, top)
        bar.set_ticks(ticks[np.abs(ticks) <= top])
    handles = []
    if field.separates:
        boundary = ax.contour(field.gx, field.gy, field.shown, levels=[at], colors="black")
        boundary.set_gid("decision-boundary")
        handles.append(Line2D([], [], color="black", label=text("plot.boundary")))
        if field.link == "margin" and field.low < -1.0 < 1.0 < field.high:
            ax.contour(
                field.gx,
                field.gy,
                field.shown,
                levels=[-1.0, 1.0],
                colors="black",
                linewidths=0.8,
                linestyles="dashed",
            )
            handles.append(
                Line2D([], [], color="black", lw=0.8, ls="--", label=text("plot.margin"))
            )
    else:
        low, high = _distinct(field.low, field.high)
        caption = text("plot.no_boundary", low=low, high=high)
        note = ax.text(
            0.5,
            0.5,
            caption,
            transform=ax.transAxes,
            ha="center",
            va="center",
            wrap=True,
            bbox={"boxstyle": "round", "facecolor": "white", "alpha": 0.9, "edgecolor": "0.5"},
        )
        note.set_gid("no-boundary")
    classes = np.unique(y)
    colors = ["tab:blue", "tab:red"] if len(classes) == 2 else [None] * len(classes)
    for c, color in zip(classes, colors):
        points = X[y == c]
        ax.scatter(
            *points.T,
            s=22 if len(X) > 20 else 90,
            color=color,
            edgecolors="black",
            linewidths=0.6,
            label=f"{c:+g}" if classes.min() < 0 else f"{c:g}",
            zorder=3,
        )
    # Below the picture, not on it: classes in the first column, the lines in the second.
    fig.legend(
        handles=ax.get_legend_handles_labels()[0] + handles,
        title=text("plot.class"),
        loc="outside lower center",
        ncol=2 if handles else 1,
        fontsize="small",
    )
    ax.set(xlabel="$x_1$", ylabel="$x_2$", title=title)
    return fig


def _distinct(low: float, high: float) -> tuple[str, str]:
    """``low`` and ``high`` with enough decimals (4 to 9) to tell them apart: 0.4999990 and
    0.5000010, not 0.5000 and 0.5000."""
    span = high - low
    decimals = 4 if span <= 0 else min(9, max(4, 1 - math.floor(math.log10(span))))
    return f"{low:.{decimals}f}", f"{high:.{decimals}f}"


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


