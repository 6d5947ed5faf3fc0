"""Turning what a user passes into the arrays a ``Tensor`` holds: dtypes, numbers, checks.

Argument checks of the vectorized engine, beside it so that :mod:`micrograd_mlp.tensor.tensor`
reads as the engine: they see values and arrays, not the ``Tensor`` class.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["DTYPES", "check_dtype", "checked_number", "to_array"]

#: The dtypes a Tensor can hold. float32 is the default, float64 is for gradient checks.
DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def check_dtype(dtype: Any) -> np.dtype | None:
    if dtype is None:
        return None
    try:
        dt = np.dtype(dtype)
    except TypeError:  # an unparseable name (np.dtype(None) would be float64: never reach it)
        dt = None
    if dt is None or dt not in DTYPES:
        raise ValueError(
            f"unsupported Tensor dtype {dtype!r}; the allowed dtypes are float32 and float64 "
            "(np.float32, np.float64 or their names)"
        )
    return dt


def to_array(x: Any, dtype: np.dtype | None, what: str, copy: bool = False) -> np.ndarray:
    """``x`` as a float array of ``dtype`` (None: keep float32/float64 NumPy data, else float32).

    Raises TypeError naming ``what`` for non-numeric data, and for a list or tuple holding
    Tensors that require grad (NumPy would read their numbers and drop their graph: a silent
    constant). Only lists pay for that walk; numbers and arrays never do.
    """
    if type(x) in (list, tuple) and _holds_graph_nodes(x):
        raise TypeError(
            f"{what}: a {type(x).__name__} of Tensors that require grad would become a "
            "constant, dropping their gradients; compute one Tensor for the whole batch "
            "instead (e.g. call the model on the (B, D) batch array)"
        )
    try:
        arr = np.asarray(x)
    except ValueError as e:  # ragged nested lists
        raise TypeError(
            f"{what}: cannot make a numeric array from {type(x).__name__}: {e}"
        ) from None
    if arr.dtype.kind not in "biuf":
        raise TypeError(
            f"{what}: expected numbers, got {type(x).__name__} with dtype {arr.dtype} "
            f"({_KIND_NAMES.get(arr.dtype.kind, 'non-numeric')})"
        )
    if dtype is None:
        keep = isinstance(x, (np.ndarray, np.generic)) and arr.dtype in DTYPES
        dtype = arr.dtype if keep else DTYPES[0]
    return np.array(arr, dtype=dtype, copy=True) if copy else arr.astype(dtype, copy=False)


_KIND_NAMES = {"O": "Python objects", "U": "strings", "S": "bytes", "c": "complex numbers"}


def _holds_graph_nodes(items: list | tuple) -> bool:
    """Whether a (nested) list or tuple holds a Tensor that requires grad (see
    :func:`to_array`, the one place every list becomes an array)."""
    for item in items:
        if hasattr(item, "requires_grad"):  # a Tensor (told apart without importing it)
            if item.requires_grad:
                return True
        elif isinstance(item, (list, tuple)) and _holds_graph_nodes(item):
            return True
    return False


def checked_number(x: Any, op: str) -> float:
    """``x`` as a Python float (a NumPy float64 scalar would upcast float32 data)."""
    if isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, bool):
        return float(x)
    raise TypeError(f"{op}: expected a real number, got {type(x).__name__} {x!r}")
