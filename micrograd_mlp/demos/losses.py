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

4. MLE as "how sure is the model". On data whose noise grows with x (``y = sin(2.5 x) +
   sigma(x) eps`` with ``sigma(x) = 0.05 + 0.2 (x + 1)``), a network with two outputs, a mean
   ``mu(x)`` and a log-variance ``s(x)`` (``var = e^s`` is always positive), is trained on the
   Gaussian negative log-likelihood ``0.5 (log var + (y - mu)^2 / var)``, next to the same
   network with one output trained on MSE. Both find the mean; only the first also learns how
   far to trust it: its band ``mu +- 2 sigma(x)`` holds ~95% of the points in the quiet and in
   the noisy half, while MSE's single noise level (its RMSE) is too wide on the left and too
   narrow on the right. With the variance fixed at 1 the NLL is MSE/2 + 0.5 log(2 pi)
   (checked on this network too): MSE is the special case that assumes one known noise level.
   (Vectorized engine, float64, full-batch Adam. A network that outputs a mean and a variance
   and is trained on this likelihood: Nix & Weigend, "Estimating the mean and variance of the
   target probability distribution", ICNN 1994.)

Writes ``regression.png``, ``classification.png`` (regions coloured by p(class 1) =
softmax(z)_1, the boundary where it is 1/2) and ``uncertainty.png`` under ``--out``. ``--lang ko``
prints and draws in Korean.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

import numpy as np
from matplotlib.figure import Figure

from micrograd_mlp.data.toy import linear_regression_data, make_moons
from micrograd_mlp.demos._output import Text, save_plot, texts
from micrograd_mlp.demos._predict import plot_fit, plot_regions, regions
from micrograd_mlp.demos.options import (
    UserError,
    chosen_lang,
    float_option,
    int_option,
    lang_option,
)
from micrograd_mlp.engine import Value
from micrograd_mlp.functional import (
    cross_entropy,
    gaussian_nll_loss,
    l1_loss,
    mse_loss,
    softmax,
)
from micrograd_mlp.loss_common import HALF_LOG_2PI
from micrograd_mlp.metrics import accuracy
from micrograd_mlp.nn import MLP, Neuron
from micrograd_mlp.optim import Adam
from micrograd_mlp.optim.lr_scheduler import CosineAnnealingLR
from micrograd_mlp.tensor import MLP as TensorMLP
from micrograd_mlp.tensor import Tensor
from micrograd_mlp.tensor import functional as TF
from micrograd_mlp.training import Schedule, fit

COMMAND = "losses"
HELP = (
    "MSE vs L1 with outliers, cross-entropy for classes, Gaussian NLL = MSE/2 + constant, "
    "a network that predicts its own uncertainty (mean and variance, Gaussian NLL)"
)
BUILTIN_DATA = True
#: The files ``run`` writes under ``--out``.
PICTURES = ("regression.png", "classification.png", "uncertainty.png")
#: The true line of the regression data.
TRUE_W, TRUE_B = 2.0, -1.0


#: Bounds of the size options (each refused beyond them with a usage line naming the option).
MAX_POINTS, MAX_EPOCHS = 10_000, 100_000


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The demo's options: data sizes, outliers, epochs (each bounded: ``options.int_option``)."""
    parser.add_argument(
        "--n",
        type=int_option(2, MAX_POINTS),
        default=40,
        help=f"regression points, 2 to {MAX_POINTS:,} (default: 40)",
    )
    parser.add_argument(
        "--outliers",
        type=int_option(0, MAX_POINTS),
        default=6,
        help="points shifted up by --shift, fewer than half of --n (default: 6)",
    )
    parser.add_argument(
        "--shift", type=float_option(-1e6, 1e6), default=5.0, help="outlier shift (default: 5)"
    )
    parser.add_argument(
        "--epochs",
        type=int_option(1, MAX_EPOCHS),
        default=300,
        help="epochs of each line fit (default: 300)",
    )
    parser.add_argument(
        "--moons",
        type=int_option(4, MAX_POINTS),
        default=60,
        help=f"points of the classification set, 4 to {MAX_POINTS:,} (default: 60)",
    )
    parser.add_argument(
        "--class-epochs",
        type=int_option(1, MAX_EPOCHS),
        default=60,
        help="classifier epochs (default: 60)",
    )
    parser.add_argument(
        "--noise-n",
        type=int_option(20, MAX_POINTS),
        default=400,
        help=f"points of the data whose noise grows with x, 20 to {MAX_POINTS:,} (default: 400)",
    )
    parser.add_argument(
        "--noise-epochs",
        type=int_option(1, MAX_EPOCHS),
        default=2000,
        help="full-batch epochs of the mean/variance network and its MSE twin (default: 2000)",
    )
    lang_option(parser, "the text and the pictures")


def _check_args(args: argparse.Namespace) -> None:
    """What argparse cannot check alone: --outliers against --n."""
    if not args.outliers < args.n / 2:
        raise UserError(
            f"--outliers must be fewer than half of --n ({args.n}), got {args.outliers}"
        )


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

    The learning rate decays from 0.1 to 0 along half a cosine (``CosineAnnealingLR``): L1's
    gradient does not shrink near the optimum (it is +-1/N per point), so a constant step would
    keep jumping around it.
    """
    neuron = Neuron(1, activation="linear", seed=seed)
    optimizer = Adam(neuron.parameters(), lr=0.1)
    scheduler = CosineAnnealingLR(optimizer, T_max=epochs)
    fit(neuron, x[:, None], y, loss, optimizer, epochs, callbacks=[Schedule(scheduler)])
    return neuron


def line_error(w: float, b: float) -> float:
    """Root-mean-square distance between ``w x + b`` and the true line over x in [-1, 1]."""
    grid = np.linspace(-1.0, 1.0, 201)
    return float(np.sqrt(np.mean(((w - TRUE_W) * grid + (b - TRUE_B)) ** 2)))


def _regression(args: argparse.Namespace, lang: str) -> tuple[dict, np.ndarray, np.ndarray]:
    """Fit both lines; returns the results, ``y`` and the MSE line's predictions."""
    text = texts("losses", lang)
    x, y, index = outlier_data(args.n, args.outliers, args.shift, args.seed)
    print(
        text(
            "regression_intro",
            n=args.n,
            w=f"{TRUE_W:g}",
            b=f"{TRUE_B:+g}",
            outliers=args.outliers,
            shift=f"{args.shift:g}",
            epochs=args.epochs,
        )
    )
    out: dict = {"outliers": index}
    fits = {}
    for name, loss in (("mse", mse_loss), ("l1", l1_loss)):
        neuron = fit_line(x, y, loss, args.epochs, args.seed)
        w, b = neuron.weight[0].data, neuron.bias.data
        out[f"{name}_w"], out[f"{name}_b"], out[f"{name}_error"] = w, b, line_error(w, b)
        fits[name] = w * x + b
        print(
            text(
                "regression_fit",
                name=f"{name.upper():>3}",
                w=f"{w:.3f}",
                b=f"{b:+.3f}",
                error=f"{out[f'{name}_error']:.3f}",
            )
        )
    print(text("regression_lesson" if out["l1_error"] < out["mse_error"] else "regression_mixed"))

    def draw(chosen: str) -> Figure:
        t = texts("losses", chosen)
        # The L1 fit first (thick), then MSE's (dashed), the true line last (thin, on top):
        # the L1 fit and the true line nearly coincide, and both stay visible.
        lines = {
            t("plot.l1_fit"): (x, fits["l1"]),
            t("plot.mse_fit"): (x, fits["mse"]),
            t("plot.true_line"): (x, TRUE_W * x + TRUE_B),
        }
        return plot_fit(x, y, lines, t("plot.data"), t("plot.regression_title", n=args.outliers))

    out["plot"] = save_plot(draw, args.out / "regression.png", lang)
    return out, y, fits["mse"]


def _classification(args: argparse.Namespace, lang: str) -> dict:
    text = texts("losses", lang)
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
        metric=lambda outputs, targets: accuracy(predicted(outputs), targets),
    )
    acc = accuracy(predicted([model(p) for p in X.tolist()]), y)
    # d CE/d z = softmax(z) - onehot(y), checked on the first sample with the engine.
    logits = [Value(v.data) for v in model(X[0].tolist())]
    ce = cross_entropy(logits, int(y[0]))
    ce.backward()
    expected = [p.data - (k == y[0]) for k, p in enumerate(softmax(logits))]
    grad_error = max(abs(z.grad - e) for z, e in zip(logits, expected))
    print(
        text(
            "classification",
            n=args.moons,
            epochs=args.class_epochs,
            first=f"{history.loss[0]:.4f}",
            last=f"{history.loss[-1]:.4f}",
            accuracy=f"{acc:.0%}",
            error=f"{grad_error:.1e}",
        )
    )

    def score(grid: np.ndarray) -> np.ndarray:
        """z1 - z0: p(class 1) = softmax(z)_1 = sigmoid(z1 - z0)."""
        return np.array([z[1].data - z[0].data for z in map(model, grid.tolist())])

    field = regions(score, X, resolution=50)

    def draw(chosen: str) -> Figure:
        t = texts("losses", chosen)
        if field.separates:
            title = t("plot.classification_title", accuracy=f"{acc:.0%}")
        else:
            title = t("plot.classification_no_boundary")
        return plot_regions(field, X, y, t, title)

    path = save_plot(draw, args.out / "classification.png", lang)
    return {
        "accuracy": acc,
        "ce_grad_error": grad_error,
        "loss": history.loss,
        "boundary": field.separates,
        "plot": path,
    }


