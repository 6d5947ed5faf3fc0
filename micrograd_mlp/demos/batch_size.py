"""Batch size: full-batch, mini-batch and single-sample gradient descent on the same data.

The loss over the data set is an average, ``L = 1/N sum_i loss_i``, and so is its gradient.
Gradient descent can estimate that gradient from B of the N samples:

* ``B = N`` (full batch): the exact gradient, but one update per pass over the data;
* ``1 < B < N`` (mini-batch): a noisy but unbiased estimate, ``ceil(N / B)`` updates per epoch;
* ``B = 1`` (single sample, the original "stochastic" gradient descent): N noisy updates per
  epoch.

An epoch costs about the same arithmetic whatever B is (every sample goes forward and backward
once), so smaller batches make more, noisier, updates for the same work; per update, the full
batch is best, per epoch or per second small batches usually win, until their noise (and, on
real hardware, the lost parallelism of a big matrix product) takes over.

The demo trains the same MLP 1-16-1 (tanh, same initial weights) on the same noisy sine with
plain SGD at each batch size, measures the loss on the whole data set after every epoch, and
writes ``batch_size.png``: that loss against the number of updates (left) and against the
epochs (right). It prints the training time of each run too (the measurement of the loss is not
counted; times depend on the machine and on what else runs on it, so no picture is drawn from
them), and what the numbers show: after the full batch's updates, the mini-batch run's
loss after the same number of updates; every run's loss after the last epoch; and how much the
loss jumps from one epoch to the next (the spread of log(loss after / loss before) over the last
half of the epochs), largest for single samples. ``--lang ko`` prints and draws in Korean.
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from micrograd_mlp.data.toy import sine_regression_data
from micrograd_mlp.demos._output import Text, save_plot, texts
from micrograd_mlp.demos._predict import check_not_diverged, stop_on_divergence
from micrograd_mlp.demos.options import (
    UserError,
    chosen_lang,
    float_option,
    int_option,
    lang_option,
)
from micrograd_mlp.functional import mse_loss
from micrograd_mlp.nn import MLP
from micrograd_mlp.optim import SGD
from micrograd_mlp.training import History, fit

COMMAND = "batch-size"
HELP = "full-batch vs mini-batch vs single-sample gradient descent: updates per epoch, time"
BUILTIN_DATA = True
#: The files ``run`` writes under ``--out``.
PICTURES = ("batch_size.png",)


#: Upper bounds of the size options (the scalar engine; batch size 1 is one update per sample).
MAX_N, MAX_EPOCHS = 2_000, 1_000


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The demo's options: data size, batch sizes, epochs, learning rate."""
    parser.add_argument(
        "--n",
        type=int_option(2, MAX_N),
        default=60,
        help=f"samples N, 2 to {MAX_N:,} (default: 60)",
    )
    parser.add_argument(
        "--batch-sizes",
        type=int_option(1, MAX_N),
        nargs="+",
        default=None,
        metavar="B",
        help="batch sizes to compare, each in [1, N] (default: N, 8 and 1)",
    )
    parser.add_argument(
        "--epochs",
        type=int_option(1, MAX_EPOCHS),
        default=40,
        help=f"epochs per run, 1 to {MAX_EPOCHS:,} (default: 40)",
    )
    parser.add_argument(
        "--lr",
        type=float_option(0, exclusive_minimum=True),
        default=0.05,
        help="SGD's lr, > 0 (default: 0.05)",
    )
    lang_option(parser, "the text and the picture")


def updates_per_epoch(n: int, batch_size: int) -> int:
    """``ceil(n / batch_size)``: the number of batches (and updates) in one pass over ``n``
    samples, the last batch holding the ``n mod batch_size`` left over (if any)."""
    return math.ceil(n / batch_size)


def train_one(
    X: np.ndarray, y: np.ndarray, batch_size: int, epochs: int, lr: float, seed: int | None
) -> dict:
    """Train a fresh MLP 1-16-1 (tanh, seeded) with SGD at ``batch_size``; time it.

    Returns:
        ``{"history": the fit History, "loss": MSE on all of (X, y) after each epoch (list),
        "seconds": cumulative training time at the end of each epoch (list), "updates":
        cumulative updates at the end of each epoch (list)}``.
    """
    model = MLP(1, [16, 1], activation="tanh", seed=seed)
    rows = X.tolist()
    full_loss, seconds, updates = [], [], []
    measuring = 0.0  # time spent measuring the full-data loss, not counted as training
    start = time.perf_counter()

    def measure(epoch: int, history: History) -> None:
        nonlocal measuring
        begin = time.perf_counter()
        seconds.append(begin - start - measuring)
        updates.append(history.steps)
        full_loss.append(mse_loss([model(r) for r in rows], y).data)
        measuring += time.perf_counter() - begin

    history = fit(
        model,
        X,
        y,
        mse_loss,
        SGD(model.parameters(), lr=lr),
        epochs,
        batch_size=batch_size,
        seed=seed,
        callbacks=[measure],
    )
    return {"history": history, "loss": full_loss, "seconds": seconds, "updates": updates}


