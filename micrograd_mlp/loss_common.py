"""The plumbing every loss of both engines shares: reduction, constants, argument checks.

:mod:`micrograd_mlp.functional` (scalar Values) and :mod:`micrograd_mlp.tensor.functional`
(Tensors) implement the same losses with the same arguments (PyTorch's); everything here does not
depend on the engine, so both give the same errors and the same numbers:

* ``reduction=``: :data:`REDUCTIONS`, :func:`check_reduction` and :func:`reduce` (the mean as
  ``sum / denominator``, the denominator chosen by the loss: the number of elements, or the sum
  of class weights for a weighted cross-entropy);
* constants: :data:`LOG_FLOOR` (the clamp of binary cross-entropy's logs), :data:`HALF_LOG_2PI`;
* checks at the user-facing boundary: :func:`check_eps`, :func:`check_margin`,
  :func:`check_label_smoothing`, :func:`check_ignore_index`, :func:`check_nonempty`,
  :func:`check_weight_not_reduction`.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from numbers import Real
from typing import Any, TypeVar

from micrograd_mlp.validation import finite_real, nonnegative_real, probability

__all__ = [
    "DEFAULT_IGNORE_INDEX",
    "HALF_LOG_2PI",
    "LOG_FLOOR",
    "REDUCTIONS",
    "check_eps",
    "check_ignore_index",
    "check_label_smoothing",
    "check_margin",
    "check_nonempty",
    "check_reduction",
    "reduce",
    "check_weight_not_reduction",
]

#: ``"mean"``: average over elements; ``"sum"``: add them; ``"none"``: per-element losses.
REDUCTIONS = ("mean", "sum", "none")

#: ``0.5 * log(2 pi)``: the constant term of the Gaussian negative log-likelihood per element,
#: added by ``gaussian_nll_loss(..., full=True)`` (as in PyTorch).
HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)

#: PyTorch's ``binary_cross_entropy`` clamps each log term at -100, so ``p = 0`` or ``p = 1``
#: gives a finite loss (at most 100 per element) instead of infinity.
LOG_FLOOR = -100.0

#: ``cross_entropy``'s default ``ignore_index`` (PyTorch's): no class index is negative, so by
#: default no sample is ignored.
DEFAULT_IGNORE_INDEX = -100

L = TypeVar("L")


def check_reduction(reduction: str) -> str:
    """Return ``reduction`` if valid, else raise ``ValueError`` naming it and the valid choices."""
    if reduction not in REDUCTIONS:
        raise ValueError(
            f"unknown reduction {reduction!r}; expected one of {', '.join(REDUCTIONS)}"
        )
    return reduction


def reduce(losses: L, reduction: str, total: Callable[[L], Any], denominator: Any) -> Any:
    """Apply an (already checked) ``reduction`` to per-element ``losses``, in either engine.

    Args:
        losses: the per-element losses (a list of Values, or a Tensor).
        reduction: ``"none"`` returns ``losses`` unchanged, ``"sum"`` returns ``total(losses)``,
            ``"mean"`` returns ``total(losses) / denominator``.
        total: the engine's sum (``Value.sum`` of a list, ``Tensor.sum``).
        denominator: what the mean divides by: the number of elements for most losses, the sum
            of the targets' class weights for a weighted ``cross_entropy`` (PyTorch's weighted
            mean). A denominator of exactly 1 leaves the sum as it is (no extra graph node).

    Callers refuse empty input first (:func:`check_nonempty`): NumPy's mean of nothing is NaN,
    and a loss should never be that silently.
    """
    if reduction == "none":
        return losses
    summed = total(losses)
    if reduction == "sum" or (isinstance(denominator, Real) and denominator == 1):
        return summed
    return summed / denominator


def check_nonempty(fn: str, size: int, name: str = "input") -> None:
    """Raise ``ValueError("{fn}: input is empty")`` if ``size == 0`` (the rule of every loss)."""
    if size == 0:
        raise ValueError(f"{fn}: {name} is empty")


def check_eps(fn: str, eps: object) -> float:
    """``gaussian_nll_loss``'s ``eps`` (the variance clamp) as a finite float >= 0.

    The check is :func:`micrograd_mlp.validation.nonnegative_real`, worded ``"{fn}: eps must be a
    number >= 0"``.

    Args:
        fn: the calling function's name, put at the start of the error message.
        eps: the value to check.

    Raises:
        TypeError: ``eps`` is not a real number (a bool or a string is refused).
        ValueError: ``eps`` is negative, NaN or infinite (the message names it).
    """
    return nonnegative_real(f"{fn}: eps", eps, noun="number")


def check_margin(fn: str, margin: object) -> float:
    """``hinge_loss``'s ``margin`` as a finite float (:func:`micrograd_mlp.validation.finite_real`).

    Raises:
        TypeError: ``margin`` is not a real number (a bool or a string is refused).
        ValueError: ``margin`` is NaN or infinite (the loss would be NaN or infinite everywhere).
    """
    return finite_real(f"{fn}: margin", margin, noun="number")


def check_label_smoothing(fn: str, label_smoothing: object) -> float:
    """``cross_entropy``'s ``label_smoothing`` as a float in [0, 1] (PyTorch's range).

    Raises:
        TypeError: not a real number. ValueError: outside [0, 1] or NaN.
    """
    return probability(f"{fn}: label_smoothing", label_smoothing, closed=True)


def check_ignore_index(fn: str, ignore_index: object) -> int:
    """``cross_entropy``'s ``ignore_index`` as an int (any int; the default -100 ignores nothing).

    Raises:
        TypeError: not an integer (a bool, a float are refused).
    """
    if isinstance(ignore_index, bool):
        raise TypeError(f"{fn}: ignore_index must be an integer, got the bool {ignore_index!r}")
    try:
        return operator.index(ignore_index)
    except TypeError:
        raise TypeError(
            f"{fn}: ignore_index must be an integer, got {type(ignore_index).__name__} "
            f"{ignore_index!r}"
        ) from None


def check_weight_not_reduction(fn: str, weight: Any) -> None:
    """Raise a TypeError when ``weight`` is a string: ``loss(input, target, "sum")`` means
    ``reduction="sum"``, but the third positional argument is ``weight``, as in PyTorch."""
    if isinstance(weight, str):
        raise TypeError(
            f"{fn}: the third positional argument is weight (PyTorch's order), got the string "
            f"{weight!r}; pass reduction={weight!r} by keyword"
        )
