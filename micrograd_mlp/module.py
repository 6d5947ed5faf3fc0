"""What every network in both engines shares: :class:`Module`, activation names, initialisation.

A module owns parameters (scalar ``Value``s or ``Tensor``s: anything with ``.data`` and
``.grad``) and child modules. Its ``state_dict()`` is always a dict of NumPy float64 arrays
named like PyTorch's (``layers.0.weight`` of shape ``(nout, nin)``), so the same network moves
between the scalar engine, the vectorized engine and PyTorch.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from numbers import Integral, Real
from typing import Any, NamedTuple

import numpy as np

from micrograd_mlp.engine import Constant, Value

__all__ = [
    "ACTIVATIONS",
    "IncompatibleKeys",
    "Module",
    "check_activation",
    "linear_init",
    "make_rng",
    "manual_seed",
    "mlp_layers",
    "real_array",
    "seed_error",
]

#: Activation names accepted by ``Neuron``, ``Layer``, ``MLP`` and ``Linear``-based MLPs. Each
#: (except ``linear``, the identity) is a method of the same name on ``Value`` and ``Tensor``.
ACTIVATIONS = ("relu", "leaky_relu", "tanh", "sigmoid", "linear")


def check_activation(name: str) -> str:
    """Return ``name`` if it is a known activation; else raise ``ValueError`` listing them."""
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; expected one of {', '.join(ACTIVATIONS)}")
    return name


def mlp_layers(
    nin: int, nouts: Sequence[int], activation: str, output_activation: str = "linear"
) -> list[tuple[int, int, str]]:
    """The plan of an MLP: ``(nin, nout, activation)`` of each layer, the input layer first.

    Every hidden layer gets ``activation``; the last layer gets ``output_activation``,
    ``"linear"`` by default (logits or regression outputs; Karpathy's lecture MLP uses
    ``"tanh"`` there too). The scalar ``micrograd_mlp.nn.MLP`` and the vectorized
    ``micrograd_mlp.tensor.MLP`` both build their layers from this, so they stay the same network.
    The sizes themselves are checked when each layer is initialised (:func:`linear_init`).

    Raises:
        ValueError: unknown ``activation`` or ``output_activation``, or ``nouts`` is empty.
    """
    check_activation(activation)
    check_activation(output_activation)
    if len(nouts) == 0:
        raise ValueError("MLP needs at least one layer size in nouts")
    sizes = [nin, *nouts]
    last = len(nouts) - 1
    return [
        (sizes[i], sizes[i + 1], activation if i < last else output_activation)
        for i in range(len(nouts))
    ]


#: The generator behind every unseeded random choice after :func:`manual_seed` (None: none yet).
_global_rng: np.random.Generator | None = None


def manual_seed(seed: int) -> np.random.Generator:
    """Make every later unseeded random choice reproducible, as ``torch.manual_seed``.

    After ``manual_seed(n)``, ``MLP(...)`` and the other functions that take ``seed=None``
    (initial weights, shuffling, toy data) draw from one generator seeded with ``n``: the same
    program gives the same numbers on every run. An explicit ``seed=`` still wins.

    Returns:
        That generator (a ``numpy.random.Generator``).

    Raises:
        ValueError: ``seed`` is not a non-negative integer.
    """
    if not _is_seed_int(seed):
        raise ValueError(f"manual_seed: seed must be a non-negative integer, got {seed!r}")
    global _global_rng
    _global_rng = np.random.default_rng(int(seed))
    return _global_rng


def _is_seed_int(seed: object) -> bool:
    return isinstance(seed, Integral) and not isinstance(seed, (bool, np.bool_)) and seed >= 0


def seed_error(seed: object, who: str) -> ValueError | TypeError:
    """The error for a ``seed`` NumPy refuses, naming ``who`` (e.g. ``"DataLoader"``): a
    ValueError for a negative int, a TypeError for anything else (a float, a string)."""
    if isinstance(seed, Integral) and not isinstance(seed, (bool, np.bool_)):
        return ValueError(f"{who}: seed must be a non-negative integer, got {seed!r}")
    return TypeError(
        f"{who}: seed must be None, a non-negative int or a numpy.random.Generator, got "
        f"{type(seed).__name__} {seed!r}"
    )


def make_rng(
    seed: int | np.random.Generator | None, who: str = "make_rng"
) -> np.random.Generator:
    """A NumPy Generator from a seed, an existing Generator (used as is) or None: the generator of
    :func:`manual_seed` if it was called, else fresh entropy.

    Raises:
        ValueError, TypeError: a ``seed`` NumPy refuses (see :func:`seed_error`), at once rather
            than at the first draw.
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None and _global_rng is not None:
        return _global_rng
    try:
        return np.random.default_rng(seed)
    except (TypeError, ValueError):
        raise seed_error(seed, who) from None