def _gaussian_nll(prediction: np.ndarray, y: np.ndarray, text: Text) -> dict:
    constant = HALF_LOG_2PI
    pred_a = [Value(p) for p in prediction.tolist()]
    pred_b = [Value(p) for p in prediction.tolist()]
    nll = gaussian_nll_loss(pred_a, y, var=1.0, full=True)
    half_mse = mse_loss(pred_b, y) / 2.0 + constant
    nll.backward()
    half_mse.backward()
    value_error = abs(nll.data - half_mse.data)
    grad_error = max(abs(a.grad - b.grad) for a, b in zip(pred_a, pred_b))
    print(
        text(
            "gaussian",
            nll=f"{nll.data:.12f}",
            half_mse=f"{half_mse.data:.12f}",
            value_error=f"{value_error:.1e}",
            grad_error=f"{grad_error:.1e}",
        )
    )
    return {
        "gnll": nll.data,
        "half_mse_plus_constant": half_mse.data,
        "constant": constant,
        "gnll_value_error": value_error,
        "gnll_grad_error": grad_error,
    }


def noise_sigma(x: np.ndarray) -> np.ndarray:
    """The true noise level of :func:`heteroscedastic_data`: ``0.05 + 0.2 (x + 1)`` (0.05..0.45)."""
    return 0.05 + 0.2 * (x + 1.0)


