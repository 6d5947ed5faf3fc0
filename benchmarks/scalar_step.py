"""Seconds per training step of the scalar engine on the moons demo, and a depth-1,000,000 backward.

The workload of issue 2: one full step (forward of 100 points through MLP(2, [16, 16, 1]),
hinge loss + L2, ``zero_grad``, ``backward``, SGD update, and the accuracy the demo records) of
exactly ``micrograd-mlp moons``: the data, model, loss, optimizer, schedule and training loop
come from :mod:`micrograd_mlp.demos.moons`, nothing is copied. The demo's whole training run is
timed step by step (a ``fit`` callback stamps the clock after every step, so freeing the previous
step's graph is counted too), first as users run it, with Python's garbage collector on, then
with it off for comparison. It prints the median seconds per step, the number of graph nodes
per step (``len(loss.topological_order())``) and the collector's runs during the timed training.

Then it builds a chain ``x + 1 + 1 + ...`` of depth 1,000,000 and times ``backward()`` on it
(the recursion limit is not raised; target: under 5 s).

With ``--micrograd DIR`` (a checkout of karpathy/micrograd: ``git clone
https://github.com/karpathy/micrograd DIR``) it then runs ``micrograd_compare.py``: micrograd's
own demo step, written as its notebook writes it, on micrograd's engine and on ours side by
side (target: >= 50x micrograd with the collector on; see that script). That
workload builds a bigger graph than our demo (``sum`` of Python numbers and Values, binary
nodes for the loss and the L2 term).

Usage::

    python benchmarks/scalar_step.py [--rounds 2] [--repeats 2] [--micrograd DIR]
"""

from __future__ import annotations

import argparse
import gc
import platform
import statistics
import sys
import time
from pathlib import Path

from micrograd_mlp.demos import moons
from micrograd_mlp.engine import Value
from micrograd_mlp.training import train_step

SEED = 0
DEPTH = 1_000_000


def demo_step_times(collect: bool) -> tuple[list[float], list[int]]:
    """Seconds of every step of the moons demo's training, and the gc runs per generation."""
    X, y = moons.make_data(moons.SAMPLES, moons.NOISE, SEED)
    model = moons.make_model(SEED)
    stamps: list[float] = []
    was_enabled = gc.isenabled()
    gc.collect()
    before = [s["collections"] for s in gc.get_stats()]
    if collect:
        gc.enable()
    else:
        gc.disable()
    try:
        stamps.append(time.perf_counter())
        moons.train(
            model, X, y, verbose=False, callback=lambda *_: stamps.append(time.perf_counter())
        )
        runs = [s["collections"] - b for s, b in zip(gc.get_stats(), before)]
    finally:
        if was_enabled:
            gc.enable()
    return [b - a for a, b in zip(stamps, stamps[1:])], runs


def nodes_per_step() -> int:
    """The number of nodes in the graph of one step of the demo (its first step)."""
    X, y = moons.make_data(moons.SAMPLES, moons.NOISE, SEED)
    model = moons.make_model(SEED)
    optimizer = moons.make_optimizer(model, moons.LR, moons.MOMENTUM)
    loss = train_step(model, X.tolist(), y, moons.objective(model, moons.ALPHA), optimizer)
    return len(loss.topological_order())


def chain_backward(
    value: type = Value, depth: int = DEPTH, repeats: int = 1
) -> tuple[float, list[float], float]:
    """Build ``x + 1 + ... + 1`` (``depth`` additions of ``value``s); time the build and
    ``backward()``.

    Returns:
        Build seconds, the seconds of each of ``repeats`` backward passes, and ``x.grad`` after
        the first (must be 1: d/dx of x + const).
    """
    x = value(0.5)
    start = time.perf_counter()
    v = x
    for _ in range(depth):
        v = v + 1.0
    build = time.perf_counter() - start
    times, grad = [], None
    for _ in range(repeats):
        x.grad = 0.0
        start = time.perf_counter()
        v.backward()
        times.append(time.perf_counter() - start)
        grad = x.grad if grad is None else grad
    return build, times, grad


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--rounds", type=int, default=2, help="trainings timed per gc setting (default: 2)"
    )
    parser.add_argument(
        "--repeats", type=int, default=2, help="timed backward passes of the chain (default: 2)"
    )
    parser.add_argument(
        "--micrograd",
        type=Path,
        default=None,
        help="a karpathy/micrograd checkout: also compare with micrograd (micrograd_compare.py)",
    )
    args = parser.parse_args(argv)
    if args.micrograd is not None and not (args.micrograd / "micrograd" / "engine.py").is_file():
        parser.error(f"--micrograd: {args.micrograd} has no micrograd/engine.py")

    print(f"Python {sys.version.split()[0]} on {platform.machine()}, {platform.system()}")
    print(
        f"moons demo, one training step: MLP(2, {[*moons.HIDDEN, 1]}) on {moons.SAMPLES} points, "
        f"hinge + L2, SGD momentum {moons.MOMENTUM}; all {moons.STEPS} steps of its training "
        f"timed, {args.rounds} times in each setting"
    )
    # Rounds alternate the two settings, so both see the same machine load.
    times: dict[bool, list[float]] = {True: [], False: []}
    runs: dict[bool, list[int]] = {}
    for _ in range(args.rounds):
        for collect in (True, False):
            step_times, runs[collect] = demo_step_times(collect)
            times[collect] += step_times
    for collect in (True, False):
        label = "gc on (as users run it)" if collect else "gc off (for comparison)"
        t = times[collect]
        print(
            f"  {label:<24} median {statistics.median(t):.4f} s/step over {len(t)} steps "
            f"(min {min(t):.4f}, max {max(t):.4f}); gc runs per training (generations 0, 1, "
            f"2): {runs[collect]}"
        )
    print(f"  graph nodes per step: {nodes_per_step():,}")

    build, times, grad = chain_backward(Value, DEPTH, args.repeats)
    print(
        f"chain of depth {DEPTH:,}: build {build:.3f} s, backward median "
        f"{statistics.median(times):.3f} s over {len(times)} runs (x.grad = {grad:g}; recursion "
        f"limit {sys.getrecursionlimit()}; target < 5 s)"
    )
    if args.micrograd is not None:
        import micrograd_compare  # the sibling script (this directory is on sys.path)

        print("\nside by side with micrograd, on micrograd's own demo step:")
        micrograd_compare.compare(args.micrograd, chain=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