def jumpiness(losses: list[float]) -> float:
    """How much the loss jumps from one epoch to the next: the standard deviation of
    ``log(loss[e + 1] / loss[e])`` over the last half of the epochs (0 for a smooth descent;
    0.7 means typical jumps by a factor of about 2). NaN with fewer than 3 epochs in that half."""
    tail = np.log(np.asarray(losses[len(losses) // 2 :], dtype=np.float64))
    return float(np.std(np.diff(tail))) if len(tail) >= 3 else float("nan")


def _kind(b: int, n: int) -> str:
    return "full" if b == n else "single" if b == 1 else "mini"


def _plot(runs: dict, n: int, text: Text) -> Figure:
    fig = Figure(figsize=(11.0, 4.8), layout="constrained")
    by_updates, by_epoch = fig.subplots(1, 2, sharey=True)
    for b, r in runs.items():
        label = text("plot.label", b=b, updates=r["updates_per_epoch"])
        by_updates.plot(r["updates"], r["loss"], marker=".", label=label)
        by_epoch.plot(np.arange(1, len(r["loss"]) + 1), r["loss"], marker=".")
    by_updates.set(xscale="log", xlabel=text("plot.updates"), ylabel=text("plot.loss", n=n))
    by_updates.set_title(text("plot.per_update"))
    by_epoch.set(xlabel=text("plot.epoch"), title=text("plot.per_epoch"))
    by_epoch.xaxis.set_major_locator(MaxNLocator(integer=True))
    for ax in (by_updates, by_epoch):
        ax.set_yscale("log")
        ax.grid(alpha=0.3)
    fig.legend(loc="outside lower center", ncol=min(len(runs), 4))
    fig.suptitle(text("plot.title", n=n))
    return fig


def run(args: argparse.Namespace) -> dict:
    """Train at each batch size, report updates per epoch, final loss and time; draw.

    Returns:
        ``{"n": N, "runs": {B: {"updates_per_epoch": measured steps / epochs,
        "expected_updates_per_epoch": ceil(N / B), "updates": [...], "loss": [...],
        "seconds": [...], "step_losses": loss of every update, "jumpiness": see
        :func:`jumpiness`}}, "same_updates": (U, loss of the full batch after its U updates,
        {B: loss of run B after U updates}) for the runs that made U updates at the end of an
        epoch (None without a full-batch run), "lang", "plot": path}``.

    Raises:
        UserError: a batch size larger than ``--n``; a loss that stopped being finite (a
            too-large ``--lr``).
    """
    sizes = args.batch_sizes if args.batch_sizes is not None else [args.n, 8, 1]
    too_large = [b for b in sizes if b > args.n]
    if too_large:
        raise UserError(
            f"--batch-sizes must be at most --n = {args.n}; got {', '.join(map(str, too_large))}"
        )
    lang = chosen_lang(args)
    text = texts("batch_size", lang)
    x, y = sine_regression_data(args.n, noise=0.1, seed=args.seed)
    X = x[:, None]
    print(text("intro", n=args.n, lr=f"{args.lr:g}", epochs=args.epochs))
    runs = {}
    for b in sizes:
        with stop_on_divergence(text, "--lr", args.lr):
            r = train_one(X, y, b, args.epochs, args.lr, args.seed)
        history = r.pop("history")
        check_not_diverged(text, "--lr", args.lr, r["loss"])
        r["updates_per_epoch"] = history.steps // args.epochs
        r["expected_updates_per_epoch"] = updates_per_epoch(args.n, b)
        r["step_losses"] = history.loss
        r["jumpiness"] = jumpiness(r["loss"])
        runs[b] = r
        expected, rest = r["expected_updates_per_epoch"], args.n % b
        seconds = r["seconds"][-1]
        print(
            text(
                f"run_{_kind(b, args.n)}" + ("_rest" if rest else ""),
                b=b,
                n=args.n,
                batches=expected,
                rest=rest,
                measured=r["updates_per_epoch"],
                steps=history.steps,
                first=f"{r['loss'][0]:.4f}",
                last=f"{r['loss'][-1]:.4f}",
                epochs=args.epochs,
                seconds=f"{seconds:.2f}",
                us=f"{1e6 * seconds / history.steps:.0f}",
            )
        )
    same = None
    if args.n in runs:
        full = runs[args.n]
        budget = full["updates"][-1]
        others = {
            b: r["loss"][r["updates"].index(budget)]
            for b, r in runs.items()
            if b != args.n and budget in r["updates"]
        }
        same = (budget, full["loss"][-1], others)
        if others:
            best = full["loss"][-1] <= min(others.values())
            print(
                text(
                    "same_updates" if best else "same_updates_not_best",
                    updates=budget,
                    full=f"{full['loss'][-1]:.4f}",
                    others=", ".join(f"B = {b}: {v:.4f}" for b, v in others.items()),
                )
            )
        finals = ", ".join(f"B = {b}: {r['loss'][-1]:.4f}" for b, r in runs.items())
        smaller = [r["loss"][-1] for b, r in runs.items() if b < args.n]
        smaller_better = all(loss < full["loss"][-1] for loss in smaller)
        print(
            text(
                "per_epoch" if smaller_better else "per_epoch_mixed",
                epochs=args.epochs,
                finals=finals,
            )
        )
    jumps = ", ".join(f"B = {b}: {r['jumpiness']:.2f}" for b, r in runs.items())
    finite = {b: r["jumpiness"] for b, r in runs.items() if np.isfinite(r["jumpiness"])}
    smallest_jumps_most = len(finite) > 1 and max(finite, key=finite.get) == min(finite)
    print(text("jumps_smallest" if smallest_jumps_most else "jumps", jumps=jumps, b=min(runs)))
    path = save_plot(
        lambda chosen: _plot(runs, args.n, texts("batch_size", chosen)),
        args.out / PICTURES[0],
        lang,
    )
    print(text("wrote", path=path))
    return {"n": args.n, "runs": runs, "same_updates": same, "lang": lang, "plot": path}
