"""Exercise 6: gradient descent on a line: one step, a few steps from w = b = 0 against the
same descent run here on the library's gradients (a wrong sign, factor or number of steps is
named), and 2,000 steps against least squares."""

from __future__ import annotations

import math

import numpy as np

from micrograd_mlp.exercises.checkers.ex05_neuron_mse import (
    lib_mse_grads,
    line_data,
    mse_grad_scales,
)
from micrograd_mlp.exercises.grading import (
    CASES,
    Context,
    Failure,
    as_numbers,
    expect,
    fmt,
)

#: How close 2,000 steps must come to least squares (relative to the size of w and b).
CONVERGED = 1e-8


def descend(
    xs: list[float], ys: list[float], lr: float, steps: int, sign: float = 1.0, factor: float = 1.0
) -> tuple[float, float]:
    """``steps`` steps of gradient descent from w = b = 0 on the library's MSE gradients
    (``sign=-1``: ascent; ``factor``: the gradients scaled, as a wrong factor would)."""
    w = b = 0.0
    for _ in range(steps):
        _, dw, db = lib_mse_grads(w, b, xs, ys)
        w, b = w - sign * lr * factor * dw, b - sign * lr * factor * db
    return w, b


def check(ctx: Context) -> None:
    """Exercise 6: ``gd_step(w, b, dw, db, lr)`` moves against the gradient; ``fit_line(xs, ys,
    lr, steps)`` runs gradient descent on the MSE from w = b = 0 and ends at least squares."""
    rng = ctx.rng
    for _ in range(CASES):
        w, b, dw, db = (rng.uniform(-2, 2) for _ in range(4))
        lr = rng.choice((0.01, 0.1, 0.5))
        shown = f"w={w:.6g}, b={b:.6g}, dw={dw:.6g}, db={db:.6g}, lr={lr:g}"
        got = as_numbers("gd_step", shown, ctx.call("gd_step", w, b, dw, db, lr, shown=shown), 2)
        for i, (value, grad, name) in enumerate(((w, dw, "w"), (b, db, "b"))):
            mistakes = [
                ("exercises.hint.descent_sign", value + lr * grad),
                ("exercises.hint.lr", value - grad),
            ]
            scale = abs(value) + abs(lr * grad)
            expect(
                ctx, f"gd_step ({name})", shown, value - lr * grad, got[i], mistakes, scale=scale
            )
    for case in range(4):
        xs, ys = line_data(rng, 12)
        lr, steps = rng.choice((0.05, 0.1)), 1 + case + rng.randint(0, 2)
        shown = ctx.say("points", xs=fmt(xs[:3]), n=len(xs), lr=lr, steps=steps)
        got = as_numbers("fit_line", shown, ctx.call("fit_line", xs, ys, lr, steps, shown=shown), 2)
        right = descend(xs, ys, lr, steps)
        wrong = [
            ("exercises.hint.descent_sign", descend(xs, ys, lr, steps, sign=-1.0)),
            ("exercises.hint.start_zero", descend(xs, ys, lr, steps - 1)),
            ("exercises.hint.start_zero", descend(xs, ys, lr, steps + 1)),
            ("exercises.hint.factor_two", descend(xs, ys, lr, steps, factor=0.5)),
            ("exercises.hint.mean", descend(xs, ys, lr, steps, factor=len(xs))),
        ]
        for k, name in enumerate("wb"):
            scale = 1.0 + sum(mse_grad_scales(*right, xs, ys)) * lr * steps
            expect(
                ctx,
                ctx.say("after_steps", func="fit_line", name=name, steps=steps),
                shown,
                right[k],
                got[k],
                [(hint, values[k]) for hint, values in wrong],
                scale=scale,
            )
        design = np.column_stack([xs, np.ones(len(xs))])
        (w_ls, b_ls), *_ = np.linalg.lstsq(design, np.asarray(ys), rcond=None)
        shown = ctx.say("points", xs=fmt(xs[:3]), n=len(xs), lr=0.1, steps=2000)
        got = as_numbers("fit_line", shown, ctx.call("fit_line", xs, ys, 0.1, 2000, shown=shown), 2)
        diverged = [("exercises.hint.diverged", {})] if not all(map(math.isfinite, got)) else []
        for k, (name, expected) in enumerate((("w", w_ls), ("b", b_ls))):
            if not abs(got[k] - expected) <= CONVERGED * max(1.0, abs(w_ls), abs(b_ls)):
                raise Failure(
                    "exercises.fail.lstsq",
                    func="fit_line",
                    input=shown,
                    name=name,
                    expected=float(expected),
                    got=got[k],
                    hints=diverged,
                )
            ctx.cases += 1
