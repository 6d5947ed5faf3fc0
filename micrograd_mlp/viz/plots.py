"""Training pictures with matplotlib: loss curves, decision boundaries, regression fits.

Every function builds a ``matplotlib.figure.Figure`` on the Agg canvas (no pyplot, no GUI,
nothing kept in pyplot's global list of figures), returns it, and writes it to ``path`` when one
is given (atomically; the format comes from the suffix, PNG if there is none). In Jupyter a
returned Figure displays inline. The pictures of a classifier on images (confusion matrix,
image grid) are in :mod:`micrograd_mlp.viz.image_plots`.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Literal

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from numpy.typing import ArrayLike

from micrograd_mlp.files import atomic_write_bytes

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

    A path without a suffix gets ``.png``. Parent directories are created.

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
        xlabel, title: axis label and figure title.

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
        xlabel=xlabel,
        title=title,
        first_x=0,
    )


def plot_training_history(
    history: Mapping[str, ArrayLike] | Sequence[Mapping[str, float]],
    path: PathLike | None = None,
    *,
    log_scale: bool = False,
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
        xlabel="epoch",
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
    resolution: int = 100,
    padding: float = 0.1,
    kind: Literal["auto", "scores", "labels"] = "auto",
    threshold: float = 0.0,
    title: str | None = "Decision boundary",
) -> Figure:
    """A 2-D classifier's regions as a filled contour over a grid, with the data points on top.

    Args:
        predict: maps an (M, 2) float64 array of points to (M,) scores or class labels (an
            (M, 1) result is accepted too). Called once, on ``resolution**2`` points.
        X: the points, shape (N, 2).
        y: their labels, shape (N,) (any values: 0/1, -1/+1, class indices).
        path: where to save the picture (optional).
        resolution: grid points per axis.
        padding: margin around the data, as a fraction of its range on each axis.
        kind: ``"scores"``: shade by score and draw the boundary where score = ``threshold``
            (0 for a margin/logit, 0.5 for a probability); ``"labels"``: one colour per
            predicted class; ``"auto"``: labels when ``predict`` returns whole numbers only.
        threshold: the score at the decision boundary (for ``kind="scores"``).

    Returns:
        The Figure.

    Raises:
        TypeError: ``predict`` is not callable.
        ValueError: X is not (N, 2) or empty, y is not (N,) (both shapes named), X or the
            predictions are not finite, or ``predict`` returns the wrong shape (shapes named).
    """
    if not callable(predict):
        raise TypeError(f"plot_decision_boundary: predict must be callable, got {predict!r}")
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    if X.ndim != 2 or X.shape[1] != 2 or len(X) == 0:
        raise ValueError(f"plot_decision_boundary: X must have shape (N, 2), got {X.shape}")
    if y.shape != (len(X),):
        raise ValueError(
            f"plot_decision_boundary: X has shape {X.shape} but y has shape {y.shape}; "
            f"expected y of shape ({len(X)},)"
        )
    if not np.all(np.isfinite(X)):
        raise ValueError("plot_decision_boundary: X contains NaN or infinity")
    if kind not in ("auto", "scores", "labels"):
        raise ValueError(f"plot_decision_boundary: unknown kind {kind!r}")
    if isinstance(resolution, bool) or not isinstance(resolution, int) or resolution < 2:
        raise ValueError(f"plot_decision_boundary: resolution must be an int >= 2: {resolution!r}")

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
            f"plot_decision_boundary: predict returned shape {z.shape} for {grid.shape} "
            f"grid points; expected ({len(grid)},)"
        )
    z = z.astype(np.float64).reshape(gx.shape)
    if not np.all(np.isfinite(z)):
        raise ValueError("plot_decision_boundary: predict returned NaN or infinity")
    if kind == "auto":
        kind = "labels" if np.all(z == np.round(z)) else "scores"

    fig = _figure(figsize=(6.0, 5.0))
    ax = fig.add_subplot()
    classes = np.unique(y)
    colors = _class_colors(len(classes) if kind == "scores" else 0)
    if kind == "scores":
        filled = ax.contourf(gx, gy, z, levels=20, cmap="RdBu_r", alpha=0.55)
        fig.colorbar(filled, ax=ax, label="score")
        if z.min() < threshold < z.max():
            ax.contour(gx, gy, z, levels=[threshold], colors="black", linewidths=1.5)
    else:
        # One colour per value that appears in y or in the predictions, in sorted order.
        values = np.union1d(classes.astype(np.float64), np.unique(z))
        colors = _class_colors(len(values))
        index = np.searchsorted(values, z)
        ax.contourf(
            gx,
            gy,
            index,
            levels=np.arange(len(values) + 1) - 0.5,
            cmap=ListedColormap(colors),
            alpha=0.35,
        )
        colors = [colors[int(np.searchsorted(values, float(c)))] for c in classes]
    for c, color in zip(classes, colors):
        mask = y == c
        ax.scatter(
            *X[mask].T,
            s=22 if len(X) > 20 else 70,  # a truth table's 4 points drawn large
            color=color,
            edgecolors="black",
            linewidths=0.6,
            label=str(c),
        )
    ax.legend(title="class", loc="best", fontsize="small")
    ax.set(xlabel="$x_1$", ylabel="$x_2$", title=title or "")
    return _finish(fig, path)


def plot_regression_fit(
    x: ArrayLike,
    y: ArrayLike,
    predictions: Mapping[str, ArrayLike],
    path: PathLike | None = None,
    *,
    xlabel: str = "x",
    ylabel: str = "y",
    title: str | None = "Regression fit",
) -> Figure:
    """Data points and one line per model's predictions at the same ``x``.

    Args:
        x, y: the data, shape (N,) each.
        predictions: model name -> predictions at ``x``, shape (N,) (or (N, 1)); drawn as lines
            through the points sorted by ``x``, each later one thinner, dashed and on top, so
            lines that coincide all stay visible. May be empty (only the data is drawn).
        path: where to save the picture (optional).

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
    order = np.argsort(xs, kind="stable")
    fig = _figure(figsize=(6.5, 4.5))
    ax = fig.add_subplot()
    ax.scatter(xs, ys, s=14, color="0.35", label="data", zorder=3)
    for i, (name, values) in enumerate(predictions.items()):
        pred = np.asarray(values, dtype=np.float64)
        if pred.shape == (len(xs), 1):
            pred = pred[:, 0]
        if pred.shape != xs.shape:
            raise ValueError(
                f"plot_regression_fit: predictions[{name!r}] has shape {pred.shape} but x has "
                f"shape {xs.shape}"
            )
        # Lines that coincide (a fit and its closed form) must all stay visible: each later
        # line is thinner and dashed differently, drawn on top of the earlier ones.
        ax.plot(
            xs[order],
            pred[order],
            linewidth=max(4.0 - 1.5 * i, 1.5),
            linestyle=_LINE_STYLES[i % len(_LINE_STYLES)],
            zorder=4 + i,
            label=str(name),
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


def _class_colors(n: int) -> list:
    """``n`` distinct colours: blue and red for two classes, matplotlib's tab10 for more."""
    if n <= 2:
        return ["tab:blue", "tab:red"][: max(n, 0)]
    palette = ["tab:blue", "tab:red", "tab:green", "tab:orange", "tab:purple", "tab:brown"]
    palette += ["tab:pink", "tab:gray", "tab:olive", "tab:cyan"]
    return [palette[i % len(palette)] for i in range(n)]


def _curves(
    losses: dict[str, np.ndarray],
    accuracies: dict[str, np.ndarray] | None,
    path: PathLike | None,
    *,
    log_scale: bool,
    xlabel: str,
    title: str | None,
    first_x: int,
    x: np.ndarray | None = None,
) -> Figure:
    """The loss panel (and accuracy panel) shared by the loss-curve and history plots."""
    if log_scale:
        for name, values in losses.items():
            finite = values[np.isfinite(values)]
            if finite.size and finite.min() <= 0:
                raise ValueError(
                    f"log_scale=True needs positive losses; series {name!r} has minimum "
                    f"{finite.min():g}"
                )
    panels = [("loss", losses)] + ([("accuracy", accuracies)] if accuracies else [])
    fig = _figure(figsize=(6.0 * len(panels), 4.2))
    for i, (ylabel, series) in enumerate(panels):
        ax = fig.add_subplot(1, len(panels), i + 1)
        for name, values in series.items():
            if x is not None and len(x) != len(values):
                raise ValueError(
                    f"epoch has {len(x)} entries but {ylabel} series {name!r} has {len(values)}"
                )
            xs = x if x is not None else np.arange(first_x, first_x + len(values))
            ax.plot(xs, values, marker="o" if len(values) <= 30 else None, label=name)
        if ylabel == "loss" and log_scale:
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
