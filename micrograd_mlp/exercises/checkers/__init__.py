"""The ten checkers, one module per exercise (named as its template), each a function
``check(ctx)`` that asks the learner's process for answers through ``ctx``
(:class:`~micrograd_mlp.exercises.grading.Context`), compares them with reference values it
computes itself, and raises :class:`~micrograd_mlp.exercises.grading.Failure` at the first
failing case."""

from __future__ import annotations

from collections.abc import Callable

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
from micrograd_mlp.exercises.grading import Context

__all__ = ["CHECKS"]

#: Exercise number -> its check.
CHECKS: dict[int, Callable[[Context], None]] = {
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
