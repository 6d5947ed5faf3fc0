"""Seconds per training epoch of the vectorized engine on Fashion-MNIST, side by side with PyTorch.

The workload of issue 3: MLP 784-256-128-10, ReLU, cross-entropy, mini-batches of 128 of the
60,000 training images (shuffled, seed 0), float32, 2 BLAS threads; Adam (lr 1e-3) and SGD
(momentum 0.9, lr 0.05). For each optimizer it prints the median seconds per epoch over
``--epochs`` epochs and the test accuracy after them, for

* our engine alone, in a child process that never imports torch: its peak RSS
  (``resource.getrusage``) is then the engine's own (torch's libraries alone take ~300 MiB);
* our engine and PyTorch in one process, epochs interleaved (so both see the same machine
  load), with the same initial weights and the same batches: the time ratio ours/torch and
  the accuracy difference. Both loops do the same bookkeeping (the loss as a Python float and
  the count of correct predictions every step), as :func:`micrograd_mlp.tensor.train.train_epoch`.

With ``--profile`` it also splits one Adam epoch of ours into its parts (loader, matrix
products, the rest of forward + backward, optimizer step).

Usage (the thread count is set here before NumPy is imported, so no variables are needed)::

    python benchmarks/tensor_epoch.py [--epochs 5] [--threads 2] [--profile] [--data-dir DIR]
"""

from __future__ import annotations

import os
import sys


def _threads_from_argv(default: int = 2) -> int:
    if "--threads" in sys.argv[1:-1]:
        return int(sys.argv[sys.argv.index("--threads") + 1])
    return default


# BLAS sizes its thread pool when it is loaded, i.e. when NumPy is first imported.
THREADS = _threads_from_argv()
for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_variable] = str(THREADS)

import argparse  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from micrograd_mlp.data import DataLoader, load_mnist  # noqa: E402
from micrograd_mlp.optim import SGD, Adam  # noqa: E402
from micrograd_mlp.tensor.functional import cross_entropy  # noqa: E402
from micrograd_mlp.tensor.nn import MLP  # noqa: E402
from micrograd_mlp.tensor.train import evaluate, train_epoch  # noqa: E402

SIZES = [256, 128, 10]
BATCH = 128
SEED = 0
OPTIMIZERS = {"adam": {"lr": 1e-3}, "sgd": {"lr": 0.05, "momentum": 0.9}}
TARGETS = "targets: ours/torch <= 0.8 for both, |accuracy difference| <= 0.005, peak RSS < 400 MiB"


def load(data_dir: Path | None):
    X, y = load_mnist("fashion-mnist", "train", root=data_dir)
    Xt, yt = load_mnist("fashion-mnist", "test", root=data_dir)
    return X, y, Xt, yt


