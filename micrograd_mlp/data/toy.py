"""Small synthetic data sets for the demos: logic gates, two moons, 1-D regression.

Everything is plain NumPy. Random sets take ``seed``: an int (reproducible), a
``numpy.random.Generator`` (used as is, so a caller can chain draws) or None (fresh entropy),
as everywhere in micrograd-mlp (:func:`micrograd_mlp.module.make_rng`).
"""

from __future__ import annotations

import numpy as np

from micrograd_mlp.module import make_rng

__all__ = [
    "LOGIC_GATES",
    "linear_regression_data",
    "logic_gate",
    "make_moons",
    "sine_regression_data",
    "xor",
]

# The four corners of the unit square, in truth-table order (a, b) = 00, 01, 10, 11.
_INPUTS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])

#: Truth tables: gate name -> outputs for the inputs 00, 01, 10, 11.
LOGIC_GATES: dict[str, tuple[int, int, int, int]] = {
    "and": (0, 0, 0, 1),
    "or": (0, 1, 1, 1),
    "xor": (0, 1, 1, 0),
    "nand": (1, 1, 1, 0),
}


def logic_gate(name: str) -> tuple[np.ndarray, np.ndarray]:
    """The truth table of a two-input logic gate as a tiny classification set.

    Args:
        name: ``"and"``, ``"or"``, ``"xor"`` or ``"nand"``.

    Returns:
        ``X`` of shape (4, 2), float64, the inputs 00, 01, 10, 11 (0.0 or 1.0), and ``y`` of
        shape (4,), int64, the gate's output (0 or 1) for each row.

    Raises:
        ValueError: an unknown gate name (the message lists the known ones).
    """
    if name not in LOGIC_GATES:
        raise ValueError(f"unknown logic gate {name!r}; expected one of {', '.join(LOGIC_GATES)}")
    return _INPUTS.copy(), np.array(LOGIC_GATES[name], dtype=np.int64)


def xor() -> tuple[np.ndarray, np.ndarray]:
    """XOR, the classic set no single linear unit can fit: ``logic_gate("xor")``.

    Returns:
        ``X`` (4, 2) float64 and ``y`` (4,) int64 = [0, 1, 1, 0].
    """
    return logic_gate("xor")


def _check_count(name: str, n: int, minimum: int) -> None:
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {n!r}")


def _check_noise(noise: float) -> None:
    if not np.isfinite(noise) or noise < 0:
        raise ValueError(f"noise must be a finite number >= 0, got {noise!r}")


def make_moons(
    n_samples: int = 100, noise: float = 0.1, seed: int | np.random.Generator | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles: a small set no straight line separates.

    Class 0 is the upper half of the unit circle around (0, 0): ``(cos t, sin t)``; class 1 is
    the lower half of the unit circle around (1, 0.5): ``(1 - cos t, 0.5 - sin t)``; in both,
    ``t`` is evenly spaced over [0, pi]. Each moon's tip reaches into the other's hollow, so the
    classes interleave, yet without noise the two arcs stay apart. Gaussian noise of standard
    deviation ``noise`` is then added to every coordinate and the rows are shuffled.

    Args:
        n_samples: total number of points (>= 2); class 0 gets ``n_samples // 2`` of them.
        noise: standard deviation of the added Gaussian noise (>= 0).
        seed: int, ``numpy.random.Generator`` or None (see the module docstring).

    Returns:
        ``X`` of shape (n_samples, 2), float64, and ``y`` of shape (n_samples,), int64 in {0, 1}.

    Raises:
        ValueError: ``n_samples`` is not an integer >= 2, or ``noise`` is negative or not finite.
    """
    _check_count("n_samples", n_samples, 2)
    _check_noise(noise)
    rng = make_rng(seed, "make_moons")
    n0 = n_samples // 2
    t0 = np.linspace(0.0, np.pi, n0)
    t1 = np.linspace(0.0, np.pi, n_samples - n0)
    upper = np.column_stack([np.cos(t0), np.sin(t0)])
    lower = np.column_stack([1.0 - np.cos(t1), 0.5 - np.sin(t1)])
    X = np.concatenate([upper, lower]) + rng.normal(0.0, noise, size=(n_samples, 2))
    y = np.concatenate([np.zeros(n0, dtype=np.int64), np.ones(n_samples - n0, dtype=np.int64)])
    order = rng.permutation(n_samples)
    return X[order], y[order]


def linear_regression_data(
    n: int = 100,
    w: float = 2.0,
    b: float = -1.0,
    noise: float = 0.1,
    seed: int | np.random.Generator | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Points on the line ``y = w x + b`` plus Gaussian noise, for linear regression.

    Args:
        n: number of points (>= 2, so the least-squares line is defined).
        w, b: slope and intercept of the true line.
        noise: standard deviation of the Gaussian noise added to ``y`` (>= 0).
        seed: int, ``numpy.random.Generator`` or None (see the module docstring).

    Returns:
        ``x`` of shape (n,), float64, drawn uniformly from [-1, 1], and ``y`` of shape (n,),
        float64. (Use ``x[:, None]`` for an ``(n, 1)`` input matrix.)

    Raises:
        ValueError: ``n`` is not an integer >= 2, or ``noise`` is negative or not finite.
    """
    _check_count("n", n, 2)
    _check_noise(noise)
    rng = make_rng(seed, "linear_regression_data")
    x = rng.uniform(-1.0, 1.0, size=n)
    return x, w * x + b + rng.normal(0.0, noise, size=n)


def sine_regression_data(
    n: int = 100, noise: float = 0.1, seed: int | np.random.Generator | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Points on ``y = sin(x)`` for ``x`` in [-pi, pi], plus Gaussian noise: a nonlinear fit.

    Args:
        n: number of points (>= 1).
        noise: standard deviation of the Gaussian noise added to ``y`` (>= 0).
        seed: int, ``numpy.random.Generator`` or None (see the module docstring).

    Returns:
        ``x`` of shape (n,), float64, drawn uniformly from [-pi, pi] (radians), and ``y`` of
        shape (n,), float64.

    Raises:
        ValueError: ``n`` is not an integer >= 1, or ``noise`` is negative or not finite.
    """
    _check_count("n", n, 1)
    _check_noise(noise)
    rng = make_rng(seed, "sine_regression_data")
    x = rng.uniform(-np.pi, np.pi, size=n)
    return x, np.sin(x) + rng.normal(0.0, noise, size=n)
