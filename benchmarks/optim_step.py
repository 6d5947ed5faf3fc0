"""Time of one optimizer step on the MLP 784-256-128-10's parameters, before and after packing.

The parameters of the Fashion-MNIST MLP of ``benchmarks/tensor_epoch.py`` (6 float32 Tensors,
235,146 numbers) get fixed random gradients; each optimizer's ``step()`` is timed over
``--steps`` steps, ``--rounds`` times, the two implementations interleaved in one process (so
both see the same machine load), and the median milliseconds per step printed for

* ``after``: this checkout's ``micrograd_mlp.optim`` (every parameter a view into one flat
  array; one update over all of them);
* ``before``: the per-parameter ``micrograd_mlp/optim.py`` (a Python loop over the 6 tensors,
  about ten NumPy calls each), read with ``git show`` from the commit before the package
  replaced it (``--before REV`` to choose another; skipped when git or the file is absent).

The same for a deep narrow network (20 layers 64 wide: 40 small tensors), where the per-call
overhead that packing removes is a larger share of a step. It also says whether both give the
same parameters bit for bit after the same steps (SGD
does; Adam's packed update divides once less and agrees up to rounding), and measures what
Adam's subnormal flush buys: a step where 60% of the moments hold subnormal values (weights of
always-blank pixels, whose moments only decay) with the flush (every 16th step) and without it.

Usage::

    python benchmarks/optim_step.py [--steps 50] [--rounds 7] [--threads 2] [--before REV]
"""

from __future__ import annotations

import os
import sys

THREADS = sys.argv[sys.argv.index("--threads") + 1] if "--threads" in sys.argv[1:-1] else "2"
for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_variable] = THREADS  # before NumPy is imported

import argparse  # noqa: E402
import importlib.util  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from types import ModuleType  # noqa: E402

import numpy as np  # noqa: E402

import micrograd_mlp.optim as after  # noqa: E402
from micrograd_mlp.optim import adam as adam_module  # noqa: E402
from micrograd_mlp.tensor import Tensor  # noqa: E402

SHAPES = [(256, 784), (256,), (128, 256), (128,), (10, 128), (10,)]
#: A deep narrow network for contrast: 20 layers 64 wide (40 small tensors, 83,200 numbers).
DEEP = [shape for _ in range(20) for shape in ((64, 64), (64,))]
CONFIGS = {"Adam": {"lr": 1e-3}, "SGD": {"lr": 0.05, "momentum": 0.9}}
REPO = Path(__file__).resolve().parents[1]


