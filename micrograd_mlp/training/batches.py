"""What the loop and the evaluation share: the data as batches, the forward pass of either engine,
the loss as a number, the model's mode.

* :class:`ArrayBatches` turns ``(X, y)`` arrays into mini-batches (the scalar engine's classic
  form of :func:`~micrograd_mlp.training.fit`'s data);
* :func:`is_batched` tells whether a model takes a whole batch (Tensor engine) or one sample
  (scalar engine), :func:`forward` calls it accordingly;
* :func:`loss_value`, :func:`output_array`, :func:`set_mode`: the loss as a float, the outputs
  as an array, ``model.train()``/``model.eval()`` when the model has them;
* :class:`Standardized` -- a loader's batches with their inputs standardized (torchvision's
  ``Normalize``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from micrograd_mlp.module import make_rng
from micrograd_mlp.validation import positive_int

__all__ = [
    "ArrayBatches",
    "Standardized",
    "as_batches",
    "forward",
    "is_batched",
    "loss_value",
    "output_array",
    "samples_per_epoch",
    "set_mode",
]


class ArrayBatches:
    """``(X, y)`` arrays as an iterable of ``(inputs, targets)`` mini-batches, one pass per
    ``iter()``.

    Full batch (``batch_size=None``) takes the samples in order; otherwise the order is shuffled
    every epoch by one generator made from ``seed``. For a per-sample model (``rows=True``) the
    inputs are Python lists of floats (the scalar engine lifts them without NumPy overhead).

    Args:
        X: inputs ``(N, D)``, converted to float64.
        y: targets ``(N,)`` or ``(N, K)``.
        batch_size: samples per batch (None: all N), a positive int; more than N means N.
        seed: int, ``numpy.random.Generator`` or None (:func:`~micrograd_mlp.manual_seed`'s
            generator, else fresh entropy), for the shuffling.
        rows: give the inputs as lists of rows (per-sample models) rather than arrays.
        who: the function named in errors.

    Attributes:
        samples, batch_size: N and the batch size used. ``rng``: the shuffling generator, None
        for a full batch.

    Raises:
        ValueError: ``X`` is not ``(N, D)``, ``y`` not ``(N, ...)`` (both shapes named), no
            samples, or ``batch_size`` not a positive int.
    """

    def __init__(
        self,
        X: ArrayLike,
        y: ArrayLike,
        batch_size: int | None = None,
        seed: int | np.random.Generator | None = None,
        rows: bool = False,
        who: str = "fit",
    ) -> None:
        X, y = np.asarray(X, dtype=np.float64), np.asarray(y)
        if X.ndim != 2 or y.ndim == 0 or len(X) != len(y):
            raise ValueError(
                f"{who}: expected X of shape (N, D) and y of shape (N,) or (N, K), got X "
                f"{X.shape} and y {y.shape}"
            )
        if len(X) == 0:
            raise ValueError(f"{who}: X and y hold no samples")
        n = self.samples = len(X)
        self.batch_size = (
            n if batch_size is None else min(positive_int("batch_size", batch_size), n)
        )
        self.rng = make_rng(seed, who) if self.batch_size < n else None
        self.X, self.y = X, y
        self.rows = X.tolist() if rows else None

    def __len__(self) -> int:
        """Batches per pass."""
        return -(-self.samples // self.batch_size)

    def __iter__(self) -> Iterator[tuple[Any, np.ndarray]]:
        n, b = self.samples, self.batch_size
        order = self.rng.permutation(n) if self.rng is not None else np.arange(n)
        for start in range(0, n, b):
            index = order[start : start + b]
            inputs = [self.rows[i] for i in index.tolist()] if self.rows is not None else None
            yield (self.X[index] if inputs is None else inputs), self.y[index]

    def __repr__(self) -> str:
        return f"ArrayBatches(samples={self.samples}, batch_size={self.batch_size})"


class Standardized:
    """The batches of ``loader`` with their inputs standardized, ``(x - mean) / std``, as
    torchvision's ``transforms.Normalize((mean,), (std,))``: inputs centred on 0 with spread 1
    (e.g. Fashion-MNIST's pixels, 0.286 +- 0.353 after the division by 255), which Adam and SGD
    train faster than inputs in [0, 1]. Everything else is the loader's: the order of the
    batches, ``set_epoch``, ``len``, and attributes such as ``labels``, ``batch_size``, ``seed``
    (so a checkpoint records and replays it as it does the loader).

    Args:
        loader: an iterable of ``(inputs, targets)`` batches (a DataLoader).
        mean, std: finite numbers, ``std > 0``.

    Raises:
        ValueError: ``mean`` or ``std`` not finite, ``std <= 0``.
    """

    def __init__(self, loader: Any, mean: float, std: float) -> None:
        if not (np.isfinite(mean) and np.isfinite(std) and std > 0):
            raise ValueError(f"Standardized: need a finite mean and std > 0, got {mean}, {std}")
        self.loader, self.mean, self.std = loader, float(mean), float(std)

    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        for inputs, targets in self.loader:
            x = np.asarray(inputs)
            kind = x.dtype.type if x.dtype.kind == "f" else np.float64
            yield (x - kind(self.mean)) / kind(self.std), targets

    def __len__(self) -> int:
        return len(self.loader)

    def __getattr__(self, name: str) -> Any:
        if name == "loader":  # not set yet (copying, unpickling): no recursion
            raise AttributeError(name)
        return getattr(self.loader, name)

    def __repr__(self) -> str:
        return f"Standardized({self.loader!r}, mean={self.mean:g}, std={self.std:g})"


def as_batches(
    data: Any,
    batched: bool,
    who: str,
    batch_size: int | None = None,
    seed: int | np.random.Generator | None = None,
) -> Any:
    """``data`` as an iterable of batches: an ``(X, y)`` tuple of arrays becomes an
    :class:`ArrayBatches` (of ``batch_size`` shuffled by ``seed``; default one full batch);
    anything else (a DataLoader, a list or tuple of ``(inputs, targets)`` batches) is returned
    as it is.

    Raises:
        ValueError: ``batch_size`` or ``seed`` given for data that is not ``(X, y)``, or the
            errors of :class:`ArrayBatches`.
    """
    if isinstance(data, tuple) and len(data) == 2 and not _holds_array_batches(data):
        return ArrayBatches(data[0], data[1], batch_size, seed, rows=not batched, who=who)
    if batch_size is not None or seed is not None:
        raise ValueError(
            f"{who}: batch_size and seed are for (X, y) arrays; a DataLoader has its own"
        )
    return data


def _holds_array_batches(data: tuple) -> bool:
    """A tuple of two ``(inputs, targets)`` batches of arrays rather than ``(X, y)``."""
    return all(isinstance(b, tuple) and len(b) == 2 and isinstance(b[0], np.ndarray) for b in data)


def is_batched(model: Any, optimizer: Any = None) -> bool:
    """Whether ``model`` takes a whole batch (Tensor engine) or one sample (scalar engine).

    Batched when the parameters it trains hold NumPy arrays (Tensors): the model's own
    ``parameters()``, or for a plain function those of ``optimizer`` (its ``params``); per
    sample otherwise (``Value`` parameters, or nothing to tell).
    """
    parameters = getattr(model, "parameters", None)
    if callable(parameters):
        found = list(parameters())
    else:
        found = list(getattr(optimizer, "params", None) or ())
    return any(isinstance(getattr(p, "data", None), np.ndarray) for p in found)


def forward(model: Any, inputs: Any, batched: bool) -> Any:
    """The model's outputs for a batch: ``model(inputs)`` for a batched model, else the list
    ``[model(x) for x in rows]`` (an array of inputs is turned into lists of floats first)."""
    if batched:
        return model(inputs)
    rows = inputs.tolist() if isinstance(inputs, np.ndarray) else inputs
    return [model(x) for x in rows]


def loss_value(loss: Any) -> float:
    """The loss as a float.

    Raises:
        TypeError: ``loss`` is not one scalar node with ``backward()`` (a Value, or a Tensor of
            one element).
    """
    data = getattr(loss, "data", None)
    if callable(getattr(loss, "backward", None)):
        if isinstance(data, (np.ndarray, np.generic)) and np.size(data) == 1:
            return float(np.asarray(data).reshape(()))
        if isinstance(data, (int, float)) and not isinstance(data, bool):
            return float(data)
    raise TypeError(
        "loss_fn must return one Value or a Tensor of one element (use reduction='mean' or "
        f"'sum'), got {type(loss).__name__}"
        + (f" of shape {data.shape}" if isinstance(data, np.ndarray) else "")
    )


def output_array(outputs: Any) -> np.ndarray:
    """A model's outputs for a batch as a float array ``(B, ...)``: a Tensor's data, or the
    scalar engine's list of Values / lists of Values."""
    data = getattr(outputs, "data", None)
    if isinstance(data, np.ndarray):
        return data
    if isinstance(outputs, np.ndarray):
        return outputs
    return np.array(
        [[v.data for v in o] if isinstance(o, (list, tuple)) else o.data for o in outputs],
        dtype=np.float64,
    )


def set_mode(model: Any, training: bool) -> None:
    """``model.train()`` / ``model.eval()`` when the model has them (a Module does)."""
    method = getattr(model, "train" if training else "eval", None)
    if callable(method) and hasattr(model, "training"):
        method()


def samples_per_epoch(data: Any) -> int | None:
    """Samples of one pass over ``data`` when it can tell (a DataLoader, ``(X, y)``), else None."""
    if isinstance(data, ArrayBatches):
        return data.samples
    labels, batch_size = getattr(data, "labels", None), getattr(data, "batch_size", None)
    if labels is not None and isinstance(batch_size, int):
        try:
            return min(len(data) * batch_size, len(labels))
        except TypeError:
            return None
    return None