def heteroscedastic_data(n: int, seed: int | None) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points ``y = sin(2.5 x) + noise_sigma(x) eps``, x ~ U(-1, 1), eps ~ N(0, 1).

    Returns:
        ``x`` (n,) sorted and ``y`` (n,), float64.
    """
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(-1.0, 1.0, n))
    return x, np.sin(2.5 * x) + noise_sigma(x) * rng.standard_normal(n)


def _mean_and_var(outputs: Tensor) -> tuple[Tensor, Tensor]:
    """A two-output network's ``(N, 2)`` outputs as the mean ``mu`` and ``var = e^s``."""
    return outputs[:, 0], outputs[:, 1].exp()


def _gaussian_nll_of_outputs(outputs: Tensor, targets: np.ndarray) -> Tensor:
    mean, var = _mean_and_var(outputs)
    return TF.gaussian_nll_loss(mean, targets, var)


def _mse_of_outputs(outputs: Tensor, targets: np.ndarray) -> Tensor:
    return TF.mse_loss(outputs[:, 0], targets)


def fit_uncertainty(
    x: np.ndarray, y: np.ndarray, epochs: int, seed: int | None
) -> tuple[TensorMLP, TensorMLP]:
    """The mean/variance network (Gaussian NLL) and its one-output twin (MSE), trained alike.

    Both are ``MLP(1, [16, k])`` with tanh, float64, full-batch Adam (lr 0.02), the same
    seed; ``k = 2`` (mean, log-variance) for the NLL network, ``k = 1`` for the MSE one.
    """
    X = x[:, None]
    nets = []
    for outputs, loss in ((2, _gaussian_nll_of_outputs), (1, _mse_of_outputs)):
        net = TensorMLP(1, [16, outputs], activation="tanh", seed=seed, dtype=np.float64)
        fit(net, X, y, loss, Adam(net.parameters(), lr=0.02), epochs)
        nets.append(net)
    return nets[0], nets[1]


