"""Exercise 5: a neuron and the MSE loss."""

from __future__ import annotations

import math
import random
from types import ModuleType

from micrograd_mlp import functional
from micrograd_mlp.engine import Value
from micrograd_mlp.exercises.grading import (
    CASES,
    Context,
    as_number,
    as_numbers,
    call,
    expect,
    fmt,
    grad_of,
)


# ---------------------------------------------------------- neuron and MSE (exercise 5)
def line_data(rng: random.Random, n: int) -> tuple[list[float], list[float]]:
    xs = [rng.uniform(-2, 2) for _ in range(n)]
    w, b = rng.uniform(-2, 2), rng.uniform(-1, 1)
    return xs, [w * x + b + rng.gauss(0, 0.3) for x in xs]


def lib_mse_grads(
    w: float, b: float, xs: list[float], ys: list[float]
) -> tuple[float, float, float]:
    vw, vb = Value(w), Value(b)
    loss = functional.mse_loss([vw * x + vb for x in xs], ys)
    loss.backward()
    return loss.data, grad_of(vw), grad_of(vb)


def check(module: ModuleType, ctx: Context) -> None:
    """Exercise 5: ``neuron(w, x, b)`` = sum w_i x_i + b; ``mse(preds, targets)``; and
    ``mse_grads(w, b, xs, ys)`` = (dL/dw, dL/db) of L = 1/N sum (w x_i + b - y_i)^2."""
    rng = random.Random(505)
    for _ in range(CASES):
        n = rng.randint(1, 5)
        w, x = [rng.uniform(-2, 2) for _ in range(n)], [rng.uniform(-2, 2) for _ in range(n)]
        b = rng.uniform(-2, 2)
        expected = Value.dot([Value(v) for v in w], x, b).data
        shown = f"w={fmt(w)}, x={fmt(x)}, b={b:.6g}"
        got = as_number("neuron", shown, call(module, "neuron", w, x, b, shown=shown))
        expect(ctx, "neuron", shown, expected, got, [("exercises.hint.bias", expected - b)])
    for _ in range(CASES):
        n = rng.randint(2, 8)
        preds, targets = (
            [rng.uniform(-3, 3) for _ in range(n)],
            [rng.uniform(-3, 3) for _ in range(n)],
        )
        expected = functional.mse_loss([Value(p) for p in preds], targets).data
        shown = f"preds={fmt(preds)}, targets={fmt(targets)}"
        got = as_number("mse", shown, call(module, "mse", preds, targets, shown=shown))
        diffs = [p - t for p, t in zip(preds, targets)]
        expect(
            ctx,
            "mse",
            shown,
            expected,
            got,
            [
                ("exercises.hint.mean", expected * n),
                ("exercises.hint.square", sum(diffs) / n),
                ("exercises.hint.square", sum(abs(d) for d in diffs) / n),
                ("exercises.hint.rmse", math.sqrt(expected)),
            ],
        )
    for _ in range(CASES):
        n = rng.randint(2, 8)
        xs, ys = line_data(rng, n)
        w, b = rng.uniform(-2, 2), rng.uniform(-2, 2)
        _, dw, db = lib_mse_grads(w, b, xs, ys)
        shown = f"w={w:.6g}, b={b:.6g}, xs={fmt(xs)}, ys={fmt(ys)}"
        got = as_numbers(
            "mse_grads", shown, call(module, "mse_grads", w, b, xs, ys, shown=shown), 2
        )
        for i, (name, expected) in enumerate((("dL/dw", dw), ("dL/db", db))):
            expect(
                ctx,
                f"mse_grads ({name})",
                shown,
                expected,
                got[i],
                [
                    ("exercises.hint.mean", expected * n),
                    ("exercises.hint.factor_two", expected / 2),
                    ("exercises.hint.sign", -expected),
                    *([("exercises.hint.dw_x", db)] if i == 0 else []),
                ],
            )
