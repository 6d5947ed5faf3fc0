"""Exercise 9: an MLP learns XOR."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

from micrograd_mlp.exercises.grading import (
    Context,
    Failure,
    as_number,
    call,
    fmt,
    invoke,
    say,
)

# ------------------------------------------------------------------- XOR (exercise 9)
_GATES = {"and": [0, 0, 0, 1], "xor": [0, 1, 1, 0]}
_POINTS = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]


def _correct(predict: Callable, targets: list[int], trainer: str) -> int:
    """How many of the four points ``predict`` (returned by ``trainer``) classifies right."""
    right, func = 0, say("predict", trainer=trainer)
    for x, t in zip(_POINTS, targets):
        score = invoke(func, predict, (list(x),), fmt(x))
        score = as_number(func, fmt(x), getattr(score, "data", score))
        right += int((score > 0.5) == bool(t))
    return right


def check(module: ModuleType, ctx: Context) -> None:
    """Exercise 9: ``train_perceptron(X, y, seed)`` learns AND but not XOR (one neuron draws
    one line); ``train_mlp(X, y, seed)`` learns XOR for seeds 0, 1 and 2."""
    X = [list(p) for p in _POINTS]
    predict = call(module, "train_perceptron", X, _GATES["and"], 0, shown="AND, seed=0")
    right = _correct(predict, _GATES["and"], "train_perceptron")
    if right != 4:
        raise Failure(
            "exercises.fail.gate",
            func="train_perceptron",
            gate="AND",
            right=right,
            hints=[("exercises.hint.train", {})],
        )
    ctx.cases += 1
    predict = call(module, "train_perceptron", X, _GATES["xor"], 0, shown="XOR, seed=0")
    right = _correct(predict, _GATES["xor"], "train_perceptron")
    if right == 4:
        raise Failure(
            "exercises.fail.perceptron_xor",
            func="train_perceptron",
            hints=[("exercises.hint.one_neuron", {})],
        )
    ctx.cases += 1
    for seed in (0, 1, 2):
        predict = call(module, "train_mlp", X, _GATES["xor"], seed, shown=f"XOR, seed={seed}")
        right = _correct(predict, _GATES["xor"], "train_mlp")
        if right != 4:
            raise Failure(
                "exercises.fail.gate",
                func=f"train_mlp (seed={seed})",
                gate="XOR",
                right=right,
                hints=[
                    ("exercises.hint.hidden", {}),
                    ("exercises.hint.zero_grad", {}),
                    ("exercises.hint.train", {}),
                ],
            )
        ctx.cases += 1
