"""Exercise 6: gradient descent on a line."""

from __future__ import annotations

import math
import random
from types import ModuleType

import numpy as np

from micrograd_mlp.exercises.checkers.ex05_neuron_mse import lib_mse_grads, line_data
from micrograd_mlp.exercises.grading import (
    CASES,
    Context,
    Failure,
    as_numbers,
    call,
    expect,
    fmt,
    say,
)


# ----------------------------------------------------- gradient descent (exercise 6)
def check(module: ModuleType, ctx: Context) -> None:
    """Exercise 6: ``gd_step(w, b, dw, db, lr)`` moves against the gradient; ``fit_line(xs, ys,
    lr, steps)`` runs gradient descent on the MSE from w = b = 0 and ends at least squares."""
    rng = random.Random(606)
    for _ in range(CASES):
        w, b, dw, db = (rng.uniform(-2, 2) for _ in range(4))
        lr = rng.choice((0.01, 0.1, 0.5))
        shown = f"w={w:.6g}, b={b:.6g}, dw={dw:.6g}, db={db:.6g}, lr={lr:g}"
        got = as_numbers(
            "gd_step", shown, call(module, "gd_step", w, b, dw, db, lr, shown=shown), 2
        )
        for i, (value, grad, name) in enumerate(((w, dw, "w"), (b, db, "b"))):
            expect(
                ctx,
                f"gd_step ({name})",
                shown,
                value - lr * grad,
                got[i],
                [
                    ("exercises.hint.descent_sign", value + lr * grad),
                    ("exercises.hint.lr", value - grad),
                ],
            )
    for _ in range(4):
        xs, ys = line_data(rng, 12)
        # One step from w = b = 0 is -lr times the gradient there.
        shown = say("points", xs=fmt(xs[:3]), n=len(xs), lr=0.1, steps=1)
        _, dw, db = lib_mse_grads(0.0, 0.0, xs, ys)
        got = as_numbers(
            "fit_line", shown, call(module, "fit_line", xs, ys, 0.1, 1, shown=shown), 2
        )
        for name, grad, value in (("w", dw, got[0]), ("b", db, got[1])):
            expect(
                ctx,
                say("after_steps", func="fit_line", name=name, steps=1),
                shown,
                -0.1 * grad,
                value,
                [("exercises.hint.descent_sign", 0.1 * grad)],
                [("exercises.hint.start_zero", {})],
            )
        design = np.column_stack([xs, np.ones(len(xs))])
        (w_ls, b_ls), *_ = np.linalg.lstsq(design, np.asarray(ys), rcond=None)
        shown = say("points", xs=fmt(xs[:3]), n=len(xs), lr=0.1, steps=2000)
        got = as_numbers(
            "fit_line", shown, call(module, "fit_line", xs, ys, 0.1, 2000, shown=shown), 2
        )
        diverged = [("exercises.hint.diverged", {})] if not all(map(math.isfinite, got)) else []
        for k, (name, expected) in enumerate((("w", w_ls), ("b", b_ls))):
            if abs(got[k] - expected) > 1e-4:
                raise Failure(
                    "exercises.fail.lstsq",
                    func="fit_line",
                    input=shown,
                    name=name,
                    expected=fmt(float(expected)),
                    got=fmt(got[k]),
                    hints=diverged,
                )
            ctx.cases += 1
