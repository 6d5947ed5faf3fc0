"""Choosing a loss: squared vs absolute error with outliers, cross-entropy, and what MSE assumes.

1. Regression with outliers. A line ``y = w x + b`` is fitted to points on ``y = 2x - 1`` of
   which a few were shifted far up, once by mean squared error and once by mean absolute error:

       MSE = 1/N sum (w x_i + b - y_i)^2          L1 = 1/N sum |w x_i + b - y_i|

   d MSE/d prediction_i = 2 (prediction_i - y_i) / N grows with the residual, so each outlier
   pulls the line towards itself as hard as its distance; d L1/d prediction_i = sign(...) / N is
   the same for every point, so an outlier counts like any other point (MSE is minimised by the
   mean, L1 by the median). The L1 line stays near the true line; the MSE line does not.

2. Classification with cross-entropy: an MLP with 2 outputs (logits z) on the two moons, trained
   on ``CE = -log softmax(z)_y``. Its gradient is ``softmax(z) - onehot(y)``, checked here against
   the engine: the error signal is simply "predicted probability minus target".

3. MSE as a likelihood. The Gaussian negative log-likelihood of ``y`` under N(prediction, var) is
   ``0.5 (log var + (prediction - y)^2 / var) + 0.5 log(2 pi)``; with var = 1 that is
   ``MSE / 2 + 0.5 log(2 pi)``. Minimising MSE *is* maximum likelihood under unit Gaussian
   noise, and outliers are improbable under a Gaussian, hence MSE's sensitivity to them.
   Checked numerically, values and gradients.

Writes ``regression.png`` and ``classification.png`` under ``--out``.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable

import numpy as np

from micrograd_mlp.data.toy import linear_regression_data, make_moons
from micrograd_mlp.engine import Value
from micrograd_mlp.functional import (
    cross_entropy,
    gaussian_nll_loss,
    l1_loss,
    mse_loss,
    softmax,
)
from micrograd_mlp.metrics import accuracy
from micrograd_mlp.nn import MLP, Neuron
from micrograd_mlp.optim import Adam
from micrograd_mlp.training import fit
from micrograd_mlp.viz.plots import plot_decision_boundary, plot_regression_fit

COMMAND = "losses"
HELP = "MSE vs L1 with outliers, cross-entropy for classes, Gaussian NLL = MSE/2 + constant"
BUILTIN_DATA = True
#: The files ``run`` writes under ``--out``.
PICTURES = ("regression.png", "classification.png")
#: The true line of the regression data.
TRUE_W, TRUE_B = 2.0, -1.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The demo's options: data sizes, outliers, epochs."""
    parser.add_argument("--n", type=int, default=40, help="regression points (default: 40)")
    parser.add_argument(
        "--outliers", type=int, default=6, help="points shifted up by --shift (default: 6)"
    )
    parser.add_argument("--shift", type=float, default=5.0, help="outlier shift (default: 5)")
    parser.add_argument(
        "--epochs", type=int, default=300, help="epochs of each line fit (default: 300)"
    )
    parser.add_argument(
        "--moons", type=int, default=60, help="points of the classification set (default: 60)"
    )
    parser.add_argument(
        "--class-epochs", type=int, default=60, help="classifier epochs (default: 60)"
    )


def _check_args(args: argparse.Namespace) -> None:
    problems = []
    if args.n < 2:
        problems.append(f"--n must be >= 2, got {args.n}")
    if not 0 <= args.outliers < args.n / 2:
        problems.append(f"--outliers must be in [0, n/2), got {args.outliers}")
    if min(args.epochs, args.class_epochs) < 1 or args.moons < 4:
        problems.append("--epochs and --class-epochs must be >= 1 and --moons >= 4")
    if not math.isfinite(args.shift):
        problems.append(f"--shift must be finite, got {args.shift}")
    if problems:
        raise SystemExit(f"micrograd-mlp {COMMAND}: error: " + "; ".join(problems))


