"""Training pictures with matplotlib: loss curves, decision boundaries, regression fits.

Every function builds a ``matplotlib.figure.Figure`` on the Agg canvas (no pyplot, no GUI,
nothing kept in pyplot's global list of figures), returns it, and writes it to ``path`` when one
is given (atomically; the format comes from the suffix, PNG if there is none). In Jupyter a
returned Figure displays inline. The pictures of a classifier on images (confusion matrix,
image grid) are in :mod:`micrograd_mlp.viz.image_plots`; the decision-region rule (when a
boundary is drawn) is in :mod:`micrograd_mlp.viz.regions`.

Every word a picture shows is a parameter with an English default (``title=``, ``xlabel=``,
...). Labels with Hangul are drawn with a Hangul font, chosen by the text
(:func:`micrograd_mlp.viz.fonts.figure_rc`)::

    plot_loss_curve(losses, title="학습 손실", xlabel="업데이트", ylabel="손실")
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np
from matplotlib import rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from numpy.typing import ArrayLike

from micrograd_mlp.files import atomic_write_bytes
from micrograd_mlp.viz.fonts import figure_rc, fix_log_ticks
from micrograd_mlp.viz.regions import plot_regions, regions

__all__ = [
    "plot_decision_boundary",
    "plot_loss_curve",
    "plot_regression_fit",
    "plot_training_history",
    "save_figure",
]

PathLike = str | os.PathLike[str]
Series = ArrayLike | Mapping[str, ArrayLike]


def save_figure(fig: Figure, path: PathLike, dpi: int = 120) -> Path:
    """Write ``fig`` to ``path`` atomically, in the format of its suffix (``.png``, ``.svg``, ...).

    A path without a suffix gets ``.png``. Parent directories are created. Saved with the
    current matplotlib settings (inside ``rc_context(plot_rc("ko"))`` for a Korean figure);
    the tick labels of a log axis are drawn in DejaVu Sans when the figure's font lacks the minus
    sign (:func:`~micrograd_mlp.viz.fonts.fix_log_ticks`), so no glyph is missing.

    Returns:
        The path written.

    Raises:
        ValueError: matplotlib does not know the suffix as a format.
    """
    target = Path(path)
    if not target.suffix:
        target = target.with_name(target.name + ".png")
    fmt = target.suffix[1:].lower()
    supported = FigureCanvasAgg(Figure()).get_supported_filetypes()
    if fmt not in supported:
        raise ValueError(
            f"cannot save a figure as {target}: unknown format {fmt!r}; "
            f"use one of {', '.join(sorted(supported))}"
        )
    fix_log_ticks(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt, dpi=dpi, bbox_inches="tight")
    return atomic_write_bytes(target, buffer.getvalue())


def plot_loss_curve(
    losses: Series,
    path: PathLike | None = None,
    *,
    accuracy: Series | None = None,
    log_scale: bool = False,
    xlabel: str = "step",
    ylabel: str = "loss",
    accuracy_label: str = "accuracy",
    title: str | None = "Training loss",
) -> Figure:
    """Loss against step, for one series or several named ones, with an optional accuracy panel.

    Args:
        losses: a sequence of numbers (one series, named "loss"), or a mapping from series name
            to sequence (e.g. ``{"train": [...], "test": [...]}``); the x value of element i is i.
            NaN entries are left as gaps.
        path: where to save the picture (optional).
        accuracy: the same kind of input for a second panel on the right (fractions in [0, 1]).
        log_scale: a logarithmic loss axis (every finite loss must then be > 0).
        xlabel, ylabel, accuracy_label, title: the x axis's label, the loss axis's, the
            accuracy axis's and the figure's title (strs; Hangul is drawn with a Hangul font).

    Returns:
        The Figure.

    Raises:
        ValueError: a series is empty or not 1-D numeric (its name is given), or ``log_scale``
            with a loss <= 0.
    """
    return _curves(
        _named_series(losses, "loss"),
        None if accuracy is None else _named_series(accuracy, "accuracy"),
        path,
        log_scale=log_scale,
        labels=(xlabel, ylabel, accuracy_label),
        title=title,
        first_x=0,
    )


def plot_training_history(
    history: Mapping[str, ArrayLike] | Sequence[Mapping[str, float]],
    path: PathLike | None = None,
    *,
    log_scale: bool = False,
    xlabel: str = "epoch",
    ylabel: str = "loss",
    accuracy_label: str = "accuracy",
    title: str | None = "Training history",
) -> Figure:
    """Loss (left) and accuracy (right) per epoch, train against test.

    Args:
        history: per-epoch numbers, either as a mapping from key to sequence or as a list of
            per-epoch mappings (e.g. ``[{"epoch": 1, "train_loss": 0.5, ...}, ...]``). Keys with
            "loss" in them go to the loss panel, keys with "acc" to the accuracy panel, named by
            what remains (``"test_accuracy"`` -> ``"test"``); an ``"epoch"`` key gives the x
            values (else 1, 2, ...); other keys (learning rate, seconds, ...) are ignored.
        path: where to save the picture (optional).
        log_scale: a logarithmic loss axis.
        xlabel, ylabel, accuracy_label, title: the x axis's label, the loss axis's, the
            accuracy axis's and the figure's title (strs; Hangul is drawn with a Hangul font).

    Returns:
        The Figure.

    Raises:
        ValueError: no key contains "loss" (the keys found are listed), a series is not 1-D
            numeric, or the lengths of ``epoch`` and a series differ.
    """
    columns = _columns(history)
    losses = {_short(k, "loss"): v for k, v in columns.items() if "loss" in k.lower()}
    accuracies = {
        _short(k, "accuracy", "acc"): v
        for k, v in columns.items()
        if "acc" in k.lower() and "loss" not in k.lower()
    }
    if not losses:
        raise ValueError(
            f"plot_training_history: no loss series in history; keys found: {sorted(columns)}"
        )
    epochs = columns.get("epoch")
    return _curves(
        _named_series(losses, "loss"),
        _named_series(accuracies, "accuracy") if accuracies else None,
        path,
        log_scale=log_scale,
        labels=(xlabel, ylabel, accuracy_label),
        title=title,
        first_x=1,
        x=None if epochs is None else _vector(epochs, "epoch"),
    )


def plot_decision_boundary(
    predict: Callable[[np.ndarray], ArrayLike],
    X: ArrayLike,
    y: ArrayLike,
    path: PathLike | None = None,
    *,
    link: str = "logit",
    resolution: int = 100,
    padding: float = 0.1,
    title: str | None = "Decision boundary",
    value_label: str | None = None,
    class_label: str = "class",
    boundary_label: str | None = None,
    margin_label: str = "margins, score = -1 and +1",
    no_boundary: str | None = None,
) -> Figure:
    """A 2-D binary classifier's decision regions, with the data points on top.

    :func:`~micrograd_mlp.viz.regions.regions` and
    :func:`~micrograd_mlp.viz.regions.plot_regions` in one call (the picture the demos draw): the
    colour scale is fixed with white at the boundary, and the boundary is drawn only where the
    model's outputs over the picture span at least
    :data:`~micrograd_mlp.viz.regions.MIN_SPAN`; a model that predicts about the same everywhere
    gets a flat picture and a "no boundary" caption instead of a line through rounding noise.

    Args:
        predict: maps a float64 (M, 2) array of points to M outputs, shape (M,) or (M, 1).
            Called once, on ``resolution**2`` points.
        X: the points, shape (N, 2). y: their classes, shape (N,) (0/1, -1/+1, any values).
        path: where to save the picture (optional).
        link: what ``predict`` returns: ``"logit"`` (a score whose sigmoid is p(class 1): the
            output of a model trained with binary cross-entropy on logits), ``"probability"``
            (p(class 1), or 0/1 predicted labels) or ``"margin"`` (a score whose sign is the
            class, boundary 0, margins at +-1: hinge loss, -1/+1 targets).
        resolution: grid points per axis (an int >= 2).
        padding: margin around the data, as a fraction of its range on each axis.
        title, value_label, class_label, boundary_label, margin_label, no_boundary: the
            picture's words (see :func:`~micrograd_mlp.viz.regions.plot_regions`; English by
            default, Hangul drawn with a Hangul font).

    Returns:
        The Figure.

    Raises:
        TypeError: ``predict`` is not callable.
        ValueError: an unknown ``link``; X not (N, 2), empty or not finite; y not (N,) (shapes
            named); a bad ``resolution``; ``predict`` returning the wrong shape (shapes named),
            NaN or infinity, or probabilities outside [0, 1].
    """
    field = regions(predict, X, link=link, resolution=resolution, padding=padding)
    fig = plot_regions(
        field,
        X,
        y,
        title,
        value_label=value_label,
        class_label=class_label,
        boundary_label=boundary_label,
        margin_label=margin_label,
        no_boundary=no_boundary,
    )
    return _finish(fig, path)


def plot_regression_fit(
    x: ArrayLike,
    y: ArrayLike,
    predictions: Mapping[str, ArrayLike],
    path: PathLike | None = None,
    *,
    xlabel: str = "x",
    ylabel: str = "y",
    data_label: str = "data",
    title: str | None = "Regression fit",
) -> Figure:
    """Data points and one line per model's predictions at the same ``x``.

    Args:
        x, y: the data, shape (N,) each.
        predictions: model name -> predictions at ``x``, shape (N,) (or (N, 1)); drawn as lines
            through the points sorted by ``x``, each later one thinner, dashed and on top, so
            lines that coincide all stay visible. May be empty (only the data is drawn).
        path: where to save the picture (optional).
        xlabel, ylabel, data_label, title: the axes' labels, the data's legend entry and the
            figure's title (strs; Hangul is drawn with a Hangul font).

    Returns:
        The Figure.

    Raises:
        TypeError: ``predictions`` is not a mapping.
        ValueError: a length mismatch (both shapes and the model's name given), or data that is
            not 1-D numeric.
    """
    xs, ys = _vector(x, "x"), _vector(y, "y")
    if xs.shape != ys.shape:
        raise ValueError(f"plot_regression_fit: x has shape {xs.shape} but y has {ys.shape}")
    if not isinstance(predictions, Mapping):
        raise TypeError(
            "plot_regression_fit: predictions must be a dict of name -> array, "
            f"got {type(predictions).__name__}"
        )
    lines = {}
    for name, values in predictions.items():
        pred = np.asarray(values, dtype=np.float64)
        if pred.shape == (len(xs), 1):
            pred = pred[:, 0]
        if pred.shape != xs.shape:
            raise ValueError(
                f"plot_regression_fit: predictions[{name!r}] has shape {pred.shape} but x has "
                f"shape {xs.shape}"
            )
        lines[str(name)] = pred
    order = np.argsort(xs, kind="stable")
    with rc_context(figure_rc([xlabel, ylabel, data_label, title or ""], lines)):
        fig = _figure(figsize=(6.5, 4.5))
        ax = fig.add_subplot()
        ax.scatter(xs, ys, s=14, color="0.35", label=data_label, zorder=3)
        for i, (name, pred) in enumerate(lines.items()):
            # Lines that coincide (a fit and its closed form) must all stay visible: each later
            # line is thinner and dashed differently, drawn on top of the earlier ones.
            ax.plot(
                xs[order],
                pred[order],
                linewidth=max(4.0 - 1.5 * i, 1.5),
                linestyle=_LINE_STYLES[i % len(_LINE_STYLES)],
                zorder=4 + i,
                label=name,
            )
        ax.legend(loc="best")
        ax.set(xlabel=xlabel, ylabel=ylabel, title=title or "")
        ax.grid(alpha=0.3)
        return _finish(fig, path)


# ----------------------------------------------------------------------------- helpers
#: Line styles of successive prediction lines in plot_regression_fit.
_LINE_STYLES = ("-", (0, (5, 3)), (0, (1, 2)), "-.")


def _figure(figsize: tuple[float, float]) -> Figure:
    """A Figure drawn by the Agg canvas (headless; not registered with pyplot)."""
    fig = Figure(figsize=figsize, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _finish(fig: Figure, path: PathLike | None) -> Figure:
    if path is not None:
        save_figure(fig, path)
    return fig


def _vector(values: ArrayLike, name: str) -> np.ndarray:
    """``values`` as a non-empty 1-D float64 array, or a ValueError naming ``name``."""
    try:
        a = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(
            f"{name} must be a sequence of numbers, got {type(values).__name__}"
            " (for Values, pass [v.data for v in values])"
        ) from None
    if a.ndim != 1 or a.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D sequence, got shape {a.shape}")
    return a


def _named_series(values: Series, default: str) -> dict[str, np.ndarray]:
    if isinstance(values, Mapping):
        if not values:
            raise ValueError(f"no {default} series given (an empty mapping)")
        return {str(k): _vector(v, f"{default} series {k!r}") for k, v in values.items()}
    return {default: _vector(values, default)}


def _columns(history: Mapping[str, ArrayLike] | Sequence[Mapping[str, float]]) -> dict:
    """A history as columns: key -> list of values (a list of per-epoch dicts is transposed)."""
    if isinstance(history, Mapping):
        return dict(history)
    if isinstance(history, Sequence) and history and all(isinstance(r, Mapping) for r in history):
        keys = list(dict.fromkeys(k for record in history for k in record))
        return {k: [record.get(k, np.nan) for record in history] for k in keys}
    raise ValueError(
        "plot_training_history: history must be a dict of key -> per-epoch values or a "
        f"non-empty list of per-epoch dicts, got {type(history).__name__}"
    )


def _short(key: str, *words: str) -> str:
    """``"test_accuracy"`` -> ``"test"``: the key without its metric word and separators."""
    name = key
    for word in words:
        name = name.replace(word, "")
    return name.strip("_ -/") or key


def _curves(
    losses: dict[str, np.ndarray],
    accuracies: dict[str, np.ndarray] | None,
    path: PathLike | None,
    *,
    log_scale: bool,
    labels: tuple[str, str, str],
    title: str | None,
    first_x: int,
    x: np.ndarray | None = None,
) -> Figure:
    """The loss panel (and accuracy panel) shared by the loss-curve and history plots;
    ``labels``: the x axis's, the loss axis's and the accuracy axis's."""
    if log_scale:
        for name, values in losses.items():
            finite = values[np.isfinite(values)]
            if finite.size and finite.min() <= 0:
                raise ValueError(
                    f"log_scale=True needs positive losses; series {name!r} has minimum "
                    f"{finite.min():g}"
                )
    panels = [("loss", losses)] + ([("accuracy", accuracies)] if accuracies else [])
    if x is not None:
        for kind, series in panels:
            for name, values in series.items():
                if len(x) != len(values):
                    raise ValueError(
                        f"epoch has {len(x)} entries but {kind} series {name!r} has {len(values)}"
                    )
    xlabel, *ylabels = labels
    names = [name for _, series in panels for name in series]
    with rc_context(figure_rc([xlabel, *ylabels[: len(panels)], title or ""], names)):
        fig = _figure(figsize=(6.0 * len(panels), 4.2))
        for i, ((kind, series), ylabel) in enumerate(zip(panels, ylabels)):
            ax = fig.add_subplot(1, len(panels), i + 1)
            for name, values in series.items():
                xs = x if x is not None else np.arange(first_x, first_x + len(values))
                ax.plot(xs, values, marker="o" if len(values) <= 30 else None, label=name)
            if kind == "loss" and log_scale:
                ax.set_yscale("log")
            ax.set(xlabel=xlabel, ylabel=ylabel)
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # steps and epochs are whole
            if max(len(v) for v in series.values()) == 1:
                # one point (a 1-epoch run): matplotlib's default range of +-5% has no whole tick
                only = float(x[0]) if x is not None else float(first_x)
                ax.set_xlim(only - 1, only + 1)
            ax.grid(alpha=0.3)
            if len(series) > 1 or next(iter(series)) not in ("loss", "accuracy"):
                ax.legend(loc="best")
        if title:
            fig.suptitle(title)
        return _finish(fig, path)
