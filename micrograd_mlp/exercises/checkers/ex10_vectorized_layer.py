"""Exercise 10: one vectorized layer, forward and backward with NumPy, against the same layer
built on the scalar engine, one Value per number. A third of the cases are square (in = out), so
that a wrong transpose keeps the shape and is named by its values; in another third out = in + 1,
so that it changes the shape and is named by it."""

from __future__ import annotations

import numpy as np

from micrograd_mlp.engine import Value
from micrograd_mlp.exercises.grading import (
    CASES,
    Context,
    as_array,
    as_parts,
    expect_array,
    grad_of,
)


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


def _shapes(rng: np.random.Generator, case: int) -> tuple[int, int, int]:
    n, nin, nout = (int(v) for v in rng.integers(1, 5, size=3))
    if case % 3 == 0:  # square: a wrong transpose has the right shape
        return max(n, 2), max(nin, 2), max(nin, 2)
    if case % 3 == 1:  # out = in + 1: a wrong transpose has the wrong shape
        return max(n, 2), max(nin, 2), max(nin, 2) + 1
    return n, nin, nout


def check(ctx: Context) -> None:
    """Exercise 10: ``linear_forward(X, W, b)`` = X W^T + b and ``linear_backward(X, W, dY)`` =
    (dY W, dY^T X, dY summed over the batch), against the scalar engine element by element."""
    rng = np.random.default_rng(ctx.rng.randrange(2**63))
    for case in range(CASES // 2):
        n, nin, nout = _shapes(rng, case)
        X, W = rng.normal(size=(n, nin)), rng.normal(size=(nout, nin))
        b, G = rng.normal(size=nout), rng.normal(size=(n, nout))
        Y, dX, dW, db = _scalar_layer(X, W, b, G)
        shown = ctx.say("number", shapes=f"X {X.shape}, W {W.shape}, b {b.shape}", case=case + 1)
        transpose = [("exercises.hint.transpose_w", {})]
        answer = ctx.call("linear_forward", X, W, b, shown=shown, arrays=(0, 1, 2))
        got = as_array("linear_forward", shown, answer, Y.shape, transpose)
        wrong = [("exercises.hint.bias", X @ W.T)]
        if nin == nout:
            wrong.append(("exercises.hint.transpose_w", X @ W + b))
        scale = np.abs(X) @ np.abs(W).T + np.abs(b)
        expect_array(ctx, "linear_forward", shown, Y, got, scale, wrong)
        shown = ctx.say("number", shapes=f"X {X.shape}, W {W.shape}, dY {G.shape}", case=case + 1)
        answer = ctx.call("linear_backward", X, W, G, shown=shown, arrays=(0, 1, 2))
        got = as_parts("linear_backward", shown, answer, 3)
        square = nin == nout
        for name, expected, value, scale, shape_hint, mistakes in (
            (
                "dX",
                dX,
                got[0],
                np.abs(G) @ np.abs(W),
                "exercises.hint.dx",
                [("exercises.hint.dx_transpose", G @ W.T)] if square else [],
            ),
            (
                "dW",
                dW,
                got[1],
                np.abs(G).T @ np.abs(X),
                "exercises.hint.dw_transpose",
                [("exercises.hint.dw_transpose", X.T @ G)] if square else [],
            ),
            (
                "db",
                db,
                got[2],
                np.abs(G).sum(axis=0),
                "exercises.hint.db_axis",
                [("exercises.hint.db_mean", db / n)],
            ),
        ):
            func = f"linear_backward ({name})"
            arr = as_array(func, shown, value, expected.shape, [(shape_hint, {})])
            expect_array(ctx, func, shown, expected, arr, scale, mistakes)
