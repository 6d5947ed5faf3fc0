"""The optimizer base class: every parameter packed into flat arrays, one update for all.

A parameter is anything with ``.data`` and ``.grad`` (a scalar ``Value`` or a ``Tensor``); the
optimizer reads both as NumPy arrays and treats every parameter alike:

* At construction the parameters are packed, in order, into one contiguous flat array per
  dtype (a *bucket*; a model of one dtype has one). A parameter whose ``data`` is a NumPy
  array is **rebound** to a view into that flat array: its values are *copied* into the
  buffer and ``p.data`` becomes ``flat[offset:offset + size].reshape(shape)``, same shape and
  dtype. The array the user passed is not updated afterwards (keep ``p.data``, not an old
  reference to the array). A parameter whose ``data`` is a Python number (a ``Value``) cannot
  be a view; its number is copied into the flat array before each step and written back after.
* Each ``step()`` copies every gradient into a preallocated flat gradient array, then runs
  the update rule *once* over the flat arrays: a dozen NumPy calls per step for all parameters
  together, as PyTorch's ``foreach``/``fused`` optimizers do, instead of a dozen per
  parameter. A Tensor whose ``grad`` is ``None`` has no gradient yet and is skipped, as in
  PyTorch (its value and its state do not change); a ``Value``'s grad is always a number
  (0.0 when nothing reached it), so every Value is updated, as the loop of Karpathy's
  micrograd lecture updates them.
* The optimizer state (momentum buffers, moment estimates) lives in flat arrays of the same
  layout. ``state_dict()`` hands it out per parameter, shaped like the parameter, with
  PyTorch's names.

The update rule of each optimizer (``_update``) is written once, on 1-d arrays. Elementwise
float arithmetic gives the same result whether a number is updated alone or inside an array,
so packing changes no result. What it saves is Python and NumPy call overhead, which matters
for many small parameters (every ``Value``; deep narrow networks); for the few large tensors of
an MNIST MLP a step is bound by its passes over the arrays, and packing then costs about what
the extra gradient copy takes (``python benchmarks/optim_step.py`` measures both layouts).

If a parameter's ``data`` is replaced by a new array of the same shape and dtype (``p.data =
...``), the next step copies it into the buffer and rebinds ``p.data`` to the view again.

As in PyTorch, ``step()`` reads ``lr`` and the other hyperparameters from the optimizer's
attributes each time (so a scheduler may change ``opt.lr`` between steps), and ``zero_grad()``
clears the gradients (a Tensor's to ``None``, a Value's to 0.0).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from numbers import Integral, Real
from typing import Any

import numpy as np

from micrograd_mlp.module import clear_grad, real_array
from micrograd_mlp.validation import finite_real, nonnegative_real

__all__ = ["MAX_COUNT", "Optimizer", "saved_count"]

# "state.{i}.{name}", with i written as state_dict() writes it (no sign, no leading zero, ASCII
# digits, at most 18 of them): "state.01.step" would otherwise also name parameter 1.
_STATE_KEY = re.compile(r"state\.(0|[1-9][0-9]{0,17})\.(\w+)", re.ASCII)

#: The largest step or epoch count a state dict may hold: 2**53, up to which every integer is
#: exactly a float64 (PyTorch saves an optimizer's step as a float), far below int64's end (a
#: count there would wrap around to negative at the next step).
MAX_COUNT = 2**53


def saved_count(name: str, value: Any, low: int, *, floats: bool = False) -> int:
    """A counter from a state dict (a step or epoch count, a period) as an int in
    ``[low, MAX_COUNT]``; ``floats=True`` also accepts an integral float (``3.0``).

    Raises:
        ValueError: naming ``name``: not one real number, not an integer (a bool, a string,
            ``2.7``, NaN, infinity; ``2.0`` unless ``floats``), or out of range.
    """
    try:
        real_array(value)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name}: {error}") from None
    raw = np.asarray(value)
    if raw.shape != ():
        raise ValueError(f"{name} must be one integer, got an array of shape {raw.shape}")
    x = given = raw.item()
    if floats and isinstance(x, float) and x.is_integer():
        x = int(x)
    if not isinstance(x, Integral):
        raise ValueError(f"{name} must be an integer, got {given!r}")
    if not low <= x <= MAX_COUNT:
        big = not isinstance(given, float) and abs(int(x)) > 2**64  # a 5000-digit int: no str
        shown = f"about 2**{int(x).bit_length() - 1}" if big else repr(given)
        raise ValueError(f"{name} must be an integer from {low} to 2**53, got {shown}")
    return int(x)


def nonnegative(name: str, x: object) -> float:
    """A hyperparameter as a finite float >= 0; one-line TypeError/ValueError naming it."""
    return nonnegative_real(name, _no_numpy_bool(name, x))


def real(name: str, x: object) -> float:
    """A hyperparameter as a finite float; one-line TypeError/ValueError naming it."""
    return finite_real(name, _no_numpy_bool(name, x))


def flag(name: str, x: object) -> bool:
    """A boolean hyperparameter (``True``/``False``, NumPy's bool too)."""
    if not isinstance(x, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {type(x).__name__} {x!r}")
    return bool(x)


def _no_numpy_bool(name: str, x: object) -> object:
    if isinstance(x, np.bool_):
        raise TypeError(f"{name} must be a real number, got bool {x!r}")
    return x


def lerp(m: np.ndarray, g: np.ndarray, weight: float, tmp: np.ndarray) -> None:
    """``m <- m + weight * (g - m)`` in place, computed as PyTorch's ``lerp_`` (same rounding):
    ``m + w (g - m)`` for ``w < 0.5``, ``g - (1 - w)(g - m)`` otherwise. ``tmp``: scratch."""
    np.subtract(g, m, out=tmp)
    if weight < 0.5:
        m += np.multiply(tmp, weight, out=tmp)
    else:
        np.subtract(g, np.multiply(tmp, 1.0 - weight, out=tmp), out=m)


def add_squares(acc: np.ndarray, g: np.ndarray, value: float, tmp: np.ndarray) -> None:
    """``acc <- acc + value * g * g`` in place (PyTorch's ``addcmul_(g, g, value=value)``)."""
    np.multiply(g, value, out=tmp)
    acc += np.multiply(tmp, g, out=tmp)


class Work:
    """Scratch arrays of one bucket (or a slice of it): two float arrays and a bool mask.

    Not part of the optimizer's state; ``_update`` may overwrite them freely.
    """

    __slots__ = ("a", "b", "mask")

    def __init__(self, a: np.ndarray, b: np.ndarray, mask: np.ndarray) -> None:
        self.a, self.b, self.mask = a, b, mask

    @classmethod
    def like(cls, x: np.ndarray) -> Work:
        return cls(np.empty_like(x), np.empty_like(x), np.empty(x.shape, dtype=bool))

    def __getitem__(self, part: slice) -> Work:
        return Work(self.a[part], self.b[part], self.mask[part])


class _Bucket:
    """The parameters of one dtype, packed: flat data, gradient, state and scratch arrays.

    ``members`` are parameter indices in order; member ``k`` occupies
    ``[starts[k], starts[k] + sizes[k])``. ``views[k]`` is the array bound to the parameter's
    ``data`` (``None`` for a number, which is gathered each step: its positions are
    ``scalar_pos``). ``steps[k]`` counts the updates member ``k`` has had.
    """

    def __init__(self, dtype: np.dtype, members: list[int], datas: list[Any]) -> None:
        self.dtype = dtype
        self.members = members
        self.sizes = [int(np.size(d)) for d in datas]
        self.starts = [0, *np.cumsum(self.sizes)[:-1].tolist()]
        n = int(sum(self.sizes))
        self.data = np.empty(n, dtype)
        self.grad = np.zeros(n, dtype)
        self.work = Work.like(self.data)
        self.state: dict[str, np.ndarray] = {}
        self.steps = np.zeros(len(members), np.int64)
        self.views: list[np.ndarray | None] = []
        self.grad_views: list[np.ndarray] = []
        scalar_pos = []
        for start, size, d in zip(self.starts, self.sizes, datas):
            part = slice(start, start + size)
            if isinstance(d, np.ndarray):
                view = self.data[part].reshape(d.shape)
                np.copyto(view, d)
                self.views.append(view)
                self.grad_views.append(self.grad[part].reshape(d.shape))
            else:
                self.data[start] = d
                self.views.append(None)
                self.grad_views.append(self.grad[part])
                scalar_pos.append(start)
        self.scalars = [k for k, v in enumerate(self.views) if v is None]
        # The scalars' positions: a slice when they are contiguous (a model of Values).
        self.scalar_pos: slice | np.ndarray = np.array(scalar_pos, np.intp)
        if scalar_pos and scalar_pos == list(range(scalar_pos[0], scalar_pos[0] + len(scalar_pos))):
            self.scalar_pos = slice(scalar_pos[0], scalar_pos[0] + len(scalar_pos))

    def part(self, k: int) -> slice:
        return slice(self.starts[k], self.starts[k] + self.sizes[k])


class Optimizer:
    """Base class: holds the parameters, packs them (see the module docstring) and their state.

    Args:
        params: an iterable of parameters (objects with ``.data`` and ``.grad``), e.g.
            ``model.parameters()``. Each ``data`` is a real number or a floating NumPy array;
            an array is copied into the optimizer's flat buffer and ``p.data`` rebound to a
            view of it (same shape and dtype).
        hyper: the subclass's hyperparameters; checked by its ``_validate`` before anything
            else (a refused value leaves the parameters untouched), then set as attributes.

    Attributes:
        params: the list of parameters, in the given order (indices name them in ``state_dict``).

    Raises:
        ValueError: the list is empty, or holds the same parameter twice.
        TypeError: an element has no ``.data``/``.grad``, or non-floating data.

    Subclasses define ``_hyper`` (hyperparameter names), ``_defaults`` (values for
    hyperparameters an older state dict may lack), ``_checks`` (one per name; ``_validate``
    applies them), ``_saved``
    (the state entries of one parameter), ``_initial`` (a state entry's starting value),
    ``_run_key`` (what of a step count the update depends on) and ``_update`` (the rule).
    """

    _hyper: tuple[str, ...] = ()
    #: The check of each hyperparameter: ``check(name, value) -> normalised value``.
    _checks: Mapping[str, Callable[[str, Any], Any]] = {}
    #: Hyperparameters added after the first checkpoints were written, with the value those
    #: checkpoints mean (so an older state dict still loads).
    _defaults: Mapping[str, Any] = {"maximize": False}

    def __init__(self, params: Iterable[Any], **hyper: Any) -> None:
        for name, value in self._validate(**hyper).items():
            setattr(self, name, value)
        self.params = list(params)
        if not self.params:
            raise ValueError("optimizer got an empty parameter list")
        seen: set[int] = set()
        groups: dict[np.dtype, tuple[list[int], list[Any]]] = {}
        self._shapes: list[tuple[int, ...]] = []
        for i, p in enumerate(self.params):
            if not (hasattr(p, "data") and hasattr(p, "grad")):
                raise TypeError(
                    f"parameter {i} ({type(p).__name__}) has no .data and .grad; "
                    "pass model.parameters()"
                )
            if id(p) in seen:
                raise ValueError(f"parameter {i} appears more than once in the parameter list")
            seen.add(id(p))
            data = p.data
            if isinstance(data, np.ndarray):
                if not np.issubdtype(data.dtype, np.floating):
                    raise TypeError(f"parameter {i} has {data.dtype} data; it must be floating")
                dtype = data.dtype
            elif isinstance(data, Real) and not isinstance(data, (bool, np.bool_)):
                dtype, data = np.dtype(np.float64), float(data)
            else:
                raise TypeError(
                    f"parameter {i} has data of type {type(data).__name__}; expected a float "
                    "or a floating NumPy array"
                )
            members, datas = groups.setdefault(dtype, ([], []))
            members.append(i)
            datas.append(data)
            self._shapes.append(np.shape(data))
        self._buckets = [_Bucket(dtype, *group) for dtype, group in groups.items()]
        self._where: dict[int, tuple[_Bucket, int]] = {}  # parameter -> (bucket, member)
        for bucket in self._buckets:
            for k, i in enumerate(bucket.members):
                self._where[i] = (bucket, k)
                view = bucket.views[k]
                if view is not None:
                    self.params[i].data = view

    # -------------------------------------------------------------- to be overridden
    @staticmethod
    def _saved(hyper: Mapping[str, Any]) -> tuple[str, ...]:
        """PyTorch's names of one parameter's state entries under hyperparameters ``hyper``.

        ``"step"`` (an int) may be among them; the others are arrays shaped like the parameter.
        """
        return ()

    def _initial(self, name: str) -> float:
        """The value state array ``name`` starts at (0; Adagrad's sum starts elsewhere)."""
        return 0.0

    @staticmethod
    def _run_key(step: int) -> int:
        """What the update rule needs of a parameter's step count (after the increment).

        Parameters with equal keys are updated together; the key is passed to ``_update``.
        Default: the count itself (bias corrections and decays use it).
        """
        return step

    @classmethod
    def _validate(cls, **hyper: Any) -> dict[str, Any]:
        """Check hyperparameters with ``_checks``; return them normalised (floats, a tuple, a
        bool). Subclasses add checks that involve several hyperparameters."""
        return {name: cls._checks[name](name, hyper[name]) for name in cls._hyper}

    def _update(
        self, data: np.ndarray, grad: np.ndarray, state: dict[str, np.ndarray], step: int,
        work: Work,
    ) -> None:  # pragma: no cover - abstract
        """Update ``data`` in place from ``grad`` (a scratch copy: may be overwritten) and the
        ``state`` arrays; all 1-d and aligned. ``step``: the run key of these parameters."""
        raise NotImplementedError

    def _gradient(self, data: np.ndarray, grad: np.ndarray, work: Work, l2: bool = True
                  ) -> np.ndarray:
        """What every rule starts from, in place in ``grad`` (the optimizer's own copy):
        ``-grad`` if ``maximize`` (ascent is descent on the negated objective), plus
        ``weight_decay * data`` (the gradient of an L2 penalty) unless ``l2=False``."""
        if self.maximize:
            np.negative(grad, out=grad)
        if l2 and self.weight_decay != 0.0:
            grad += np.multiply(data, self.weight_decay, out=work.a)
        return grad

    def _moments(self) -> tuple[str, ...]:
        """The state arrays shaped like a parameter, under the current hyperparameters."""
        return tuple(n for n in self._saved(self._hyperparameters()) if n != "step")

    # ----------------------------------------------------------------------- stepping
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear every parameter's gradient ("no gradient yet"), as ``Module.zero_grad()``;
        ``set_to_none=False`` zeroes the existing gradients instead, as PyTorch's option."""
        for p in self.params:
            clear_grad(p, set_to_none)

    def step(self) -> None:
        """Update every parameter that has a gradient, using its ``.grad``: every Value (its
        grad is a number, 0.0 if nothing reached it), and every Tensor whose grad is not
        ``None`` (PyTorch skips a ``None`` grad).

        Raises:
            ValueError: a grad of a different shape from its parameter's data, or data replaced
                by an array of another shape or dtype (the parameter and both are named).
            TypeError: a grad that is not a real number or a real NumPy array (e.g. a list).
        """
        for bucket in self._buckets:
            active = self._gather(bucket)
            if active is None:  # every member has a gradient
                bucket.steps += 1
                self._update_bucket(bucket, None)
            elif active.any():
                bucket.steps[active] += 1
                self._update_bucket(bucket, active)
            if bucket.scalars:
                values = bucket.data[bucket.scalar_pos].tolist()
                for k, value in zip(bucket.scalars, values):
                    self.params[bucket.members[k]].data = value

    def _gather(self, bucket: _Bucket) -> np.ndarray | None:
        """Copy gradients (and the numbers of scalar parameters) into the bucket's flat arrays.

        Returns ``None`` when every member has a gradient, else a bool mask of those that do.
        """
        params = self.params
        active = None
        for k, view in enumerate(bucket.views):
            if view is None:
                continue
            i = bucket.members[k]
            p = params[i]
            if p.data is not view:
                self._rebind(bucket, k)
            grad = p.grad
            if grad is None:
                if active is None:
                    active = np.ones(len(bucket.members), bool)
                active[k] = False
                continue
            target = bucket.grad_views[k]
            if type(grad) is not np.ndarray or grad.shape != target.shape:
                _check_grad(i, grad, target.shape)
            try:
                np.copyto(target, grad, casting="same_kind")
            except TypeError:
                _check_grad(i, grad, target.shape)
                raise
        if bucket.scalars:
            ps = [params[bucket.members[k]] for k in bucket.scalars]
            grads = [p.grad for p in ps]
            if None in grads:
                if active is None:
                    active = np.ones(len(bucket.members), bool)
                for k, g in zip(bucket.scalars, grads):
                    if g is None:
                        active[k] = False
                grads = [0.0 if g is None else g for g in grads]
            try:
                values = np.array(grads)
                if values.dtype.kind not in "biuf" or values.shape != (len(ps),):
                    raise TypeError("not numbers")
                bucket.grad[bucket.scalar_pos] = values
                bucket.data[bucket.scalar_pos] = [p.data for p in ps]
            except (TypeError, ValueError):
                for k, p in zip(bucket.scalars, ps):
                    i = bucket.members[k]
                    if p.grad is not None:
                        _check_grad(i, p.grad, ())
                    if not isinstance(p.data, Real):
                        raise TypeError(
                            f"parameter {i}: data became {type(p.data).__name__}, expected a "
                            "number"
                        ) from None
                raise
        return active

    def _rebind(self, bucket: _Bucket, k: int) -> None:
        """Parameter data replaced by a new array: copy it into the buffer, rebind the view."""
        i, view = bucket.members[k], bucket.views[k]
        new = self.params[i].data
        if (
            not isinstance(new, np.ndarray)
            or new.shape != view.shape
            or new.dtype != view.dtype
        ):
            what = (
                f"an array of shape {new.shape} and dtype {new.dtype}"
                if isinstance(new, np.ndarray)
                else type(new).__name__
            )
            raise ValueError(
                f"parameter {i}: its data was replaced by {what}; this optimizer holds shape "
                f"{view.shape} and dtype {view.dtype} (make a new optimizer for new parameters)"
            )
        np.copyto(view, new)
        self.params[i].data = view

    def _update_bucket(self, bucket: _Bucket, active: np.ndarray | None) -> None:
        """Run ``_update`` over maximal runs of consecutive members with a gradient and the
        same run key: the whole bucket at once in the usual case."""
        for name in self._moments():
            if name not in bucket.state:
                bucket.state[name] = np.full(len(bucket.data), self._initial(name), bucket.dtype)
        steps = bucket.steps
        if active is None and steps.min() == steps.max():  # one run over everything
            self._update(bucket.data, bucket.grad, bucket.state, self._run_key(int(steps[0])),
                         bucket.work)
            return
        keys = [self._run_key(s) for s in steps.tolist()]
        k, n = 0, len(bucket.members)
        while k < n:
            if active is not None and not active[k]:
                k += 1
                continue
            end = k + 1
            while end < n and (active is None or active[end]) and keys[end] == keys[k]:
                end += 1
            part = slice(bucket.starts[k], bucket.starts[end - 1] + bucket.sizes[end - 1])
            state = {name: values[part] for name, values in bucket.state.items()}
            self._update(bucket.data[part], bucket.grad[part], state, keys[k], bucket.work[part])
            k = end

    # ---------------------------------------------------------------- state dict
    def _hyperparameters(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self._hyper}

    def state_dict(self) -> dict[str, np.ndarray]:
        """The optimizer's hyperparameters and state, as a flat dict of NumPy arrays (copies).

        Keys: each hyperparameter (``"lr"``, ``"betas"``, ...) as a 0-d or 1-d array, and for
        every parameter ``i`` that has been updated, ``"state.{i}.{name}"`` with PyTorch's state
        names (``momentum_buffer``; ``step``, ``exp_avg``, ``exp_avg_sq``, ...), shaped and
        typed like the parameter (0-d float64 for a scalar ``Value``). Everything is an array,
        so the dict can go into an ``.npz`` checkpoint next to the model's; loading it into an
        optimizer over the same parameters resumes training exactly.
        """
        hyper = self._hyperparameters()
        saved = self._saved(hyper)
        out = {name: np.array(value) for name, value in hyper.items()}
        for i in range(len(self.params)):
            bucket, k = self._where[i]
            if bucket.steps[k] == 0:
                continue
            part = bucket.part(k)
            for name in saved:
                if name == "step":
                    value = np.array(int(bucket.steps[k]))
                elif name in bucket.state:
                    value = bucket.state[name][part].reshape(self._shapes[i]).copy()
                else:  # turned on after the last step (e.g. momentum set later)
                    value = np.full(self._shapes[i], self._initial(name), bucket.dtype)
                out[f"state.{i}.{name}"] = value
        return out

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore hyperparameters and state saved by :meth:`state_dict` (all or nothing).

        The optimizer must hold the same parameters (same order, shapes and kinds). A
        parameter without saved state (it had not been updated when the state was saved) starts
        afresh at its next update, as in an uninterrupted run. A hyperparameter added since a
        checkpoint was written (``maximize``, ...) takes the value that checkpoint meant
        (``False``).

        Every value is checked before anything is assigned: hyperparameters as the constructor
        checks them; a ``step`` must be an integer from 1 to 2**53 (an integral float, as
        PyTorch saves it, is accepted); a state array must hold real numbers (no strings, also
        inside an object array; no complex numbers), have the parameter's shape and stay finite
        once cast to its dtype; sums and averages of squares (``exp_avg_sq``, ``sum``, ...)
        must be >= 0.

        Raises:
            TypeError: ``state_dict`` is not a mapping.
            KeyError: a hyperparameter is missing, or keys are unexpected (all are listed).
            ValueError: a bad hyperparameter or state value (each named by its key), a
                parameter index out of range, or a parameter with only part of its state.
            Nothing is changed when anything is wrong.
        """
        who = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state_dict, Mapping):
            raise TypeError(
                f"{who} expects a mapping of names to arrays (as state_dict() returns), got "
                f"{type(state_dict).__name__}"
            )
        missing = [n for n in self._hyper if n not in state_dict and n not in self._defaults]
        per_param: dict[int, dict[str, Any]] = {}
        unexpected = []
        for key, value in state_dict.items():
            match = _STATE_KEY.fullmatch(key) if isinstance(key, str) else None
            if match:
                per_param.setdefault(int(match[1]), {})[match[2]] = value
            elif key not in self._hyper:
                unexpected.append(key)
        if missing or unexpected:
            raise KeyError(
                f"{who}: nothing loaded; missing keys: {missing}; unexpected keys: {unexpected}"
            )
        try:
            hyper = self._validate(
                **{
                    name: _plain(state_dict[name]) if name in state_dict else self._defaults[name]
                    for name in self._hyper
                }
            )
        except (TypeError, ValueError) as error:
            raise ValueError(f"{who}: nothing loaded; {error}") from None
        saved = self._saved(hyper)  # the entries each updated parameter must have
        problems: list[str] = []
        states: dict[int, dict[str, Any]] = {}
        for i, entries in sorted(per_param.items()):
            if not 0 <= i < len(self.params):
                problems.append(f"state.{i}: no parameter {i} (there are {len(self.params)})")
            elif set(entries) != set(saved):
                problems.append(f"state.{i}: entries {sorted(entries)}, expected {sorted(saved)}")
            else:
                states[i] = self._checked_state(i, entries, saved, problems)
        if problems:
            raise ValueError(f"{who}: nothing loaded; " + "; ".join(problems))
        # Everything checked (nothing below can fail): replace hyperparameters and state.
        for name, value in hyper.items():
            setattr(self, name, value)
        moments = self._moments()
        for bucket in self._buckets:
            bucket.steps[:] = 0
            bucket.state = {
                name: np.full(len(bucket.data), self._initial(name), bucket.dtype)
                for name in moments
            }
        for i, state in states.items():
            bucket, k = self._where[i]
            bucket.steps[k] = state.pop("step")
            for name, value in state.items():
                bucket.state[name][bucket.part(k)] = value.reshape(-1)

    #: State arrays that are sums or averages of squares: a negative entry (impossible in a real
    #: run) would make the next step's square root NaN, so a load refuses it.
    _nonnegative: tuple[str, ...] = ()

    def _checked_state(
        self, i: int, entries: Mapping[str, Any], saved: tuple[str, ...], problems: list[str]
    ) -> dict[str, Any]:
        """Parameter ``i``'s internal state from saved entries; problems are appended."""
        bucket, _ = self._where[i]
        state: dict[str, Any] = {"step": 1}  # saved state means at least one update
        for name in saved:
            key = f"state.{i}.{name}"
            if name == "step":
                try:
                    state["step"] = saved_count(key, entries[name], 1, floats=True)
                except ValueError as error:
                    problems.append(str(error))
                continue
            try:
                value = real_array(entries[name])
            except (TypeError, ValueError) as error:
                problems.append(f"{key}: {error}")
                continue
            if value.shape != self._shapes[i]:
                problems.append(f"{key}: shape {value.shape}, expected {self._shapes[i]}")
                continue
            finite = bool(np.isfinite(value).all())
            with np.errstate(over="ignore"):  # an overflow shows as infinity, refused below
                value = value.astype(bucket.dtype)
            if not finite:
                problems.append(f"{key}: contains NaN or infinity")
            elif not np.isfinite(value).all():
                problems.append(
                    f"{key}: a value beyond the parameter's {bucket.dtype} range "
                    f"(+-{np.finfo(bucket.dtype).max:.4g}) would load as infinity"
                )
            elif name in self._nonnegative and (value < 0).any():
                problems.append(
                    f"{key}: negative values (min {value.min():.4g}); it is a sum or average of "
                    "squares, >= 0"
                )
            else:
                state[name] = value
        return state

    def __repr__(self) -> str:
        hyper = ", ".join(f"{k}={v!r}" for k, v in self._hyperparameters().items())
        return f"{type(self).__name__}({hyper}; {self._count()})"

    def _count(self) -> str:
        """``"6 tensors, 235,146 parameters"`` (or ``"41 parameters"`` for scalars alone)."""
        tensors = sum(v is not None for b in self._buckets for v in b.views)
        scalars = len(self.params) - tensors
        total = sum(len(b.data) for b in self._buckets)
        kinds = []
        if tensors:
            kinds.append(f"{tensors:,} tensor{'s' * (tensors != 1)}")
            if scalars:
                kinds.append(f"{scalars:,} scalar{'s' * (scalars != 1)}")
        return ", ".join([*kinds, f"{total:,} parameter{'s' * (total != 1)}"])


def _check_grad(i: int, grad: Any, shape: tuple[int, ...]) -> None:
    """Raise the error for a gradient that is not a real number/array of ``shape``."""
    what = "a NumPy array" if shape else "a number (or a 0-d NumPy array)"
    if isinstance(grad, np.ndarray):
        if grad.shape != shape:
            raise ValueError(
                f"parameter {i}: grad of shape {grad.shape} does not match data of shape {shape}"
            )
        if grad.dtype.kind not in "biuf":
            raise TypeError(f"parameter {i}: grad has {grad.dtype} data; expected real numbers")
        return
    if isinstance(grad, Real) and not shape:
        return
    raise TypeError(
        f"parameter {i}: grad is a {type(grad).__name__}; expected {what} of shape {shape} "
        "(the shape of its data)"
    )


def _plain(value: Any) -> Any:
    """A saved hyperparameter array back as a Python scalar or tuple (anything NumPy cannot
    read as an array is returned as it is, for the check to name)."""
    try:
        array = np.asarray(value)
    except Exception:  # a ragged list, or an object whose __array__ raises
        return value
    if array.ndim == 0:
        return array.item()
    return tuple(array.tolist())