def _coverage(y: np.ndarray, mean: np.ndarray, sigma: np.ndarray, where: np.ndarray) -> float:
    """The fraction of the points ``where`` that lie inside ``mean +- 2 sigma``."""
    inside = np.abs(y - mean) <= 2.0 * sigma
    return float(inside[where].mean())


def _uncertainty(args: argparse.Namespace, lang: str) -> dict:
    text = texts("losses", lang)
    x, y = heteroscedastic_data(args.noise_n, args.seed)
    nll_net, mse_net = fit_uncertainty(x, y, args.noise_epochs, args.seed)
    mean_t, var_t = _mean_and_var(nll_net(x[:, None]))
    mean, sigma = mean_t.data, np.sqrt(var_t.data)
    mse_fit = mse_net(x[:, None]).data[:, 0]
    rmse = float(np.sqrt(np.mean((y - mse_fit) ** 2)))
    # A fresh sample of the same process measures what each model expects of new data.
    x_new, y_new = heteroscedastic_data(args.noise_n, None if args.seed is None else args.seed + 1)
    new_mean, new_var = _mean_and_var(nll_net(x_new[:, None]))
    new_mse_fit = mse_net(x_new[:, None]).data[:, 0]
    test_nll = TF.gaussian_nll_loss(new_mean, y_new, new_var, full=True).item()
    test_nll_mse = TF.gaussian_nll_loss(
        Tensor(new_mse_fit), y_new, rmse**2, full=True
    ).item()  # the MSE fit as a Gaussian with its one noise level, var = RMSE^2
    left, right = x < 0.0, x >= 0.0
    out = {
        "sigma_at": {float(v): float(np.interp(v, x, sigma)) for v in (-0.9, 0.0, 0.9)},
        "true_sigma_at": {float(v): float(noise_sigma(np.float64(v))) for v in (-0.9, 0.0, 0.9)},
        "rmse": rmse,
        "nll_coverage": {
            "left": _coverage(y, mean, sigma, left),
            "right": _coverage(y, mean, sigma, right),
        },
        "mse_coverage": {
            "left": _coverage(y, mse_fit, np.full_like(y, rmse), left),
            "right": _coverage(y, mse_fit, np.full_like(y, rmse), right),
        },
        "mean_error": float(np.sqrt(np.mean((mean - np.sin(2.5 * x)) ** 2))),
        "mse_mean_error": float(np.sqrt(np.mean((mse_fit - np.sin(2.5 * x)) ** 2))),
        "test_nll": test_nll,
        "test_nll_mse": test_nll_mse,
    }
    # With var = 1 the Gaussian NLL is MSE / 2 + 0.5 log(2 pi): values and gradients.
    outputs = mse_net(x[:, None])
    a = TF.gaussian_nll_loss(outputs[:, 0], y, 1.0, full=True)
    outputs_b = mse_net(x[:, None])
    b = TF.mse_loss(outputs_b[:, 0], y) / 2.0 + HALF_LOG_2PI
    mse_net.zero_grad()
    a.backward()
    grads_a = [np.array(p.grad) for p in mse_net.parameters()]
    mse_net.zero_grad()
    b.backward()
    out["unit_var_value_error"] = abs(a.item() - b.item())
    out["unit_var_grad_error"] = max(
        float(np.max(np.abs(ga - p.grad))) for ga, p in zip(grads_a, mse_net.parameters())
    )
    lo, hi = out["nll_coverage"], out["mse_coverage"]
    sig, true = out["sigma_at"], out["true_sigma_at"]
    print(
        text(
            "uncertainty",
            n=args.noise_n,
            epochs=args.noise_epochs,
            learned=", ".join(f"{sig[v]:.3f}" for v in sig),
            true=", ".join(f"{true[v]:.3f}" for v in true),
            rmse=f"{rmse:.3f}",
            nll_left=f"{lo['left']:.0%}",
            nll_right=f"{lo['right']:.0%}",
            mse_left=f"{hi['left']:.0%}",
            mse_right=f"{hi['right']:.0%}",
            mean_error=f"{out['mean_error']:.3f}",
            mse_mean_error=f"{out['mse_mean_error']:.3f}",
            test_nll=f"{test_nll:.3f}",
            test_nll_mse=f"{test_nll_mse:.3f}",
            value_error=f"{out['unit_var_value_error']:.1e}",
            grad_error=f"{out['unit_var_grad_error']:.1e}",
        )
    )
    out["plot"] = save_plot(
        lambda chosen: _plot_uncertainty(x, y, mean, sigma, mse_fit, rmse, texts("losses", chosen)),
        args.out / "uncertainty.png",
        lang,
    )
    return out


