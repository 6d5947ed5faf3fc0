"""Exercise 10: one vectorized layer."""

from __future__ import annotations

from types import ModuleType

import numpy as np

from micrograd_mlp.engine import Value
from micrograd_mlp.exercises.grading import (
    CASES,
    Context,
    as_array,
    as_parts,
    call,
    expect_array,
    grad_of,
    say,
)


# ------------------------------------------------------ one vectorized layer (exercise 10)
def _scalar_layer(X: np.ndarray, W: np.ndarray, b: np.ndarray, G: np.ndarray):
    """Y = X W^T + b and the gradients of sum(G * Y), element by element on the scalar engine."""
    xv = [[Value(float(v)) for v in row] for row in X]
    wv = [[Value(float(v)) for v in row] for row in W]
    bv = [Value(float(v)) for v in b]
    ys = [[Value.dot(wv[j], xv[i], bv[j]) for j in range(W.shape[0])] for i in range(X.shape[0])]
    loss = Value.sum([y * float(G[i, j]) for i, row in enumerate(ys) for j, y in enumerate(row)])
    loss.backward()
    arr = lambda rows: np.array([[grad_of(v) for v in row] for row in rows])  # noqa: E731
    Y = np.array([[y.data for y in row] for row in ys])
    return Y, arr(xv), arr(wv), np.array([grad_of(v) for v in bv])


def check(module: ModuleType, ctx: Context) -> None:
    """Exercise 10: ``linear_forward(X, W, b)`` = X W^T + b and ``linear_backward(X, W, dY)`` =
    (dY W, dY^T X, dY summed over the batch), against the scalar engine element by element."""
    rng = np.random.default_rng(1010)
    for case in range(CASES // 2):
        n, nin, nout = (int(v) for v in rng.integers(1, 5, size=3))
        if case % 3 == 0:
            n = max(n, 2)
            nin = max(nin, 2)
            nout = nin + 1
        X, W = rng.normal(size=(n, nin)), rng.normal(size=(nout, nin))
        b, G = rng.normal(size=nout), rng.normal(size=(n, nout))
        Y, dX, dW, db = _scalar_layer(X, W, b, G)
        shown = say("number", shapes=f"X {X.shape}, W {W.shape}, b {b.shape}", case=case + 1)
        got = as_array(
            "linear_forward",
            shown,
            call(module, "linear_forward", X.copy(), W.copy(), b.copy(), shown=shown),
            Y.shape,
            [("exercises.hint.transpose_w", {})],
        )
        expect_array(
            ctx, "linear_forward", shown, Y, got, [("exercises.hint.transpose_w", X @ W.T)]
        )
        shown = say("number", shapes=f"X {X.shape}, W {W.shape}, dY {G.shape}", case=case + 1)
        got = call(module, "linear_backward", X.copy(), W.copy(), G.copy(), shown=shown)
        got = as_parts("linear_backward", shown, got, 3)
        for name, expected, value, mistakes in (
            ("dX", dX, got[0], [("exercises.hint.dx", None)]),
            ("dW", dW, got[1], [("exercises.hint.dw_transpose", None)]),
            (
                "db",
                db,
                got[2],
                [("exercises.hint.db_mean", db / n), ("exercises.hint.db_axis", None)],
            ),
        ):
            shape_hints = [(k, {}) for k, _ in mistakes if k != "exercises.hint.db_mean"]
            arr = as_array(f"linear_backward ({name})", shown, value, expected.shape, shape_hints)
            expect_array(
                ctx,
                f"linear_backward ({name})",
                shown,
                expected,
                arr,
                [(k, w) for k, w in mistakes if w is not None],
            )
