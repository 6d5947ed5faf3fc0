"""A 2-D binary classifier's decision regions: one rule for when a boundary is drawn.

:func:`regions` evaluates a model over a grid around the data; :func:`plot_regions` colours the
grid and draws the boundary. A boundary is drawn only where the model separates the classes:
when its outputs over the picture span less than :data:`MIN_SPAN` (a probability that stays at
~1/2, a score that stays at ~0), the regions are one flat colour and a caption says that there
is no boundary. A line drawn through rounding noise (logits of 1e-6) would show a confident
boundary the model does not have. The colour scale is fixed so that white is the boundary: 0 to
1 for a probability, centred at 0 for a score.

:func:`micrograd_mlp.viz.plots.plot_decision_boundary` is both in one call. Every label is a
parameter with an English default; Hangul in them is drawn with a Hangul font
(:func:`micrograd_mlp.viz.fonts.figure_rc`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from matplotlib import rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator
from numpy.typing import ArrayLike

from micrograd_mlp.viz.fonts import figure_rc

__all__ = ["LINKS", "MIN_SPAN", "Regions", "plot_regions", "regions"]

#: The smallest spread of a classifier's outputs over a picture that gets a decision boundary:
#: of the probability p(class 1) for a model with logits (or probabilities), of the score for a
#: margin classifier (whose margin is 1). Below it, the model predicts ~1/2 (a score of ~0)
#: everywhere.
MIN_SPAN = 0.1

#: What a model's output is: ``"logit"`` (shown as p(class 1) = sigmoid(output)),
#: ``"probability"`` (p(class 1) itself, or 0/1 labels) or ``"margin"`` (a score whose sign is
#: the class, shown as it is, the margins at +-1).
LINKS = ("logit", "probability", "margin")

#: English labels of each kind of picture (the defaults of :func:`plot_regions`).
_PROBABILITY_LABELS = {
    "value_label": "p(class 1)",
    "boundary_label": "boundary, p = 1/2",
    "no_boundary": (
        "no boundary: the model predicts\np = {low} to {high} everywhere:\n"
        "it does not separate the classes"
    ),
}
_MARGIN_LABELS = {
    "value_label": "score",
    "boundary_label": "boundary, score 0",
    "no_boundary": (
        "no boundary: the model's score is\n{low} to {high} everywhere:\n"
        "it does not separate the classes"
    ),
}


@dataclass(frozen=True)
class Regions:
    """A classifier's outputs over a picture's grid (made by :func:`regions`).

    Attributes:
        link: one of :data:`LINKS`; ``shown`` is p(class 1) for ``"logit"`` and
            ``"probability"``, the score itself for ``"margin"`` (the boundary at 0, the
            margins at +-1).
        gx, gy: the grid, float64 (R, R); ``shown``: the plotted value at each grid point,
            float64 (R, R).
        low, high: the smallest and largest ``shown`` over the grid.
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
    def at(self) -> float:
        """The value of ``shown`` at the boundary: 1/2 for a probability, 0 for a score."""
        return 0.0 if self.link == "margin" else 0.5

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
        far = max(abs(self.low - self.at), abs(self.high - self.at))
        return "flat" if far < MIN_SPAN else "other"


