"""What the losses of both engines share besides ``reduction=`` (:mod:`micrograd_mlp.reduction`).

:mod:`micrograd_mlp.functional` (scalar Values) and :mod:`micrograd_mlp.tensor.functional`
(Tensors) implement the same losses with the same arguments; the checks and constants that do
not depend on the engine live here, so both give the same errors and the same numbers.
"""

from __future__ import annotations

import math
from numbers import Real

__all__ = ["HALF_LOG_2PI", "check_eps"]

#: ``0.5 * log(2 pi)``: the constant term of the Gaussian negative log-likelihood per element,
#: added by ``gaussian_nll_loss(..., full=True)`` (as in PyTorch).
HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


def check_eps(fn: str, eps: float) -> float:
    """Return ``eps`` (the variance clamp of ``gaussian_nll_loss``) if it is a real number >= 0.

    Args:
        fn: the calling function's name, put at the start of the error message.
        eps: the value to check.

    Raises:
        ValueError: ``eps`` is not a real number, is negative or is NaN (the message names it).
    """
    if not isinstance(eps, Real) or not eps >= 0.0:
        raise ValueError(f"{fn}: eps must be a number >= 0, got {eps!r}")
    return eps
