"""Exercise 9: a perceptron learns AND but not XOR, an MLP learns XOR, each for several seeds
drawn at check time; the learner's process reports the predictions on the four points, and
whether the gradients were reset between steps (a training loop that lets them pile up may still
end right on XOR: it fails here, named)."""

from __future__ import annotations

from micrograd_mlp.exercises.grading import (
    Context,
    Failure,
    Hint,
    as_number,
    fmt,
)

_GATES = {"AND": [0, 0, 0, 1], "XOR": [0, 1, 1, 0]}
_POINTS = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
#: Seeds per training, drawn at check time.
SEEDS = 3
_TRAIN: list[Hint] = [("exercises.hint.train", {})]


def _right(ctx: Context, func: str, gate: str, seed: int) -> int:
    """How many of the four points ``func``'s predict, trained on ``gate``, classifies right."""
    shown = f"{gate}, seed={seed}"
    predict = ctx.say("predict", trainer=func)
    answer = ctx.ask(
        "train",
        func,
        shown,
        stages={"train": (func, {}), "predict": (predict, {})},
        func=func,
        X=[list(p) for p in _POINTS],
        y=_GATES[gate],
        seed=seed,
        points=_POINTS,
    )
    if answer["stale"]:
        raise Failure(
            "exercises.fail.grad_not_reset",
            func=f"{func} ({shown})",
            stale=answer["stale"],
            passes=answer["passes"],
            hints=[("exercises.hint.zero_grad", {})],
        )
    right = 0
    for x, t, score in zip(_POINTS, _GATES[gate], answer["scores"]):
        right += int((as_number(predict, fmt(x), score) > 0.5) == bool(t))
    return right


def check(ctx: Context) -> None:
    """Exercise 9: ``train_perceptron(X, y, seed)`` learns AND but not XOR (one neuron draws
    one line); ``train_mlp(X, y, seed)`` learns XOR; each for :data:`SEEDS` random seeds."""
    seeds = [ctx.rng.randrange(10**6) for _ in range(SEEDS)]
    for seed in seeds:
        right = _right(ctx, "train_perceptron", "AND", seed)
        if right != 4:
            raise Failure(
                "exercises.fail.gate",
                func=f"train_perceptron (seed={seed})",
                gate="AND",
                right=right,
                hints=_TRAIN,
            )
        ctx.cases += 1
        if _right(ctx, "train_perceptron", "XOR", seed) == 4:
            raise Failure(
                "exercises.fail.perceptron_xor",
                func=f"train_perceptron (seed={seed})",
                hints=[("exercises.hint.one_neuron", {})],
            )
        ctx.cases += 1
    for seed in [*seeds, *(ctx.rng.randrange(10**6) for _ in range(2))]:
        right = _right(ctx, "train_mlp", "XOR", seed)
        if right != 4:
            raise Failure(
                "exercises.fail.gate",
                func=f"train_mlp (seed={seed})",
                gate="XOR",
                right=right,
                hints=[("exercises.hint.hidden", {}), *_TRAIN],
            )
        ctx.cases += 1