def _plot_uncertainty(
    x: np.ndarray,
    y: np.ndarray,
    mean: np.ndarray,
    sigma: np.ndarray,
    mse_fit: np.ndarray,
    rmse: float,
    text: Text,
) -> Figure:
    """MSE fit with its one-size band | NLL mean with its +-2 sigma(x) band | sigma(x)."""
    fig = Figure(figsize=(14, 4.6), layout="constrained")
    axes = fig.subplots(1, 3)
    truth = np.sin(2.5 * x)
    for ax, centre, half, colour, band, line in (
        (axes[0], mse_fit, np.full_like(x, 2 * rmse), "tab:orange", "mse_band", "mse_fit_line"),
        (axes[1], mean, 2 * sigma, "tab:blue", "nll_band", "nll_mean"),
    ):
        ax.scatter(x, y, s=6, color="0.55", label=text("plot.data"), zorder=2)
        ax.fill_between(
            x,
            centre - half,
            centre + half,
            color=colour,
            alpha=0.25,
            lw=0,
            label=text(f"plot.{band}"),
        )
        ax.plot(x, centre, color=colour, lw=2.2, label=text(f"plot.{line}"), zorder=3)
        ax.plot(x, truth, color="black", lw=1.2, ls="--", label=text("plot.true_mean"), zorder=4)
        ax.set(xlabel="x", ylabel="y", ylim=(y.min() - 0.3, y.max() + 0.3))
        ax.legend(loc="upper left", fontsize=8)
    axes[0].set_title(text("plot.mse_title"))
    axes[1].set_title(text("plot.nll_title"))
    ax = axes[2]
    ax.plot(x, noise_sigma(x), color="black", lw=1.2, ls="--", label=text("plot.true_sigma"))
    ax.plot(x, sigma, color="tab:blue", lw=2.2, label=text("plot.learned_sigma"))
    ax.axhline(rmse, color="tab:orange", lw=2.2, label=text("plot.rmse"))
    ax.set(xlabel="x", ylabel=text("plot.sigma_axis"), ylim=(0, None))
    ax.set_title(text("plot.sigma_title"))
    ax.legend(loc="upper left", fontsize=8)
    return fig


def run(args: argparse.Namespace) -> dict:
    """Fit, train, check the identities and draw.

    Returns:
        ``{"mse_w", "mse_b", "l1_w", "l1_b"`` (fitted lines), ``"mse_error", "l1_error"`` (RMS
        distance of each fit to the true line), ``"outliers"`` (indices), ``"classification":
        {"accuracy", "ce_grad_error", "loss", "boundary", "plot"}, "gnll", "half_mse_plus_constant",
        "constant", "gnll_value_error", "gnll_grad_error", "uncertainty": {"sigma_at",
        "true_sigma_at"`` (learned and true noise level at x = -0.9, 0, 0.9), ``"rmse",
        "nll_coverage", "mse_coverage"`` (fraction of points within +-2 sigma, ``"left"`` x < 0
        and ``"right"``), ``"mean_error", "mse_mean_error"`` (RMS distance to the true mean),
        ``"test_nll", "test_nll_mse"`` (per point, fresh data), ``"unit_var_value_error",
        "unit_var_grad_error", "plot"}, "lang", "plots"}``.

    Raises:
        UserError: ``--outliers`` not fewer than half of ``--n`` (the other options are
            checked by argparse).
    """
    _check_args(args)
    lang = chosen_lang(args)
    text = texts("losses", lang)
    result, y, mse_fit = _regression(args, lang)
    result["classification"] = _classification(args, lang)
    result.update(_gaussian_nll(mse_fit, y, text))
    result["uncertainty"] = _uncertainty(args, lang)
    result["lang"] = lang
    result["plots"] = [
        result.pop("plot"),
        result["classification"]["plot"],
        result["uncertainty"]["plot"],
    ]
    print(text("wrote", files=", ".join(str(p) for p in result["plots"])))
    return result
