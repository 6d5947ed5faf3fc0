"""Move a network's weights between the scalar engine, the vectorized engine and PyTorch.

Every conversion goes through the state dict (``layers.{i}.weight`` ``(nout, nin)``,
``layers.{i}.bias`` ``(nout,)``, float64 arrays), which both engines share.

PyTorch names the same parameters after its module's structure. For the
``torch.nn.Sequential`` built by :func:`to_torch_sequential` -- ``Linear, activation, Linear,
activation, ..., Linear`` -- layer ``i`` sits at index ``2 * i``::

    layers.0.weight  <->  0.weight        layers.1.weight  <->  2.weight      ...

(index ``i`` when there are no activation modules, i.e. ``activation="linear"``, and ``3 * i``
when an MLP with ``dropout`` adds an ``nn.Dropout`` after each activation; the keys match
exactly for a module that keeps its ``nn.Linear`` layers in a ``ModuleList`` named
``layers``). :func:`from_torch_state_dict` accepts any of these: it takes the weight/bias pairs
in order and renumbers them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from micrograd_mlp.module import Module
from micrograd_mlp.nn import MLP as ScalarMLP
from micrograd_mlp.tensor.nn import MLP as TensorMLP

__all__ = [
    "from_torch_state_dict",
    "to_scalar_mlp",
    "to_tensor_mlp",
    "to_torch_sequential",
    "to_torch_state_dict",
]


def _dropout(mlp: ScalarMLP | TensorMLP) -> float:
    """The dropout probability of ``mlp`` (0.0 without dropout layers)."""
    return mlp.dropout.p if mlp.dropout is not None else 0.0


def to_tensor_mlp(mlp: ScalarMLP | TensorMLP, dtype: Any = np.float32) -> TensorMLP:
    """A vectorized ``MLP`` with the architecture and weights of ``mlp`` (a new object).

    The architecture includes the dropout probability and the training/evaluation mode (the
    dropout masks come from a new generator).

    Args:
        mlp: a scalar ``micrograd_mlp.nn.MLP`` (or a tensor MLP, to change its dtype).
        dtype: ``np.float32`` (weights rounded to float32) or ``np.float64`` (exact).
    """
    out = TensorMLP(
        mlp.nin,
        mlp.nouts,
        mlp.activation,
        seed=0,
        dtype=dtype,
        dropout=_dropout(mlp),
        output_activation=mlp.output_activation,
    )
    out.load_state_dict(mlp.state_dict())
    return out.train(mlp.training)


def to_scalar_mlp(mlp: TensorMLP) -> ScalarMLP:
    """A scalar ``MLP`` of Values with the architecture and weights of the tensor ``mlp``.

    The architecture includes the dropout probability and the training/evaluation mode (the
    dropout masks come from a new generator). Every weight becomes one ``Value`` (an
    MNIST-sized network makes ~10^5 of them: fine for inspecting, slow for training).
    """
    out = ScalarMLP(
        mlp.nin,
        mlp.nouts,
        mlp.activation,
        seed=0,
        dropout=_dropout(mlp),
        output_activation=mlp.output_activation,
    )
    out.load_state_dict(mlp.state_dict())
    return out.train(mlp.training)


def _import_torch():
    try:
        import torch
    except ImportError:
        raise ImportError("this conversion needs PyTorch: pip install torch") from None
    return torch


def to_torch_state_dict(
    source: Module | Mapping[str, Any], stride: int = 2, dtype: Any = np.float32
) -> dict:
    """Our state dict (or a module's) with PyTorch ``Sequential`` keys, as torch tensors.

    Args:
        source: a module of either engine, or a state dict of ``layers.{i}.weight/bias``.
        stride: ``layers.{i}`` becomes ``{stride * i}``: 2 for ``Linear, activation, ...``
            (as built by :func:`to_torch_sequential`), 1 without activation modules, 3 with
            an ``nn.Dropout`` after each activation.
        dtype: ``np.float32`` (PyTorch's default) or ``np.float64``.

    Raises:
        ImportError: PyTorch is not installed. ValueError: a key is not ``layers.{i}.{name}``.
    """
    torch = _import_torch()
    state = source.state_dict() if isinstance(source, Module) else source
    out = {}
    for key, array in state.items():
        parts = key.split(".")
        if len(parts) != 3 or parts[0] != "layers" or not parts[1].isdigit():
            raise ValueError(f"to_torch_state_dict: unexpected key {key!r} (not layers.{{i}}.*)")
        out[f"{stride * int(parts[1])}.{parts[2]}"] = torch.tensor(np.asarray(array, dtype))
    return out


def from_torch_state_dict(state_dict: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """A PyTorch state dict of ``Linear`` layers as our ``layers.{i}.weight/bias`` (float64).

    The ``weight``/``bias`` pairs are taken in the dict's order (PyTorch's module order) and
    numbered 0, 1, ...; the prefixes (``0.``, ``net.2.``, ``layers.1.``) do not matter.

    Raises:
        ValueError: a weight is not 2-D, or has no bias of matching size right after it.
    """
    items = [
        (k, np.asarray(v.detach().cpu() if hasattr(v, "detach") else v, np.float64))
        for k, v in state_dict.items()
    ]
    out: dict[str, np.ndarray] = {}
    i = 0
    while i < len(items):
        key, weight = items[i]
        if not key.endswith("weight") or weight.ndim != 2:
            raise ValueError(
                f"from_torch_state_dict: expected a 2-D Linear weight, got {key!r} "
                f"of shape {weight.shape}"
            )
        prefix = key[: -len("weight")]
        if i + 1 >= len(items) or items[i + 1][0] != prefix + "bias":
            raise ValueError(f"from_torch_state_dict: {key!r} has no {prefix + 'bias'!r} after it")
        bias = items[i + 1][1]
        if bias.shape != (weight.shape[0],):
            raise ValueError(
                f"from_torch_state_dict: {prefix}bias shape {bias.shape} does not "
                f"fit {key} shape {weight.shape}"
            )
        n = len(out) // 2
        out[f"layers.{n}.weight"], out[f"layers.{n}.bias"] = weight, bias
        i += 2
    return out


def to_torch_sequential(mlp: ScalarMLP | TensorMLP):
    """A ``torch.nn.Sequential`` computing the same function as ``mlp``, with its weights.

    ``Linear`` layers at indices 0, 2, 4, ... with the activation modules between them
    (``ReLU``, ``LeakyReLU(0.01)``, ``Tanh``, ``Sigmoid``; none for ``"linear"``), each
    followed by ``nn.Dropout(p)`` when ``mlp`` has dropout (the ``Linear`` layers are then at
    0, 3, 6, ...), and the output activation's module last when it is not ``"linear"``. In
    ``mlp``'s training/evaluation mode. float64 for a scalar MLP, the tensor
    MLP's dtype otherwise.

    Raises:
        ImportError: PyTorch is not installed.
    """
    torch = _import_torch()
    nn = torch.nn
    activations = {
        "relu": nn.ReLU,
        "leaky_relu": lambda: nn.LeakyReLU(0.01),
        "tanh": nn.Tanh,
        "sigmoid": nn.Sigmoid,
    }
    sizes = [mlp.nin, *mlp.nouts]
    p = _dropout(mlp)
    between = ([activations[mlp.activation]] if mlp.activation in activations else []) + (
        [lambda: nn.Dropout(p)] if p > 0.0 else []
    )
    modules = []
    for i in range(len(mlp.nouts)):
        modules.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(mlp.nouts) - 1:
            modules += [make() for make in between]
    if mlp.output_activation in activations:  # after the last Linear: its key stays the same
        modules.append(activations[mlp.output_activation]())
    model = nn.Sequential(*modules)
    dtype = np.float32 if getattr(mlp, "dtype", None) == np.float32 else np.float64
    model.to(torch.float32 if dtype == np.float32 else torch.float64)
    model.load_state_dict(to_torch_state_dict(mlp, 1 + len(between), dtype))
    return model.train(mlp.training)
