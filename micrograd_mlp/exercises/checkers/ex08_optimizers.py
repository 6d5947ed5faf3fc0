"""Exercise 8: SGD with momentum and Adam, six steps each (the learner's state fed back), against
the library's SGD and Adam; a wrong step is matched with the typical slips (the bias
correction's power, eps inside the square root, the velocity as a moving average, ...)."""

from __future__ import annotations

import math

from micrograd_mlp.engine import Value
from micrograd_mlp.exercises.grading import (
    CASES,
    Context,
    as_numbers,
    as_parts,
    expect,
    fmt,
)
from micrograd_mlp.optim import SGD, Adam


def _adam_variant(p, g, m, v, t, lr, b1, b2, eps, variant):
    """One Adam step in plain floats, correct or with one known mistake."""
    m = b1 * m + (1 - b1) * g if variant != "no_lerp" else b1 * m + g
    v = b2 * v + (1 - b2) * g * g
    power = {"t_plus": t + 1, "t_minus": t - 1}.get(variant, t)
    c1, c2 = (1 - b1**power, 1 - b2**power) if variant != "no_correction" else (1.0, 1.0)
    if c1 == 0.0:
        return math.nan, m, v
    if variant == "eps_inside":
        return p - lr * (m / c1) / math.sqrt(v / c2 + eps), m, v
    if variant == "no_sqrt":
        return p - lr * (m / c1) / (v / c2 + eps), m, v
    return p - lr * (m / c1) / (math.sqrt(v / c2) + eps), m, v


_ADAM_HINTS = {
    "t_plus": "exercises.hint.adam_power",
    "t_minus": "exercises.hint.adam_power",
    "no_correction": "exercises.hint.adam_correction",
    "eps_inside": "exercises.hint.adam_eps",
    "no_sqrt": "exercises.hint.adam_sqrt",
    "no_lerp": "exercises.hint.adam_lerp",
}


def check(ctx: Context) -> None:
    """Exercise 8: ``sgd_momentum_step(params, grads, velocity, lr, momentum)`` and
    ``adam_step(params, grads, m, v, t, lr, beta1, beta2, eps)``, six steps each fed back their
    own state, against :class:`micrograd_mlp.optim.SGD` and :class:`~micrograd_mlp.optim.Adam`."""
    rng = ctx.rng
    for case in range(CASES // 4):
        n, lr, mu = rng.randint(1, 4), rng.choice((0.01, 0.1)), rng.choice((0.5, 0.9))
        params = [Value(rng.uniform(-1, 1)) for _ in range(n)]
        opt = SGD(params, lr=lr, momentum=mu)
        ours, velocity = [p.data for p in params], [0.0] * n
        ema = (list(ours), [0.0] * n)
        for step in range(1, 7):
            grads = [rng.uniform(-1, 1) for _ in range(n)]
            for p, g in zip(params, grads):
                p.grad = g
            opt.step()
            shown = ctx.say(
                "step",
                case=case + 1,
                step=step,
                rest=f"params={fmt(ours)}, grads={fmt(grads)}, lr={lr:g}, momentum={mu:g}",
            )
            got = ctx.call(
                "sgd_momentum_step",
                list(ours),
                list(grads),
                list(velocity),
                lr,
                mu,
                shown=shown,
            )
            got = as_parts("sgd_momentum_step", shown, got, 2)
            ema_v = [mu * v + (1 - mu) * g for v, g in zip(ema[1], grads)]
            ema = ([p - lr * v for p, v in zip(ema[0], ema_v)], ema_v)
            new, velocity = (
                as_numbers("sgd_momentum_step", shown, got[0], n),
                as_numbers("sgd_momentum_step", shown, got[1], n),
            )
            for j in range(n):
                expect(
                    ctx,
                    ctx.say("param", func="sgd_momentum_step", j=j),
                    shown,
                    params[j].data,
                    new[j],
                    [
                        ("exercises.hint.momentum_ema", ema[0][j]),
                        ("exercises.hint.descent_sign", ours[j] + lr * (mu * 0 + grads[j])),
                    ],
                    scale=1.0,
                )
            ours = new
    for case in range(CASES // 4):
        n, lr = rng.randint(1, 4), rng.choice((0.01, 0.1))
        b1, b2, eps = rng.choice((0.9, 0.8)), rng.choice((0.999, 0.99)), rng.choice((1e-8, 1e-3))
        params = [Value(rng.uniform(-1, 1)) for _ in range(n)]
        opt = Adam(params, lr=lr, betas=(b1, b2), eps=eps)
        ours, m, v = [p.data for p in params], [0.0] * n, [0.0] * n
        variants = {k: ([p.data for p in params], [0.0] * n, [0.0] * n) for k in _ADAM_HINTS}
        for t in range(1, 7):
            grads = [rng.uniform(-1, 1) for _ in range(n)]
            for p, g in zip(params, grads):
                p.grad = g
            opt.step()
            for k, (vp, vm, vv) in variants.items():
                stepped = [
                    _adam_variant(vp[j], grads[j], vm[j], vv[j], t, lr, b1, b2, eps, k)
                    for j in range(n)
                ]
                variants[k] = tuple(list(col) for col in zip(*stepped))
            shown = ctx.say(
                "step",
                case=case + 1,
                step=t,
                rest=(
                    f"params={fmt(ours)}, grads={fmt(grads)}, lr={lr:g}, "
                    f"beta1={b1:g}, beta2={b2:g}, eps={eps:g}"
                ),
            )
            got = ctx.call(
                "adam_step",
                list(ours),
                list(grads),
                list(m),
                list(v),
                t,
                lr,
                b1,
                b2,
                eps,
                shown=shown,
                on_error={"ZeroDivisionError": [("exercises.hint.adam_power", {})]},
            )
            got = as_parts("adam_step", shown, got, 3)
            new = as_numbers("adam_step", shown, got[0], n)
            m, v = (
                as_numbers("adam_step", shown, got[1], n),
                as_numbers("adam_step", shown, got[2], n),
            )
            for j in range(n):
                expect(
                    ctx,
                    ctx.say("param", func="adam_step", j=j),
                    shown,
                    params[j].data,
                    new[j],
                    [(hint, variants[k][0][j]) for k, hint in _ADAM_HINTS.items()],
                    scale=1.0,
                )
            ours = new
