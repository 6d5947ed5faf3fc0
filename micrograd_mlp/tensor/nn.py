"""Neural networks on Tensors: :class:`Linear`, :class:`Dropout` and :class:`MLP`.

The vectorized twins of :mod:`micrograd_mlp.nn`: a ``Linear`` layer holds the weights of all
the scalar ``Layer``'s neurons as one ``(nout, nin)`` matrix and computes every neuron for every
sample of a batch in one matrix product. Same constructor arguments, same state-dict keys and,
for the same seed, the same initial weights as the scalar classes (both draw them with
``linear_init`` in the same order), so a network moves between the engines unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from micrograd_mlp.loss_modules import bind_loss_modules
from micrograd_mlp.module import Module, linear_init, make_rng, mlp_layers
from micrograd_mlp.tensor import functional as _functional
from micrograd_mlp.tensor.fused import linear
from micrograd_mlp.tensor.tensor import Tensor
from micrograd_mlp.validation import probability

__all__ = [
    "MLP", "Dropout", "Linear",
    "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "GaussianNLLLoss", "L1Loss", "MSELoss",
]

# PyTorch's loss modules (nn.MSELoss, nn.CrossEntropyLoss, ...) calling this engine's functions.
BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, GaussianNLLLoss, L1Loss, MSELoss = bind_loss_modules(
    _functional, __name__
)


class Linear(Module):
    """``y = x @ weight.T + bias``, PyTorch's ``nn.Linear``.

    Args:
        nin: input features. nout: output features (positive ints).
        seed: int, ``numpy.random.Generator`` or None; weights and bias ~ U(-1/sqrt(nin),
            1/sqrt(nin)) (PyTorch's default initialisation), drawn by ``linear_init``.
        dtype: ``np.float32`` (default) or ``np.float64``.

    Attributes:
        weight: Tensor ``(nout, nin)``. bias: Tensor ``(nout,)``. Both ``requires_grad``.

    Calling it on ``(N, nin)`` (or ``(..., nin)``) returns ``(N, nout)``; on ``(nin,)``,
    ``(nout,)``. Arrays and lists are converted to the layer's dtype.

    Raises:
        ValueError: non-positive sizes, or an input whose last dimension is not ``nin`` (both
            shapes are named).
    """

    def __init__(
        self,
        nin: int,
        nout: int,
        seed: int | np.random.Generator | None = None,
        dtype: Any = np.float32,
    ) -> None:
        weight, bias = linear_init(nin, nout, make_rng(seed, "Linear"))
        self.weight = Tensor(weight, requires_grad=True, dtype=dtype, label="weight")
        self.bias = Tensor(bias, requires_grad=True, dtype=dtype, label="bias")
        self.nin, self.nout = nin, nout

    def __call__(self, x: Tensor | Any) -> Tensor:
        x = _as_input(x, self.weight.dtype)
        if x.ndim == 0 or x.shape[-1] != self.nin:
            raise ValueError(
                f"Linear({self.nin}, {self.nout}) expects inputs of shape (N, {self.nin}) or "
                f"({self.nin},), got shape {x.shape}"
            )
        return linear(x, self.weight, self.bias)

    def _own_parameters(self) -> Iterator[tuple[str, Tensor]]:
        yield "weight", self.weight
        yield "bias", self.bias

    def _own_state(self) -> dict[str, np.ndarray]:
        return {"weight": self.weight.data, "bias": self.bias.data}

    def _load_own_state(self, name: str, array: np.ndarray) -> None:
        # Copy into the existing array: optimizers keep referring to the same parameters.
        getattr(self, name).data[...] = array

    def __repr__(self) -> str:
        return f"Linear({self.nin}, {self.nout}, dtype={np.dtype(self.weight.dtype).name})"


class Dropout(Module):
    """Inverted dropout, PyTorch's ``nn.Dropout``: in training mode each element is zeroed with
    probability ``p`` and the others are scaled by ``1 / (1 - p)``; in evaluation mode
    (``model.eval()``) it is the identity.

    The scaling keeps the expected value of every element unchanged, so nothing needs
    rescaling at test time (Srivastava, Hinton, Krizhevsky, Sutskever & Salakhutdinov,
    "Dropout: A Simple Way to Prevent Neural Networks from Overfitting", JMLR 2014; the
    "inverted" scaling at training time is PyTorch's). Forward: ``y = x * m / (1 - p)`` with
    ``m ~ Bernoulli(1 - p)`` drawn anew at every call, of ``x``'s shape; backward: the upstream
    gradient times the same ``m / (1 - p)`` (the product rule of a Tensor times a constant).
    ``p = 1`` gives zeros, as PyTorch.

    Args:
        p: probability of zeroing an element, in [0, 1].
        seed: int, ``numpy.random.Generator`` (shared, e.g. the MLP's) or None, for the masks.

    Attributes:
        p: as given. rng: the mask generator (its state is saved in training checkpoints).

    Calling it on a Tensor (or array) of any shape returns a Tensor of the same shape and dtype.

    Raises:
        TypeError, ValueError: ``p`` is not a number in [0, 1].
    """

    def __init__(self, p: float = 0.5, seed: int | np.random.Generator | None = None) -> None:
        self.p = probability("p", p, closed=True)
        self.rng = make_rng(seed, "Dropout")

    def __call__(self, x: Tensor | Any) -> Tensor:
        x = x if isinstance(x, Tensor) else Tensor(x)
        if not self.training or self.p == 0.0:
            return x
        if self.p == 1.0:
            return x * 0.0
        dtype = x.data.dtype
        keep = self.rng.random(x.shape, dtype=dtype) >= dtype.type(self.p)
        return x * np.divide(keep, 1.0 - self.p, dtype=dtype)

    def __repr__(self) -> str:
        return f"Dropout(p={self.p})"


class MLP(Module):
    """A multi-layer perceptron on Tensors: ``Linear`` layers, ``activation`` between them.

    Args:
        nin: number of inputs.
        nouts: sizes of the layers, the last one being the output size (e.g. ``[256, 128, 10]``).
        activation: ``relu``, ``leaky_relu``, ``tanh``, ``sigmoid`` or ``linear``, applied after
            every layer but the last (the last layer is linear: logits or regression outputs).
        seed: int, ``numpy.random.Generator`` or None. A seed gives the same weights as the
            scalar ``micrograd_mlp.nn.MLP`` with the same arguments (rounded to float32 when
            ``dtype`` is float32); the dropout masks are drawn from the same generator after
            the weights.
        dtype: ``np.float32`` (default, fast) or ``np.float64``.
        dropout: probability of a :class:`Dropout` after every hidden activation (0: none,
            the default). Active in training mode only (``model.train()``/``model.eval()``).
        output_activation: the last layer's activation (``"linear"``, the default, as above).

    Calling it on ``(N, nin)`` returns ``(N, nouts[-1])``; on ``(nin,)``, ``(nouts[-1],)``.
    (Unlike the scalar MLP, one output stays an array of shape ``(N, 1)``.) Inputs are
    converted to ``dtype``. State dict keys: ``layers.{i}.weight`` and ``layers.{i}.bias``.

    Raises:
        ValueError: unknown activation, empty ``nouts``, non-positive sizes, wrong input width.
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: str = "relu",
        seed: int | np.random.Generator | None = None,
        dtype: Any = np.float32,
        dropout: float = 0.0,
        output_activation: str = "linear",
    ) -> None:
        plan = mlp_layers(nin, nouts, activation, output_activation)
        rng = make_rng(seed, "MLP")
        self.layers = [Linear(n_in, n_out, rng, dtype) for n_in, n_out, _ in plan]
        self._activations = [act for _, _, act in plan]  # applied in __call__
        self.output_activation = output_activation
        p = probability("dropout", dropout)
        self.dropout = Dropout(p, rng) if p > 0.0 else None
        self.nin, self.nouts, self.activation = nin, list(nouts), activation
        self.dtype = self.layers[0].weight.dtype

    def __call__(self, x: Tensor | Any) -> Tensor:
        x = _as_input(x, self.dtype)
        if x.ndim == 0 or x.shape[-1] != self.nin:
            raise ValueError(
                f"MLP expects inputs of shape (N, {self.nin}) or ({self.nin},), got shape {x.shape}"
            )
        last = len(self.layers) - 1
        for i, (layer, activation) in enumerate(zip(self.layers, self._activations)):
            x = linear(x, layer.weight, layer.bias)
            if activation != "linear":
                x = getattr(x, activation)()
            if i < last and self.dropout is not None:
                x = self.dropout(x)
        return x

    def __repr__(self) -> str:
        return (
            f"MLP({self.nin}, {self.nouts}, activation={self.activation!r}, "
            f"dtype={np.dtype(self.dtype).name}"
            + (f", dropout={self.dropout.p}" if self.dropout is not None else "")
            + (
                f", output_activation={self.output_activation!r}"
                if self.output_activation != "linear"
                else ""
            )
            + ")"
        )


def _as_input(x: Tensor | Any, dtype: np.dtype) -> Tensor:
    """``x`` as a Tensor of the model's dtype (arrays converted; Tensors cast in the graph)."""
    if isinstance(x, Tensor):
        return x.astype(dtype)
    return Tensor(x, dtype=dtype)
