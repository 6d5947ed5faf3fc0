"""The learning rate, and what momentum and Adam add to plain gradient descent.

1. One problem, three learning rates. A line ``w x + b`` is fitted to noisy points by full-batch
   gradient descent on MSE, ``theta <- theta - lr * grad``. Near its minimum the loss is the
   quadratic bowl ``L(theta) = L* + 1/2 (theta - theta*)^T H (theta - theta*)`` with the constant
   Hessian ``H = (2/N) A^T A`` (rows of ``A``: ``[x_i, 1]``), so each step multiplies the error
   along an eigenvector of ``H`` with eigenvalue ``lambda`` by ``1 - lr * lambda``. The iteration
   converges only if ``|1 - lr * lambda| < 1`` for every eigenvalue, i.e. ``lr < 2 / lambda_max``:

   * too small a rate: the factor is close to 1, progress is slow;
   * a good rate (about ``1 / lambda_max``): every direction shrinks fast;
   * too large a rate (``> 2 / lambda_max``): the error grows geometrically, the loss explodes.
     The demo detects it (a loss grown ``BLOWUP_FACTOR``-fold, or ``NonFiniteLossError`` from the
     training loop if it overflows) and reports it instead of crashing.

2. SGD vs momentum vs Adam, on a long narrow valley: the second input varies 10x less than the
   first, so ``H``'s eigenvalues differ by a factor of ~250. A rate safe for the steep direction
   crawls along the flat one. Momentum (Polyak 1964) accumulates a velocity
   ``b <- mu b + g, theta <- theta - lr b`` that builds up along the consistent flat direction;
   Adam (Kingma & Ba 2015) divides each coordinate's step by the root-mean-square of its
   gradients, so both directions move at a similar pace.

Writes ``learning_rates.png`` and ``optimizers.png`` under ``--out``.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from micrograd_mlp.data.toy import linear_regression_data
from micrograd_mlp.functional import mse_loss
from micrograd_mlp.nn import Neuron
from micrograd_mlp.optim import SGD, Adam, Optimizer
from micrograd_mlp.training import History, NonFiniteLossError, fit
from micrograd_mlp.viz.plots import plot_loss_curve, save_figure

COMMAND = "learning-rate"
HELP = "too small, good and too large learning rates (divergence reported); SGD vs momentum/Adam"
BUILTIN_DATA = True
#: The files ``run`` writes under ``--out``.
PICTURES = ("learning_rates.png", "optimizers.png")
#: A run whose loss exceeds this multiple of its first loss is stopped and called diverged.
BLOWUP_FACTOR = 1e4
#: A run whose final loss is within this relative distance of the least-squares loss converged.
CONVERGED_WITHIN = 0.01


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The demo's options: the three learning rates and the epochs of each run."""
    parser.add_argument(
        "--lrs",
        type=float,
        nargs=3,
        default=[0.01, 0.5, 1.5],
        metavar=("SMALL", "GOOD", "LARGE"),
        help="the three SGD learning rates (default: 0.01 0.5 1.5)",
    )
    parser.add_argument(
        "--epochs", type=int, default=60, help="full-batch steps per learning rate (default: 60)"
    )
    parser.add_argument(
        "--optimizer-epochs",
        type=int,
        default=100,
        help="full-batch steps per optimizer (default: 100)",
    )


class _Diverged(Exception):
    """Raised by the training callback to stop a run whose loss has blown up."""


@dataclass
class Run:
    """One training run: its loss per step and how it ended.

    Attributes:
        label: what was run (e.g. ``"lr = 0.5"``).
        losses: the loss of every step taken (float).
        status: ``"converged"``, ``"too slow"`` (still above the optimum) or ``"diverged"``.
        reason: for a diverged run, what was detected; else "".
    """

    label: str
    losses: list[float] = field(default_factory=list)
    status: str = ""
    reason: str = ""


