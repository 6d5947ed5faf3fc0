"""Argument checks shared by every user-facing function (one home for "must be a positive int").

Each check returns the value converted to its plain Python type or raises an error whose message
starts with the argument's name, in the words of the interface the caller uses: a CLI passes its
option name (``"--lr"``), a Python function its parameter name (``"lr"``).
"""

from __future__ import annotations

import math
from numbers import Integral, Real

__all__ = ["finite_real", "nonnegative_real", "positive_int", "positive_real", "probability"]


def positive_int(name: str, n: object) -> int:
    """``n`` as an ``int`` >= 1.

    Raises:
        ValueError: ``n`` is not an integer (a bool, float or str is refused) or is < 1.
    """
    if isinstance(n, bool) or not isinstance(n, Integral) or n < 1:
        raise ValueError(f"{name} must be a positive integer, got {n!r}")
    return int(n)


def finite_real(name: str, x: object, *, noun: str | None = None) -> float:
    """``x`` as a finite ``float``.

    ``noun`` words the messages around what the value is called: by default ``"must be a real
    number"`` and ``"must be finite"``; ``noun="number"`` gives ``"must be a number"`` and
    ``"must be a finite number"`` (the losses' wording).

    Raises:
        TypeError: ``x`` is not a real number (a bool or str is refused).
        ValueError: ``x`` is NaN or infinite.
    """
    if isinstance(x, bool) or not isinstance(x, Real):
        kind = "a real number" if noun is None else f"a {noun}"
        raise TypeError(f"{name} must be {kind}, got {type(x).__name__} {x!r}")
    f = float(x)
    if not math.isfinite(f):
        raise ValueError(
            f"{name} must be {'finite' if noun is None else f'a finite {noun}'}, got {f!r}"
        )
    return f


def nonnegative_real(name: str, x: object, *, noun: str | None = None) -> float:
    """``x`` as a finite ``float`` >= 0 (errors as :func:`finite_real`, plus negative: ``"must be
    >= 0"``, or with ``noun="number"`` ``"must be a number >= 0"``)."""
    f = finite_real(name, x, noun=noun)
    if f < 0.0:
        raise ValueError(
            f"{name} must be {'>= 0' if noun is None else f'a {noun} >= 0'}, got {f!r}"
        )
    return f


def positive_real(name: str, x: object) -> float:
    """``x`` as a finite ``float`` > 0 (errors as :func:`finite_real`, plus <= 0)."""
    f = finite_real(name, x)
    if f <= 0.0:
        raise ValueError(f"{name} must be > 0, got {f!r}")
    return f


def probability(name: str, p: object, *, closed: bool = False) -> float:
    """``p`` as a ``float`` in [0, 1) (``closed=True``: [0, 1]), e.g. a dropout rate.

    Raises:
        TypeError: ``p`` is not a real number. ValueError: it is outside the interval.
    """
    f = finite_real(name, p)
    if not (0.0 <= f <= 1.0 if closed else 0.0 <= f < 1.0):
        bracket = "]" if closed else ")"
        raise ValueError(f"{name} must be in [0, 1{bracket}, got {f!r}")
    return f
