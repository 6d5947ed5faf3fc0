"""The ``reduction=`` argument of every loss: re-exported from :mod:`micrograd_mlp.loss_common`.

Kept so that ``from micrograd_mlp.reduction import REDUCTIONS, check_reduction`` still works;
the loss plumbing of both engines lives in one module, :mod:`micrograd_mlp.loss_common`.
"""

from __future__ import annotations

from micrograd_mlp.loss_common import REDUCTIONS, check_reduction

__all__ = ["REDUCTIONS", "check_reduction"]
