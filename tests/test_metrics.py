"""accuracy (PyTorch's order: input, target) and confusion_matrix (scikit-learn's: y_true,
y_pred): hand-worked cases, a brute-force cross-check, errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from micrograd_mlp.engine import Value
from micrograd_mlp.metrics import accuracy, confusion_matrix
from micrograd_mlp.tensor import Tensor


def test_accuracy_hand_worked():
    assert accuracy([0, 1, 1, 3], [0, 1, 2, 3]) == 0.75
    assert accuracy(np.array([-1.0, 1.0]), np.array([1.0, 1.0])) == 0.5
    assert accuracy([4], [4]) == 1.0
    assert accuracy(np.array([True, False]), [True, True]) == 0.5


def test_accuracy_takes_scores_first_and_labels_second_as_pytorch():
    # input (B, C) scores: the predicted class is the largest; target (B,) labels.
    scores = np.array([[0.1, 2.0, -1.0], [3.0, 0.0, 0.0], [0.0, 0.0, 0.5], [1.0, 2.0, 0.0]])
    labels = np.array([1, 0, 2, 0])
    assert accuracy(scores, labels) == 0.75
    assert accuracy(Tensor(scores), labels) == 0.75  # a Tensor of logits
    rows = [[Value(v) for v in row] for row in scores.tolist()]  # the scalar engine's outputs
    assert accuracy(rows, labels) == 0.75
    assert accuracy(scores.argmax(axis=1), labels) == 0.75  # predicted labels


def test_accuracy_errors_name_the_shapes():
    with pytest.raises(ValueError, match=r"target must be labels of shape \(3,\).*\(2,\)"):
        accuracy([0, 1, 2], [0, 1])
    with pytest.raises(ValueError, match=r"target must be labels of shape \(3,\).*\(3, 3\)"):
        accuracy(np.eye(3), np.eye(3))  # one-hot targets: pass their argmax
    with pytest.raises(ValueError, match=r"got shape \(3, 1\).*scores > 0"):
        accuracy(np.zeros((3, 1)), [0, 1, 0])
    with pytest.raises(ValueError, match=r"input\[1\] = 0.25 .*scores > 0"):
        accuracy([1.0, 0.25], [1, 0])  # one score per sample is not a label
    with pytest.raises(ValueError, match="no samples"):
        accuracy([], [])


def test_confusion_matrix_hand_worked():
    # true 0 -> predicted 0 twice and 1 once; true 2 -> predicted 1; class 1 never occurs.
    cm = confusion_matrix([0, 0, 0, 2], [0, 1, 0, 1], num_classes=3)
    assert cm.dtype == np.int64
    assert cm.tolist() == [[2, 1, 0], [0, 0, 0], [0, 1, 0]]


def test_confusion_matrix_accepts_whole_floats():
    assert confusion_matrix([1.0, 0.0], [1.0, 1.0], 2).tolist() == [[0, 1], [0, 1]]


@given(
    st.integers(1, 6).flatmap(
        lambda k: st.tuples(
            st.just(k),
            st.lists(st.tuples(st.integers(0, k - 1), st.integers(0, k - 1)), min_size=1),
        )
    )
)
def test_confusion_matrix_matches_counting_pairs(case):
    k, pairs = case
    true, pred = np.array(pairs).T
    cm = confusion_matrix(true, pred, k)
    for i in range(k):
        for j in range(k):
            assert cm[i, j] == sum(1 for t, p in pairs if t == i and p == j)
    assert cm.sum() == len(pairs)
    assert np.trace(cm) / len(pairs) == pytest.approx(accuracy(pred, true))


def test_confusion_matrix_shape_errors_name_both_shapes():
    with pytest.raises(ValueError, match=r"shapes \(3,\) and \(2,\)"):
        confusion_matrix([0, 1, 2], [0, 1], 3)
    with pytest.raises(ValueError, match=r"\(3, 3\).*argmax"):
        confusion_matrix([0, 1, 2], np.eye(3), 3)
    with pytest.raises(ValueError, match="empty"):
        confusion_matrix([], [], 3)


@pytest.mark.parametrize(
    "true, pred, k, match",
    [
        ([0, 3], [0, 1], 3, r"y_true\[1\] = 3 is not a class index in \[0, 3\)"),
        ([0, 1], [0, -1], 3, r"y_pred\[1\] = -1"),
        ([0, 1.5], [0, 1], 3, r"y_true\[1\] = 1.5"),
        ([0, np.nan], [0, 1], 3, r"y_true\[1\] = nan"),
        (["a"], ["b"], 3, "dtype <U1"),
        ([0], [0], 0, "num_classes must be >= 1, got 0"),
        ([0], [0], 2.0, "num_classes must be an int, got 2.0"),
    ],
)
def test_confusion_matrix_rejects_bad_labels(true, pred, k, match):
    with pytest.raises(ValueError, match=match):
        confusion_matrix(true, pred, k)
