"""Mini-batches for training: :class:`DataLoader` and :func:`train_test_split`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, DTypeLike

from micrograd_mlp.module import make_rng, seed_error
from micrograd_mlp.validation import positive_int

__all__ = ["DataLoader", "train_test_split"]


def _check_pair(images: np.ndarray, labels: np.ndarray) -> None:
    if images.ndim < 1 or labels.ndim != 1 or len(images) != len(labels):
        raise ValueError(
            f"images {images.shape} and labels {labels.shape} do not match: expected "
            "images (N, ...) and labels (N,) with the same N"
        )


def _flag(name: str, value: object) -> bool:
    """A True/False option (NumPy's bool too): ``shuffle="no"`` would otherwise be true."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"DataLoader: {name} must be True or False, got {value!r}")
    return bool(value)


class DataLoader:
    """Iterate over ``(x, y)`` mini-batches of an in-memory data set, as PyTorch's DataLoader.

    ``x`` is ``(B, D)`` with each sample flattened (``D = 784`` for MNIST) and ``y`` is
    ``(B,)`` int64. With ``normalize=True`` the images must be uint8 pixels and each batch is
    divided by 255 in ``dtype`` as it is made, so the data set stays uint8 in memory (a quarter
    of float32's size). Every batch is a new array: a caller may keep or modify batches freely
    (one ``(B, D)`` allocation per batch is cheap next to the forward pass it feeds).

    Shuffling (``shuffle=True``) draws a new permutation for every epoch, i.e. every call to
    ``iter()``. With ``seed`` an int, epoch ``k``'s order comes from the k-th child of
    ``numpy.random.SeedSequence(seed)``, so it depends only on ``(seed, k)``: a resumed run
    calls ``set_epoch(k)`` and sees the same batches as an uninterrupted one. With ``seed=None``
    a random base seed is drawn once (``self.seed``). With a ``numpy.random.Generator`` the
    permutations are drawn from it in turn (reproducible only as a whole sequence).

    Args:
        images: array ``(N, ...)`` of samples; not copied.
        labels: array ``(N,)`` of integer class indices.
        batch_size: samples per batch (the last one may be smaller unless ``drop_last``).
        shuffle: new random order each epoch; otherwise the data's order.
        seed: int, ``numpy.random.Generator`` or None, for the shuffling.
        drop_last: drop the last batch when it has fewer than ``batch_size`` samples.
        normalize: scale uint8 pixels 0..255 to [0, 1]; False converts values unchanged.
        dtype: floating type of ``x`` (float32; float64 for gradient checks).

    Raises:
        ValueError: ``images`` and ``labels`` have different lengths (both shapes are named),
            the data set is empty, labels are not integers, ``batch_size`` is not a positive
            integer, ``drop_last`` with fewer samples than ``batch_size`` (no batch at all),
            ``normalize`` is set for non-uint8 images, ``dtype`` is not a floating type, or
            ``seed`` is a negative int.
        TypeError: ``seed`` is not None, an int or a ``numpy.random.Generator`` (e.g. a float);
            ``shuffle``, ``drop_last`` or ``normalize`` is not True or False.
    """

    def __init__(
        self,
        images: ArrayLike,
        labels: ArrayLike,
        batch_size: int = 128,
        shuffle: bool = False,
        seed: int | np.random.Generator | None = None,
        drop_last: bool = False,
        normalize: bool = True,
        dtype: DTypeLike = np.float32,
    ) -> None:
        images, labels = np.asarray(images), np.asarray(labels)
        _check_pair(images, labels)
        if len(labels) == 0:
            raise ValueError(
                f"DataLoader: the data set is empty (images {images.shape}, labels "
                f"{labels.shape}); give it at least one sample"
            )
        if labels.dtype.kind not in "iu":
            raise ValueError(f"labels must be integer class indices, got dtype {labels.dtype}")
        if _flag("normalize", normalize) and images.dtype != np.uint8:
            raise ValueError(
                f"normalize=True scales uint8 pixels 0..255 to [0, 1], but images are "
                f"{images.dtype}; pass normalize=False for data that is already scaled"
            )
        try:
            self.dtype = np.dtype(dtype)
        except TypeError:
            raise ValueError(f"dtype must be a floating type, got {dtype!r}") from None
        if self.dtype.kind != "f":
            raise ValueError(f"dtype must be a floating type, got {self.dtype}")
        self.images = images.reshape(len(images), -1)  # a view for contiguous data
        self.labels = labels.astype(np.int64, copy=False)
        self.batch_size = positive_int("batch_size", batch_size)
        self.shuffle = _flag("shuffle", shuffle)
        self.drop_last = _flag("drop_last", drop_last)
        self.normalize = _flag("normalize", normalize)
        if self.drop_last and len(labels) < self.batch_size:
            raise ValueError(
                f"DataLoader: drop_last=True with batch_size={self.batch_size} leaves no batch "
                f"of the {len(labels)} samples; use a smaller batch_size or drop_last=False"
            )
        if seed is not None and not isinstance(seed, np.random.Generator):
            try:  # the epochs' orders come from SeedSequence(seed): refuse a bad seed now
                np.random.SeedSequence(seed)
            except (TypeError, ValueError):
                raise seed_error(seed, "DataLoader") from None
        self._generator = seed if isinstance(seed, np.random.Generator) else None
        if self._generator is None and seed is None:
            seed = int(np.random.SeedSequence().entropy)
        self.seed = None if self._generator is not None else seed
        self.epoch = 0

    def __len__(self) -> int:
        """Number of batches per epoch."""
        n, b = len(self.labels), self.batch_size
        return n // b if self.drop_last else -(-n // b)

    def batch_options(self) -> dict[str, Any]:
        """What fixes the batches of every epoch besides the data itself, as plain values: a
        run resumed from a checkpoint must find them all equal to see the batches an
        uninterrupted run would (with the same data and ``set_epoch``).

        Keys: ``samples`` (N), ``batch_size``, ``shuffle``, ``drop_last``, ``seed`` (the int
        behind the shuffling; None without shuffling, where it changes nothing, and for a
        ``numpy.random.Generator``, whose draws cannot be replayed), ``normalize`` and
        ``dtype`` (its name, e.g. ``"float32"``).
        """
        seed = self.seed if self.shuffle and self._generator is None else None
        return {
            "samples": len(self.labels),
            "batch_size": self.batch_size,
            "shuffle": self.shuffle,
            "drop_last": self.drop_last,
            "seed": None if seed is None else int(seed),
            "normalize": self.normalize,
            "dtype": self.dtype.name,
        }

    def set_epoch(self, epoch: int) -> None:
        """Make the next ``iter()`` produce epoch ``epoch``'s order (to resume a run)."""
        if not isinstance(epoch, (int, np.integer)) or isinstance(epoch, bool) or epoch < 0:
            raise ValueError(f"epoch must be a non-negative integer, got {epoch!r}")
        self.epoch = int(epoch)

    def _order(self) -> np.ndarray | None:
        """The next epoch's sample order; None (the data's order) without shuffling."""
        if not self.shuffle:
            return None
        if self._generator is not None:
            return self._generator.permutation(len(self.labels))
        # The same as SeedSequence(seed).spawn(k + 1)[k]: depends on (seed, epoch) only.
        child = np.random.SeedSequence(self.seed, spawn_key=(self.epoch,))
        return np.random.default_rng(child).permutation(len(self.labels))

    def _batch(self, index: slice | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        pixels = self.images[index]  # a view for a slice, a uint8 copy for an index array
        x = np.empty(pixels.shape, dtype=self.dtype)
        if self.normalize:
            # Dividing in the float type gives the correctly rounded x / 255, as torchvision.
            np.divide(pixels, self.dtype.type(255), out=x, dtype=self.dtype)
        else:
            x[...] = pixels
        return x, self.labels[index].copy()

    def __iter__(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Yield ``(x, y)``: ``x`` of shape (B, D) in ``dtype``, ``y`` of shape (B,) int64."""
        # The epoch's order is fixed here, not at the first next(), so each iter() is one epoch.
        order = self._order()
        self.epoch += 1
        return self._batches(order)

    def _batches(self, order: np.ndarray | None) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        n, b = len(self.labels), self.batch_size
        stop = n - n % b if self.drop_last else n
        for start in range(0, stop, b):
            end = min(start + b, n)
            yield self._batch(slice(start, end) if order is None else order[start:end])

    def __repr__(self) -> str:
        return (
            f"DataLoader(n={len(self.labels)}, batch_size={self.batch_size}, "
            f"shuffle={self.shuffle}, drop_last={self.drop_last}, normalize={self.normalize})"
        )


def train_test_split(
    X: ArrayLike, y: ArrayLike, n_train: int, seed: int | np.random.Generator | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Split a data set at random into a training part of ``n_train`` samples and the rest.

    Used for MNIST here, whose shared copy has only the 10,000-image test split: a seeded
    8,000 of it train, the other 2,000 test. Samples keep their relative order within each part.

    Args:
        X: array ``(N, ...)``.
        y: array ``(N,)``.
        n_train: training samples, ``1 <= n_train <= N - 1``.
        seed: int, ``numpy.random.Generator`` or None (fresh entropy).

    Returns:
        ``X_train, X_test, y_train, y_test`` (scikit-learn's order), new arrays of the input
        dtypes, of lengths ``n_train`` and ``N - n_train``.

    Raises:
        ValueError: ``X`` and ``y`` have different lengths (both shapes named), or ``n_train``
            is out of range.
    """
    X, y = np.asarray(X), np.asarray(y)
    _check_pair(X, y)
    n = len(y)
    if not isinstance(n_train, (int, np.integer)) or isinstance(n_train, bool):
        raise ValueError(f"n_train must be an integer, got {n_train!r}")
    if not 1 <= n_train <= n - 1:
        raise ValueError(f"n_train must be between 1 and N - 1 = {n - 1}, got {n_train}")
    chosen = np.zeros(n, dtype=bool)
    chosen[make_rng(seed, "train_test_split").permutation(n)[:n_train]] = True
    return X[chosen], X[~chosen], y[chosen], y[~chosen]
