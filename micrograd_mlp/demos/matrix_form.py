"""The batch in matrix form: the lecture's ``U = W X`` (samples as columns) is our ``Y = X W^T``.

A layer with weights ``W`` of shape (n_out, n_in) maps one input x (n_in,) to ``W x + b``. For
a batch of N inputs the lecture stacks them as the *columns* of X (n_in, N) and writes
``U = W X + b 1^T`` (n_out, N): column n of U is sample n's output. This library -- like PyTorch,
NumPy and most data files -- stacks samples as the *rows* of X (N, n_in) and computes
``Y = X W^T + b`` (N, n_out): row n of Y is sample n's output. The two are transposes of each
other, ``Y = (W X^T)^T = U^T``, with the same W; so are the gradients: with the upstream
gradient ``G = dL/dY`` (N, n_out), ``dL/dW = G^T X_rows = (dL/dU) X_cols^T`` (n_out, n_in).

The demo makes a seeded ``Linear(n_in, n_out)``, computes both forms from the same numbers,
prints every shape and the largest difference, and checks ``dL/dW`` from ``backward()`` against
both formulas. Writes ``matrix_form.png`` under ``--out``: the matrices of both products.
``--lang ko`` prints and draws in Korean.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from micrograd_mlp.demos._output import columns, rjust, save_plot, texts
from micrograd_mlp.demos.options import chosen_lang, int_option, lang_option
from micrograd_mlp.tensor import Linear, Tensor

COMMAND = "matrix-form"
HELP = "the lecture's U = W X (samples as columns) and our Y = X W^T (rows), checked numerically"
BUILTIN_DATA = True
#: The files ``run`` writes under ``--out``.
PICTURES = ("matrix_form.png",)
MAX_SIZE = 1_000
#: The shapes printed: key of ``run()``'s ``"shapes"`` -> message key of its name.
SHAPE_NAMES = {
    "W": "shape_W",
    "b": "shape_b",
    "X (rows)": "shape_X_rows",
    "X (columns)": "shape_X_columns",
    "U = W X": "shape_U",
    "Y = X W^T": "shape_Y",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options: batch size, the layer's sizes, ``--lang``."""
    size = int_option(1, MAX_SIZE)
    parser.add_argument(
        "--batch", type=size, default=5, help=f"samples N, 1 to {MAX_SIZE:,} (default: 5)"
    )
    parser.add_argument(
        "--nin", type=size, default=4, help=f"inputs per sample, 1 to {MAX_SIZE:,} (default: 4)"
    )
    parser.add_argument(
        "--nout", type=size, default=3, help=f"outputs per sample, 1 to {MAX_SIZE:,} (default: 3)"
    )
    lang_option(parser)


def both_forms(layer: Linear, X_rows: np.ndarray) -> dict[str, np.ndarray]:
    """The lecture's and our forward pass, and ``dL/dW`` for ``L = sum(Y**2) / 2``.

    Args:
        layer: a float64 ``Linear(n_in, n_out)``. X_rows: (N, n_in), samples as rows.

    Returns:
        ``{"X_cols": (n_in, N), "U": W X_cols + b (n_out, N), "Y": layer(X_rows) (N, n_out),
        "grad_backward": dL/dW from backward(), "grad_rows": G^T X_rows,
        "grad_cols": (dL/dU) X_cols^T (each (n_out, n_in))}``.
    """
    W, b = layer.weight.data, layer.bias.data
    X_cols = X_rows.T
    U = W @ X_cols + b[:, None]
    layer.zero_grad()
    Y = layer(Tensor(X_rows))
    (Y * Y).sum().__mul__(0.5).backward()  # L = sum(Y^2) / 2, so G = dL/dY = Y
    G = Y.data
    return {
        "X_cols": X_cols,
        "U": U,
        "Y": Y.data,
        "grad_backward": np.array(layer.weight.grad),
        "grad_rows": G.T @ X_rows,
        "grad_cols": G.T @ X_cols.T,  # dL/dU = G^T, samples as columns
    }


def _matrix(ax, M: np.ndarray, name: str) -> None:
    ax.imshow(M, cmap="coolwarm", vmin=-np.abs(M).max(), vmax=np.abs(M).max())
    ax.set_title(f"{name}\n{M.shape[0]} x {M.shape[1]}", fontsize=10)
    ax.set_xticks([])
    ax.set_yticks([])
    if M.size <= 60:
        for (i, j), v in np.ndenumerate(M):
            ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=7)


def _plot(W: np.ndarray, forms: dict, X_rows: np.ndarray, lang: str = "en") -> Figure:
    t = texts("matrix_form", lang)
    fig = Figure(figsize=(11.0, 6.0), layout="constrained")
    top, bottom = fig.subfigures(2, 1)
    axes = top.subplots(1, 3)
    names = ("W", t("plot_X_columns"), "U = W X + b")
    for ax, M, name in zip(axes, (W, forms["X_cols"], forms["U"]), names):
        _matrix(ax, M, name)
    top.suptitle(t("plot_lecture"))
    axes = bottom.subplots(1, 3)
    names = (t("plot_X_rows"), "W^T", "Y = X W^T + b = U^T")
    for ax, M, name in zip(axes, (X_rows, W.T, forms["Y"]), names):
        _matrix(ax, M, name)
    bottom.suptitle(t("plot_ours"))
    return fig


def run(args: argparse.Namespace) -> dict:
    """Compute both forms, print shapes and differences, draw.

    Returns:
        ``{"lang", "shapes": {name: shape}, "forward_error": max |U^T - Y|, "grad_error": max
        difference between backward()'s dL/dW and both formulas, "plot": path}``.
    """
    lang = chosen_lang(args)
    text = texts("matrix_form", lang)
    layer = Linear(args.nin, args.nout, seed=args.seed, dtype=np.float64)
    X_rows = np.random.default_rng(args.seed).standard_normal((args.batch, args.nin))
    forms = both_forms(layer, X_rows)
    W = layer.weight.data
    shapes = {
        "W": W.shape,
        "b": layer.bias.data.shape,
        "X (rows)": X_rows.shape,
        "X (columns)": forms["X_cols"].shape,
        "U = W X": forms["U"].shape,
        "Y = X W^T": forms["Y"].shape,
    }
    forward_error = float(np.max(np.abs(forms["U"].T - forms["Y"])))
    grad_error = float(
        max(
            np.max(np.abs(forms["grad_backward"] - forms["grad_rows"])),
            np.max(np.abs(forms["grad_backward"] - forms["grad_cols"])),
        )
    )
    print(text("setup", nin=args.nin, nout=args.nout, batch=args.batch))
    names = {key: text(message_key) for key, message_key in SHAPE_NAMES.items()}
    width = max(12, max(columns(name) for name in names.values()))
    for key, shape in shapes.items():
        print(f"  {rjust(names[key], width)}: {shape}")
    print(text("products", u=shapes["U = W X"], y=shapes["Y = X W^T"]))
    print(text("forward", error=forward_error))
    print(text("gradient", error=grad_error))
    path = save_plot(
        lambda chosen: _plot(W, forms, X_rows, chosen), Path(args.out) / PICTURES[0], lang
    )
    print(text("wrote", path=path))
    return {
        "lang": lang,
        "shapes": shapes,
        "forward_error": forward_error,
        "grad_error": grad_error,
        "plot": path,
    }
