"""Weight initialization with PyTorch's names and formulas (``torch.nn.init``).

Each function fills a Tensor's array (or a NumPy array) *in place* and returns it, as its
namesake in ``torch.nn.init`` does (the trailing underscore says "in place")::

    from micrograd_mlp import init, tensor
    net = tensor.MLP(64, [64, 64, 10], activation="tanh", seed=0)
    for layer in net.layers:
        init.xavier_uniform_(layer.weight, gain=init.calculate_gain("tanh"), generator=0)
        init.zeros_(layer.bias)

Why the scale matters: a layer's pre-activation ``z_j = sum_i W_ji h_i`` sums ``fan_in`` terms,
so for independent zero-mean weights ``Var(z) = fan_in Var(W) E[h^2]``. With ``Var(W)`` too
small the signal shrinks by the same factor at every layer, too large and it grows (tanh then
saturates at +-1, where its derivative is 0); the backward pass multiplies by the same weights
(``fan_out`` terms), so gradients follow.

* Glorot & Bengio, "Understanding the difficulty of training deep feedforward neural
  networks", AISTATS 2010: ``Var(W) = 2 / (fan_in + fan_out)``, a compromise between keeping
  the forward (``fan_in``) and the backward (``fan_out``) variance; for tanh, which is the
  identity near 0. :func:`xavier_uniform_`, :func:`xavier_normal_`.
* He, Zhang, Ren & Sun, "Delving Deep into Rectifiers", ICCV 2015: ReLU zeroes half of its
  inputs, so ``E[h^2] = Var(z) / 2``; ``Var(W) = 2 / fan_in`` keeps ``E[z^2]`` the same from
  layer to layer. :func:`kaiming_uniform_`, :func:`kaiming_normal_`.

``gain`` (:func:`calculate_gain`, PyTorch's table) multiplies the standard deviation to make up
for what an activation does to the variance: 1 for linear and sigmoid, 5/3 for tanh, sqrt(2)
for ReLU. A uniform ``U(-a, a)`` has standard deviation ``a / sqrt(3)``, so the uniform
versions use ``a = sqrt(3) * std``. The library's own default, ``module.linear_init``
(``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``), is ``kaiming_uniform_`` with ``a = sqrt(5)``, as
PyTorch's ``nn.Linear``.

Fan-in and fan-out follow PyTorch: an array of shape ``(out, in, *k)`` (a ``Linear`` weight is
``(nout, nin)``) has ``fan_in = in * prod(k)`` and ``fan_out = out * prod(k)``.

``generator``: an int seed, a ``numpy.random.Generator`` (shared, so several calls continue
one stream) or None (``manual_seed``'s generator if set, else fresh entropy), where PyTorch
takes a ``torch.Generator``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from micrograd_mlp.module import make_rng
from micrograd_mlp.validation import finite_real, nonnegative_real

__all__ = [
    "calculate_gain",
    "constant_",
    "kaiming_normal_",
    "kaiming_uniform_",
    "normal_",
    "ones_",
    "uniform_",
    "xavier_normal_",
    "xavier_uniform_",
    "zeros_",
]

#: ``calculate_gain``'s table for the nonlinearities without a parameter (PyTorch's values).
_GAINS = {
    "linear": 1.0,
    "identity": 1.0,
    "sigmoid": 1.0,
    "tanh": 5.0 / 3.0,
    "relu": math.sqrt(2.0),
    "selu": 3.0 / 4.0,
}


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended gain for ``nonlinearity`` (PyTorch's ``calculate_gain``).

    ``linear``/``identity``/``sigmoid``: 1; ``tanh``: 5/3; ``relu``: sqrt(2); ``selu``: 3/4;
    ``leaky_relu``: ``sqrt(2 / (1 + a^2))`` with the negative slope ``a = param`` (default
    0.01).

    Raises:
        ValueError: an unknown nonlinearity (the known ones are listed), or ``param`` given for
            one that takes none. TypeError: ``param`` is not a real number.
    """
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else finite_real("calculate_gain: param", param)
        return math.sqrt(2.0 / (1.0 + slope**2))
    if nonlinearity not in _GAINS:
        known = ", ".join([*_GAINS, "leaky_relu"])
        raise ValueError(f"calculate_gain: unknown nonlinearity {nonlinearity!r}; one of {known}")
    if param is not None:
        raise ValueError(f"calculate_gain: {nonlinearity!r} takes no param, got {param!r}")
    return _GAINS[nonlinearity]


def _array(tensor: Any, fn: str) -> np.ndarray:
    """The floating-point array to fill: ``tensor`` itself if it is one, else its ``.data``."""
    array = tensor if isinstance(tensor, np.ndarray) else getattr(tensor, "data", None)
    if not isinstance(array, np.ndarray) or not np.issubdtype(array.dtype, np.floating):
        raise TypeError(
            f"{fn}: expected a Tensor or a floating-point NumPy array, got {type(tensor).__name__}"
        )
    if not array.flags.writeable:
        raise ValueError(f"{fn}: the array is read-only")
    return array


