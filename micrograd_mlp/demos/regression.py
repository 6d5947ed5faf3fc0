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
fits; the MLP and sin x drawn on a fine grid) and ``regression_loss.png`` (the loss per step of
both, log scale). ``--lang ko`` prints and draws in Korean.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from micrograd_mlp.data.toy import linear_regression_data, sine_regression_data
from micrograd_mlp.demos._output import Text, save_plot, texts
from micrograd_mlp.demos._predict import (
    check_not_diverged,
    plot_fit,
    progress,
    scores,
    stop_on_divergence,
)
from micrograd_mlp.demos.options import chosen_lang, float_option, int_option, lang_option
from micrograd_mlp.functional import mse_loss
from micrograd_mlp.nn import MLP, Neuron
from micrograd_mlp.optim import SGD, Adam
from micrograd_mlp.training import History, fit
from micrograd_mlp.viz.plots import plot_loss_curve

COMMAND = "regression"
HELP = "linear regression by gradient descent vs closed-form least squares; an MLP fits sin(x)"
BUILTIN_DATA = True
#: The files ``run`` writes under ``--out``.
PICTURES = ("regression_linear.png", "regression_sine.png", "regression_loss.png")
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
    lang_option(parser, "the text and the pictures")


def least_squares(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """The closed-form least-squares line through ``(x, y)`` (both (N,)): ``(w, b)``.

    Minimises ``sum_i (w x_i + b - y_i)^2`` by solving ``[x 1] [w b]^T ~ y`` with
    ``numpy.linalg.lstsq``.
    """
    design = np.column_stack([x, np.ones_like(x)])
    (w, b), *_ = np.linalg.lstsq(design, y, rcond=None)
    return float(w), float(b)


def fit_line(
    x: np.ndarray, y: np.ndarray, epochs: int, lr: float, seed: int, lang: str = "en"
) -> tuple[Neuron, History]:
    """One linear neuron ``w x + b`` trained by full-batch SGD on the MSE of ``(x, y)``;
    prints its loss every 25 steps in ``lang``."""
    neuron = Neuron(1, activation="linear", seed=seed)
    optimizer = SGD(neuron.parameters(), lr=lr)
    callbacks = [progress(texts("regression", lang), 25, epochs)]
    history = fit(neuron, x[:, None], y, mse_loss, optimizer, epochs, callbacks=callbacks)
    return neuron, history


def fit_curve(
    x: np.ndarray, y: np.ndarray, hidden: int, epochs: int, lr: float, seed: int, lang: str = "en"
) -> tuple[MLP, History]:
    """``MLP(1, [hidden, 1], activation="tanh")`` trained by full-batch Adam on the MSE;
    prints its loss every 50 steps in ``lang``."""
    model = MLP(1, [hidden, 1], activation="tanh", seed=seed)
    optimizer = Adam(model.parameters(), lr=lr)
    callbacks = [progress(texts("regression", lang), 50, epochs)]
    history = fit(model, x[:, None], y, mse_loss, optimizer, epochs, callbacks=callbacks)
    return model, history


def _plot_losses(line: History, curve: History, text: Text) -> Figure:
    fig = plot_loss_curve(
        {text("plot.line"): line.loss, text("plot.mlp_on_sin"): curve.loss},
        log_scale=True,
        xlabel=text("plot.step"),
        title=text("plot.loss_title"),
    )
    fig.axes[0].set_ylabel(text("plot.loss"))
    return fig


def run(args: argparse.Namespace) -> dict:
    """Fit the line and the sine curve, compare the line with least squares, plot both fits.

    Returns:
        ``{"w", "b": the line from gradient descent, "w_lstsq", "b_lstsq": from least squares,
        "linear_mse": its final MSE, "sine_mse": the MLP's final MSE on its data,
        "sine_line_mse": the MSE of the best straight line through the sine data (floats),
        "lang", "files": [paths]}``.

    Raises:
        UserError: the loss stopped being finite (a too-large ``--linear-lr`` or ``--lr``).
    """
    out = Path(args.out)
    lang = chosen_lang(args)
    text = texts("regression", lang)
    rng = np.random.default_rng(args.seed)  # one generator: the two data sets differ
    x, y = linear_regression_data(args.samples, TRUE_W, TRUE_B, NOISE, seed=rng)
    print(
        text(
            "line_intro",
            samples=args.samples,
            w=f"{TRUE_W:g}",
            b=_signed(TRUE_B, "g"),
            noise=f"{NOISE:g}",
            lr=f"{args.linear_lr:g}",
        )
    )
    with stop_on_divergence(text, "--linear-lr", args.linear_lr):
        neuron, line_history = fit_line(x, y, args.linear_epochs, args.linear_lr, args.seed, lang)
    check_not_diverged(text, "--linear-lr", args.linear_lr, line_history.loss)
    w, b = neuron.weight[0].data, neuron.bias.data
    w_ls, b_ls = least_squares(x, y)
    line = w * x + b
    result: dict = {"w": w, "b": b, "w_lstsq": w_ls, "b_lstsq": b_ls, "lang": lang}
    result["linear_mse"] = float(np.mean((line - y) ** 2))
    print(
        text(
            "line_result",
            w=f"{w:.6f}",
            b=f"{b:.6f}",
            w_ls=f"{w_ls:.6f}",
            b_ls=f"{b_ls:.6f}",
            dw=f"{abs(w - w_ls):.2e}",
            db=f"{abs(b - b_ls):.2e}",
        )
    )

    xs, ys = sine_regression_data(args.samples, NOISE, seed=rng)
    print(
        text(
            "sine_intro",
            hidden=args.hidden,
            samples=args.samples,
            noise=f"{NOISE:g}",
            lr=f"{args.lr:g}",
        )
    )
    with stop_on_divergence(text, "--lr", args.lr):
        model, curve_history = fit_curve(xs, ys, args.hidden, args.epochs, args.lr, args.seed, lang)
    check_not_diverged(text, "--lr", args.lr, curve_history.loss)
    curve = scores(model, xs[:, None])
    result["sine_mse"] = float(np.mean((curve - ys) ** 2))
    w_sin, b_sin = least_squares(xs, ys)
    result["sine_line_mse"] = float(np.mean((w_sin * xs + b_sin - ys) ** 2))
    print(
        text(
            "sine_result",
            mse=f"{result['sine_mse']:.5f}",
            variance=f"{NOISE**2:g}",
            line=f"{result['sine_line_mse']:.4f}",
        )
    )

    fine = np.linspace(xs.min(), xs.max(), 300)
    fine_curve = scores(model, fine[:, None])

    def draw_line(chosen: str) -> Figure:
        t = texts("regression", chosen)
        title = t(
            "plot.line_title", w=f"{w:.3f}", b=_signed(b), w_ls=f"{w_ls:.3f}", b_ls=_signed(b_ls)
        )
        lines = {
            t("plot.gradient_descent"): (x, line),
            t("plot.least_squares"): (x, w_ls * x + b_ls),
        }
        return plot_fit(x, y, lines, t("plot.data"), title)

    def draw_sine(chosen: str) -> Figure:
        t = texts("regression", chosen)
        lines = {
            t("plot.mlp", mse=f"{result['sine_mse']:.4f}"): (fine, fine_curve),
            "sin x": (fine, np.sin(fine)),
        }
        return plot_fit(xs, ys, lines, t("plot.data"), t("plot.sine_title", hidden=args.hidden))

    files = [
        save_plot(draw_line, out / "regression_linear.png", lang),
        save_plot(draw_sine, out / "regression_sine.png", lang),
        save_plot(
            lambda chosen: _plot_losses(line_history, curve_history, texts("regression", chosen)),
            out / "regression_loss.png",
            lang,
        ),
    ]
    result["files"] = files
    print(text("wrote", files=", ".join(str(p) for p in files)))
    return result


def _signed(b: float, spec: str = ".3f") -> str:
    """The intercept as a term after ``w x``: ``+ 1.5`` or ``- 1.007`` (a space on both sides
    of the sign, as the equation is written)."""
    return f"{'-' if b < 0 else '+'} {abs(b):{spec}}"
