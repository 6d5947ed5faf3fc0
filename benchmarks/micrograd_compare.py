"""Our scalar engine against karpathy/micrograd's, on micrograd's own moons demo as it writes it.

The workload: one training step of micrograd's ``demo.ipynb`` written exactly as that
notebook writes it -- 100 two-moons points through ``MLP(2, [16, 16, 1])`` (ReLU hidden layers),
``losses = [(1 + -yi*scorei).relu() ...]``, ``sum(losses) * (1.0 / len(losses))``, L2
``1e-4 * sum((p*p for p in model.parameters()))``, ``model.zero_grad()``, ``backward()``, the
accuracy list and ``p.data -= learning_rate * p.grad`` -- once with micrograd's ``Value`` and
``MLP``, once with ours. Only the two imports differ. Both run in this process, the two engines
alternating round by round so they see the same machine load, first with Python's garbage
collector on (as users run it), then off. It prints median seconds per step, nodes per step and
the ratio micrograd / ours.

Then it times ``backward()`` on a chain ``x + 1 + 1 + ...`` of depth 1,000,000 (our engine; the
recursion limit is not raised), with ``scalar_step.chain_backward``, and prints the targets:
>= 50x micrograd with the collector on (issue 18: the engine reads as the lecture's loop, with
no shortcut in ``backward()``), and the chain's backward < 5 s (issue 10). With the collector off
the ratio is printed for comparison, with no target.

micrograd is not a dependency. Get a checkout and pass its directory::

    git clone https://github.com/karpathy/micrograd /tmp/micrograd
    python benchmarks/micrograd_compare.py --micrograd /tmp/micrograd [--rounds 3] [--steps 10]

``python benchmarks/scalar_step.py --micrograd /tmp/micrograd`` runs this comparison after its
own figures (our moons demo as ``micrograd-mlp moons`` trains it).
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from micrograd_mlp.data import make_moons

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the sibling benchmark scripts
from scalar_step import DEPTH, chain_backward  # noqa: E402

SEED = 0
#: The targets: micrograd / ours with the collector on (none with it off); the chain's backward.
TARGETS = {True: 50.0, False: None}
MAX_CHAIN_BACKWARD_S = 5.0


def engines(micrograd_dir: Path) -> dict[str, SimpleNamespace]:
    """``{"micrograd": ..., "micrograd_mlp": ...}``, each with ``Value`` and ``MLP(seed)``."""
    sys.path.insert(0, str(micrograd_dir))
    try:
        theirs_engine = importlib.import_module("micrograd.engine")
        theirs_nn = importlib.import_module("micrograd.nn")
    finally:
        sys.path.pop(0)
    import random

    import micrograd_mlp

    def their_mlp(seed: int):
        random.seed(seed)  # micrograd initialises weights with random.uniform
        return theirs_nn.MLP(2, [16, 16, 1])

    def our_mlp(seed: int):
        return micrograd_mlp.MLP(2, [16, 16, 1], activation="relu", seed=seed)

    return {
        "micrograd": SimpleNamespace(Value=theirs_engine.Value, MLP=their_mlp),
        "micrograd_mlp": SimpleNamespace(Value=micrograd_mlp.Value, MLP=our_mlp),
    }


def demo_step(engine: SimpleNamespace, model, X: np.ndarray, y: np.ndarray, k: int) -> None:
    """One step of micrograd's demo, as its notebook writes it."""
    Value = engine.Value
    inputs = [list(map(Value, xrow)) for xrow in X]
    scores = list(map(model, inputs))
    losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    alpha = 1e-4
    reg_loss = alpha * sum(p * p for p in model.parameters())
    total_loss = data_loss + reg_loss
    accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(y, scores)]
    assert len(accuracy) == len(y)
    model.zero_grad()
    total_loss.backward()
    learning_rate = 1.0 - 0.9 * k / 100
    for p in model.parameters():
        p.data -= learning_rate * p.grad


def count_nodes(root) -> int:
    """Nodes behind ``root`` (through ``_prev``, which both engines expose, or ``_children``)."""
    seen, stack = set(), [root]
    while stack:
        v = stack.pop()
        if id(v) in seen:
            continue
        seen.add(id(v))
        stack.extend(getattr(v, "_prev", None) or getattr(v, "_children", ()))
    return len(seen)


