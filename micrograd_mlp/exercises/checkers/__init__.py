"""The ten checkers, one module per exercise, and :func:`run_check`."""

from __future__ import annotations

__all__ = ["CHECKS", "run_check"]

from collections.abc import Callable
from pathlib import Path
from types import ModuleType

from micrograd_mlp.exercises.checkers import (
    ex01_local_derivatives,
    ex02_value,
    ex03_topological_order,
    ex04_backward,
    ex05_neuron_mse,
    ex06_gradient_descent,
    ex07_softmax_cross_entropy,
    ex08_optimizers,
    ex09_xor,
    ex10_vectorized_layer,
)
from micrograd_mlp.exercises.grading import Context, Failure, Hint, Outcome


def run_check(number: int, module: ModuleType, graph_dir: Path | None = None) -> Outcome:
    """Run exercise ``number``'s check on the learner's ``module``.

    Returns:
        An :class:`Outcome`: ``status`` is ``"passed"``, ``"failing"`` or ``"not_started"``.
    """
    ctx = Context(number, graph_dir)
    try:
        CHECKS[number](module, ctx)
    except Failure as failure:
        # An unwritten function after others passed: the exercise is under way, not unstarted.
        started = failure.status == "not_started" and ctx.cases > 0
        return Outcome(
            status="failing" if started else failure.status,
            message=[failure.key, failure.fields],
            hints=[[k, {a: str(b) for a, b in f.items()}] for k, f in _unique(failure.hints)],
            graph=failure.graph,
            cases=ctx.cases,
        )
    return Outcome(
        status="passed",
        message=["exercises.pass", {"cases": str(ctx.cases)}],
        hints=[],
        graph=None,
        cases=ctx.cases,
    )


def _unique(hints: list[Hint]) -> list[Hint]:
    seen, out = set(), []
    for key, fields in hints:
        if key not in seen:
            seen.add(key)
            out.append((key, fields))
    return out


CHECKS: dict[int, Callable[[ModuleType, Context], None]] = {
    1: ex01_local_derivatives.check,
    2: ex02_value.check,
    3: ex03_topological_order.check,
    4: ex04_backward.check,
    5: ex05_neuron_mse.check,
    6: ex06_gradient_descent.check,
    7: ex07_softmax_cross_entropy.check,
    8: ex08_optimizers.check,
    9: ex09_xor.check,
    10: ex10_vectorized_layer.check,
}
