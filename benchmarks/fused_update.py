"""Could a fused elementwise kernel make Adam's update cheaper? NumPy against numexpr.

Issue 10 asks to measure a fused-kernel library against plain NumPy before adding one. The
workload is Adam's update of the Fashion-MNIST MLP 784-256-128-10 of
``benchmarks/tensor_epoch.py`` (235,146 float32 numbers, fixed random gradients). Timed, in one
process, rounds interleaved, median microseconds per update:

* ``micrograd_mlp``: this checkout's ``optim.Adam.step()`` (about 13 NumPy passes over the flat
  arrays, the gradient copy included);
* ``numexpr, T threads``: the same update as three fused expressions (``m``, ``v``, then ``p``:
  one pass each), if numexpr is installed (``pip install numexpr``; it is not a dependency);
* ``NumPy, 2 threads``: our update's NumPy calls on each half of the arrays in two threads
  (NumPy releases the GIL inside a call).

It then times the single NumPy passes an Adam update is made of, to show where its time goes
(a square root is the costliest).

Usage::

    python benchmarks/fused_update.py [--steps 500] [--rounds 5]
"""

from __future__ import annotations

import argparse
import statistics
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from micrograd_mlp.optim import Adam
from micrograd_mlp.tensor import Tensor

SHAPES = [(256, 784), (256,), (128, 256), (128,), (10, 128), (10,)]
BETAS, LR, EPS = (0.9, 0.999), 1e-3, 1e-8


def ours(rng: np.random.Generator):
    params = [Tensor(rng.standard_normal(s).astype(np.float32), requires_grad=True) for s in SHAPES]
    for p in params:
        p.grad = (rng.standard_normal(p.shape) * 1e-2).astype(np.float32)
    opt = Adam(params, lr=LR)
    return lambda t: opt.step()  # the optimizer counts its own steps


def flat(rng: np.random.Generator) -> dict[str, np.ndarray]:
    n = sum(int(np.prod(s)) for s in SHAPES)
    arrays = {"p": rng.standard_normal(n), "g": rng.standard_normal(n) * 1e-2}
    arrays = {k: v.astype(np.float32) for k, v in arrays.items()}
    arrays.update(m=np.zeros(n, np.float32), v=np.zeros(n, np.float32))
    return arrays


def numpy_update(a: dict[str, np.ndarray], tmp: np.ndarray, t: int) -> None:
    """Adam's update (Kingma & Ba 2015) in plain NumPy calls, as ``optim.Adam`` does them."""
    p, g, m, v = a["p"], a["g"], a["m"], a["v"]
    np.subtract(g, m, out=tmp)
    m += np.multiply(tmp, 1 - BETAS[0], out=tmp)
    v *= BETAS[1]
    v += np.multiply(np.multiply(g, 1 - BETAS[1], out=tmp), g, out=tmp)
    c1, c2 = 1 - BETAS[0] ** t, (1 - BETAS[1] ** t) ** 0.5
    denom = np.sqrt(v, out=tmp)
    denom += EPS * c2
    p += np.multiply(np.divide(m, denom, out=tmp), -LR * c2 / c1, out=tmp)


def numexpr_update(ne, a: dict[str, np.ndarray], t: int) -> None:
    """The same update as three numexpr expressions, one pass over the arrays each."""
    c1, c2 = 1 - BETAS[0] ** t, (1 - BETAS[1] ** t) ** 0.5
    local = dict(a, w1=np.float32(1 - BETAS[0]), b2=np.float32(BETAS[1]),
                 w2=np.float32(1 - BETAS[1]), s=np.float32(LR * c2 / c1),
                 e=np.float32(EPS * c2))
    ne.evaluate("m + w1 * (g - m)", local_dict=local, out=a["m"])
    ne.evaluate("b2 * v + w2 * g * g", local_dict=local, out=a["v"])
    ne.evaluate("p - s * m / (sqrt(v) + e)", local_dict=local, out=a["p"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    candidates = {"micrograd_mlp Adam.step()": ours(rng)}
    a = flat(rng)
    tmp = np.empty_like(a["p"])
    half = len(tmp) // 2
    halves = [({k: v[:half] for k, v in a.items()}, tmp[:half]),
              ({k: v[half:] for k, v in a.items()}, tmp[half:])]
    pool = ThreadPoolExecutor(1)

    def two_threads(t: int) -> None:
        other = pool.submit(numpy_update, *halves[0], t)
        numpy_update(*halves[1], t)
        other.result()

    candidates["NumPy, 1 thread"] = lambda t: numpy_update(a, tmp, t)
    candidates["NumPy, 2 threads (halves)"] = two_threads
    try:
        import numexpr as ne
    except ImportError:
        ne = None
        print("numexpr is not installed (pip install numexpr): its rows are skipped")
    if ne is not None:
        for threads in (1, 2):
            def fused(t: int, threads: int = threads) -> None:
                ne.set_num_threads(threads)
                numexpr_update(ne, a, t)

            candidates[f"numexpr {ne.__version__}, {threads} thread(s)"] = fused
    times: dict[str, list[float]] = {name: [] for name in candidates}
    for _ in range(args.rounds):
        for name, update in candidates.items():
            start = time.perf_counter()
            for t in range(1, args.steps + 1):
                update(t)
            times[name].append((time.perf_counter() - start) / args.steps * 1e6)
    print(f"{time.strftime('%Y-%m-%d %H:%M %Z')}: Adam's update of {len(tmp):,} float32 numbers,"
          f" median of {args.rounds} rounds x {args.steps} updates")
    for name, values in times.items():
        print(f"  {name:<30} {statistics.median(values):8.1f} us/update")
    g, v = a["g"], np.abs(a["v"]) + 1e-3
    passes = {
        "copy (g into a buffer)": lambda: np.copyto(tmp, g),
        "a - b": lambda: np.subtract(g, v, out=tmp),
        "a * scalar": lambda: np.multiply(g, 0.1, out=tmp),
        "a * b": lambda: np.multiply(g, v, out=tmp),
        "a / b": lambda: np.divide(g, v, out=tmp),
        "sqrt(a)": lambda: np.sqrt(v, out=tmp),
    }
    print("single NumPy passes over the same arrays, median us:")
    for name, fn in passes.items():
        runs = []
        for _ in range(args.rounds):
            start = time.perf_counter()
            for _ in range(args.steps):
                fn()
            runs.append((time.perf_counter() - start) / args.steps * 1e6)
        print(f"  {name:<30} {statistics.median(runs):8.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
