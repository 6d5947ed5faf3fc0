"""Helpers shared by the concept demos: an MLP's forward pass with any activation, their text in
the chosen language, a loss that must stay finite, and pictures drawn in that language."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from micrograd_mlp.demos.options import UserError
from micrograd_mlp.tensor import MLP, Tensor
from micrograd_mlp.tensor.functional import linear

#: An activation on Tensors, e.g. ``Tensor.tanh`` or ``lambda z: z.tanh() + 1.0``.
Activation = Callable[[Tensor], Tensor]
#: ``text(key, **fields)``: a demo's message ``<topic>.<key>`` in one language.


def linear_stack(nin: int, nouts: list[int], seed: int) -> MLP:
    """The layers of ``MLP(nin, nouts)`` in float64, seeded: the same initial weights whatever
    activation :func:`forward` then applies between them."""
    return MLP(nin, nouts, activation="linear", seed=seed, dtype=np.float64)


def forward(model: MLP, X: np.ndarray, activation: Activation) -> tuple[Tensor, list[Tensor]]:
    """``model``'s layers with ``activation`` after every layer but the last.

    Args:
        model: from :func:`linear_stack`. X: inputs, shape (N, nin).
        activation: applied to each hidden layer's pre-activation ``z = h W^T + b``.

    Returns:
        The output (N, nouts[-1]) and the pre-activations of the hidden layers, each (N, width),
        all part of the graph (``output.backward()`` reaches every weight).
    """
    h = Tensor(np.asarray(X, dtype=np.float64))
    pre: list[Tensor] = []
    last = len(model.layers) - 1
    for i, layer in enumerate(model.layers):
        z = linear(h, layer.weight, layer.bias)
        if i == last:
            return z, pre
        pre.append(z)
        h = activation(z)
    raise AssertionError("unreachable: an MLP has at least one layer")


def finite_loss(loss: float, error: Callable[[float], str]) -> float:
    """``loss`` as a float, or :class:`UserError` with ``error(loss)`` (one line naming the
    option to change) when it is NaN or infinite: a diverging run stops, it never prints NaN."""
    loss = float(loss)
    if not math.isfinite(loss):
        raise UserError(error(loss))
    return loss


