"""Per-step cost of the vectorized engine on an MNIST-shaped MLP, against its matmuls alone.

Times one forward + backward pass (``MLP(784, [256, 128, 10])``, ReLU, fused cross-entropy,
batch 128, float32) on random data, alone and followed by an optimizer step (the shared
``micrograd_mlp.optim`` SGD with momentum and Adam), and compares it with

* the bare NumPy matrix products that step needs (3 forward, 3 weight gradients, 2 input
  gradients: the input batch needs none), i.e. the floor for any NumPy engine;
* the same model, batch, initial weights and optimizers in PyTorch, when installed.

Prints medians over many repetitions. Run with ``OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2`` (the
project's reference machines have 2 cores)::

    python benchmarks/tensor_ops.py [--batch-size 128] [--repeats 2000]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from micrograd_mlp.optim import SGD, Adam
from micrograd_mlp.tensor import MLP, no_grad
from micrograd_mlp.tensor.functional import cross_entropy

STEPS_PER_EPOCH = 60_000 / 128  # Fashion-MNIST training split, batch 128


def median_seconds(fn, repeats: int) -> float:
    for _ in range(max(repeats // 10, 5)):  # warm up (BLAS threads, caches, allocator)
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=2000)
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    x = rng.random((args.batch_size, 784), dtype=np.float32)
    y = rng.integers(0, 10, args.batch_size)
    model = MLP(784, [256, 128, 10], seed=0)
    params = model.parameters()

    def step() -> None:
        model.zero_grad()
        cross_entropy(model(x), y).backward()

    sgd = SGD(params, lr=0.05, momentum=0.9)
    adam = Adam(params, lr=1e-3)

    def step_with(optimizer):
        def run() -> None:
            step()
            optimizer.step()

        return run

    def forward_only() -> None:
        with no_grad():
            model(x)

    W = [layer.weight.data for layer in model.layers]
    h1 = x @ W[0].T
    h2 = h1 @ W[1].T
    g3 = np.ones((args.batch_size, 10), np.float32)
    g2 = g3 @ W[2]
    g1 = g2 @ W[1]

    def matmuls() -> None:
        x @ W[0].T, h1 @ W[1].T, h2 @ W[2].T  # forward
        g3.T @ h2, g3 @ W[2], g2.T @ h1, g2 @ W[1], g1.T @ x  # backward

    figures = {
        "engine forward+backward": median_seconds(step, args.repeats),
        "engine forward (no_grad)": median_seconds(forward_only, args.repeats),
        "NumPy matmuls of a step": median_seconds(matmuls, args.repeats),
        "engine step + SGD(momentum)": median_seconds(step_with(sgd), args.repeats),
        "engine step + Adam": median_seconds(step_with(adam), args.repeats),
    }
    try:
        import torch

        from micrograd_mlp.convert import to_torch_sequential
    except ImportError:
        torch = None
    if torch is not None:
        net = to_torch_sequential(model)
        tx, ty = torch.from_numpy(x), torch.from_numpy(y)
        loss_fn = torch.nn.functional.cross_entropy

        def torch_step() -> None:
            net.zero_grad(set_to_none=True)
            loss_fn(net(tx), ty).backward()

        def torch_step_with(optimizer):
            def run() -> None:
                torch_step()
                optimizer.step()

            return run

        torch_sgd = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
        torch_adam = torch.optim.Adam(net.parameters(), lr=1e-3)
        figures["PyTorch forward+backward"] = median_seconds(torch_step, args.repeats)
        figures["PyTorch step + SGD(momentum)"] = median_seconds(
            torch_step_with(torch_sgd), args.repeats
        )
        figures["PyTorch step + Adam"] = median_seconds(torch_step_with(torch_adam), args.repeats)

    n_params = sum(p.size for p in params)
    print(f"MLP 784-256-128-10 ({n_params:,} parameters), batch {args.batch_size}, float32")
    if torch is not None:
        print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} threads")
    base = figures["NumPy matmuls of a step"]
    for name, seconds in figures.items():
        per_epoch = seconds * STEPS_PER_EPOCH
        print(
            f"  {name:34s} {seconds * 1e3:7.3f} ms/step  {per_epoch:6.3f} s/epoch  "
            f"{seconds / base:5.2f}x matmuls"
        )


if __name__ == "__main__":
    main()