def _fill(tensor: Any, values: np.ndarray | float, fn: str) -> Any:
    _array(tensor, fn)[...] = values
    return tensor


def _fans(array: np.ndarray, fn: str) -> tuple[int, int]:
    """``(fan_in, fan_out)`` of an ``(out, in, *k)`` array (PyTorch's rule)."""
    if array.ndim < 2:
        raise ValueError(
            f"{fn}: fan in and fan out need an array of at least 2 dimensions (out, in), got "
            f"shape {array.shape}"
        )
    receptive = math.prod(array.shape[2:])
    return array.shape[1] * receptive, array.shape[0] * receptive


def uniform_(tensor: Any, a: float = 0.0, b: float = 1.0, generator: Any = None) -> Any:
    """Fill ``tensor`` with draws from ``U(a, b)``.

    Raises:
        TypeError: not a Tensor or floating-point array. ValueError: ``a > b`` or not finite.
    """
    a, b = finite_real("uniform_: a", a), finite_real("uniform_: b", b)
    if a > b:
        raise ValueError(f"uniform_: a must be <= b, got a={a!r}, b={b!r}")
    shape = _array(tensor, "uniform_").shape
    return _fill(tensor, make_rng(generator, "uniform_").uniform(a, b, shape), "uniform_")


def normal_(tensor: Any, mean: float = 0.0, std: float = 1.0, generator: Any = None) -> Any:
    """Fill ``tensor`` with draws from ``N(mean, std^2)``.

    Raises:
        TypeError: not a Tensor or floating-point array. ValueError: ``std < 0`` or a value
            that is not finite.
    """
    mean = finite_real("normal_: mean", mean)
    std = nonnegative_real("normal_: std", std)
    shape = _array(tensor, "normal_").shape
    return _fill(tensor, make_rng(generator, "normal_").normal(mean, std, shape), "normal_")


def constant_(tensor: Any, val: float) -> Any:
    """Fill ``tensor`` with ``val`` (e.g. biases)."""
    return _fill(tensor, finite_real("constant_: val", val), "constant_")


def zeros_(tensor: Any) -> Any:
    """Fill ``tensor`` with 0 (the usual bias initialization in the papers above)."""
    return _fill(tensor, 0.0, "zeros_")


def ones_(tensor: Any) -> Any:
    """Fill ``tensor`` with 1."""
    return _fill(tensor, 1.0, "ones_")


def xavier_uniform_(tensor: Any, gain: float = 1.0, generator: Any = None) -> Any:
    """Glorot & Bengio (2010): ``U(-a, a)``, ``a = gain * sqrt(6 / (fan_in + fan_out))``
    (standard deviation ``gain * sqrt(2 / (fan_in + fan_out))``).

    Raises:
        TypeError: not a Tensor or floating-point array. ValueError: fewer than 2 dimensions,
            or ``gain`` negative or not finite.
    """
    fan_in, fan_out = _fans(_array(tensor, "xavier_uniform_"), "xavier_uniform_")
    gain = nonnegative_real("xavier_uniform_: gain", gain)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor: Any, gain: float = 1.0, generator: Any = None) -> Any:
    """Glorot & Bengio (2010): ``N(0, std^2)``, ``std = gain * sqrt(2 / (fan_in + fan_out))``.

    Raises: as :func:`xavier_uniform_`.
    """
    fan_in, fan_out = _fans(_array(tensor, "xavier_normal_"), "xavier_normal_")
    gain = nonnegative_real("xavier_normal_: gain", gain)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), generator)


def _kaiming_std(tensor: Any, a: float, mode: str, nonlinearity: str, fn: str) -> float:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"{fn}: mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = _fans(_array(tensor, fn), fn)
    param = finite_real(f"{fn}: a", a) if nonlinearity == "leaky_relu" else None
    gain = calculate_gain(nonlinearity, param)
    return gain / math.sqrt(fan_in if mode == "fan_in" else fan_out)


def kaiming_uniform_(
    tensor: Any,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: Any = None,
) -> Any:
    """He et al. (2015): ``U(-b, b)``, ``b = sqrt(3) * gain / sqrt(fan)``, ``gain =
    calculate_gain(nonlinearity, a)`` (PyTorch's defaults: ``leaky_relu`` with ``a = 0``, i.e.
    ReLU's sqrt(2)); ``fan`` is ``fan_in`` (keeps the forward pass's variance) or ``fan_out``
    (the backward pass's).

    Raises:
        TypeError: not a Tensor or floating-point array. ValueError: fewer than 2 dimensions,
            an unknown ``mode`` or ``nonlinearity``.
    """
    bound = math.sqrt(3.0) * _kaiming_std(tensor, a, mode, nonlinearity, "kaiming_uniform_")
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(
    tensor: Any,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: Any = None,
) -> Any:
    """He et al. (2015): ``N(0, std^2)``, ``std = gain / sqrt(fan)`` (see
    :func:`kaiming_uniform_`).

    Raises: as :func:`kaiming_uniform_`.
    """
    std = _kaiming_std(tensor, a, mode, nonlinearity, "kaiming_normal_")
    return normal_(tensor, 0.0, std, generator)
