"""Exercise 7: softmax and cross-entropy."""

from __future__ import annotations

import math
import random
from types import ModuleType

from micrograd_mlp import functional
from micrograd_mlp.engine import Value
from micrograd_mlp.exercises.grading import (
    CASES,
    Context,
    Failure,
    as_number,
    as_numbers,
    call,
    expect,
    fmt,
    grad_of,
    say,
)


# ---------------------------------------------------- softmax and cross-entropy (exercise 7)
def check(module: ModuleType, ctx: Context) -> None:
    """Exercise 7: ``softmax(z)``, ``cross_entropy(z, target)`` = -log softmax(z)[target], and
    ``cross_entropy_grad(z, target)`` = softmax(z) - onehot(target); also for logits near 1000
    (where exp overflows unless the largest logit is subtracted first)."""
    rng = random.Random(707)
    stable = {
        OverflowError: [("exercises.hint.stable", {})],
        ValueError: [("exercises.hint.stable", {})],
    }
    for i in range(CASES):
        c = rng.randint(2, 6)
        shift = 1000.0 if i % 5 == 4 else 0.0
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
            call(module, "softmax", list(z), shown=f"z={fmt(z)}", on_error=stable),
            c,
        )
        if not all(map(math.isfinite, got)):
            raise Failure(
                "exercises.fail.not_finite",
                func="softmax",
                input=shown,
                got=fmt(got),
                hints=[("exercises.hint.stable", {})],
            )
        unnormalised = [math.exp(v - max(z)) for v in z]
        for j in range(c):
            expect(
                ctx,
                say("entry", func="softmax", j=j),
                f"z={fmt(z)}",
                p[j],
                got[j],
                [("exercises.hint.normalise", unnormalised[j])],
            )
        got = as_number(
            "cross_entropy",
            shown,
            call(module, "cross_entropy", list(z), t, shown=shown, on_error=stable),
        )
        expect(
            ctx,
            "cross_entropy",
            shown,
            loss.data,
            got,
            [("exercises.hint.ce_sign", -loss.data), ("exercises.hint.ce_log", -z[t])],
        )
        got = as_numbers(
            "cross_entropy_grad",
            shown,
            call(module, "cross_entropy_grad", list(z), t, shown=shown, on_error=stable),
            c,
        )
        for j in range(c):
            onehot = 1.0 if j == t else 0.0
            expect(
                ctx,
                say("entry", func="cross_entropy_grad", j=j),
                shown,
                grads[j],
                got[j],
                [("exercises.hint.onehot_sign", onehot - p[j])]
                + ([("exercises.hint.onehot", p[j])] if j == t else []),
            )