def train_and_classify(
    label: str,
    X: np.ndarray,
    y: np.ndarray,
    make_optimizer: Callable[[list], Optimizer],
    epochs: int,
    seed: int | None,
    optimum: float,
) -> Run:
    """Fit a linear neuron to ``(X, y)`` by MSE with ``make_optimizer(params)``; never raises on
    divergence but records it.

    Args:
        label: the run's name.
        X: inputs (N, D); y: targets (N,).
        make_optimizer: ``params -> optimizer``.
        epochs: full-batch steps.
        seed: initial weights.
        optimum: the least-squares loss, the lowest any run can reach.

    Returns:
        A :class:`Run`; ``status`` is ``"diverged"`` when the loss became non-finite
        (``NonFiniteLossError``), grew ``BLOWUP_FACTOR``-fold (training stopped there) or ended
        above where it started; ``"converged"`` when the final loss is within
        ``CONVERGED_WITHIN`` (relative) of ``optimum``; ``"too slow"`` otherwise.
    """
    neuron = Neuron(X.shape[1], activation="linear", seed=seed)
    run = Run(label)
    seen: list[History] = []

    def watch(epoch: int, history: History) -> None:
        seen[:] = [history]
        if history.loss[-1] > BLOWUP_FACTOR * history.loss[0]:
            step = len(history.loss) - 1
            raise _Diverged(f"the loss grew {BLOWUP_FACTOR:g}-fold by step {step}; stopped")

    try:
        fit(
            neuron,
            X,
            y,
            mse_loss,
            make_optimizer(neuron.parameters()),
            epochs,
            callback=watch,
        )
    except _Diverged as stop:
        run.status, run.reason = "diverged", str(stop)
    except NonFiniteLossError as error:
        run.status, run.reason = "diverged", f"the loss became {error.loss} at step {error.step}"
    run.losses = list(seen[0].loss) if seen else []
    if not run.status:
        if run.losses[-1] > run.losses[0]:
            run.status = "diverged"
            run.reason = f"the loss grew from {run.losses[0]:.3g} to {run.losses[-1]:.3g}"
        elif run.losses[-1] <= optimum * (1.0 + CONVERGED_WITHIN):
            run.status = "converged"
        else:
            run.status = "too slow"
    return run


