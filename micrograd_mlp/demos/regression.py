"""Regression by gradient descent: a straight line, then a curve.

1. Linear regression ``y = w x + b`` as one linear neuron, trained by full-batch gradient descent
   on the mean squared error. The MSE of a line is a convex quadratic in ``(w, b)``, so gradient
   descent with a small enough step goes to its unique minimum: the least-squares solution, which
   also has a closed form (solved here by ``numpy.linalg.lstsq``). The demo prints both; they
   agree to within 1e-3 (in practice to rounding).
2. An MLP with one hidden tanh layer fitting ``sin x`` on [-pi, pi] from noisy samples, with
   Adam: no line can, but a sum of shifted and scaled tanh curves can bend to it. Its final MSE
   on the data is close to the noise variance (0.1^2 = 0.01), the best any fit can expect.

Writes, under ``--out``: ``regression_linear.png`` and ``regression_sine.png`` (the data and the
fits) and ``regression_loss.png`` (the loss per step of both, log scale).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from micrograd_mlp.data.toy import linear_regression_data, sine_regression_data
from micrograd_mlp.demos._predict import scores
from micrograd_mlp.demos.options import float_option, int_option
from micrograd_mlp.functional import mse_loss
from micrograd_mlp.nn import MLP, Neuron
from micrograd_mlp.optim import SGD, Adam
from micrograd_mlp.training import History, fit, print_progress
from micrograd_mlp.viz.plots import plot_loss_curve, plot_regression_fit

COMMAND = "regression"
HELP = "linear regression by gradient descent vs closed-form least squares; an MLP fits sin(x)"
BUILTIN_DATA = True
#: The true line the linear data is drawn around, and the noise of both data sets.
TRUE_W, TRUE_B, NOISE = 2.0, -1.0, 0.1


#: Upper bounds of the size options (the scalar engine: one graph node per number).
MAX_SAMPLES, MAX_HIDDEN, MAX_EPOCHS = 10_000, 256, 100_000


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options: data size and both models' training settings (each bounded; see cli)."""
    parser.add_argument(
        "--samples",
        type=int_option(2, MAX_SAMPLES),
        default=100,
        help=f"points per data set, 2 to {MAX_SAMPLES:,} (default: 100)",
    )
    parser.add_argument(
        "--linear-epochs",
        type=int_option(1, MAX_EPOCHS),
        default=100,
        help="line: full-batch steps (default: 100)",
    )
    parser.add_argument(
        "--linear-lr",
        type=float_option(0, exclusive_minimum=True),
        default=0.5,
        help="line: SGD learning rate, > 0 (default: 0.5)",
    )
    parser.add_argument(
        "--hidden",
        type=int_option(1, MAX_HIDDEN),
        default=16,
        help=f"MLP: tanh units, 1 to {MAX_HIDDEN} (default: 16)",
    )
    parser.add_argument(
        "--epochs",
        type=int_option(1, MAX_EPOCHS),
        default=300,
        help="MLP: full-batch steps (default: 300)",
    )
    parser.add_argument(
        "--lr",
        type=float_option(0, exclusive_minimum=True),
        default=0.02,
        help="MLP: Adam lr, > 0 (default: 0.02)",
    )


