"""Findings of a red-team pass over the Python API, each pinned by the test that caught it."""

from __future__ import annotations

import numpy as np
import pytest

from micrograd_mlp.nn import MLP as ScalarMLP
from micrograd_mlp.tensor import Tensor
from micrograd_mlp.training import accuracy


# ------------------------------------------------------------------ training.accuracy shapes
def test_accuracy_refuses_a_column_of_targets_instead_of_broadcasting_it():
    # (B, 1) targets against (B,) predictions used to broadcast to (B, B): "accuracy" 5/3.
    scores = Tensor(np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]]))
    assert accuracy(scores, np.array([0, 0, 1])) == 1.0
    assert accuracy(scores, [0, 1, 1]) == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match=r"targets must be class indices.*\(3, 1\)"):
        accuracy(scores, np.array([[0], [0], [1]]))
    with pytest.raises(ValueError, match=r"shape \(3,\).*got shape \(2,\)"):
        accuracy(scores, np.array([0, 0]))


def test_accuracy_refuses_one_output_per_sample():
    # A scalar MLP with one output returns one Value per sample: (B,) outputs, no classes.
    # argmax over them used to pick one index for the whole batch (an "accuracy" up to B).
    model = ScalarMLP(2, [3, 1], seed=0)
    outputs = [model(x) for x in [[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]]
    with pytest.raises(ValueError, match=r"outputs must be class scores of shape \(B, C\)"):
        accuracy(outputs, np.zeros(3, dtype=int))
    two = ScalarMLP(2, [3, 2], seed=0)
    scores = [two(x) for x in [[0.0, 1.0], [1.0, 0.0]]]
    predicted = np.array([[v.data for v in s] for s in scores]).argmax(axis=1)
    assert accuracy(scores, predicted) == 1.0