def graph_size(engine: SimpleNamespace, X: np.ndarray, y: np.ndarray) -> int:
    model, Value = engine.MLP(SEED), engine.Value
    scores = [model(list(map(Value, xrow))) for xrow in X]
    losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores)]
    total = sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in model.parameters())
    return count_nodes(total)


def time_steps(engine: SimpleNamespace, X, y, steps: int, collect: bool) -> list[float]:
    """Seconds of each of ``steps`` demo steps, from a fresh model, gc on or off."""
    model = engine.MLP(SEED)
    was = gc.isenabled()
    gc.collect()
    (gc.enable if collect else gc.disable)()
    times = []
    try:
        for k in range(steps):
            start = time.perf_counter()
            demo_step(engine, model, X, y, k)
            times.append(time.perf_counter() - start)
    finally:
        (gc.enable if was else gc.disable)()
    return times


def compare(
    micrograd_dir: Path, rounds: int = 3, steps: int = 10, chain: bool = True
) -> dict[str, float]:
    """Print the side-by-side figures and the targets; return the ratios (and the chain's
    backward seconds, unless ``chain=False``: a caller that timed it already).

    Raises:
        ValueError: ``micrograd_dir`` has no ``micrograd/engine.py``.
    """
    if not (micrograd_dir / "micrograd" / "engine.py").is_file():
        raise ValueError(f"--micrograd: {micrograd_dir} has no micrograd/engine.py")
    found = engines(micrograd_dir)
    X, y01 = make_moons(100, 0.1, seed=SEED)
    y = (2 * y01 - 1).astype(float)  # micrograd's demo uses labels -1/+1 (hinge loss)
    print(
        f"{time.strftime('%Y-%m-%d %H:%M %Z')}, Python {sys.version.split()[0]} on "
        f"{platform.machine()}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}; "
        f"micrograd's moons demo step as its notebook writes it; {rounds} rounds x {steps} "
        "steps per engine and setting"
    )
    sizes = {name: graph_size(e, X, y) for name, e in found.items()}
    result: dict[str, float] = {}
    verdicts = []
    for collect in (True, False):
        times: dict[str, list[float]] = {name: [] for name in found}
        for _ in range(rounds):
            for name, engine in found.items():
                times[name] += time_steps(engine, X, y, steps, collect)
        med = {name: statistics.median(t) for name, t in times.items()}
        label = "gc on (as users run it)" if collect else "gc off"
        print(f"  {label}:")
        for name in found:
            print(f"    {name:<14} median {med[name]:.4f} s/step  ({sizes[name]:,} nodes/step)")
        ratio = med["micrograd"] / med["micrograd_mlp"]
        print(f"    micrograd / micrograd_mlp = {ratio:.1f}x")
        result["gc on" if collect else "gc off"] = ratio
        target = TARGETS[collect]
        if target is not None:
            verdicts.append(f"{label}: {ratio:.1f}x >= {target:g}x {_met(ratio >= target)}")
    if not chain:
        print("  targets: " + "; ".join(verdicts))
        return result
    build, backward, grad = chain_backward(found["micrograd_mlp"].Value, DEPTH, 1)
    print(
        f"  micrograd_mlp chain of depth {DEPTH:,}: build {build:.2f} s, backward "
        f"{backward[0]:.2f} s (x.grad = {grad:g}; recursion limit {sys.getrecursionlimit()})"
    )
    result["chain backward s"] = backward[0]
    verdicts.append(
        f"chain backward {backward[0]:.2f} s < {MAX_CHAIN_BACKWARD_S:g} s "
        f"{_met(backward[0] < MAX_CHAIN_BACKWARD_S)}"
    )
    print("  targets: " + "; ".join(verdicts))
    return result


def _met(ok: bool) -> str:
    return "met" if ok else "NOT met"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--micrograd", type=Path, required=True, help="a micrograd checkout")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per gc setting (default 3)")
    parser.add_argument("--steps", type=int, default=10, help="steps per round (default 10)")
    args = parser.parse_args(argv)
    if not (args.micrograd / "micrograd" / "engine.py").is_file():
        parser.error(f"--micrograd: {args.micrograd} has no micrograd/engine.py")
    compare(args.micrograd, args.rounds, args.steps)
    return 0


if __name__ == "__main__":
    sys.exit(main())
