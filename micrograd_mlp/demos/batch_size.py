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
training time in seconds (right; the measurement itself is not counted).
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
from matplotlib.figure import Figure

from micrograd_mlp.data.toy import sine_regression_data
from micrograd_mlp.demos.options import UserError, float_option, int_option
from micrograd_mlp.functional import mse_loss
from micrograd_mlp.nn import MLP
from micrograd_mlp.optim import SGD
from micrograd_mlp.training import History, fit
from micrograd_mlp.viz.plots import save_figure

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


def _plot(runs: dict, n: int) -> Figure:
    fig = Figure(figsize=(11.0, 4.2), layout="constrained")
    by_updates, by_time = fig.subplots(1, 2, sharey=True)
    for b, r in runs.items():
        label = (
            f"B = {b} ({r['updates_per_epoch']} update{'s' * (r['updates_per_epoch'] > 1)}/epoch)"
        )
        by_updates.plot(r["updates"], r["loss"], marker=".", label=label)
        by_time.plot(r["seconds"], r["loss"], marker=".", label=label)
    by_updates.set(xscale="log", xlabel="updates (log scale)", ylabel="MSE on all N samples")
    by_time.set(xlabel="training time (s)")
    for ax in (by_updates, by_time):
        ax.set_yscale("log")
        ax.grid(alpha=0.3)
        ax.legend(loc="upper right")
    fig.suptitle(f"Gradient descent on N = {n} samples, one point per epoch")
    return fig


def run(args: argparse.Namespace) -> dict:
    """Train at each batch size, report updates per epoch, final loss and time; draw.

    Returns:
        ``{"n": N, "runs": {B: {"updates_per_epoch": measured steps / epochs,
        "expected_updates_per_epoch": ceil(N / B), "updates": [...], "loss": [...],
        "seconds": [...], "step_losses": loss of every update}}, "plot": path}``.

    Raises:
        UserError: a batch size larger than ``--n``.
    """
    sizes = args.batch_sizes if args.batch_sizes is not None else [args.n, 8, 1]
    too_large = [b for b in sizes if b > args.n]
    if too_large:
        raise UserError(
            f"--batch-sizes must be at most --n = {args.n}; got {', '.join(map(str, too_large))}"
        )
    x, y = sine_regression_data(args.n, noise=0.1, seed=args.seed)
    X = x[:, None]
    print(
        f"MLP 1-16-1 (tanh) on {args.n} noisy points of sin(x), plain SGD (lr {args.lr:g}), "
        f"{args.epochs} epochs each.\nUpdates per epoch = ceil(N / B):"
    )
    runs = {}
    for b in sizes:
        r = train_one(X, y, b, args.epochs, args.lr, args.seed)
        history = r.pop("history")
        r["updates_per_epoch"] = history.steps // args.epochs
        r["expected_updates_per_epoch"] = updates_per_epoch(args.n, b)
        r["step_losses"] = history.loss
        runs[b] = r
        expected, rest = r["expected_updates_per_epoch"], args.n % b
        batches = f"{expected} batch{'es' * (expected > 1)}"
        if rest:
            batches += f", the last of {rest}"
        kind = "full batch" if b == args.n else "single sample" if b == 1 else "mini-batch"
        seconds = r["seconds"][-1]
        print(
            f"  B = {b:>4} ({kind}): ceil({args.n}/{b}) = {batches}; measured "
            f"{r['updates_per_epoch']} updates/epoch, {history.steps} in all;\n"
            f"{'':13}loss on all data {r['loss'][0]:.4f} after epoch 1 -> {r['loss'][-1]:.4f} "
            f"after {args.epochs} ({seconds:.2f} s, {1e6 * seconds / history.steps:.0f} us/update)"
        )
    print(
        "Per update the full batch is best (exact gradient); per epoch and per second, more,\n"
        "noisier updates get further, until their noise sets a floor (single sample)."
    )
    path = save_figure(_plot(runs, args.n), args.out / PICTURES[0])
    print(f"wrote {path}")
    return {"n": args.n, "runs": runs, "plot": path}