def outlier_data(
    n: int, outliers: int, shift: float, seed: int | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Points on ``y = 2x - 1`` (noise 0.1, x in [-1, 1]) with ``outliers`` of them moved up.

    Returns:
        ``x`` (n,), ``y`` (n,) float64 and the indices (outliers,) of the shifted points.
    """
    rng = np.random.default_rng(seed)
    x, y = linear_regression_data(n, TRUE_W, TRUE_B, noise=0.1, seed=rng)
    index = rng.choice(n, size=outliers, replace=False)
    y[index] += shift
    return x, y, index


def fit_line(
    x: np.ndarray, y: np.ndarray, loss: Callable[..., Value], epochs: int, seed: int | None
) -> Neuron:
    """A linear neuron ``w x + b`` fitted to ``(x, y)`` by ``loss`` (full batch, Adam).

    The learning rate decays linearly from 0.1 to 0: L1's gradient does not shrink near the
    optimum (it is +-1/N per point), so a constant step would keep jumping around it.
    """
    neuron = Neuron(1, activation="linear", seed=seed)
    optimizer = Adam(neuron.parameters(), lr=0.1)
    fit(
        neuron,
        x[:, None],
        y,
        loss,
        optimizer,
        epochs,
        lr_schedule=lambda step: 0.1 * (1.0 - step / epochs),
    )
    return neuron


def line_error(w: float, b: float) -> float:
    """Root-mean-square distance between ``w x + b`` and the true line over x in [-1, 1]."""
    grid = np.linspace(-1.0, 1.0, 201)
    return float(np.sqrt(np.mean(((w - TRUE_W) * grid + (b - TRUE_B)) ** 2)))


def _regression(args: argparse.Namespace) -> tuple[dict, np.ndarray, np.ndarray]:
    """Fit both lines; returns the figures, ``y`` and the MSE line's predictions."""
    x, y, index = outlier_data(args.n, args.outliers, args.shift, args.seed)
    print(
        f"1. {args.n} points on y = {TRUE_W:g}x {TRUE_B:+g}, {args.outliers} of them shifted "
        f"up by {args.shift:g}; line fitted by each loss ({args.epochs} epochs, Adam):"
    )
    out: dict = {"outliers": index}
    lines = {"true line": TRUE_W * x + TRUE_B}
    for name, loss in (("mse", mse_loss), ("l1", l1_loss)):
        neuron = fit_line(x, y, loss, args.epochs, args.seed)
        w, b = neuron.weight[0].data, neuron.bias.data
        out[f"{name}_w"], out[f"{name}_b"], out[f"{name}_error"] = w, b, line_error(w, b)
        lines[f"{name.upper()} fit"] = w * x + b
        print(
            f"   {name.upper():>3}: y = {w:.3f}x {b:+.3f}, distance to the true line "
            f"(RMS over [-1, 1]) {out[f'{name}_error']:.3f}"
        )
    print(
        "   L1 is robust: every residual pulls with the same force 1/N, so the outliers count "
        "as\n   much as any point (the median), while MSE weighs each by its size (the mean)"
    )
    path = args.out / "regression.png"
    plot_regression_fit(x, y, lines, path, title=f"{args.outliers} outliers: MSE vs L1 fit")
    out["plot"] = path
    return out, y, lines["MSE fit"]


def _classification(args: argparse.Namespace) -> dict:
    X, y = make_moons(args.moons, noise=0.1, seed=args.seed)
    model = MLP(2, [16, 2], activation="tanh", seed=args.seed)

    def predicted(outputs: list) -> np.ndarray:
        return np.array([int(z[1].data > z[0].data) for z in outputs])

    history = fit(
        model,
        X,
        y,
        cross_entropy,
        Adam(model.parameters(), lr=0.05),
        args.class_epochs,
        metric=lambda outputs, targets: accuracy(targets, predicted(outputs)),
    )
    acc = accuracy(y, predicted([model(p) for p in X.tolist()]))
    # d CE/d z = softmax(z) - onehot(y), checked on the first sample with the engine.
    logits = [Value(v.data) for v in model(X[0].tolist())]
    ce = cross_entropy(logits, int(y[0]))
    ce.backward()
    expected = [p.data - (k == y[0]) for k, p in enumerate(softmax(logits))]
    grad_error = max(abs(z.grad - e) for z, e in zip(logits, expected))
    print(
        f"2. two moons ({args.moons} points), MLP 2-16-2 (tanh) trained on cross-entropy for "
        f"{args.class_epochs} epochs:\n   loss {history.loss[0]:.4f} -> {history.loss[-1]:.4f}, "
        f"accuracy {acc:.0%}; d CE/d logits = softmax - onehot (engine vs formula: "
        f"{grad_error:.1e})"
    )
    path = args.out / "classification.png"

    def score(grid: np.ndarray) -> np.ndarray:
        """z1 - z0: positive where class 1 is the more probable."""
        return np.array([z[1].data - z[0].data for z in map(model, grid.tolist())])

    plot_decision_boundary(
        score,
        X,
        y,
        path,
        kind="scores",
        resolution=50,
        title=f"cross-entropy classifier (z1 - z0): accuracy {acc:.0%}",
    )
    return {"accuracy": acc, "ce_grad_error": grad_error, "loss": history.loss, "plot": path}


def _gaussian_nll(prediction: np.ndarray, y: np.ndarray) -> dict:
    constant = 0.5 * math.log(2.0 * math.pi)
    pred_a = [Value(p) for p in prediction.tolist()]
    pred_b = [Value(p) for p in prediction.tolist()]
    nll = gaussian_nll_loss(pred_a, y, var=1.0, full=True)
    half_mse = mse_loss(pred_b, y) / 2.0 + constant
    nll.backward()
    half_mse.backward()
    value_error = abs(nll.data - half_mse.data)
    grad_error = max(abs(a.grad - b.grad) for a, b in zip(pred_a, pred_b))
    print(
        f"3. Gaussian NLL (var = 1, full) of the MSE line's predictions: {nll.data:.12f}\n"
        f"   MSE/2 + 0.5 log(2 pi)                                 : {half_mse.data:.12f}\n"
        f"   difference {value_error:.1e}, largest gradient difference {grad_error:.1e}: "
        "minimising MSE is\n   maximum likelihood under Gaussian noise of variance 1"
    )
    return {
        "gnll": nll.data,
        "half_mse_plus_constant": half_mse.data,
        "constant": constant,
        "gnll_value_error": value_error,
        "gnll_grad_error": grad_error,
    }


def run(args: argparse.Namespace) -> dict:
    """Fit, train, check the identities and draw.

    Returns:
        ``{"mse_w", "mse_b", "l1_w", "l1_b"`` (fitted lines), ``"mse_error", "l1_error"`` (RMS
        distance of each fit to the true line), ``"outliers"`` (indices), ``"classification":
        {"accuracy", "ce_grad_error", "loss", "plot"}, "gnll", "half_mse_plus_constant",
        "constant", "gnll_value_error", "gnll_grad_error", "plots"}``.

    Raises:
        SystemExit: a bad option.
    """
    _check_args(args)
    result, y, mse_fit = _regression(args)
    result["classification"] = _classification(args)
    result.update(_gaussian_nll(mse_fit, y))
    result["plots"] = [result.pop("plot"), result["classification"]["plot"]]
    print("wrote " + ", ".join(str(p) for p in result["plots"]))
    return result