def least_squares(X: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """The lowest MSE a line ``X w + b`` can reach, and the Hessian ``(2/N) A^T A`` of the MSE,
    ``A = [X, 1]`` (shape (D+1, D+1)); computed with NumPy as the reference."""
    A = np.column_stack([X, np.ones(len(X))])
    theta = np.linalg.lstsq(A, y, rcond=None)[0]
    return float(np.mean((A @ theta - y) ** 2)), 2.0 / len(X) * A.T @ A


def _describe(run: Run, optimum: float, status: bool = True) -> str:
    if run.status == "diverged":
        return f"DIVERGED: {run.reason}"
    # max(): the optimum itself is computed in floating point; a run may land a hair below it.
    excess = max(run.losses[-1] - optimum, 0.0)
    text = f"final loss {run.losses[-1]:.6f}, {excess:.1e} above the optimum"
    return f"{run.status}: {text}" if status else text


def _plot(runs: list[Run], optimum: float, path: Path, title: str) -> Path:
    fig = plot_loss_curve(
        {r.label: r.losses for r in runs}, None, log_scale=True, title=title, xlabel="step"
    )
    fig.axes[0].axhline(optimum, color="grey", linestyle="--", linewidth=1, label="optimum")
    fig.axes[0].legend(loc="best")
    return save_figure(fig, path)


def _learning_rates(args: argparse.Namespace) -> dict:
    x, y = linear_regression_data(50, w=2.0, b=-1.0, noise=0.1, seed=args.seed)
    X = x[:, None]
    optimum, hessian = least_squares(X, y)
    lam_max = float(np.linalg.eigvalsh(hessian).max())
    critical = 2.0 / lam_max
    print(
        f"1. a line fitted to {len(x)} points by full-batch SGD on MSE, {args.epochs} steps.\n"
        f"   Largest eigenvalue of the Hessian: {lam_max:.3f}, so SGD converges only for "
        f"lr < 2/{lam_max:.3f} = {critical:.3f}"
    )
    runs = []
    for kind, lr in zip(("too small", "good", "too large"), args.lrs):
        run = train_and_classify(
            f"lr = {lr:g}", X, y, lambda p, lr=lr: SGD(p, lr=lr), args.epochs, args.seed, optimum
        )
        runs.append(run)
        times = f"({lr / critical:.3g} x critical)"
        print(f"   {kind:>9} lr = {lr:<6g} {times}: {_describe(run, optimum)}")
    path = _plot(runs, optimum, args.out / PICTURES[0], "SGD on one problem, three learning rates")
    return {
        "critical_lr": critical,
        "optimum": optimum,
        "runs": {lr: run for lr, run in zip(args.lrs, runs)},
        "plot": path,
    }


def valley_data(n: int, seed: int | None) -> tuple[np.ndarray, np.ndarray]:
    """``y = 2 x1 + 5 x2 + 0.5 + noise`` with x1 in [-1, 1] but x2 in [-0.1, 0.1]: an MSE whose
    Hessian is badly conditioned (a long narrow valley). Returns X (n, 2) and y (n,)."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1.0, 1.0, size=(n, 2)) * np.array([1.0, 0.1])
    return X, X @ np.array([2.0, 5.0]) + 0.5 + rng.normal(0.0, 0.1, size=n)


def _optimizers(args: argparse.Namespace) -> dict:
    X, y = valley_data(50, args.seed)
    optimum, hessian = least_squares(X, y)
    eig = np.linalg.eigvalsh(hessian)
    print(
        "2. a narrow valley: y = 2 x1 + 5 x2 + 0.5 with x2 ten times smaller than x1.\n"
        f"   Hessian eigenvalues {eig[0]:.4f} ... {eig[-1]:.3f} (condition number "
        f"{eig[-1] / eig[0]:.0f}); {args.optimizer_epochs} full-batch steps each:"
    )
    choices = {
        "SGD (lr 0.5)": lambda p: SGD(p, lr=0.5),
        "SGD + momentum 0.9 (lr 0.5)": lambda p: SGD(p, lr=0.5, momentum=0.9),
        "Adam (lr 0.1)": lambda p: Adam(p, lr=0.1),
    }
    runs = []
    for label, make in choices.items():
        run = train_and_classify(label, X, y, make, args.optimizer_epochs, args.seed, optimum)
        runs.append(run)
        print(f"   {label:>27}: {_describe(run, optimum, status=False)}")
    path = _plot(runs, optimum, args.out / PICTURES[1], "A narrow valley: SGD, momentum, Adam")
    return {
        "condition_number": float(eig[-1] / eig[0]),
        "optimum": optimum,
        "runs": runs,
        "plot": path,
    }


def run(args: argparse.Namespace) -> dict:
    """Run both comparisons, report how each run ended, draw the loss curves.

    Returns:
        ``{"learning_rates": {"critical_lr", "optimum", "runs": {lr: Run}, "plot"},
        "optimizers": {"condition_number", "optimum", "runs": [Run, Run, Run] (SGD, momentum,
        Adam), "plot"}, "plots": [paths]}``.

    Raises:
        SystemExit: a bad option.
    """
    if min(args.epochs, args.optimizer_epochs) < 1 or not all(lr > 0 for lr in args.lrs):
        raise SystemExit(
            f"micrograd-mlp {COMMAND}: error: epochs must be >= 1 and learning rates > 0 "
            f"(got --epochs {args.epochs}, --optimizer-epochs {args.optimizer_epochs}, "
            f"--lrs {args.lrs})"
        )
    rates = _learning_rates(args)
    optimizers = _optimizers(args)
    plots = [rates["plot"], optimizers["plot"]]
    print("wrote " + ", ".join(str(p) for p in plots))
    return {"learning_rates": rates, "optimizers": optimizers, "plots": plots}
