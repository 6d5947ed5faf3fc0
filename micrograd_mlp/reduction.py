"""The ``reduction=`` argument shared by every loss in both engines (PyTorch's semantics)."""

from __future__ import annotations

__all__ = ["REDUCTIONS", "check_reduction"]

#: ``"mean"``: average over elements; ``"sum"``: add them; ``"none"``: per-element losses.
REDUCTIONS = ("mean", "sum", "none")


def check_reduction(reduction: str) -> str:
    """Return ``reduction`` if valid, else raise ``ValueError`` naming it and the valid choices."""
    if reduction not in REDUCTIONS:
        raise ValueError(
            f"unknown reduction {reduction!r}; expected one of {', '.join(REDUCTIONS)}"
        )
    return reduction
