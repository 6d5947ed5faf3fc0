"""Toy data sets: logic gates, two moons, regression curves."""

from __future__ import annotations

import numpy as np
import pytest

from micrograd_mlp.data import (
    linear_regression_data,
    logic_gate,
    make_moons,
    sine_regression_data,
    xor,
)

GATES = {
    "and": lambda a, b: a and b,
    "or": lambda a, b: a or b,
    "xor": lambda a, b: a != b,
    "nand": lambda a, b: not (a and b),
}


@pytest.mark.parametrize("name", GATES)
def test_logic_gates_follow_their_truth_tables(name):
    X, y = logic_gate(name)
    assert X.shape == (4, 2) and X.dtype == np.float64
    assert y.shape == (4,) and y.dtype == np.int64
    assert {tuple(row) for row in X} == {(0, 0), (0, 1), (1, 0), (1, 1)}
    for (a, b), label in zip(X, y):
        assert label == int(GATES[name](bool(a), bool(b)))


def test_xor_is_the_xor_gate_and_a_fresh_copy():
    X, y = xor()
    np.testing.assert_array_equal(y, (X[:, 0] != X[:, 1]).astype(int))
    X[...] = 9
    assert xor()[0].max() == 1.0


def test_unknown_gate_lists_the_known():
    with pytest.raises(ValueError, match="and, or, xor, nand"):
        logic_gate("nor")


def test_moons_shapes_labels_and_seeding():
    X, y = make_moons(101, seed=0)
    assert X.shape == (101, 2) and X.dtype == np.float64
    assert y.shape == (101,) and y.dtype == np.int64
    assert np.bincount(y).tolist() == [50, 51]
    X2, y2 = make_moons(101, seed=0)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    assert not np.array_equal(X, make_moons(101, seed=1)[0])
    X3, _ = make_moons(101, seed=np.random.default_rng(0))
    np.testing.assert_array_equal(X, X3)
    assert not np.array_equal(y[:50], np.sort(y[:50]))  # shuffled, not class-sorted


def test_moons_are_two_separable_interleaving_half_circles():
    X, y = make_moons(200, noise=0.0, seed=0)
    upper, lower = X[y == 0], X[y == 1]
    # On their circles: unit radius around (0, 0) (upper half) and (1, 0.5) (lower half).
    np.testing.assert_allclose(np.hypot(*upper.T), 1.0)
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1, lower[:, 1] - 0.5), 1.0)
    assert upper[:, 1].min() >= -1e-12 and lower[:, 1].max() <= 0.5 + 1e-12
    # Interleaving: each moon has points inside the other's convex hull (a half disc), so no
    # straight line separates the classes.
    assert np.any((upper[:, 1] < 0.5) & (np.hypot(upper[:, 0] - 1, upper[:, 1] - 0.5) < 1))
    assert np.any((lower[:, 1] > 0) & (np.hypot(*lower.T) < 1))
    # Separable all the same: the tip (0, 0.5) of the lower moon is the closest either gets to
    # the other, 0.5 from the upper circle.
    gaps = np.linalg.norm(upper[:, None, :] - lower[None, :, :], axis=-1)
    assert gaps.min() > 0.45


def test_moons_noise_has_the_requested_spread():
    clean, _ = make_moons(2000, noise=0.0, seed=5)
    noisy, _ = make_moons(2000, noise=0.2, seed=5)
    spread = (noisy - clean).std()
    assert 0.18 < spread < 0.22


@pytest.mark.parametrize(
    ("kwargs", "message"), [({"n_samples": 1}, "n_samples"), ({"noise": -0.1}, "noise")]
)
def test_moons_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_moons(**kwargs)


def test_linear_regression_data():
    x, y = linear_regression_data(50, w=3.0, b=-2.0, noise=0.0, seed=0)
    assert x.shape == y.shape == (50,) and x.dtype == y.dtype == np.float64
    assert x.min() >= -1 and x.max() <= 1
    np.testing.assert_allclose(y, 3.0 * x - 2.0)
    x, y = linear_regression_data(2000, w=3.0, b=-2.0, noise=0.1, seed=0)
    w, b = np.polyfit(x, y, 1)
    assert abs(w - 3.0) < 0.02 and abs(b + 2.0) < 0.02  # standard errors are about 0.004, 0.002
    np.testing.assert_array_equal(y, linear_regression_data(2000, 3.0, -2.0, 0.1, seed=0)[1])


def test_sine_regression_data():
    x, y = sine_regression_data(200, noise=0.0, seed=0)
    assert x.shape == y.shape == (200,) and x.dtype == y.dtype == np.float64
    assert x.min() >= -np.pi and x.max() <= np.pi
    np.testing.assert_allclose(y, np.sin(x))
    _, noisy = sine_regression_data(200, noise=0.3, seed=0)
    assert 0.25 < (noisy - y).std() < 0.35
    with pytest.raises(ValueError, match="n must be"):
        sine_regression_data(0)