def regions(
    predict: Callable[[np.ndarray], ArrayLike],
    X: ArrayLike,
    link: str = "logit",
    resolution: int = 80,
    padding: float = 0.1,
) -> Regions:
    """``predict`` over a ``resolution`` x ``resolution`` grid around the points ``X``.

    Args:
        predict: maps a float64 (M, 2) array of points to M outputs, shape (M,) or (M, 1), of
            the kind ``link`` names. Called once, on ``resolution**2`` points.
        X: the data points, shape (N, 2), N >= 1, finite.
        link: one of :data:`LINKS`.
        resolution: grid points per axis, an int >= 2.
        padding: margin around the data, as a fraction of its range on each axis.

    Returns:
        The :class:`Regions`.

    Raises:
        TypeError: ``predict`` is not callable.
        ValueError: an unknown ``link``; X not (N, 2), empty or not finite (its shape named); a
            bad ``resolution``; ``predict`` returning another shape (shapes named), outputs that
            are not finite, or probabilities outside [0, 1].
    """
    if not callable(predict):
        raise TypeError(f"regions: predict must be callable, got {predict!r}")
    if link not in LINKS:
        raise ValueError(f"regions: link must be one of {', '.join(LINKS)}; got {link!r}")
    if isinstance(resolution, bool) or not isinstance(resolution, int) or resolution < 2:
        raise ValueError(f"regions: resolution must be an int >= 2, got {resolution!r}")
    X = _points(X, "regions")
    low, high = X.min(axis=0), X.max(axis=0)
    margin = padding * np.where(high > low, high - low, 1.0)
    gx, gy = np.meshgrid(
        np.linspace(low[0] - margin[0], high[0] + margin[0], resolution),
        np.linspace(low[1] - margin[1], high[1] + margin[1], resolution),
    )
    grid = np.column_stack([gx.ravel(), gy.ravel()])
    z = np.asarray(predict(grid))
    if z.shape not in ((len(grid),), (len(grid), 1)):
        raise ValueError(
            f"regions: predict returned shape {z.shape} for {grid.shape} grid points; "
            f"expected ({len(grid)},)"
        )
    z = z.astype(np.float64).reshape(gx.shape)
    if not np.all(np.isfinite(z)):
        raise ValueError("regions: predict returned NaN or infinity")
    if link == "probability" and (z.min() < 0.0 or z.max() > 1.0):
        raise ValueError(
            f"regions: link='probability' needs outputs in [0, 1], got {z.min():g} to "
            f"{z.max():g} (use link='logit' for logits, 'margin' for scores)"
        )
    shown = _sigmoid(z) if link == "logit" else z
    return Regions(link, gx, gy, shown, float(shown.min()), float(shown.max()))


def plot_regions(
    field: Regions,
    X: ArrayLike,
    y: ArrayLike,
    title: str | None = "Decision boundary",
    *,
    value_label: str | None = None,
    class_label: str = "class",
    boundary_label: str | None = None,
    margin_label: str = "margins, score = -1 and +1",
    no_boundary: str | None = None,
) -> Figure:
    """The decision regions of :func:`regions` with the points ``X`` of classes ``y``.

    A model with logits or probabilities is coloured by p(class 1) on a fixed scale from 0 to 1
    (white is 1/2), a margin classifier by its score on a scale centred at 0. The boundary
    (p = 1/2, score 0) and, for a margin classifier, the margins (score +-1, dashed) are drawn
    only when ``field.separates``; otherwise the regions are one flat colour and a caption says
    that the model predicts about the same everywhere. The boundary's artist has the gid
    ``"decision-boundary"``, the caption ``"no-boundary"``. Save it with
    :func:`~micrograd_mlp.viz.plots.save_figure`.

    Args:
        field: the model's outputs over the grid.
        X: the points, shape (N, 2). y: their classes, shape (N,) (0/1, -1/+1, any values).
        title: the picture's title.
        value_label: the colour bar's label (default ``"p(class 1)"``, or ``"score"`` for a
            margin classifier).
        class_label: the legend's title.
        boundary_label: the boundary's legend entry (default ``"boundary, p = 1/2"`` or
            ``"boundary, score 0"``).
        margin_label: the margins' legend entry (a margin classifier only).
        no_boundary: the caption when there is no boundary, a ``str.format`` template with the
            fields ``{low}`` and ``{high}`` (the range of outputs, with enough decimals to tell
            them apart).

    Returns:
        The Figure (headless Agg canvas).

    Raises:
        ValueError: X not (N, 2), empty or not finite, y not of shape (N,) (shapes named), or a
            ``no_boundary`` template with other fields than ``{low}`` and ``{high}``.
    """
    X = _points(X, "plot_regions")
    y = np.asarray(y)
    if y.shape != (len(X),):
        raise ValueError(
            f"plot_regions: X has shape {X.shape} but y has shape {y.shape}; "
            f"expected y of shape ({len(X)},)"
        )
    margin_kind = field.link == "margin"
    defaults = _MARGIN_LABELS if margin_kind else _PROBABILITY_LABELS
    value_label = defaults["value_label"] if value_label is None else value_label
    boundary_label = defaults["boundary_label"] if boundary_label is None else boundary_label
    caption = ""
    if not field.separates:
        template = defaults["no_boundary"] if no_boundary is None else no_boundary
        low, high = _distinct(field.low, field.high)
        try:
            caption = template.format(low=low, high=high)
        except (KeyError, IndexError, ValueError) as error:
            raise ValueError(
                f"plot_regions: no_boundary must be a str.format template with the fields "
                f"{{low}} and {{high}} only, got {template!r} ({error!r})"
            ) from None
    classes = np.unique(y)
    names = [_class_name(c, classes) for c in classes]
    labels = [title or "", value_label, class_label, boundary_label, caption]
    labels += [margin_label] if margin_kind else []
    with rc_context(figure_rc(labels, names)):
        fig = Figure(figsize=(6.4, 5.2), layout="constrained")
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        handles = _fill(fig, ax, field, value_label, boundary_label, margin_label)
        if caption:
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
        colors = ["tab:blue", "tab:red"] if len(classes) == 2 else [None] * len(classes)
        for c, name, color in zip(classes, names, colors):
            points = X[y == c]
            ax.scatter(
                *points.T,
                s=22 if len(X) > 20 else 90,  # a truth table's 4 points drawn large
                color=color,
                edgecolors="black",
                linewidths=0.6,
                label=name,
                zorder=3,
            )
        # Below the picture, not on it: classes in the first column, the lines in the second.
        fig.legend(
            handles=ax.get_legend_handles_labels()[0] + handles,
            title=class_label,
            loc="outside lower center",
            ncol=2 if handles else 1,
            fontsize="small",
        )
        ax.set(xlabel="$x_1$", ylabel="$x_2$", title=title or "")
    return fig


