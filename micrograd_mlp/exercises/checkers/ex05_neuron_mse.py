"""Exercise 5: a neuron and the MSE loss, and the MSE's gradient derived by hand, against the
library's ``Value.dot``, ``mse_loss`` and ``backward()``. A wrong gradient is matched with the
typical slips of the derivation: a wrong sign, a missing factor 2, x_i or 1/N."""

from __future__ import annotations

import math
import random

from micrograd_mlp import functional
from micrograd_mlp.engine import Value
from micrograd_mlp.exercises.grading import (
    CASES,
    Context,
    as_number,
    as_numbers,
    expect,
    fmt,
    grad_of,
)


def line_data(rng: random.Random, n: int) -> tuple[list[float], list[float]]:
    """``n`` points near a random line."""
    xs = [rng.uniform(-2, 2) for _ in range(n)]
    w, b = rng.uniform(-2, 2), rng.uniform(-1, 1)
    return xs, [w * x + b + rng.gauss(0, 0.3) for x in xs]


def lib_mse_grads(
    w: float, b: float, xs: list[float], ys: list[float]
) -> tuple[float, float, float]:
    """The MSE of the line ``w x + b`` on the points and its gradient, by the library engine."""
    vw, vb = Value(w), Value(b)
    loss = functional.mse_loss([vw * x + vb for x in xs], ys)
    loss.backward()
    return loss.data, grad_of(vw), grad_of(vb)


def mse_grad_scales(w: float, b: float, xs: list[float], ys: list[float]) -> tuple[float, float]:
    """The sizes of the terms dL/dw and dL/db add up (the rounding yardstick of a sum)."""
    errors = [abs(w * x + b - y) for x, y in zip(xs, ys)]
    n = len(xs)
    return 2 / n * sum(e * abs(x) for e, x in zip(errors, xs)), 2 / n * sum(errors)


def check(ctx: Context) -> None:
    """Exercise 5: ``neuron(w, x, b)`` = sum w_i x_i + b; ``mse(preds, targets)``; and
    ``mse_grads(w, b, xs, ys)`` = (dL/dw, dL/db) of L = 1/N sum (w x_i + b - y_i)^2."""
    rng = ctx.rng
    for _ in range(CASES):
        n = rng.randint(1, 5)
        w, x = [rng.uniform(-2, 2) for _ in range(n)], [rng.uniform(-2, 2) for _ in range(n)]
        b = rng.uniform(-2, 2)
        expected = Value.dot([Value(v) for v in w], x, b).data
        scale = sum(abs(wi * xi) for wi, xi in zip(w, x)) + abs(b)
        shown = f"w={fmt(w)}, x={fmt(x)}, b={b:.6g}"
        got = as_number("neuron", shown, ctx.call("neuron", w, x, b, shown=shown))
        expect(
            ctx,
            "neuron",
            shown,
            expected,
            got,
            [("exercises.hint.bias", expected - b)],
            scale=scale,
        )
    for _ in range(CASES):
        n = rng.randint(2, 8)
        preds = [rng.uniform(-3, 3) for _ in range(n)]
        targets = [rng.uniform(-3, 3) for _ in range(n)]
        expected = functional.mse_loss([Value(p) for p in preds], targets).data
        shown = f"preds={fmt(preds)}, targets={fmt(targets)}"
        got = as_number("mse", shown, ctx.call("mse", preds, targets, shown=shown))
        diffs = [p - t for p, t in zip(preds, targets)]
        mistakes = [
            ("exercises.hint.mean", expected * n),
            ("exercises.hint.square", sum(diffs) / n),
            ("exercises.hint.square", sum(abs(d) for d in diffs) / n),
            ("exercises.hint.rmse", math.sqrt(expected)),
        ]
        expect(ctx, "mse", shown, expected, got, mistakes)
    for _ in range(CASES):
        n = rng.randint(2, 8)
        xs, ys = line_data(rng, n)
        w, b = rng.uniform(-2, 2), rng.uniform(-2, 2)
        _, dw, db = lib_mse_grads(w, b, xs, ys)
        scales = mse_grad_scales(w, b, xs, ys)
        shown = f"w={w:.6g}, b={b:.6g}, xs={fmt(xs)}, ys={fmt(ys)}"
        got = as_numbers("mse_grads", shown, ctx.call("mse_grads", w, b, xs, ys, shown=shown), 2)
        for i, (name, expected) in enumerate((("dL/dw", dw), ("dL/db", db))):
            mistakes = [
                ("exercises.hint.error_sign", -expected),
                ("exercises.hint.factor_two", expected / 2),
                ("exercises.hint.mean", expected * n),
                ("exercises.hint.mean", expected * n / 2),  # neither 2 nor 1/N
                *([("exercises.hint.dw_x", db)] if i == 0 else []),
            ]
            expect(ctx, f"mse_grads ({name})", shown, expected, got[i], mistakes, scale=scales[i])
