"""Seconds per training epoch of the vectorized engine on Fashion-MNIST, side by side with PyTorch.

The workload of issues 3 and 10: MLP 784-256-128-10, ReLU, cross-entropy, mini-batches of 128 of
the 60,000 training images (shuffled, seed 0), float32, 2 BLAS threads; Adam (lr 1e-3) and SGD
(momentum 0.9, lr 0.05). For each optimizer it prints the median seconds per epoch over
``--epochs`` epochs and the test accuracy after them, for

* our engine alone, in a child process that never imports torch: its peak RSS
  (``resource.getrusage``) is then the engine's own (torch's libraries alone take ~300 MiB);
* our engine, PyTorch and the *matmul bound* in one process, epochs interleaved (the order
  rotates every epoch, so all three see the same machine load), with the same initial weights
  and the same batches: the time ratios ours/torch and ours/bound, and the accuracy
  difference. Both training loops do the same bookkeeping (the loss as a Python float and
  the accuracy every step), as :func:`micrograd_mlp.training.run_epoch`, the epoch of ``fit``.
  The bound is the 8 matrix products of every training step alone (3 forward, 3 weight
  gradients, 2 input gradients; the first layer's input needs no gradient), computed with
  NumPy exactly as our ``linear`` op computes them (same shapes, transposes as views, same
  float32 arrays) over the epoch's batches: no NumPy engine can train an epoch faster.
  Two more parts are timed alone in the same rotation: drawing the epoch's batches (the
  loader) and the optimizer's update (``opt.step()`` on fixed gradients, as many steps as an
  epoch has). bound + loader + update is the *floor* of an epoch of this design (an engine
  with no other cost at all); it is printed next to the time the ours/torch target allows.

With ``--profile`` it also splits one Adam epoch of ours into its parts (loader, matrix
products, the rest of forward + backward, optimizer step).

Usage (the thread count is set here before NumPy is imported, so no variables are needed)::

    python benchmarks/tensor_epoch.py [--epochs 5] [--threads 2] [--profile] [--data-dir DIR]

The data: ``--data-dir``, else ``$MICROGRAD_MLP_DATA``, else ``../shared/data`` next to the
repository, else ``load_mnist``'s usual search (``micrograd-mlp train --download`` fetches it).
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
import functools  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from micrograd_mlp.data import DataLoader, load_mnist  # noqa: E402
from micrograd_mlp.metrics import accuracy  # noqa: E402
from micrograd_mlp.optim import SGD, Adam  # noqa: E402
from micrograd_mlp.tensor.functional import cross_entropy  # noqa: E402
from micrograd_mlp.tensor.nn import MLP  # noqa: E402
from micrograd_mlp.training import History, Run, evaluate, fit, run_epoch  # noqa: E402

SIZES = [256, 128, 10]
BATCH = 128
SEED = 0
OPTIMIZERS = {"adam": {"lr": 1e-3}, "sgd": {"lr": 0.05, "momentum": 0.9}}
#: Issue 10's targets: (ours / torch, ours / matmul bound) per optimizer, accuracy, memory.
TARGETS = {"adam": (0.55, 2.0), "sgd": (0.55, 1.7)}
ACCURACY_TOLERANCE = 0.005
PEAK_RSS_MIB = 150
#: What the side-by-side run times each epoch, in rotating order: our epoch, PyTorch's, the
#: matmul bound, and the two parts no NumPy engine can skip besides the products (drawing the
#: batches, the optimizer's update): bound + loader + update is the *floor* of an epoch.
RUNS = ("ours", "torch", "bound", "loader", "update")


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
        history = fit(
            model, loader(X, y), loss_fn=cross_entropy, optimizer=opt, epochs=args.epochs,
            metric=accuracy,
        )  # fmt: skip
        result[name] = {"seconds": history.seconds, "accuracy": test_accuracy(model, test)}
    result["peak_rss_mib"] = peak_rss_mib()
    return result


def test_accuracy(model, test: DataLoader) -> float:
    return evaluate(model, test, cross_entropy, accuracy).metric


def ours_epoch(model, opt, batches: DataLoader, epoch: int) -> float:
    """Seconds of epoch ``epoch`` of fit's loop (``run_epoch``: the loader's batches of that
    epoch, forward, loss, finite-loss check, backward, step, loss and accuracy per step)."""
    run = Run(
        model=model, loss_fn=cross_entropy, optimizer=opt, data=batches, epochs=epoch + 1,
        history=History(metric_name="accuracy"), batched=True, metric=accuracy, epoch=epoch,
    )  # fmt: skip
    run_epoch(run)
    return run.history.seconds[-1]


def bound_epoch(model, batches: DataLoader, epoch: int) -> float:
    """Seconds of the 8 matrix products of every step of epoch ``epoch``, and nothing else.

    The products are those of ``micrograd_mlp.tensor.fused.Linear`` (forward ``x @ W.T``,
    weight gradient ``g.T @ x``, input gradient ``g @ W``, the transposes as views) on the
    epoch's batches and the model's current weights; activations of the right shapes stand in
    for the gradients (a dense product's time does not depend on the numbers). Loading the
    batches is not timed.
    """
    W = [layer.weight.data for layer in model.layers]
    batches.set_epoch(epoch)
    total = 0.0
    for x, _ in batches:
        start = time.perf_counter()
        h1 = np.matmul(x, W[0].T)  # forward: (128, 784) @ (784, 256)
        h2 = np.matmul(h1, W[1].T)  # (128, 256) @ (256, 128)
        out = np.matmul(h2, W[2].T)  # (128, 128) @ (128, 10)
        np.matmul(out.T, h2)  # weight gradients g^T x: (10, 128)
        np.matmul(h2.T, h1)  # (128, 256)
        np.matmul(h1.T, x)  # (256, 784)
        np.matmul(out, W[2])  # input gradients g W: (128, 128)
        np.matmul(h2, W[1])  # (128, 256)
        total += time.perf_counter() - start
    return total


def loader_epoch(batches: DataLoader, epoch: int) -> float:
    """Seconds to draw the epoch's batches alone (shuffle, gather, uint8 -> float32)."""
    batches.set_epoch(epoch)
    start = time.perf_counter()
    for _ in batches:
        pass
    return time.perf_counter() - start


def update_epoch(opt, steps: int, epoch: int) -> float:
    """Seconds of ``steps`` optimizer updates alone (``opt.step()`` on fixed gradients).

    ``opt`` is an optimizer of the benchmark's kind over a model of its own whose gradients
    were set once: the same arrays, dtype and number of passes as in training (an update's
    time does not depend on the numbers, as long as none is subnormal).
    """
    start = time.perf_counter()
    for _ in range(steps):
        opt.step()
    return time.perf_counter() - start


def update_only(name: str):
    """A fresh model and optimizer of kind ``name`` whose parameters all have a gradient."""
    model, opt = ours(name)
    rng = np.random.default_rng(SEED)
    for p in model.parameters():
        p.grad = (rng.standard_normal(p.data.shape) * 1e-2).astype(p.data.dtype)
    return opt


def side_by_side(args, torch) -> dict:
    """Ours, PyTorch and the matmul bound in one process, epoch by epoch in rotating order."""
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
        # the same batches for all three
        ours_loader, torch_loader, bound_loader = loader(X, y), loader(X, y), loader(X, y)

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

        seconds: dict[str, list[float]] = {w: [] for w in RUNS}
        steps = len(ours_loader)
        runs = {
            "ours": functools.partial(ours_epoch, model, opt, ours_loader),
            "torch": torch_epoch,
            "bound": functools.partial(bound_epoch, model, bound_loader),
            "loader": functools.partial(loader_epoch, loader(X, y)),
            "update": functools.partial(update_epoch, update_only(name), steps),
        }
        names = list(runs)
        for epoch in range(args.epochs):
            k = epoch % len(names)  # rotate: each goes first, second and third in turn
            for who in names[k:] + names[:k]:
                seconds[who].append(runs[who](epoch))
        with torch.no_grad():
            logits = net(torch.from_numpy(Xt.reshape(len(Xt), -1).astype(np.float32) / 255))
            torch_acc = float((logits.argmax(dim=1).numpy() == yt).mean())
        result[name] = {
            **{f"{w}_seconds": seconds[w] for w in RUNS},
            "ours_accuracy": test_accuracy(model, test),
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
        "matrix products alone (8 per step)": bound_epoch(model, loader(X, y), 0),
        "forward + backward (ours)": timed(forward_backward),
        "Adam steps alone": timed(optimizer_steps),
        "whole epoch from pre-made batches": timed(full_epoch),
    }
    print(f"\nprofile of one Adam epoch ({len(batches)} steps), seconds:")
    for part, seconds in parts.items():
        print(f"  {part:<40} {seconds:6.3f}")


def _met(ok: bool) -> str:
    return "met" if ok else "NOT met"


def blas_info() -> str:
    """NumPy's BLAS library, version, CPU kernel and threads (threadpoolctl, if installed)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return f"numpy {np.__version__} (install threadpoolctl to name its BLAS)"
    blas = [i for i in threadpool_info() if i.get("user_api") == "blas"]
    names = ", ".join(
        f"{i.get('internal_api')} {i.get('version')} ({i.get('architecture')} kernels, "
        f"{i.get('num_threads')} threads)"
        for i in blas
    )
    return f"numpy {np.__version__} with {names or 'no BLAS found'}"


def report_side_by_side(both: dict, torch_version: str) -> None:
    """Print the side-by-side medians, ratios, accuracies and targets."""
    print(
        f"\nside by side with PyTorch {torch_version} (same weights, same batches) and the matmul"
        " bound (the 8 products of each step alone), median s/epoch:"
    )
    print(
        "  optimizer    ours   torch   bound  ours/torch  ours/bound  ours acc  torch acc   diff"
    )
    verdicts = []
    for name in OPTIMIZERS:
        r = both[name]
        o, t, b = (statistics.median(r[f"{w}_seconds"]) for w in ("ours", "torch", "bound"))
        diff = r["ours_accuracy"] - r["torch_accuracy"]
        print(
            f"  {name:<9}  {o:6.3f}  {t:6.3f}  {b:6.3f}  {o / t:10.2f}  {o / b:10.2f}"
            f"  {r['ours_accuracy']:8.4f}  {r['torch_accuracy']:9.4f}  {diff:+.4f}"
        )
        max_torch, max_bound = TARGETS[name]
        verdicts.append(
            f"  {name}: ours/torch {o / t:.2f} <= {max_torch} {_met(o / t <= max_torch)}; "
            f"ours/bound {o / b:.2f} <= {max_bound} {_met(o / b <= max_bound)}; accuracy "
            f"difference {diff:+.4f} within {ACCURACY_TOLERANCE} "
            f"{_met(abs(diff) <= ACCURACY_TOLERANCE)}"
        )
    print(f"  peak RSS of this process (ours + torch): {both['peak_rss_mib']:.0f} MiB")
    for name in OPTIMIZERS:
        r = both[name]
        triples = zip(r["ours_seconds"], r["torch_seconds"], r["bound_seconds"])
        print(
            f"  {name} epochs (ours/torch/bound s): "
            + ", ".join(f"{o:.3f}/{t:.3f}/{b:.3f}" for o, t, b in triples)
        )
    print("targets (issue 10):")
    print("\n".join(verdicts))
    print(
        "floor of an epoch (medians of parts timed alone in this run: matmul bound + loader +"
        " the optimizer's update), against the time the ours/torch target allows:"
    )
    for name in OPTIMIZERS:
        r = both[name]
        bound, load, update, t = (
            statistics.median(r[f"{w}_seconds"]) for w in ("bound", "loader", "update", "torch")
        )
        floor, allowed = bound + load + update, TARGETS[name][0] * t
        print(
            f"  {name}: floor {bound:.3f} + {load:.3f} + {update:.3f} = {floor:.3f} s;"
            f" {TARGETS[name][0]} x torch = {allowed:.3f} s: "
            + ("reachable" if floor < allowed else "below the floor, unreachable by this design")
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2, help="BLAS (and torch) threads")
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--no-torch", action="store_true", help="skip the PyTorch comparison")
    parser.add_argument("--profile", action="store_true", help="split an epoch into its parts")
    parser.add_argument("--alone", action="store_true", help=argparse.SUPPRESS)  # child mode
    args = parser.parse_args()
    if args.data_dir is None and not os.environ.get("MICROGRAD_MLP_DATA"):
        shared = Path(__file__).resolve().parents[1].parent / "shared" / "data"
        args.data_dir = shared if shared.is_dir() else None
    if args.alone:
        print(json.dumps(run_ours_alone(args)))
        return 0

    print(
        f"{time.strftime('%Y-%m-%d %H:%M %Z')}: Fashion-MNIST, MLP 784-{'-'.join(map(str, SIZES))},"
        f" ReLU, batch {BATCH}, float32, {THREADS} threads, {args.epochs} epochs per optimizer"
    )
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores; {blas_info()}")
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
    rss = alone["peak_rss_mib"]
    print(f"  peak RSS {rss:.0f} MiB (target <= {PEAK_RSS_MIB} MiB: {_met(rss <= PEAK_RSS_MIB)})")

    torch = None
    if not args.no_torch:
        try:
            import torch
        except ImportError:
            print("\nPyTorch is not installed: no side-by-side comparison")
    if torch is not None:
        report_side_by_side(side_by_side(args, torch), torch.__version__)
    if args.profile:
        profile(args)
    print(f"\nload average {os.getloadavg()[0]:.2f} after the run")
    return 0


if __name__ == "__main__":
    sys.exit(main())