# ----------------------------------------------------------------------------- helpers
def _fill(
    fig: Figure,
    ax,
    field: Regions,
    value_label: str,
    boundary_label: str,
    margin_label: str,
) -> list[Line2D]:
    """Colour the regions on a fixed scale (white at the boundary), add the colour bar, draw
    the boundary (and margins) when the field separates; the lines' legend handles."""
    if field.link == "margin":
        top = max(abs(field.low), abs(field.high), 1.5)
        levels, norm = np.linspace(-top, top, 22), Normalize(-top, top)
    else:
        # 11 bands: 1/2 lies inside the middle one, so an undecided model is one flat colour.
        levels, norm = np.linspace(0.0, 1.0, 12), Normalize(0.0, 1.0)
    shown = field.shown if field.separates else np.full_like(field.shown, field.at)
    filled = ax.contourf(
        field.gx, field.gy, shown, levels=levels, cmap="RdBu_r", norm=norm, alpha=0.6
    )
    bar = fig.colorbar(filled, ax=ax, label=value_label)
    if field.link == "margin":
        ticks = MaxNLocator(nbins=6, symmetric=True).tick_values(-top, top)
        bar.set_ticks(ticks[np.abs(ticks) <= top])
    else:
        bar.set_ticks([0.0, 0.25, 0.5, 0.75, 1.0])
    handles: list[Line2D] = []
    if not field.separates:
        return handles
    boundary = ax.contour(field.gx, field.gy, field.shown, levels=[field.at], colors="black")
    boundary.set_gid("decision-boundary")
    handles.append(Line2D([], [], color="black", label=boundary_label))
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
        handles.append(Line2D([], [], color="black", lw=0.8, ls="--", label=margin_label))
    return handles


def _points(X: ArrayLike, caller: str) -> np.ndarray:
    """``X`` as a finite float64 (N, 2) array with N >= 1, or a ValueError naming its shape."""
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != 2 or len(X) == 0:
        raise ValueError(f"{caller}: X must have shape (N, 2) with N >= 1, got {X.shape}")
    if not np.all(np.isfinite(X)):
        raise ValueError(f"{caller}: X contains NaN or infinity")
    return X


def _class_name(c: object, classes: np.ndarray) -> str:
    """A class's legend entry: ``0``, ``1``; ``-1``, ``+1`` when a class is negative; any
    other label as its text."""
    if np.issubdtype(classes.dtype, np.integer) or np.issubdtype(classes.dtype, np.floating):
        return f"{c:+g}" if classes.min() < 0 else f"{c:g}"
    return str(c)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    """``1 / (1 + e^-z)`` elementwise, without overflow for large ``|z|``."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _distinct(low: float, high: float) -> tuple[str, str]:
    """``low`` and ``high`` with enough decimals (4 to 9) to tell them apart: 0.4999990 and
    0.5000010, not 0.5000 and 0.5000."""
    span = high - low
    decimals = 4 if span <= 0 else min(9, max(4, 1 - math.floor(math.log10(span))))
    return f"{low:.{decimals}f}", f"{high:.{decimals}f}"
