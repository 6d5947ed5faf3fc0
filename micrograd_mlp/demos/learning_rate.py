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

3. Adaptive learning rates and schedules. On the same valley, every optimizer of
   ``micrograd_mlp.optim`` side by side (a table of final loss and steps to within 1% of the
   optimum): RMSprop (Tieleman & Hinton 2012) divides by a running RMS of the gradients,
   Adagrad (Duchi et al. 2011) by the root of their running *sum* (its steps only shrink),
   AdamW (Loshchilov & Hutter 2019) is Adam with weight decay applied to the weights directly.
   Then the schedules of ``micrograd_mlp.optim.lr_scheduler``, stepped once per epoch: with
   mini-batches a constant rate leaves the loss jittering at a noise floor above the optimum
   (each batch's gradient is a noisy estimate); ``StepLR``, ``ExponentialLR`` and
   ``CosineAnnealingLR`` shrink the rate and with it the noise, ending orders of magnitude
   closer.

Writes ``learning_rates.png``, ``optimizers.png`` and ``adaptive.png`` under ``--out``.
``--lang ko`` prints and draws in Korean.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from micrograd_mlp.data.toy import linear_regression_data
from micrograd_mlp.demos._output import Text, rjust, save_plot, texts
from micrograd_mlp.demos.options import chosen_lang, float_option, int_option, lang_option
from micrograd_mlp.functional import mse_loss
from micrograd_mlp.nn import Neuron
from micrograd_mlp.optim import SGD, Adagrad, Adam, AdamW, Optimizer, RMSprop
from micrograd_mlp.optim.lr_scheduler import CosineAnnealingLR, ExponentialLR, StepLR
from micrograd_mlp.training import History, NonFiniteLossError, Schedule, fit
from micrograd_mlp.viz.plots import plot_loss_curve

COMMAND = "learning-rate"
HELP = (
    "too small, good and too large learning rates (divergence reported); SGD, momentum, "
    "RMSprop, Adagrad, Adam, AdamW; StepLR, ExponentialLR, CosineAnnealingLR"
)
BUILTIN_DATA = True
#: The files ``run`` writes under ``--out``.
PICTURES = ("learning_rates.png", "optimizers.png", "adaptive.png")
#: A run whose loss exceeds this multiple of its first loss is stopped and called diverged.
BLOWUP_FACTOR = 1e4
#: A run whose final loss is within this relative distance of the least-squares loss converged.
CONVERGED_WITHIN = 0.01


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The demo's options: the three learning rates and the epochs of each run."""
    parser.add_argument(
        "--lrs",
        type=float_option(0, exclusive_minimum=True),
        nargs=3,
        default=[0.01, 0.5, 1.5],
        metavar=("SMALL", "GOOD", "LARGE"),
        help="the three SGD learning rates, each > 0 (default: 0.01 0.5 1.5)",
    )
    parser.add_argument(
        "--epochs",
        type=int_option(1, 100_000),
        default=60,
        help="full-batch steps per learning rate (default: 60)",
    )
    parser.add_argument(
        "--optimizer-epochs",
        type=int_option(1, 100_000),
        default=100,
        help="full-batch steps per optimizer (default: 100)",
    )
    parser.add_argument(
        "--schedule-epochs",
        type=int_option(1, 100_000),
        default=60,
        help="epochs of mini-batch SGD per learning-rate schedule (default: 60)",
    )
    lang_option(parser, "the text and the pictures")


class _Diverged(Exception):
    """Raised by the training callback to stop a run whose loss has blown up."""


@dataclass
class Run:
    """One training run: its loss per step and how it ended.

    Attributes:
        label: what was run, in the run's language (e.g. ``"lr = 0.5"``).
        losses: the loss of every step taken (float).
        status: ``"converged"``, ``"too slow"`` (still above the optimum) or ``"diverged"``
            (the same in every language).
        reason: for a diverged run, what was detected (in the run's language); else "".
        lrs: the learning rate of every epoch (schedule runs; else empty).
        key: the run's name in every language (e.g. ``"SGD + momentum 0.9"``); "" if none.
    """

    label: str
    losses: list[float] = field(default_factory=list)
    status: str = ""
    reason: str = ""
    lrs: list[float] = field(default_factory=list)
    key: str = ""


def train_and_classify(
    label: str,
    X: np.ndarray,
    y: np.ndarray,
    make_optimizer: Callable[[list], Optimizer],
    epochs: int,
    seed: int | None,
    optimum: float,
    key: str = "",
    lang: str = "en",
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
        key: the run's name in every language (:attr:`Run.key`).
        lang: the language of ``reason``.

    Returns:
        A :class:`Run`; ``status`` is ``"diverged"`` when the loss became non-finite
        (``NonFiniteLossError``), grew ``BLOWUP_FACTOR``-fold (training stopped there) or ended
        above where it started; ``"converged"`` when the final loss is within
        ``CONVERGED_WITHIN`` (relative) of ``optimum``; ``"too slow"`` otherwise.
    """
    text = texts("learning_rate", lang)
    neuron = Neuron(X.shape[1], activation="linear", seed=seed)
    run = Run(label, key=key)
    seen: list[History] = []

    def watch(epoch: int, history: History) -> None:
        seen[:] = [history]
        if history.loss[-1] > BLOWUP_FACTOR * history.loss[0]:
            step = len(history.loss) - 1
            raise _Diverged(text("reason.blowup", factor=f"{BLOWUP_FACTOR:g}", step=step))

    try:
        fit(
            neuron,
            X,
            y,
            mse_loss,
            make_optimizer(neuron.parameters()),
            epochs,
            callbacks=[watch],
        )
    except _Diverged as stop:
        run.status, run.reason = "diverged", str(stop)
    except NonFiniteLossError as error:
        run.status = "diverged"
        run.reason = text("reason.non_finite", loss=error.loss, step=error.step)
    run.losses = list(seen[0].loss) if seen else []
    if not run.status:
        if run.losses[-1] > run.losses[0]:
            run.status = "diverged"
            run.reason = text(
                "reason.grew", first=f"{run.losses[0]:.3g}", last=f"{run.losses[-1]:.3g}"
            )
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


def _describe(run: Run, optimum: float, text: Text, status: bool = True) -> str:
    if run.status == "diverged":
        return text("describe.diverged", reason=run.reason)
    # max(): the optimum itself is computed in floating point; a run may land a hair below it.
    excess = max(run.losses[-1] - optimum, 0.0)
    final = text("describe.final", loss=f"{run.losses[-1]:.6f}", excess=f"{excess:.1e}")
    if not status:
        return final
    status_text = text(f"status.{run.status.replace(' ', '_')}")
    return text("describe.status", status=status_text, final=final)


def _plot(runs: list[Run], optimum: float, title: str, text: Text) -> Figure:
    fig = plot_loss_curve(
        {r.label: r.losses for r in runs},
        None,
        log_scale=True,
        title=title,
        xlabel=text("plot.step"),
    )
    ax = fig.axes[0]
    ax.axhline(optimum, color="grey", linestyle="--", linewidth=1, label=text("plot.optimum"))
    ax.legend(loc="best")
    ax.set_ylabel(text("plot.loss"))
    return fig


def _learning_rates(args: argparse.Namespace, lang: str) -> dict:
    text = texts("learning_rate", lang)
    x, y = linear_regression_data(50, w=2.0, b=-1.0, noise=0.1, seed=args.seed)
    X = x[:, None]
    optimum, hessian = least_squares(X, y)
    lam_max = float(np.linalg.eigvalsh(hessian).max())
    critical = 2.0 / lam_max
    print(
        text(
            "rates_intro",
            n=len(x),
            epochs=args.epochs,
            lam=f"{lam_max:.3f}",
            critical=f"{critical:.3f}",
        )
    )
    runs = []
    for kind, lr in zip(("small", "good", "large"), args.lrs):
        run = train_and_classify(
            f"lr = {lr:g}",
            X,
            y,
            lambda p, lr=lr: SGD(p, lr=lr),
            args.epochs,
            args.seed,
            optimum,
            key=f"lr = {lr:g}",
            lang=lang,
        )
        runs.append(run)
        print(
            text(
                "rate",
                kind=text(f"kind.{kind}"),
                lr=f"{lr:g}",
                times=f"{lr / critical:.3g}",
                describe=_describe(run, optimum, text),
            )
        )
    path = save_plot(
        lambda chosen: _plot(
            _relabel(runs, chosen),
            optimum,
            texts("learning_rate", chosen)("plot.rates_title"),
            texts("learning_rate", chosen),
        ),
        args.out / PICTURES[0],
        lang,
    )
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


#: The optimizers compared in the narrow valley: key -> (label message, its fields, factory).
OPTIMIZERS: dict[str, tuple[str, dict, Callable[[list], Optimizer]]] = {
    "SGD": ("label.sgd", {"lr": 0.5}, lambda p: SGD(p, lr=0.5)),
    "SGD + momentum 0.9": (
        "label.momentum",
        {"lr": 0.5, "momentum": 0.9},
        lambda p: SGD(p, lr=0.5, momentum=0.9),
    ),
    "Adam": ("label.adam", {"lr": 0.1}, lambda p: Adam(p, lr=0.1)),
    "RMSprop": ("label.rmsprop", {"lr": 0.1}, lambda p: RMSprop(p, lr=0.1)),
    "Adagrad": ("label.adagrad", {"lr": 1.0}, lambda p: Adagrad(p, lr=1.0)),
    "AdamW": (
        "label.adamw",
        {"lr": 0.1, "decay": 0.01},
        lambda p: AdamW(p, lr=0.1, weight_decay=0.01),
    ),
}


def _label(key: str, text: Text) -> str:
    """The label of an optimizer of :data:`OPTIMIZERS` or of a schedule, in ``text``'s language."""
    if key in OPTIMIZERS:
        message, fields, _ = OPTIMIZERS[key]
        return text(message, **{k: f"{v:g}" for k, v in fields.items()})
    if key.startswith("constant lr "):
        return text("label.constant", lr=key.removeprefix("constant lr "))
    return key  # "lr = 0.5", "StepLR(step_size=15, gamma=0.3)": the same in every language


def _relabel(runs: list[Run], lang: str) -> list[Run]:
    """The runs with their labels in ``lang`` (a picture may fall back to English)."""
    text = texts("learning_rate", lang)
    return [replace(r, label=_label(r.key, text)) if r.key else r for r in runs]


def _optimizers(args: argparse.Namespace, lang: str) -> dict:
    text = texts("learning_rate", lang)
    X, y = valley_data(50, args.seed)
    optimum, hessian = least_squares(X, y)
    eig = np.linalg.eigvalsh(hessian)
    print(
        text(
            "valley_intro",
            low=f"{eig[0]:.4f}",
            high=f"{eig[-1]:.3f}",
            condition=f"{eig[-1] / eig[0]:.0f}",
            epochs=args.optimizer_epochs,
        )
    )
    runs = []
    for key in ("SGD", "SGD + momentum 0.9", "Adam"):
        label = _label(key, text)
        make = OPTIMIZERS[key][2]
        run = train_and_classify(
            label, X, y, make, args.optimizer_epochs, args.seed, optimum, key=key, lang=lang
        )
        runs.append(run)
        print(f"   {rjust(label, 27)}: {_describe(run, optimum, text, status=False)}")
    path = save_plot(
        lambda chosen: _plot(
            _relabel(runs, chosen),
            optimum,
            texts("learning_rate", chosen)("plot.valley_title"),
            texts("learning_rate", chosen),
        ),
        args.out / PICTURES[1],
        lang,
    )
    return {
        "condition_number": float(eig[-1] / eig[0]),
        "optimum": optimum,
        "runs": runs,
        "plot": path,
    }


def steps_to_optimum(losses: list[float], optimum: float) -> int | None:
    """The first step (0-based) whose loss is within ``CONVERGED_WITHIN`` of ``optimum``, or
    ``None`` if none is."""
    for step, loss in enumerate(losses):
        if loss <= optimum * (1.0 + CONVERGED_WITHIN):
            return step
    return None


def train_with_schedule(
    label: str,
    X: np.ndarray,
    y: np.ndarray,
    lr: float,
    make_scheduler: Callable[[Optimizer], Any] | None,
    epochs: int,
    batch_size: int,
    seed: int | None,
) -> Run:
    """Mini-batch SGD on a linear neuron by MSE, its rate set by ``make_scheduler(optimizer)``
    once per epoch (``None``: constant).

    Returns:
        A :class:`Run` whose ``losses`` are the MSE on all of ``(X, y)`` after each epoch
        (mini-batch losses are too noisy to compare) and ``lrs`` the rate of each epoch.
    """
    neuron = Neuron(X.shape[1], activation="linear", seed=seed)
    optimizer = SGD(neuron.parameters(), lr=lr)
    scheduler = None if make_scheduler is None else make_scheduler(optimizer)
    run = Run(label)

    def record(epoch: int, history: History) -> None:
        state = neuron.state_dict()
        run.losses.append(float(np.mean((X @ state["weight"] + state["bias"] - y) ** 2)))

    callbacks = [record] if scheduler is None else [Schedule(scheduler), record]
    history = fit(
        neuron,
        X,
        y,
        mse_loss,
        optimizer,
        epochs,
        batch_size=batch_size,
        seed=seed,
        callbacks=callbacks,
    )
    run.lrs = list(history.lr)
    return run


def _table(rows: list[Run], optimum: float, unit: str, text: Text, first: int = 0) -> None:
    """Print each run's final loss, its excess and when it came within 1% of ``optimum``
    (``unit``: ``"steps"`` or ``"epochs"``; ``first``: the number of the first entry of
    ``losses``: step 0, epoch 1)."""
    print(
        f"   {'':>34} {rjust(text('table.final'), 12)} {rjust(text('table.excess'), 14)} "
        f"{rjust(text(f'table.{unit}'), 16)}"
    )
    for r in rows:
        reached = steps_to_optimum(r.losses, optimum)
        when = text("table.never") if reached is None else str(reached + first)
        excess = max(r.losses[-1] - optimum, 0.0)
        print(f"   {rjust(r.label, 34)} {r.losses[-1]:>12.6f} {excess:>14.2e} {rjust(when, 16)}")


def _plot_adaptive(
    optimizers: list[Run], schedules: list[Run], optimum: float, sched_optimum: float,
    text: Text,
) -> Figure:  # fmt: skip
    fig = Figure(figsize=(15, 4.8), layout="constrained")
    left, middle, right = fig.subplots(1, 3)
    for r in optimizers:
        left.semilogy(np.maximum(np.array(r.losses) - optimum, 1e-16), label=r.label)
    left.set(xlabel=text("plot.step"), ylabel=text("plot.excess"), title=text("plot.adaptive_left"))
    for r in schedules:
        epochs = np.arange(1, len(r.losses) + 1)
        middle.semilogy(
            epochs, np.maximum(np.array(r.losses) - sched_optimum, 1e-16), label=r.label
        )
        right.semilogy(np.arange(1, len(r.lrs) + 1), r.lrs, label=r.label)
    middle.set(
        xlabel=text("plot.epoch"), ylabel=text("plot.excess"), title=text("plot.adaptive_middle")
    )
    right.set(
        xlabel=text("plot.epoch"), ylabel=text("plot.rate"), title=text("plot.adaptive_right")
    )
    for ax in (left, middle, right):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend(loc="best", fontsize=8)
    fig.suptitle(text("plot.adaptive_title"))
    return fig


def _adaptive(args: argparse.Namespace, earlier: dict, lang: str) -> dict:
    text = texts("learning_rate", lang)
    X, y = valley_data(50, args.seed)
    optimum = earlier["optimum"]
    sgd, momentum, adam = earlier["runs"]
    print(text("adaptive_intro"))
    optimizer_runs = [sgd, momentum]
    for key in ("RMSprop", "Adagrad", "AdamW"):
        optimizer_runs.append(
            train_and_classify(
                _label(key, text),
                X,
                y,
                OPTIMIZERS[key][2],
                args.optimizer_epochs,
                args.seed,
                optimum,
                key=key,
                lang=lang,
            )
        )
    optimizer_runs.insert(4, adam)  # SGD, momentum, RMSprop, Adagrad, Adam, AdamW
    _table(optimizer_runs, optimum, "steps", text)
    # Schedules: a well-conditioned line, noisy targets, mini-batches of 5.
    x, y_line = linear_regression_data(50, w=2.0, b=-1.0, noise=0.3, seed=args.seed)
    X_line = x[:, None]
    line_optimum, _ = least_squares(X_line, y_line)
    epochs = args.schedule_epochs
    lr = 0.3
    schedules = {
        f"constant lr {lr:g}": None,
        "StepLR(step_size=15, gamma=0.3)": lambda o: StepLR(o, step_size=15, gamma=0.3),
        "ExponentialLR(gamma=0.93)": lambda o: ExponentialLR(o, gamma=0.93),
        f"CosineAnnealingLR(T_max={epochs})": lambda o: CosineAnnealingLR(o, T_max=epochs),
    }
    print(text("schedules_intro", lr=f"{lr:g}", n=len(x), epochs=epochs))
    schedule_runs = []
    for key, make in schedules.items():
        run = train_with_schedule(_label(key, text), X_line, y_line, lr, make, epochs, 5, args.seed)
        run.key = key
        schedule_runs.append(run)
    _table(schedule_runs, line_optimum, "epochs", text, first=1)
    path = save_plot(
        lambda chosen: _plot_adaptive(
            _relabel(optimizer_runs, chosen),
            _relabel(schedule_runs, chosen),
            optimum,
            line_optimum,
            texts("learning_rate", chosen),
        ),
        args.out / PICTURES[2],
        lang,
    )
    return {
        "optimum": optimum,
        "runs": {r.key: r for r in optimizer_runs},
        "schedule_optimum": line_optimum,
        "schedules": {r.key: r for r in schedule_runs},
        "plot": path,
    }


def run(args: argparse.Namespace) -> dict:
    """Run both comparisons, report how each run ended, draw the loss curves.

    Returns:
        ``{"learning_rates": {"critical_lr", "optimum", "runs": {lr: Run}, "plot"},
        "optimizers": {"condition_number", "optimum", "runs": [Run, Run, Run] (SGD, momentum,
        Adam), "plot"}, "adaptive": {"optimum", "runs": {"SGD", "SGD + momentum 0.9",
        "RMSprop", "Adagrad", "Adam", "AdamW": Run}, "schedule_optimum", "schedules":
        {key: Run} (``"constant lr 0.3"`` first, then StepLR, ExponentialLR,
        CosineAnnealingLR, keyed by their constructor calls), "plot"}, "lang", "plots":
        [paths]}``. Keys and statuses are the same in every language; labels and reasons are
        in the run's language.

    Raises:
        SystemExit: a bad option.
    """
    # argparse refuses these on the command line; a Namespace built in code is checked here.
    rates_ok = all(math.isfinite(lr) and lr > 0 for lr in args.lrs)
    if min(args.epochs, args.optimizer_epochs) < 1 or not rates_ok:
        raise SystemExit(
            f"micrograd-mlp {COMMAND}: error: epochs must be >= 1 and learning rates > 0 "
            f"(got --epochs {args.epochs}, --optimizer-epochs {args.optimizer_epochs}, "
            f"--lrs {args.lrs})"
        )
    lang = chosen_lang(args)
    rates = _learning_rates(args, lang)
    optimizers = _optimizers(args, lang)
    adaptive = _adaptive(args, optimizers, lang)
    plots = [rates["plot"], optimizers["plot"], adaptive["plot"]]
    print(texts("learning_rate", lang)("wrote", files=", ".join(str(p) for p in plots)))
    return {
        "learning_rates": rates,
        "optimizers": optimizers,
        "adaptive": adaptive,
        "lang": lang,
        "plots": plots,
    }
