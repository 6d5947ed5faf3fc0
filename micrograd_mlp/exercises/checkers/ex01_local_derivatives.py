"""Exercise 1: local derivatives, on plain floats, against the library engine's.

The inputs cover each function's whole domain: both signs (relu on both sides of its kink),
negative bases for integer powers; the answers must be exact to 1e-12 (a finite difference is
not: it gets the "not exact" hint).
"""

from __future__ import annotations

import math
import operator
import random
from collections.abc import Callable

from micrograd_mlp.engine import Value
from micrograd_mlp.exercises.grading import (
    CASES,
    Context,
    as_number,
    as_numbers,
    away_from_zero,
    expect,
    lib_grads,
)


def _sigmoid(x: float) -> float:
    return Value(x).sigmoid().data


# op name -> (sample an input, the library op, known wrong local derivatives (hint key, f(x)))
UNARY: dict[str, tuple[Callable, Callable, Callable]] = {
    "exp": (
        lambda r: r.uniform(-3.0, 3.0),
        lambda v: v.exp(),
        lambda x: [("exercises.hint.exp_x", x * math.exp(x - 1.0))],
    ),
    "log": (
        lambda r: r.uniform(0.2, 5.0),
        lambda v: v.log(),
        lambda x: [
            ("exercises.hint.log_not_derivative", math.log(x)),
            ("exercises.hint.log_sign", -1 / x),
        ],
    ),
    "tanh": (
        lambda r: r.uniform(-2.5, 2.5),
        lambda v: v.tanh(),
        lambda x: [
            ("exercises.hint.tanh_square", math.tanh(x) ** 2),
            ("exercises.hint.tanh_no_square", 1.0 - math.tanh(x)),
            ("exercises.hint.tanh_value", math.tanh(x)),
            ("exercises.hint.tanh_input", 1.0 - x * x),
        ],
    ),
    "sigmoid": (
        lambda r: r.uniform(-4.0, 4.0),
        lambda v: v.sigmoid(),
        lambda x: [
            ("exercises.hint.sigmoid_value", _sigmoid(x)),
            ("exercises.hint.sigmoid_value", 1.0 - _sigmoid(x)),
            ("exercises.hint.sigmoid_plus", _sigmoid(x) * (1.0 + _sigmoid(x))),
            ("exercises.hint.sigmoid_input", x * (1.0 - x)),
        ],
    ),
    "relu": (
        lambda r: away_from_zero(r, 0.1, 3.0),
        lambda v: v.relu(),
        lambda x: [("exercises.hint.relu_value", max(x, 0.0))],
    ),
}

# (function, library op, sample (a, b), known wrong (d/da, d/db))
BINARY: dict[str, tuple[Callable, Callable, Callable]] = {
    "add": (operator.add, lambda r: (r.uniform(-3, 3), r.uniform(-3, 3)), lambda a, b: []),
    "mul": (
        operator.mul,
        lambda r: (r.uniform(-3, 3), r.uniform(-3, 3)),
        lambda a, b: [("exercises.hint.mul_swapped", (a, b))],
    ),
    "div": (
        operator.truediv,
        lambda r: (r.uniform(-3, 3), away_from_zero(r, 0.5, 3.0)),
        lambda a, b: [
            ("exercises.hint.div_square", (1 / b, -a / b)),
            ("exercises.hint.div_sign", (1 / b, a / b**2)),
            ("exercises.hint.div_sign", (-1 / b**2, 1 / b)),
        ],
    ),
}

_POWERS = (2.0, 3.0, 0.5, -1.0, 1.5, -2.0)


def sample_power(rng: random.Random) -> tuple[float, float]:
    """``(a, p)`` for ``a ** p``: a base of either sign for an integer power, a positive one for
    a fractional power (a negative base has no real fractional power)."""
    p = rng.choice(_POWERS)
    return (away_from_zero(rng, 0.3, 3.0) if p == int(p) else rng.uniform(0.3, 3.0)), p


def pow_mistakes(a: float, p: float) -> list[tuple[str, float]]:
    return [
        ("exercises.hint.pow_off_by_one", p * a**p),
        ("exercises.hint.pow_off_by_one", p * a ** (p - 2.0)),
        ("exercises.hint.pow_factor", a ** (p - 1.0)),
    ]


def check(ctx: Context) -> None:
    """Exercise 1: ``d_add``, ``d_mul``, ``d_div`` return ``(d/da, d/db)``; ``d_pow(a, p)``,
    ``d_exp``, ``d_log``, ``d_tanh``, ``d_sigmoid``, ``d_relu`` return one number."""
    rng = ctx.rng
    for name, (op, sample, mistakes) in BINARY.items():
        func = f"d_{name}"
        for _ in range(CASES):
            a, b = sample(rng)
            _, expected = lib_grads(op, a, b)
            shown = f"a={a:.6g}, b={b:.6g}"
            got = as_numbers(func, shown, ctx.call(func, a, b, shown=shown), 2)
            wrong = mistakes(a, b)
            for i, wrt in enumerate("ab"):
                expect(
                    ctx,
                    f"{func} (d/d{wrt})",
                    shown,
                    expected[i],
                    got[i],
                    [(k, w[i]) for k, w in wrong],
                )
    for _ in range(CASES):
        a, p = sample_power(rng)
        _, (expected,) = lib_grads(lambda v, p=p: v**p, a)
        shown = f"a={a:.6g}, p={p:g}"
        got = as_number("d_pow", shown, ctx.call("d_pow", a, p, shown=shown))
        expect(ctx, "d_pow", shown, expected, got, pow_mistakes(a, p))
    for name, (sample, op, mistakes) in UNARY.items():
        func = f"d_{name}"
        for _ in range(CASES):
            x = sample(rng)
            _, (expected,) = lib_grads(op, x)
            shown = f"x={x:.6g}"
            got = as_number(func, shown, ctx.call(func, x, shown=shown))
            expect(ctx, func, shown, expected, got, mistakes(x))
