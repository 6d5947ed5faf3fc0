"""Test accuracy of ``micrograd-mlp train`` with its defaults, over several seeds.

Runs the command once per seed (each in a child process with its own output folder, ``--jobs``
at a time, each with ``--threads`` BLAS threads) and prints, per seed, the test accuracy after
the last epoch, the train accuracy of the last epoch and the median epoch time, then the
smallest and the median accuracy; first the date, the cores, NumPy and its BLAS.

    python benchmarks/train_accuracy.py --dataset fashion-mnist --seeds 0 1 2 --jobs 2
    python benchmarks/train_accuracy.py --dataset mnist --seeds 0 1 2
    python benchmarks/train_accuracy.py --seeds 0 -- --dropout 0.2   # options for train
    python benchmarks/train_accuracy.py --time "512 256" "2048 256"  # epoch times, in turn

``--time`` trains one epoch of each network in turn, in this process (the command's defaults
otherwise: Adam, dropout 0.3, standardized inputs, batches of 64, one BLAS thread), three times
over, and prints the median epoch time of each and their ratio.

The data is found as the command finds it (``--data-dir``, ``$MICROGRAD_MLP_DATA``, ...).
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_info

from micrograd_mlp.training import load_checkpoint

COMMAND = [sys.executable, "-m", "micrograd_mlp"]


def machine() -> str:
    """Date, cores, Python, NumPy and its BLAS, in one line."""
    blas = [
        f"{i.get('internal_api')} {i.get('version')} ({i.get('architecture')}, "
        f"{i.get('num_threads')} threads)"
        for i in threadpool_info()
        if i.get("user_api") == "blas"
    ]
    return (
        f"{datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}; {os.cpu_count()} cores "
        f"({platform.machine()}, {platform.system()}); load average "
        f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}; Python {platform.python_version()}, "
        f"NumPy {np.__version__} with {', '.join(blas) or 'no BLAS found'}"
    )


def one_seed(seed: int, args: argparse.Namespace, extra: list[str]) -> dict:
    """Train with ``--seed seed`` in a child process; the figures of its checkpoint."""
    with tempfile.TemporaryDirectory(prefix="train-accuracy-") as out:
        argv = [*COMMAND, "train", "--dataset", args.dataset, "--epochs", str(args.epochs),
                "--seed", str(seed), "--threads", str(args.threads), "--quiet", "--out", out]
        if args.data_dir:
            argv += ["--data-dir", args.data_dir]
        start = time.perf_counter()
        done = subprocess.run([*argv, *extra], capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise SystemExit(f"seed {seed}: train failed:\n{done.stderr}")
        h = load_checkpoint(Path(out) / "run-1" / "checkpoint.npz").history
    return {
        "seed": seed,
        "test": h["test_metric"][-1],
        "train": h["epoch_metric"][-1],
        "epoch_seconds": statistics.median(h["seconds"]),
        "minutes": (time.perf_counter() - start) / 60,
    }


def epoch_times(hiddens: list[list[int]], args: argparse.Namespace, repeats: int = 3) -> None:
    """One Fashion-MNIST epoch of each network in turn, ``repeats`` times; medians and ratios."""
    from threadpoolctl import threadpool_limits

    from micrograd_mlp.data import DataLoader, load_mnist
    from micrograd_mlp.demos.mnist import INPUT_STATS
    from micrograd_mlp.optim import Adam
    from micrograd_mlp.tensor.functional import cross_entropy
    from micrograd_mlp.tensor.nn import MLP
    from micrograd_mlp.training import fit
    from micrograd_mlp.training.batches import Standardized

    X, y = load_mnist(args.dataset, "train", root=args.data_dir)
    seconds: dict[str, list[float]] = {" ".join(map(str, h)): [] for h in hiddens}
    with threadpool_limits(limits=args.threads, user_api="blas"):
        for _ in range(repeats):
            for hidden in hiddens:
                model = MLP(784, [*hidden, 10], seed=0, dropout=0.3)
                loader = Standardized(DataLoader(X, y, 64, shuffle=True, seed=0),
                                      *INPUT_STATS[args.dataset])  # fmt: skip
                history = fit(model, loader, loss_fn=cross_entropy, epochs=1,
                              optimizer=Adam(model.parameters(), lr=1e-3))  # fmt: skip
                seconds[" ".join(map(str, hidden))].append(history.seconds[0])
    first = statistics.median(next(iter(seconds.values())))
    for name, values in seconds.items():
        median = statistics.median(values)
        print(f"--hidden {name:<10} epoch {median:6.1f} s (median of {len(values)}: "
              f"{', '.join(f'{v:.1f}' for v in values)}), {median / first:.2f} x the first")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", choices=("fashion-mnist", "mnist"), default="fashion-mnist")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads per run")
    parser.add_argument("--jobs", type=int, default=1, help="runs at the same time")
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--time", nargs="+", default=None, metavar="HIDDEN",
                        help='time one epoch of each network, e.g. "512 256" "2048 256"')
    args, extra = parser.parse_known_args()
    extra = [a for a in extra if a != "--"]
    print(machine())
    if args.time:
        epoch_times([[int(n) for n in h.split()] for h in args.time], args)
        return
    print(f"micrograd-mlp train --dataset {args.dataset} --epochs {args.epochs} --threads "
          f"{args.threads} --seed S {' '.join(extra)}".rstrip(), flush=True)  # fmt: skip
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        results = list(pool.map(lambda s: one_seed(s, args, extra), args.seeds))
    print(f"{'seed':>4}  {'test accuracy':>13}  {'train accuracy':>14}  {'epoch (median)':>14}")
    for r in results:
        print(f"{r['seed']:>4}  {r['test']:>13.4f}  {r['train']:>14.4f}  "
              f"{r['epoch_seconds']:>12.1f} s   ({r['minutes']:.1f} min in all)")  # fmt: skip
    tests = [r["test"] for r in results]
    print(f"smallest {min(tests):.4f}, median {statistics.median(tests):.4f} over "
          f"{len(tests)} seeds; finished {datetime.datetime.now().astimezone():%H:%M}")


if __name__ == "__main__":
    main()
