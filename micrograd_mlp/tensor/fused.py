"""Fused ops of the vectorized engine: one graph node with a hand-derived backward each.

Each could be composed from :class:`Tensor` ops, but as one node it is faster (no temporaries
and no graph bookkeeping per step) and numerically safer:

* ``linear(x, weight, bias)``        -- ``x @ weight.T + bias``, the layer of every MLP.

The fused losses (``cross_entropy``, ``binary_cross_entropy``,
``binary_cross_entropy_with_logits``) are in :mod:`micrograd_mlp.tensor.functional`, beside the
other losses.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from micrograd_mlp.function import Context, Function
from micrograd_mlp.tensor.tensor import Tensor, _call

__all__ = ["linear"]


def linear(input: Tensor | Any, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``input @ weight.T + bias``, PyTorch's ``F.linear``, as one node.

    Args:
        input: ``(..., nin)`` (``(nin,)`` for one sample); arrays become constants.
        weight: ``(nout, nin)``.
        bias: ``(nout,)`` or None.

    Returns:
        ``(..., nout)``.

    Raises:
        ValueError: the shapes do not fit (all of them are named).
    """
    x = input if isinstance(input, Tensor) else Tensor(input, dtype=weight.dtype)
    X, W = x.data, weight.data
    nout = W.shape[0] if W.ndim == 2 else None
    if W.ndim != 2 or X.ndim == 0 or X.shape[-1] != W.shape[1]:
        raise ValueError(
            f"linear: input shape {X.shape} does not fit weight shape {W.shape}: expected a "
            f"2-D weight (nout, nin) and an input of shape (..., nin)"
        )
    if bias is None:
        return _call(Linear, x, weight)
    if bias.shape != (nout,):
        raise ValueError(f"linear: bias shape {bias.shape} does not fit weight shape {W.shape}")
    return _call(Linear, x, weight, bias)


class Linear(Function):
    """``y = x W^T + b`` as one op, defined with the public :class:`~micrograd_mlp.Function`
    (:func:`linear` runs it by the engine's lean path: its operands are checked Tensors already).

    Shapes: x ``(..., nin)``, W ``(nout, nin)``, b ``(nout,)`` (optional), y and g
    ``(..., nout)``. Gradients: dL/dx = g W ``(..., nin)``; dL/dW = g^T x summed over the
    samples ``(nout, nin)``; dL/db = sum_n g_n ``(nout,)``.
    """

    name = "linear"

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None):
        ctx.x, ctx.w = x, w
        out = np.matmul(x, w.T)  # BLAS reads w.T as a transposed view: no copy
        if b is not None:
            if b.dtype == out.dtype:
                out += b  # in place: out is a fresh array
            else:
                out = out + b
        return out

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> tuple:
        need_x, need_w, *need_b = ctx.needs_input_grad
        x, w = ctx.x, ctx.w
        g2 = g.reshape(-1, g.shape[-1])  # samples along axis 0 (one row for a 1-D input)
        gx = np.matmul(g, w) if need_x else None
        gw = np.matmul(g2.T, x.reshape(-1, x.shape[-1])) if need_w else None
        if not need_b:
            return gx, gw
        return gx, gw, (g2.sum(axis=0) if need_b[0] else None)
