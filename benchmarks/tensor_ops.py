"""Per-step cost of the vectorized engine on an MNIST-shaped MLP, against its matmuls alone.

Times one training step of ``MLP(784, [256, 128, 10])`` (ReLU, fused cross-entropy, batch 128,
float32, random data): forward + backward alone, forward only under ``no_grad``, and forward +
backward + an optimizer step (the shared ``micrograd_mlp.optim`` SGD with momentum and Adam).
Compares them with

* the bare NumPy matrix products a step needs (3 forward, 3 weight gradients, 2 input
  gradients: the input batch needs none), the floor for any NumPy engine;
* the same model, batch, initial weights and optimizers in PyTorch, when it is installed.

The cases are timed in interleaved rounds (a block of steps of each case per round), and each
figure is the median over rounds, so a burst of load from other processes hits every case
alike instead of ruining one of them; PyTorch's cases run as a second such phase.
Run with the thread counts of the reference machines::

    OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2 python benchmarks/tensor_ops.py [--rounds 40]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np

from micrograd_mlp.optim import SGD, Adam
from micrograd_mlp.tensor import MLP, no_grad
from micrograd_mlp.tensor.functional import cross_entropy

STEPS_PER_EPOCH = 60_000 / 128  # Fashion-MNIST training split, batch 128
SIZES = [256, 128, 10]


def interleaved_medians(
    cases: dict[str, Callable[[], None]], rounds: int, block: int
) -> dict[str, float]:
    """Median seconds per call of each case, over ``rounds`` rounds of ``block`` calls each."""
    for fn in cases.values():  # warm up: BLAS threads, caches, the allocator
        for _ in range(block):
            fn()
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(rounds):
        for name, fn in cases.items():
            start = time.perf_counter()
            for _ in range(block):
                fn()
            times[name].append((time.perf_counter() - start) / block)
    return {name: float(np.median(t)) for name, t in times.items()}


def engine_cases(x: np.ndarray, y: np.ndarray) -> dict[str, Callable[[], None]]:
    models = {name: MLP(784, SIZES, seed=0) for name in ("plain", "sgd", "adam")}
    optimizers = {
        "sgd": SGD(models["sgd"].parameters(), lr=0.05, momentum=0.9),
        "adam": Adam(models["adam"].parameters(), lr=1e-3),
    }

    def step(name: str) -> Callable[[], None]:
        model, optimizer = models[name], optimizers.get(name)

        def run() -> None:
            model.zero_grad()
            cross_entropy(model(x), y).backward()
            if optimizer is not None:
                optimizer.step()

        return run

    def forward_only() -> None:
        with no_grad():
            models["plain"](x)

    W = [layer.weight.data for layer in models["plain"].layers]
    h1, g3 = x @ W[0].T, np.ones((len(x), 10), np.float32)
    h2, g2 = h1 @ W[1].T, g3 @ W[2]
    g1 = g2 @ W[1]

    def matmuls() -> None:
        x @ W[0].T, h1 @ W[1].T, h2 @ W[2].T  # forward
        g3.T @ h2, g3 @ W[2], g2.T @ h1, g2 @ W[1], g1.T @ x  # backward

    return {
        "NumPy matmuls of a step": matmuls,
        "engine forward (no_grad)": forward_only,
        "engine forward+backward": step("plain"),
        "engine step + SGD(momentum)": step("sgd"),
        "engine step + Adam": step("adam"),
    }


def torch_cases(x: np.ndarray, y: np.ndarray) -> dict[str, Callable[[], None]]:
    import torch

    from micrograd_mlp.convert import to_torch_sequential

    tx, ty = torch.from_numpy(x), torch.from_numpy(y)
    loss_fn = torch.nn.functional.cross_entropy
    nets = {name: to_torch_sequential(MLP(784, SIZES, seed=0)) for name in ("plain", "sgd", "adam")}
    optimizers = {
        "sgd": torch.optim.SGD(nets["sgd"].parameters(), lr=0.05, momentum=0.9),
        "adam": torch.optim.Adam(nets["adam"].parameters(), lr=1e-3),
    }

    def step(name: str) -> Callable[[], None]:
        net, optimizer = nets[name], optimizers.get(name)

        def run() -> None:
            net.zero_grad(set_to_none=True)
            loss_fn(net(tx), ty).backward()
            if optimizer is not None:
                optimizer.step()

        return run

    return {
        f"PyTorch {torch.__version__} forward+backward": step("plain"),
        "PyTorch step + SGD(momentum)": step("sgd"),
        "PyTorch step + Adam": step("adam"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--block", type=int, default=25, help="steps per case per round")
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    x = rng.random((args.batch_size, 784), dtype=np.float32)
    y = rng.integers(0, 10, args.batch_size)
    figures = interleaved_medians(engine_cases(x, y), args.rounds, args.block)
    try:
        # A separate phase: interleaving NumPy's OpenBLAS threads with PyTorch's OpenMP threads
        # makes each library's idle threads spin on the cores the other needs (10x slower
        # steps measured on 2 cores).
        figures.update(interleaved_medians(torch_cases(x, y), args.rounds, args.block))
    except ImportError:
        print("(PyTorch not installed: no comparison)")

    print(f"MLP 784-256-128-10, batch {args.batch_size}, float32; median of {args.rounds} rounds")
    base = figures["NumPy matmuls of a step"]
    for name, seconds in figures.items():
        print(
            f"  {name:40s} {seconds * 1e3:6.3f} ms/step  {seconds * STEPS_PER_EPOCH:6.3f} s/epoch"
            f"  {seconds / base:5.2f}x matmuls"
        )
    pairs = [("SGD(momentum)", "SGD(momentum)"), ("Adam", "Adam")]
    for ours, theirs in pairs:
        key = f"PyTorch step + {theirs}"
        if key in figures:
            ratio = figures[f"engine step + {ours}"] / figures[key]
            print(f"  engine / PyTorch, step + {ours}: {ratio:.2f}")


if __name__ == "__main__":
    main()
