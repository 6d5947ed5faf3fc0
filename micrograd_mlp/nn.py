"""Neural networks on scalar Values: :class:`Neuron`, :class:`Layer`, :class:`Linear`, :class:`MLP`.

A neuron computes ``activation(w . x + b)``; a layer is ``nout`` neurons reading the same
inputs; an MLP is a stack of layers whose hidden layers use ``activation`` and whose last
layer is linear (its outputs are logits or regression values; losses add what they need).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

from micrograd_mlp import functional as _functional
from micrograd_mlp.engine import Value
from micrograd_mlp.loss_modules import bind_loss_modules
from micrograd_mlp.module import Module, check_activation, linear_init, make_rng, mlp_layers
from micrograd_mlp.validation import probability

__all__ = [
    "Dropout", "Layer", "Linear", "MLP", "Module", "Neuron",
    "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "GaussianNLLLoss", "L1Loss", "MSELoss",
]

# PyTorch's loss modules (nn.MSELoss, nn.CrossEntropyLoss, ...) calling this engine's functions.
BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, GaussianNLLLoss, L1Loss, MSELoss = bind_loss_modules(
    _functional, __name__
)


def _as_values(x: Sequence[Value | float], nin: int, who: str) -> list[Value]:
    """Check the input length and turn numbers into (constant) Values, once per call.

    Raises TypeError for a non-sequence or a non-numeric element (its position is named) and
    ValueError for a wrong length or a NumPy array that is not one sample (1-D).
    """
    try:
        n = len(x)
    except TypeError:
        raise TypeError(
            f"{who} expects a sequence of {nin} inputs (numbers or Values), got "
            f"{type(x).__name__} {x!r}"
        ) from None
    if getattr(x, "ndim", 1) != 1:
        raise ValueError(
            f"{who} takes one sample, a sequence of {nin} inputs; got an array of shape "
            f"{x.shape} (call it on each row, or use micrograd_mlp.tensor for batches)"
        )
    if n != nin:
        raise ValueError(f"{who} expects {nin} inputs, got {n}")
    try:
        return [v if isinstance(v, Value) else Value(v) for v in x]
    except (TypeError, ValueError):
        for i, v in enumerate(x):  # find the culprit and name its position
            if not isinstance(v, Value):
                try:
                    Value(v)
                except (TypeError, ValueError) as error:
                    raise type(error)(f"{who} input {i}: {error}") from None
        raise  # pragma: no cover - only reached if the failure does not repeat


class Neuron(Module):
    """One unit: ``activation(sum_i w_i x_i + b)``.

    Args:
        nin: number of inputs (positive int).
        activation: one of ``relu``, ``leaky_relu``, ``tanh``, ``sigmoid``, ``linear``.
        seed: int, ``numpy.random.Generator`` or None; weights ~ U(-1/sqrt(nin), 1/sqrt(nin)).

    Raises:
        ValueError: unknown activation (the known ones are listed) or ``nin < 1``.
    """

    def __init__(
        self,
        nin: int,
        activation: str = "relu",
        seed: int | np.random.Generator | None = None,
        *,
        _init: tuple[np.ndarray, float] | None = None,
    ) -> None:
        self.activation = check_activation(activation)
        # The Value method applying the activation (None for linear), looked up once.
        self._activate = None if activation == "linear" else getattr(Value, activation)
        if _init is None:
            weight, bias = linear_init(nin, 1, make_rng(seed, "Neuron"))
            _init = (weight[0], bias[0])
        self.weight = [Value(float(w)) for w in _init[0]]
        self.bias = Value(float(_init[1]))

    def __call__(self, x: Sequence[Value | float]) -> Value:
        return self._forward(_as_values(x, len(self.weight), "Neuron"))

    def _forward(self, x: list[Value]) -> Value:
        # One node for w . x + b (not a chain of 2n binary nodes), then the activation.
        out = Value.dot(self.weight, x, self.bias)
        return out if self._activate is None else self._activate(out)

    def _own_parameters(self) -> Iterator[tuple[str, Value]]:
        for j, w in enumerate(self.weight):
            yield f"weight.{j}", w
        yield "bias", self.bias

    def _own_state(self) -> dict[str, np.ndarray]:
        return {"weight": np.array([w.data for w in self.weight]), "bias": np.array(self.bias.data)}

    def _load_own_state(self, name: str, array: np.ndarray) -> None:
        if name == "weight":
            for w, value in zip(self.weight, array.tolist()):
                w.data = value
        else:
            self.bias.data = float(array)

    def __repr__(self) -> str:
        return f"Neuron({len(self.weight)}, activation={self.activation!r})"


class Layer(Module):
    """``nout`` neurons reading the same ``nin`` inputs; a call returns a list of ``nout`` Values.

    State dict entries (as ``torch.nn.Linear``): ``weight`` (nout, nin), ``bias`` (nout,).

    Raises:
        ValueError: unknown activation, non-positive sizes, or a call with ``len(x) != nin``.
    """

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: str = "relu",
        seed: int | np.random.Generator | None = None,
    ) -> None:
        check_activation(activation)
        weight, bias = linear_init(nin, nout, make_rng(seed, type(self).__name__))
        self.neurons = [Neuron(nin, activation, _init=(w, b)) for w, b in zip(weight, bias)]
        self.nin, self.nout, self.activation = nin, nout, activation

    def __call__(self, x: Sequence[Value | float]) -> list[Value]:
        return self._forward(_as_values(x, self.nin, "Layer"))

    def _forward(self, x: list[Value]) -> list[Value]:
        return [n._forward(x) for n in self.neurons]

    # The neurons are an implementation detail: names and state follow nn.Linear.
    def named_children(self) -> Iterator[tuple[str, Module]]:
        return iter(())

    def _own_parameters(self) -> Iterator[tuple[str, Value]]:
        for i, n in enumerate(self.neurons):
            for j, w in enumerate(n.weight):
                yield f"weight.{i}.{j}", w
        for i, n in enumerate(self.neurons):
            yield f"bias.{i}", n.bias

    def _own_state(self) -> dict[str, np.ndarray]:
        return {
            "weight": np.array([[w.data for w in n.weight] for n in self.neurons]),
            "bias": np.array([n.bias.data for n in self.neurons]),
        }

    def _load_own_state(self, name: str, array: np.ndarray) -> None:
        for n, row in zip(self.neurons, array):
            n._load_own_state("weight" if name == "weight" else "bias", row)

    def __repr__(self) -> str:
        return f"Layer({self.nin}, {self.nout}, activation={self.activation!r})"


class Linear(Layer):
    """``y = W x + b`` for one sample: a :class:`Layer` with no activation, under the name the
    vectorized engine (``micrograd_mlp.tensor.nn.Linear``) and PyTorch use.

    Same arguments (``nin``, ``nout``, ``seed``), the same initial weights for a seed, and the
    same state-dict keys (``weight`` (nout, nin), ``bias`` (nout,)). A call returns ``nout``
    Values.

    Raises:
        ValueError: non-positive sizes, or a call with ``len(x) != nin``.
    """

    def __init__(self, nin: int, nout: int, seed: int | np.random.Generator | None = None) -> None:
        super().__init__(nin, nout, "linear", seed)

    def __repr__(self) -> str:
        return f"Linear({self.nin}, {self.nout})"


class Dropout(Module):
    """Inverted dropout on a list of Values, the scalar twin of ``micrograd_mlp.tensor.Dropout``
    (PyTorch's ``nn.Dropout``): in training mode each value is zeroed with probability ``p`` and
    the others are multiplied by ``1 / (1 - p)``; in evaluation mode (``eval()``) the values pass
    unchanged. A dropped value is ``v * 0`` (its gradient is 0), a kept one ``v * (1/(1-p))``.

    Args:
        p: probability of zeroing a value, in [0, 1].
        seed: int, ``numpy.random.Generator`` (shared, e.g. the MLP's) or None, for the masks.

    Calling it on a sequence of Values (or numbers) returns a list of the same length.

    Raises:
        TypeError, ValueError: ``p`` is not a number in [0, 1].
    """

    def __init__(self, p: float = 0.5, seed: int | np.random.Generator | None = None) -> None:
        self.p = probability("p", p, closed=True)
        self.rng = make_rng(seed, "Dropout")

    def __call__(self, x: Sequence[Value | float]) -> list[Value | float]:
        values = list(x)
        if not self.training or self.p == 0.0:
            return values
        keep = self.rng.random(len(values)) >= self.p
        scale = 1.0 / (1.0 - self.p) if self.p < 1.0 else 0.0
        return [v * scale if k else v * 0.0 for v, k in zip(values, keep.tolist())]

    def __repr__(self) -> str:
        return f"Dropout(p={self.p})"


class MLP(Module):
    """A multi-layer perceptron on scalar Values.

    Args:
        nin: number of inputs.
        nouts: sizes of the layers, the last one being the output size (e.g. ``[16, 16, 1]``).
        activation: activation of every hidden layer; the last layer is linear.
        seed: int, ``numpy.random.Generator`` or None. A seed gives the same weights as the
            vectorized ``micrograd_mlp.tensor.MLP`` with the same arguments.
        dropout: probability of a :class:`Dropout` after every hidden layer (0: none, the
            default); active in training mode only.
        output_activation: the last layer's activation, ``"linear"`` by default (logits or
            regression outputs); ``MLP(3, [4, 4, 1], "tanh", output_activation="tanh")`` is the
            all-tanh network of Karpathy's micrograd lecture.

    Calling it on ``nin`` numbers or Values returns a list of Values, or one Value when the
    last layer has a single output.

    Raises:
        ValueError: unknown activation, empty ``nouts``, non-positive sizes, wrong input length.
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: str = "relu",
        seed: int | np.random.Generator | None = None,
        dropout: float = 0.0,
        output_activation: str = "linear",
    ) -> None:
        plan = mlp_layers(nin, nouts, activation, output_activation)
        rng = make_rng(seed, "MLP")
        self.layers = [Layer(n_in, n_out, act, rng) for n_in, n_out, act in plan]
        self.nin, self.nouts, self.activation = nin, list(nouts), activation
        self.output_activation = output_activation
        p = probability("dropout", dropout)
        self.dropout = Dropout(p, rng) if p > 0.0 else None

    def __call__(self, x: Sequence[Value | float]) -> Value | list[Value]:
        # Inputs become Values once, shared by every neuron of the first layer.
        out = _as_values(x, self.nin, "MLP")
        last = len(self.layers) - 1
        for i, layer in enumerate(self.layers):
            out = layer._forward(out)
            if i < last and self.dropout is not None:
                out = self.dropout(out)
        return out[0] if len(out) == 1 else out

    def __repr__(self) -> str:
        extra = f", dropout={self.dropout.p}" if self.dropout is not None else ""
        if self.output_activation != "linear":
            extra += f", output_activation={self.output_activation!r}"
        return f"MLP({self.nin}, {self.nouts}, activation={self.activation!r}{extra})"