def linear_init(nin: int, nout: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Initial ``weight`` (nout, nin) and ``bias`` (nout,), float64, from U(-k, k), k = 1/sqrt(nin).

    This is the distribution of PyTorch's ``nn.Linear`` default initialisation (Kaiming-uniform
    with a = sqrt(5), He et al. 2015). Both engines call it, so a seed gives the same network in
    each.

    Raises:
        ValueError: ``nin`` or ``nout`` is not a positive integer.
    """
    for name, n in (("nin", nin), ("nout", nout)):
        if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1:
            raise ValueError(f"{name} must be a positive integer, got {n!r}")
    bound = 1.0 / np.sqrt(nin)
    weight = rng.uniform(-bound, bound, size=(nout, nin))
    bias = rng.uniform(-bound, bound, size=nout)
    return weight, bias


def clear_grad(p: Any, set_to_none: bool = True) -> None:
    """Reset one parameter's gradient, in both engines, before the next ``backward()``.

    A ``Tensor`` follows PyTorch's ``zero_grad``: its grad becomes ``None`` ("no gradient
    yet"), or with ``set_to_none=False`` an existing gradient becomes zeros (``None`` stays
    ``None``). A ``Value`` follows micrograd: its grad is always a number, so it becomes 0.0
    either way."""
    grad = p.grad
    if grad is None or isinstance(grad, np.ndarray):  # a Tensor's: PyTorch's rule
        if set_to_none:
            p.grad = None
        elif grad is not None:
            p.grad = np.zeros_like(grad)
    else:  # a Value's number
        p.grad = 0.0


class IncompatibleKeys(NamedTuple):
    """What :meth:`Module.load_state_dict` did not match (PyTorch's ``_IncompatibleKeys``)."""

    missing_keys: list[str]
    unexpected_keys: list[str]


class Module:
    """Base class of every network piece, in both engines.

    A subclass that keeps its parameters in attributes needs nothing more, as in PyTorch: by
    default every attribute that is a leaf ``Tensor`` with ``requires_grad=True`` or a leaf
    ``Value`` (not a constant; a computed node, e.g. a cached activation, is not a parameter),
    or a non-empty list/tuple of them (named ``attr.i``), is a parameter of the module, under
    the attribute's name, in ``parameters()``, ``zero_grad()``, ``state_dict()`` and
    ``load_state_dict()``::

        class Affine(Module):
            def __init__(self):
                self.scale = Tensor(np.ones(3), requires_grad=True)
                self.body = MLP(3, [8, 3])           # a child: body.layers.0.weight, ...

            def forward(self, x):                    # model(x) calls it, as in PyTorch
                return self.body(x) * self.scale

    Subclasses may override some of:

    * ``_own_parameters()`` -- yield ``(name, parameter)`` pairs the module holds directly;
    * ``_own_state()`` / ``_load_own_state(name, array)`` -- its entries of the state dict
      (by default one entry per own parameter, its ``data``; a Tensor is loaded in place);
    * ``named_children()`` -- by default every attribute that is a Module, or a list of
      Modules (named ``attr.i``, as PyTorch's ``ModuleList``).

    Attributes:
        training: True in training mode (the default), False in evaluation mode; set for the
            module and all its submodules by :meth:`train` / :meth:`eval`, as in PyTorch. Only
            layers that behave differently (``Dropout``) read it.
    """

    training: bool = True

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """``self.forward(*args, **kwargs)``, as PyTorch's ``Module.__call__``: a subclass
        defines ``forward`` (or overrides ``__call__`` itself, as the built-in layers do).

        Raises:
            TypeError: the subclass defines neither ``forward`` nor ``__call__``.
        """
        forward = getattr(self, "forward", None)
        if not callable(forward):
            raise TypeError(
                f"{type(self).__name__} is not callable: define forward(self, x) (or __call__)"
            )
        return forward(*args, **kwargs)

    def named_children(self) -> Iterator[tuple[str, Module]]:
        for attr, value in vars(self).items():
            if isinstance(value, Module):
                yield attr, value
            elif isinstance(value, (list, tuple)) and value and isinstance(value[0], Module):
                for i, child in enumerate(value):
                    yield f"{attr}.{i}", child

    def _own_parameters(self) -> Iterator[tuple[str, Any]]:
        for attr, value in vars(self).items():
            if _is_parameter(value):
                yield attr, value
            elif (
                isinstance(value, (list, tuple)) and value and all(map(_is_parameter, value))
            ):
                for i, p in enumerate(value):
                    yield f"{attr}.{i}", p

    def _own_state(self) -> dict[str, np.ndarray]:
        return {name: np.asarray(p.data) for name, p in self._own_parameters()}

    def _load_own_state(self, name: str, array: np.ndarray) -> None:
        p = dict(self._own_parameters())[name]
        if isinstance(p.data, np.ndarray):
            p.data[...] = array  # in place: an optimizer holds a view of this array
        else:
            p.data = float(array)

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Any]]:
        """Yield ``(dotted name, parameter)`` for every parameter, in a fixed order.

        A parameter held in two places (tied weights: ``self.head.weight = self.embed.weight``)
        is yielded once, under its first name, as PyTorch's ``named_parameters()``: an
        optimizer then updates it once per step.
        """
        seen: set[int] = set()
        for name, p in self._every_parameter(prefix):
            if id(p) not in seen:
                seen.add(id(p))
                yield name, p

    def _every_parameter(self, prefix: str) -> Iterator[tuple[str, Any]]:
        for name, p in self._own_parameters():
            yield prefix + name, p
        for name, child in self.named_children():
            yield from child._every_parameter(f"{prefix}{name}.")

    def parameters(self) -> list[Any]:
        """Every parameter (objects with ``.data`` and ``.grad``), in ``named_parameters`` order."""
        # The common case (no tied weights) without named_parameters' per-item bookkeeping:
        # a scalar model's training step asks for its parameters several times.
        params = [p for _, p in self._every_parameter("")]
        if len({id(p) for p in params}) == len(params):
            return params
        return [p for _, p in self.named_parameters()]

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset every parameter's gradient before the next ``backward()``: a Tensor's to
        ``None``, as PyTorch's ``zero_grad()`` (the next backward pass gives it a fresh one),
        a Value's to 0.0, as micrograd's. ``set_to_none=False`` zeroes a Tensor's existing
        gradient instead (PyTorch's option: an optimizer then still steps it, e.g. by momentum
        or weight decay). See :func:`clear_grad`."""
        for p in self.parameters():
            clear_grad(p, set_to_none)

    def train(self, mode: bool = True) -> Module:
        """Put the module and every submodule in training mode (``mode=False``: evaluation
        mode), as PyTorch's ``Module.train``; returns the module itself.

        Raises:
            TypeError: ``mode`` is not a bool.
        """
        if not isinstance(mode, (bool, np.bool_)):
            raise TypeError(f"train(mode) expects True or False, got {mode!r}")
        for _, module in self._named_modules():
            module.training = bool(mode)
        return self

    def eval(self) -> Module:
        """Evaluation mode (``train(False)``): dropout off. Returns the module itself."""
        return self.train(False)

    def _named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        yield prefix, self
        for name, child in self.named_children():
            yield from child._named_modules(f"{prefix}{name}.")

    def state_dict(self) -> dict[str, np.ndarray]:
        """A copy of every parameter as a float64 NumPy array, keyed like PyTorch's state dict."""
        return {
            prefix + name: np.array(array, dtype=np.float64)
            for prefix, module in self._named_modules()
            for name, array in module._own_state().items()
        }

    def load_state_dict(
        self, state_dict: Mapping[str, Any], strict: bool = True
    ) -> IncompatibleKeys:
        """Copy arrays from ``state_dict`` into the parameters (all or nothing).

        Every key of ``state_dict()`` must be present with the same shape, and no other key;
        with ``strict=False`` (PyTorch's option) missing and unexpected keys are allowed: the
        keys present are loaded (still checked, all or nothing), the others left as they are.

        Returns:
            :class:`IncompatibleKeys`: the ``missing_keys`` and ``unexpected_keys`` (empty
            lists unless ``strict=False``), as PyTorch's ``load_state_dict`` returns them.

        Raises:
            KeyError: keys are missing or unexpected and ``strict`` (all are listed; shapes
                are checked too).
            ValueError: an entry has the wrong shape, is not finite real numeric data, or holds a
                value that the parameter's dtype cannot hold (1e300 for float32 would become
                infinity); all are listed; complex numbers and strings (also inside an object
                array) are refused, not cast.
            TypeError: ``state_dict`` is not a mapping, or ``strict`` not a bool.
            Nothing is loaded when anything is wrong.
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(
                "load_state_dict expects a mapping of names to arrays (as state_dict() returns), "
                f"got {type(state_dict).__name__}"
            )
        if not isinstance(strict, (bool, np.bool_)):
            raise TypeError(f"load_state_dict: strict must be True or False, got {strict!r}")
        expected = self.state_dict()
        dtypes = {  # each parameter's own dtype: a value must stay finite once cast to it
            prefix + name: np.asarray(array).dtype
            for prefix, module in self._named_modules()
            for name, array in module._own_state().items()
        }
        missing = [k for k in expected if k not in state_dict]
        unexpected = [k for k in state_dict if k not in expected]
        problems, arrays = [], {}
        for key, current in expected.items():
            if key not in state_dict:
                continue
            try:
                array = real_array(state_dict[key], bools=True)
            except (TypeError, ValueError) as error:
                problems.append(f"{key}: {error}")
                continue
            if array.shape != current.shape:
                problems.append(f"{key}: shape {array.shape}, expected {current.shape}")
            elif not np.all(np.isfinite(array)):
                problems.append(f"{key}: contains NaN or infinity")
            elif not _fits(array, dtypes[key]):
                limit = np.finfo(dtypes[key]).max
                problems.append(
                    f"{key}: a value beyond the model's {dtypes[key]} range (+-{limit:.4g}) "
                    "would load as infinity"
                )
            else:
                arrays[key] = array
        if missing and strict:
            problems.insert(0, f"missing keys: {', '.join(missing)}")
        if unexpected and strict:
            names = ", ".join(map(str, unexpected))
            problems.insert(len(missing) > 0, f"unexpected keys: {names}")
        if problems:
            error = KeyError if strict and (missing or unexpected) else ValueError
            raise error("load_state_dict: nothing loaded; " + "; ".join(problems))
        for prefix, module in self._named_modules():
            for name in module._own_state():
                if prefix + name in arrays:
                    module._load_own_state(name, arrays[prefix + name])
        return IncompatibleKeys(missing, unexpected)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def _is_parameter(x: Any) -> bool:
    """A leaf Value that is not a constant (a default parameter), or a leaf Tensor that requires
    grad. A computed node kept as an attribute (a cached activation) is not one. (A Tensor is
    told apart by its ``requires_grad``: this module serves both engines without importing the
    Tensor one, whose networks import it.)"""
    if isinstance(x, Value):
        return not isinstance(x, Constant) and not x._children
    return getattr(x, "requires_grad", None) is True and not getattr(x, "_children", True)


def _fits(array: np.ndarray, dtype: np.dtype) -> bool:
    """Whether the (finite) ``array`` stays finite when cast to ``dtype``."""
    if dtype.kind != "f" or dtype == array.dtype:
        return True
    return bool(np.all(np.abs(array) <= np.finfo(dtype).max))


def real_array(value: Any, *, bools: bool = False) -> np.ndarray:
    """A saved entry (an array, a number, nested lists) as a float64 array, refusing what a
    cast to float would silently mangle.

    Accepted: integer and floating data (boolean data too with ``bools=True``), and object
    arrays whose every element is a real number (a NumPy scalar, a Python int or float).
    Used by every ``load_state_dict`` (modules and optimizers), so they accept the same data.

    Raises:
        TypeError: not real numeric data: strings (never parsed, also inside an object
            array), complex numbers (the imaginary part would be dropped), dates, None, ragged
            lists. The message says what the entry is: ``not real numeric data (ndarray of
            complex128)``, ``... (ndarray holding str '0.5')``, ``... (str '0.5')``.
        ValueError: an integer beyond float64's range (it would become infinity).
    """
    try:
        raw = np.asarray(value)
    except Exception:  # a ragged list, or an object whose __array__ raises
        raise TypeError(f"not real numeric data ({_what(value)})") from None
    kinds = "biuf" if bools else "iuf"
    if raw.dtype.kind == "O":
        for x in raw.flat:
            if not isinstance(x, Real) or (not bools and isinstance(x, (bool, np.bool_))):
                raise TypeError(
                    f"not real numeric data ({type(value).__name__} holding {_what(x)})"
                )
    elif raw.dtype.kind not in kinds:
        note = f" of {raw.dtype}" if isinstance(value, np.ndarray) else f" {value!r:.40}"
        raise TypeError(f"not real numeric data ({type(value).__name__}{note})")
    try:
        return np.asarray(raw, dtype=np.float64)
    except OverflowError:
        raise ValueError("an integer beyond float64's range (+-1.798e+308)") from None


def _what(x: Any) -> str:
    """``str '0.5'``: the type and the start of the value, for error messages."""
    return f"{type(x).__name__} {x!r:.40}"
