"""Pictures of an image classifier's results: confusion matrix and a grid of labelled images.

Like :mod:`micrograd_mlp.viz.plots`, each function returns a headless Agg ``Figure`` and writes
it atomically to ``path`` when one is given. Compute the matrix itself with
:func:`micrograd_mlp.metrics.confusion_matrix`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure
from numpy.typing import ArrayLike

from micrograd_mlp.viz.plots import PathLike, _figure, _finish

__all__ = ["plot_confusion_matrix", "plot_image_grid"]


def plot_confusion_matrix(
    cm: ArrayLike,
    class_names: Sequence[str] | None = None,
    path: PathLike | None = None,
    *,
    normalize: bool = False,
    title: str | None = "Confusion matrix",
) -> Figure:
    """A confusion matrix as a heat map, each cell annotated with its count.

    Args:
        cm: shape (K, K), ``cm[i, j]`` = samples of true class i predicted as j (rows true,
            columns predicted, as :func:`micrograd_mlp.metrics.confusion_matrix` returns).
        class_names: K names for the axes (default ``"0"`` ... ``"K-1"``).
        path: where to save the picture (optional).
        normalize: show each row divided by its sum (the fraction of each true class given each
            prediction; the diagonal is then the per-class recall). Empty rows stay 0.

    Returns:
        The Figure.

    Raises:
        ValueError: ``cm`` is not square, is empty, or holds negative or non-finite numbers;
            ``class_names`` does not have K entries.
    """
    m = np.asarray(cm, dtype=np.float64)
    if m.ndim != 2 or m.shape[0] != m.shape[1] or m.shape[0] == 0:
        raise ValueError(f"plot_confusion_matrix: cm must be a square (K, K) array, got {m.shape}")
    if not np.all(np.isfinite(m)) or m.min() < 0:
        raise ValueError("plot_confusion_matrix: cm must hold finite, non-negative counts")
    k = m.shape[0]
    names = _names(class_names, k, "plot_confusion_matrix")
    if normalize:
        rows = m.sum(axis=1, keepdims=True)
        m = np.divide(m, rows, out=np.zeros_like(m), where=rows > 0)

    side = max(4.5, 0.55 * k + 2.5)
    fig = _figure(figsize=(side + 1.0, side))
    ax = fig.add_subplot()
    image = ax.imshow(m, cmap="Blues", vmin=0.0, vmax=max(m.max(), 1e-12))
    fig.colorbar(image, ax=ax, label="fraction of true class" if normalize else "count")
    if k <= 30:  # beyond that the numbers no longer fit in the cells
        for (i, j), value in np.ndenumerate(m):
            text = f"{value:.2f}" if normalize else f"{value:.0f}"
            dark = value > 0.5 * m.max()
            ax.text(
                j, i, text, ha="center", va="center", fontsize=8, color="white" if dark else "black"
            )
    ax.set_xticks(range(k), names, rotation=45, ha="right")
    ax.set_yticks(range(k), names)
    ax.set(xlabel="predicted", ylabel="true", title=title or "")
    return _finish(fig, path)


def plot_image_grid(
    images: ArrayLike,
    true_labels: ArrayLike,
    predicted_labels: ArrayLike | None = None,
    class_names: Sequence[str] | None = None,
    path: PathLike | None = None,
    *,
    ncols: int | None = None,
) -> Figure:
    """Images in a grid, each titled with its true (and predicted) class; mistakes in red.

    Args:
        images: shape (N, H, W), e.g. (N, 28, 28) MNIST digits; uint8 (0-255) or floats, drawn
            in grey with black as the smallest value.
        true_labels: class indices, shape (N,).
        predicted_labels: class indices, shape (N,), or None to show the true labels only. A
            wrong prediction gets a red title and a red frame.
        class_names: names indexed by class (default the indices themselves).
        path: where to save the picture (optional).
        ncols: images per row (default about sqrt(N)).

    Returns:
        The Figure.

    Raises:
        ValueError: images not (N, H, W) or N = 0; a label array not of shape (N,) (shapes
            named); a label outside ``class_names``.
    """
    imgs = np.asarray(images)
    if imgs.ndim != 3 or imgs.shape[0] == 0:
        raise ValueError(
            f"plot_image_grid: images must have shape (N, H, W) with N >= 1, got {imgs.shape}"
            " (reshape flat images, e.g. images.reshape(-1, 28, 28))"
        )
    n = len(imgs)
    true = _labels(true_labels, n, "true_labels")
    pred = None if predicted_labels is None else _labels(predicted_labels, n, "predicted_labels")
    if class_names is not None:
        top = int(max(true.max(), -1 if pred is None else pred.max()))
        if top >= len(class_names):
            raise ValueError(
                f"plot_image_grid: label {top} has no name; class_names has {len(class_names)}"
            )
    names = [str(c) for c in class_names] if class_names is not None else None
    if ncols is None:
        ncols = math.ceil(math.sqrt(n))
    if isinstance(ncols, bool) or not isinstance(ncols, int) or ncols < 1:
        raise ValueError(f"plot_image_grid: ncols must be a positive int, got {ncols!r}")
    ncols = min(ncols, n)
    nrows = math.ceil(n / ncols)

    fig = _figure(figsize=(1.6 * ncols, 1.9 * nrows))
    for i in range(n):
        ax = fig.add_subplot(nrows, ncols, i + 1)
        ax.imshow(imgs[i], cmap="gray")
        ax.set_xticks([])
        ax.set_yticks([])
        t = names[true[i]] if names else str(true[i])
        if pred is None:
            ax.set_title(t, fontsize=8)
            continue
        p = names[pred[i]] if names else str(pred[i])
        wrong = pred[i] != true[i]
        color = "red" if wrong else "black"
        ax.set_title(f"true: {t}\npred: {p}", fontsize=8, color=color)
        for spine in ax.spines.values():
            spine.set_color(color)
            spine.set_linewidth(2.5 if wrong else 0.5)
    return _finish(fig, path)


def _names(class_names: Sequence[str] | None, k: int, where: str) -> list[str]:
    if class_names is None:
        return [str(i) for i in range(k)]
    if len(class_names) != k:
        raise ValueError(f"{where}: {len(class_names)} class_names for {k} classes")
    return [str(c) for c in class_names]


def _labels(labels: ArrayLike, n: int, name: str) -> np.ndarray:
    a = np.asarray(labels)
    if a.shape != (n,):
        raise ValueError(f"plot_image_grid: {n} images but {name} has shape {a.shape}")
    if not np.issubdtype(a.dtype, np.integer) or (a < 0).any():
        raise ValueError(f"plot_image_grid: {name} must be non-negative class indices")
    return a.astype(np.int64)