def peak_rss_mib() -> float:
    """Peak resident set size of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def ours(name: str):
    model = MLP(784, SIZES, seed=SEED)
    cls = Adam if name == "adam" else SGD
    return model, cls(model.parameters(), **OPTIMIZERS[name])


def loader(X, y) -> DataLoader:
    return DataLoader(X, y, BATCH, shuffle=True, seed=SEED)


def run_ours_alone(args) -> dict:
    """Our engine only (no torch in this process): seconds per epoch, accuracy, peak RSS."""
    X, y, Xt, yt = load(args.data_dir)
    test = DataLoader(Xt, yt, 1000)
    result = {}
    for name in OPTIMIZERS:
        model, opt = ours(name)
        train = loader(X, y)
        seconds = []
        for epoch in range(args.epochs):
            train.set_epoch(epoch)
            seconds.append(train_epoch(model, opt, train, epoch=epoch, progress=False).seconds)
        result[name] = {"seconds": seconds, "accuracy": evaluate(model, test).accuracy}
    result["peak_rss_mib"] = peak_rss_mib()
    return result


def ours_epoch(model, opt, batches: DataLoader, epoch: int) -> float:
    batches.set_epoch(epoch)
    return train_epoch(model, opt, batches, epoch=epoch, progress=False).seconds


def side_by_side(args, torch) -> dict:
    """Ours and PyTorch in one process, epoch by epoch in alternating order."""
    torch.set_num_threads(THREADS)
    X, y, Xt, yt = load(args.data_dir)
    test = DataLoader(Xt, yt, 1000)
    result = {}
    for name, hyper in OPTIMIZERS.items():
        model, opt = ours(name)
        layers = []
        for i, size in enumerate(SIZES):
            linear = torch.nn.Linear(model.layers[i].nin, size)
            with torch.no_grad():  # the same initial weights
                linear.weight.copy_(torch.from_numpy(model.layers[i].weight.data))
                linear.bias.copy_(torch.from_numpy(model.layers[i].bias.data))
            layers += [linear, torch.nn.ReLU()]
        net = torch.nn.Sequential(*layers[:-1])
        if name == "adam":
            topt = torch.optim.Adam(net.parameters(), **hyper)
        else:
            topt = torch.optim.SGD(net.parameters(), **hyper)
        ours_loader, torch_loader = loader(X, y), loader(X, y)  # the same batches

        def torch_epoch(epoch: int, net=net, topt=topt, batches=torch_loader) -> float:
            batches.set_epoch(epoch)
            loss_sum, correct = 0.0, 0
            start = time.perf_counter()
            for xb, yb in batches:
                x, t = torch.from_numpy(xb), torch.from_numpy(yb)
                logits = net(x)
                loss = torch.nn.functional.cross_entropy(logits, t)
                value = loss.item()
                topt.zero_grad()
                loss.backward()
                topt.step()
                loss_sum += value * len(yb)
                correct += int((logits.argmax(dim=1) == t).sum())
            return time.perf_counter() - start

        ours_s, torch_s = [], []
        for epoch in range(args.epochs):
            run_ours = (model, opt, ours_loader, epoch)
            if epoch % 2 == 0:
                ours_s.append(ours_epoch(*run_ours))
                torch_s.append(torch_epoch(epoch))
            else:
                torch_s.append(torch_epoch(epoch))
                ours_s.append(ours_epoch(*run_ours))
        with torch.no_grad():
            logits = net(torch.from_numpy(Xt.reshape(len(Xt), -1).astype(np.float32) / 255))
            torch_acc = float((logits.argmax(dim=1).numpy() == yt).mean())
        result[name] = {
            "ours_seconds": ours_s,
            "torch_seconds": torch_s,
            "ours_accuracy": evaluate(model, test).accuracy,
            "torch_accuracy": torch_acc,
        }
    result["peak_rss_mib"] = peak_rss_mib()
    return result


def profile(args) -> None:
    """Where one Adam epoch's time goes, each part timed alone over the epoch's batches."""
    X, y, _, _ = load(args.data_dir)
    model, opt = ours("adam")
    batches = list(loader(X, y))

    def timed(fn) -> float:
        start = time.perf_counter()
        fn()
        return time.perf_counter() - start

    def load_only():
        for _ in loader(X, y):
            pass

    def matmuls_only():
        # The 8 products of a step: 3 forward, 3 weight gradients, 2 input gradients.
        W = [layer.weight.data for layer in model.layers]
        for x, _ in batches:
            h1 = x @ W[0].T
            h2 = h1 @ W[1].T
            out = h2 @ W[2].T
            _ = out.T @ h2, h2.T @ h1, h1.T @ x, out @ W[2], h2 @ W[1]

    def forward_backward():
        for x, t in batches:
            loss = cross_entropy(model(x), t)
            opt.zero_grad()
            loss.backward()

    def optimizer_steps():
        for _ in batches:
            opt.step()

    def full_epoch():
        for x, t in batches:
            logits = model(x)
            loss = cross_entropy(logits, t)
            float(loss.data)
            opt.zero_grad()
            loss.backward()
            opt.step()
            int(np.count_nonzero(logits.data.argmax(axis=1) == t))

    full_epoch()  # warm up, and leave gradients in place for optimizer_steps
    parts = {
        "loader (batches, uint8 -> float32)": timed(load_only),
        "matrix products alone (8 per step)": timed(matmuls_only),
        "forward + backward (ours)": timed(forward_backward),
        "Adam steps alone": timed(optimizer_steps),
        "whole epoch from pre-made batches": timed(full_epoch),
    }
    print(f"\nprofile of one Adam epoch ({len(batches)} steps), seconds:")
    for part, seconds in parts.items():
        print(f"  {part:<40} {seconds:6.3f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2, help="BLAS (and torch) threads")
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--no-torch", action="store_true", help="skip the PyTorch comparison")
    parser.add_argument("--profile", action="store_true", help="split an epoch into its parts")
    parser.add_argument("--alone", action="store_true", help=argparse.SUPPRESS)  # child mode
    args = parser.parse_args()
    if args.data_dir is None:
        shared = Path(__file__).resolve().parents[1].parent / "shared" / "data"
        args.data_dir = shared if shared.is_dir() else None
    if args.alone:
        print(json.dumps(run_ours_alone(args)))
        return 0

    print(
        f"Fashion-MNIST, MLP 784-{'-'.join(map(str, SIZES))}, ReLU, batch {BATCH}, float32, "
        f"{THREADS} threads, {args.epochs} epochs per optimizer; numpy {np.__version__}"
    )
    # Other processes competing for the cores make BLAS threads wait for each other: a load
    # above (cores - threads) before the run means the figures below are not worth much.
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores before the run")
    child = [sys.executable, __file__, "--alone", "--epochs", str(args.epochs)]
    child += ["--threads", str(THREADS)]
    if args.data_dir is not None:
        child += ["--data-dir", str(args.data_dir)]
    alone = json.loads(subprocess.run(child, check=True, capture_output=True, text=True).stdout)
    print("\nours alone (a process without torch):")
    for name in OPTIMIZERS:
        r = alone[name]
        print(
            f"  {name:<5} median {statistics.median(r['seconds']):.3f} s/epoch "
            f"(epochs: {', '.join(f'{s:.3f}' for s in r['seconds'])}), "
            f"test accuracy {r['accuracy']:.4f}"
        )
    print(f"  peak RSS {alone['peak_rss_mib']:.0f} MiB")

    torch = None
    if not args.no_torch:
        try:
            import torch
        except ImportError:
            print("\nPyTorch is not installed: no side-by-side comparison")
    if torch is not None:
        both = side_by_side(args, torch)
        print(f"\nside by side with PyTorch {torch.__version__} (same weights, same batches):")
        print("  optimizer  ours s/epoch  torch s/epoch  ours/torch  ours acc  torch acc   diff")
        for name in OPTIMIZERS:
            r = both[name]
            o, t = statistics.median(r["ours_seconds"]), statistics.median(r["torch_seconds"])
            diff = r["ours_accuracy"] - r["torch_accuracy"]
            print(
                f"  {name:<9}  {o:12.3f}  {t:13.3f}  {o / t:10.2f}  {r['ours_accuracy']:8.4f}"
                f"  {r['torch_accuracy']:9.4f}  {diff:+.4f}"
            )
        print(f"  peak RSS of this process (ours + torch): {both['peak_rss_mib']:.0f} MiB")
        for name in OPTIMIZERS:
            # The fastest epoch of each is the least disturbed by other processes.
            o, t = min(both[name]["ours_seconds"]), min(both[name]["torch_seconds"])
            pairs = zip(both[name]["ours_seconds"], both[name]["torch_seconds"])
            print(f"  {name} fastest epochs: ours {o:.3f} s, torch {t:.3f} s, ratio {o / t:.2f}")
            print(
                f"  {name} epochs (ours/torch s): "
                + ", ".join(f"{o:.3f}/{t:.3f}" for o, t in pairs)
            )
        print(f"  {TARGETS}")
    if args.profile:
        profile(args)
    print(f"\nload average {os.getloadavg()[0]:.2f} after the run")
    return 0


if __name__ == "__main__":
    sys.exit(main())