def load_before(rev: str | None) -> ModuleType | None:
    """The per-parameter ``micrograd_mlp/optim.py`` at ``rev`` (default: the parent of the
    commit that deleted it), as a module; ``None`` (with a note) when it cannot be had."""
    try:
        if rev is None:
            deleted = subprocess.run(
                ["git", "log", "-1", "--format=%H", "--diff-filter=D", "--",
                 "micrograd_mlp/optim.py"],
                cwd=REPO, capture_output=True, text=True, check=True,
            ).stdout.strip()
            rev = f"{deleted}^"
        source = subprocess.run(
            ["git", "show", f"{rev}:micrograd_mlp/optim.py"],
            cwd=REPO, capture_output=True, text=True, check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError) as error:
        print(f"(no 'before' column: cannot read micrograd_mlp/optim.py from git: {error})")
        return None
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "optim_before.py"
        path.write_text(source)
        spec = importlib.util.spec_from_file_location("optim_before", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    print(f"before: micrograd_mlp/optim.py at {rev}")
    return module


def make(module: ModuleType, name: str, init: list[np.ndarray], grads: list[np.ndarray]):
    params = [Tensor(a.copy(), dtype=np.float32, requires_grad=True) for a in init]
    opt = getattr(module, name)(params, **CONFIGS[name])
    return params, opt


def run_steps(params, opt, grads, steps: int) -> float:
    """Seconds per step over ``steps`` steps (gradients assigned as a backward pass would)."""
    start = time.perf_counter()
    for _ in range(steps):
        for p, g in zip(params, grads):
            p.grad = g
        opt.step()
    return (time.perf_counter() - start) / steps


def compare(before: ModuleType | None, steps: int, rounds: int, shapes: list, title: str) -> None:
    rng = np.random.default_rng(0)
    init = [rng.uniform(-0.05, 0.05, size=s).astype(np.float32) for s in shapes]
    grads = [rng.normal(0.0, 1e-2, size=s).astype(np.float32) for s in shapes]
    total = sum(int(np.prod(s)) for s in shapes)
    print(f"{title}: {len(shapes)} tensors, {total:,} float32; ms per step, median (min):")
    print(f"{'optimizer':>10} {'before':>15} {'after':>15} {'after/before':>13}")
    for name in CONFIGS:
        runs = {"after": make(after, name, init, grads)}
        if before is not None:
            runs["before"] = make(before, name, init, grads)
        times: dict[str, list[float]] = {key: [] for key in runs}
        for _ in range(rounds):
            for key, (params, opt) in runs.items():
                times[key].append(run_steps(params, opt, grads, steps))
        med = {key: statistics.median(values) * 1e3 for key, values in times.items()}
        low = {key: min(values) * 1e3 for key, values in times.items()}
        cell = {key: f"{med[key]:.3f} ({low[key]:.3f})" for key in times}
        if before is None:
            print(f"{name:>10} {'-':>15} {cell['after']:>15} {'-':>13}")
            continue
        same = all(
            np.array_equal(p.data, q.data)
            for p, q in zip(runs["after"][0], runs["before"][0])
        )
        print(
            f"{name:>10} {cell['before']:>15} {cell['after']:>15} "
            f"{med['after'] / med['before']:>13.2f}   same parameters bit for bit: {same}"
        )


def flush_effect(steps: int, rounds: int) -> None:
    """Adam steps with 60% of the moments subnormal, with and without the flush."""
    rng = np.random.default_rng(1)
    init = [rng.uniform(-0.05, 0.05, size=s).astype(np.float32) for s in SHAPES]
    grads = [rng.normal(0.0, 1e-2, size=s).astype(np.float32) for s in SHAPES]
    dead = [rng.random(s) < 0.6 for s in SHAPES]
    for g, d in zip(grads, dead):
        g[d] = 0.0  # these weights never get a gradient (blank pixels)
    tiny = np.finfo(np.float32).tiny

    def prepared():
        params, opt = make(after, "Adam", init, grads)
        run_steps(params, opt, grads, 1)
        state = opt.state_dict()
        for i, d in enumerate(dead):
            state[f"state.{i}.exp_avg"][d] = tiny / 4
            state[f"state.{i}.exp_avg_sq"][d] = tiny / 2
            state[f"state.{i}.step"] = np.array(17)  # next flush at step 32
        opt.load_state_dict(state)
        return params, opt

    original = adam_module.flush_subnormals
    times: dict[str, list[float]] = {"flush every 16th step": [], "no flush": []}
    for _ in range(rounds):
        for label in times:
            if label == "no flush":
                adam_module.flush_subnormals = lambda *args, **kwargs: None
            params, opt = prepared()
            times[label].append(run_steps(params, opt, grads, steps))
            adam_module.flush_subnormals = original
    plain_params, plain_opt = make(after, "Adam", init, grads)
    normal = [run_steps(plain_params, plain_opt, grads, steps) for _ in range(rounds)]
    print("Adam with 60% of its moments subnormal, ms per step, median (min):")
    for label, values in [*times.items(), ("no subnormals at all", normal)]:
        print(f"   {label:>22}: {statistics.median(values) * 1e3:.3f} ({min(values) * 1e3:.3f})")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=50, help="steps per timing (default 50)")
    parser.add_argument("--rounds", type=int, default=7, help="timings per median (default 7)")
    parser.add_argument("--threads", default=THREADS, help="BLAS threads (default 2)")
    parser.add_argument("--before", default=None, help="git revision of the old optim.py")
    args = parser.parse_args(argv)
    if args.steps < 1 or args.rounds < 1:
        parser.error("--steps and --rounds must be >= 1")
    print(
        f"{args.steps} steps x {args.rounds} rounds, NumPy {np.__version__}, "
        f"{os.cpu_count()} CPUs, {THREADS} BLAS threads"
    )
    before = load_before(args.before)
    compare(before, args.steps, args.rounds, SHAPES, "MLP 784-256-128-10")
    compare(before, args.steps, args.rounds, DEEP, "for contrast, 20 layers 64 wide")
    flush_effect(args.steps, args.rounds)


if __name__ == "__main__":
    main()
