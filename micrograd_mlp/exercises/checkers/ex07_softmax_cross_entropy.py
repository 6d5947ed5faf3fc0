"""Exercise 7: softmax and cross-entropy on lists of logits (some near +1000 or -1000, where exp
overflows or underflows unless the largest logit is subtracted first), against the library's
softmax, cross_entropy and backward(). A wrong gradient is compared as a whole vector with the
typical wrong softmax derivatives: p(1 - p) everywhere (the Jacobian's diagonal), p - 1
everywhere, one row of the Jacobian (d p_t/dz, without the log), p alone, onehot - p."""

from __future__ import annotations

import math

from micrograd_mlp import functional
from micrograd_mlp.engine import Value
from micrograd_mlp.exercises.grading import (
    CASES,
    Context,
    Failure,
    Hint,
    as_number,
    as_numbers,
    close,
    expect,
    fmt,
    grad_of,
    matching,
)

_STABLE: list[Hint] = [("exercises.hint.stable", {})]
_ON_ERROR = {"OverflowError": _STABLE, "ValueError": _STABLE, "ZeroDivisionError": _STABLE}


def wrong_gradients(p: list[float], t: int) -> list[tuple[str, list[float]]]:
    """The typical wrong d cross_entropy/dz for probabilities ``p`` and target ``t``."""
    onehot = [1.0 if j == t else 0.0 for j in range(len(p))]
    row = [p[t] * (onehot[j] - pj) for j, pj in enumerate(p)]  # d p_t/dz_j
    return [
        ("exercises.hint.onehot", list(p)),
        ("exercises.hint.onehot_sign", [o - pj for o, pj in zip(onehot, p)]),
        ("exercises.hint.onehot_everywhere", [pj - 1.0 for pj in p]),
        ("exercises.hint.softmax_diagonal", [pj * (1.0 - pj) for pj in p]),
        ("exercises.hint.softmax_diagonal", [pj * (1.0 - pj) - o for o, pj in zip(onehot, p)]),
        ("exercises.hint.jacobian_row", row),
        ("exercises.hint.jacobian_row", [-r for r in row]),
    ]


def _check_grad(ctx: Context, shown: str, expected: list[float], got: list[float], p, t) -> None:
    wrong = [j for j, (g, e) in enumerate(zip(got, expected)) if not close(g, e, 1.0)]
    if not wrong:
        ctx.cases += len(got)
        return
    hints = [
        (key, {})
        for key, values in wrong_gradients(p, t)
        if all(matching(g, [(key, v)], 1.0) for g, v in zip(got, values))
    ]
    j = wrong[0]
    raise Failure(
        "exercises.fail.mismatch",
        func=ctx.say("entry", func="cross_entropy_grad", j=j),
        input=shown,
        expected=expected[j],
        got=got[j],
        hints=hints or matching(got[j], [("exercises.hint.onehot", p[j])], 1.0),
    )


def check(ctx: Context) -> None:
    """Exercise 7: ``softmax(z)``, ``cross_entropy(z, target)`` = -log softmax(z)[target], and
    ``cross_entropy_grad(z, target)`` = softmax(z) - onehot(target)."""
    rng = ctx.rng
    for i in range(CASES):
        c = rng.randint(2, 6)
        shift = {3: -1000.0, 4: 1000.0}.get(i % 5, 0.0)
        z = [rng.uniform(-5, 5) + shift for _ in range(c)]
        t = rng.randrange(c)
        shown = f"z={fmt(z)}, target={t}"
        logits = [Value(v) for v in z]
        p = [s.data for s in functional.softmax(logits)]
        loss = functional.cross_entropy(logits, t, reduction="none")
        loss.backward()
        grads = [grad_of(v) for v in logits]
        got = as_numbers(
            "softmax",
            shown,
            ctx.call("softmax", list(z), shown=f"z={fmt(z)}", on_error=_ON_ERROR),
            c,
        )
        if not all(map(math.isfinite, got)):
            raise Failure(
                "exercises.fail.not_finite",
                func="softmax",
                input=shown,
                got=got,
                hints=_STABLE,
            )
        unnormalised = [math.exp(v - max(z)) for v in z]
        for j in range(c):
            expect(
                ctx,
                ctx.say("entry", func="softmax", j=j),
                f"z={fmt(z)}",
                p[j],
                got[j],
                [("exercises.hint.normalise", unnormalised[j])],
            )
        got = as_number(
            "cross_entropy",
            shown,
            ctx.call("cross_entropy", list(z), t, shown=shown, on_error=_ON_ERROR),
        )
        expect(
            ctx,
            "cross_entropy",
            shown,
            loss.data,
            got,
            [("exercises.hint.ce_sign", -loss.data), ("exercises.hint.ce_log", -z[t])],
            scale=1.0 + max(z) - min(z),
        )
        got = as_numbers(
            "cross_entropy_grad",
            shown,
            ctx.call("cross_entropy_grad", list(z), t, shown=shown, on_error=_ON_ERROR),
            c,
        )
        _check_grad(ctx, shown, grads, got, p, t)