def least_squares(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """The closed-form least-squares line through ``(x, y)`` (both (N,)): ``(w, b)``.

    Minimises ``sum_i (w x_i + b - y_i)^2`` by solving ``[x 1] [w b]^T ~ y`` with
    ``numpy.linalg.lstsq``.
    """
    design = np.column_stack([x, np.ones_like(x)])
    (w, b), *_ = np.linalg.lstsq(design, y, rcond=None)
    return float(w), float(b)


def fit_line(
    x: np.ndarray, y: np.ndarray, epochs: int, lr: float, seed: int
) -> tuple[Neuron, History]:
    """One linear neuron ``w x + b`` trained by full-batch SGD on the MSE of ``(x, y)``."""
    neuron = Neuron(1, activation="linear", seed=seed)
    optimizer = SGD(neuron.parameters(), lr=lr)
    history = fit(
        neuron, x[:, None], y, mse_loss, optimizer, epochs, callbacks=[print_progress(25, epochs)]
    )
    return neuron, history


def fit_curve(
    x: np.ndarray, y: np.ndarray, hidden: int, epochs: int, lr: float, seed: int
) -> tuple[MLP, History]:
    """``MLP(1, [hidden, 1], activation="tanh")`` trained by full-batch Adam on the MSE."""
    model = MLP(1, [hidden, 1], activation="tanh", seed=seed)
    optimizer = Adam(model.parameters(), lr=lr)
    history = fit(
        model, x[:, None], y, mse_loss, optimizer, epochs, callbacks=[print_progress(50, epochs)]
    )
    return model, history


def run(args: argparse.Namespace) -> dict:
    """Fit the line and the sine curve, compare the line with least squares, plot both fits.

    Returns:
        ``{"w", "b": the line from gradient descent, "w_lstsq", "b_lstsq": from least squares,
        "linear_mse": its final MSE, "sine_mse": the MLP's final MSE on its data (floats),
        "files": [paths]}``.

    Raises:
        NonFiniteLossError: the loss overflowed (a too-large ``--linear-lr`` or ``--lr``);
            ``micrograd-mlp`` reports it as one line.
    """
    out = Path(args.out)
    rng = np.random.default_rng(args.seed)  # one generator: the two data sets differ
    x, y = linear_regression_data(args.samples, TRUE_W, TRUE_B, NOISE, seed=rng)
    print(
        f"linear regression on {args.samples} points around y = {TRUE_W:g} x {TRUE_B:+g} "
        f"(noise {NOISE:g}): one linear neuron, MSE, SGD lr {args.linear_lr:g}"
    )
    neuron, line_history = fit_line(x, y, args.linear_epochs, args.linear_lr, args.seed)
    w, b = neuron.weight[0].data, neuron.bias.data
    w_ls, b_ls = least_squares(x, y)
    line = w * x + b
    result: dict = {"w": w, "b": b, "w_lstsq": w_ls, "b_lstsq": b_ls}
    result["linear_mse"] = float(np.mean((line - y) ** 2))
    print(f"  gradient descent: w = {w:.6f}, b = {b:.6f}")
    print(f"  least squares:    w = {w_ls:.6f}, b = {b_ls:.6f}")
    print(f"  difference:       |dw| = {abs(w - w_ls):.2e}, |db| = {abs(b - b_ls):.2e}")

    xs, ys = sine_regression_data(args.samples, NOISE, seed=rng)
    print(
        f"MLP(1, [{args.hidden}, 1], tanh) fitting sin(x) on [-pi, pi] from {args.samples} "
        f"points (noise {NOISE:g}): MSE, Adam lr {args.lr:g}"
    )
    model, curve_history = fit_curve(xs, ys, args.hidden, args.epochs, args.lr, args.seed)
    curve = scores(model, xs[:, None])
    result["sine_mse"] = float(np.mean((curve - ys) ** 2))
    w_sin, b_sin = least_squares(xs, ys)
    print(
        f"  final MSE {result['sine_mse']:.5f} (the noise variance is {NOISE**2:g}; the best "
        f"straight line reaches {np.mean((w_sin * xs + b_sin - ys) ** 2):.4f})"
    )

    files = [out / "regression_linear.png", out / "regression_sine.png"]
    plot_regression_fit(
        x,
        y,
        {"gradient descent": line, "least squares": w_ls * x + b_ls},
        files[0],
        title=f"y = {w:.3f} x {b:+.3f} (least squares: {w_ls:.3f} x {b_ls:+.3f})",
    )
    plot_regression_fit(
        xs,
        ys,
        {f"MLP (MSE {result['sine_mse']:.4f})": curve, "sin x": np.sin(xs)},
        files[1],
        title="An MLP fitting sin x",
    )
    files.append(out / "regression_loss.png")
    plot_loss_curve(
        {"line": line_history.loss, "MLP on sin": curve_history.loss},
        files[-1],
        log_scale=True,
        title="Mean squared error per step",
    )
    result["files"] = files
    print("wrote " + ", ".join(str(p) for p in files))
    return result
