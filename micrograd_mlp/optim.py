"""Optimizers shared by both engines: :class:`SGD` (with momentum, Nesterov) and :class:`Adam`.

A parameter is anything with ``.data`` and ``.grad``:

* a scalar :class:`~micrograd_mlp.engine.Value`: ``data`` and ``grad`` are Python floats, and a
  step *rebinds* ``p.data``;
* a vectorized ``Tensor``: ``data`` is a floating NumPy array, ``grad`` an array of the same shape
  (or ``None``), and a step updates ``p.data`` *in place* with preallocated scratch arrays, so a
  training step allocates (almost) nothing.

The update equations are written once, on NumPy arrays (``_update`` of each class). Tensor
parameters go through them one array at a time; the scalar parameters of an optimizer are
gathered into one float64 array per step, updated by the same code and written back. Float64
array arithmetic is IEEE arithmetic, so this gives the same numbers as updating each float.

As in PyTorch, a parameter whose ``grad`` is ``None`` is skipped (its state does not advance),
``step()`` reads ``lr`` and the other hyperparameters from the optimizer's attributes each time
(so a schedule may change ``opt.lr`` between steps), and ``zero_grad()`` clears gradients.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from numbers import Real
from typing import Any

import numpy as np

from micrograd_mlp.module import clear_grad

__all__ = ["SGD", "Adam", "Optimizer"]

_STATE_KEY = re.compile(r"state\.(\d+)\.(\w+)")


def _real(name: str, x: object) -> float:
    """``x`` as a finite float, or a TypeError/ValueError naming the hyperparameter."""
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, Real):
        raise TypeError(f"{name} must be a real number, got {type(x).__name__} {x!r}")
    x = float(x)
    if not math.isfinite(x):
        raise ValueError(f"Invalid {name} value: {x!r} (must be finite)")
    return x


#: Adam flushes subnormal moments every this many updates of a parameter (see ``Adam._update``).
_FLUSH_EVERY = 16


def _flush_subnormals(x: np.ndarray, work: _Scratch, nonnegative: bool = False) -> None:
    """Set the subnormal entries of ``x`` (``0 < |x| < np.finfo(x.dtype).tiny``) to 0, in place.

    Why: an optimizer state that only decays (Adam's moments when a parameter's gradient stays
    0, e.g. weights of MNIST pixels that are almost always blank: ``m`` shrinks by ``beta1`` per
    step) eventually falls below the smallest normal number of its dtype (~1.2e-38 for
    float32) into the subnormal range, where CPUs compute ``sqrt`` and ``/`` many times slower
    (measured here: 2.5x for an all-subnormal float32 array; up to ~100x per operation on some
    CPUs). Such values have no visible effect (an update of ~1e-38 * lr / eps is lost in the
    rounding of any normal parameter), so flushing them to 0 changes nothing else.

    How, cheaply: a float's magnitude and its bit pattern (as an unsigned integer of the same
    size) are ordered alike, so ``x`` is subnormal exactly when ``bits(|x|) - 1`` (which wraps
    0 around to the largest integer) is below ``bits(tiny) - 1``. That is two or three passes
    over the array and leaves zeros alone, so the write pass runs only when there is
    something to flush. ``nonnegative=True`` (for ``v``) skips the ``abs``.
    """
    uint = np.dtype(f"u{x.dtype.itemsize}")
    bits = work.b.view(uint)
    if nonnegative:
        np.subtract(x.view(uint), 1, out=bits)
    else:
        np.subtract(np.abs(x, out=work.b).view(uint), 1, out=bits)
    tiny_bits = int(np.array(np.finfo(x.dtype).tiny, dtype=x.dtype).view(uint))
    np.less(bits, tiny_bits - 1, out=work.mask)
    if work.mask.any():
        np.copyto(x, 0, where=work.mask)


class _Scratch:
    """Preallocated work arrays for one parameter (not part of the optimizer's state)."""

    __slots__ = ("a", "b", "mask")

    def __init__(self, like: np.ndarray) -> None:
        self.a = np.empty_like(like)
        self.b = np.empty_like(like)
        self.mask = np.empty(like.shape, dtype=bool)


class Optimizer:
    """Base class: holds the parameters and their per-parameter state.

    Args:
        params: an iterable of parameters (objects with ``.data`` and ``.grad``), e.g.
            ``model.parameters()``. Each ``data`` is a real number or a floating NumPy array.

    Attributes:
        params: the list of parameters, in the given order (indices name them in ``state_dict``).

    Raises:
        ValueError: the list is empty, or holds the same parameter twice.
        TypeError: an element has no ``.data``/``.grad``, or non-floating data.

    Subclasses define ``_hyper`` (hyperparameter names), ``_validate`` (checks them),
    ``_saved`` (the state entries of one parameter) and ``_update`` (the update rule).
    """

    _hyper: tuple[str, ...] = ()

    def __init__(self, params: Iterable[Any]) -> None:
        self.params = list(params)
        if not self.params:
            raise ValueError("optimizer got an empty parameter list")
        seen: set[int] = set()
        self._array_idx: list[int] = []  # Tensor-like parameters, updated in place one by one
        self._scalar_idx: list[int] = []  # float parameters, updated together as one array
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
                self._array_idx.append(i)
            elif isinstance(data, Real) and not isinstance(data, bool):
                self._scalar_idx.append(i)
            else:
                raise TypeError(
                    f"parameter {i} has data of type {type(data).__name__}; expected a float "
                    "or a floating NumPy array"
                )
        self._block_pos = {i: k for k, i in enumerate(self._scalar_idx)}
        self._state: dict[int, dict[str, Any]] = {}  # array parameter index -> its state
        self._block: dict[str, np.ndarray] | None = None  # state of all scalar parameters
        self._scratch: dict[int, _Scratch] = {}

    # -------------------------------------------------------------- to be overridden
    @staticmethod
    def _saved(hyper: Mapping[str, Any]) -> tuple[str, ...]:
        """PyTorch's names of one parameter's state entries under hyperparameters ``hyper``.

        ``"step"`` (an int) may be among them; the others are arrays shaped like the parameter.
        """
        return ()

    def _moments(self) -> tuple[str, ...]:
        """The state arrays shaped like a parameter, under the current hyperparameters."""
        return tuple(n for n in self._saved(self._hyperparameters()) if n != "step")

    @staticmethod
    def _validate(**hyper: Any) -> dict[str, Any]:  # pragma: no cover - abstract
        """Check hyperparameters; return them normalised (floats, a tuple, a bool)."""
        raise NotImplementedError

    def _update(self, data: np.ndarray, grad: np.ndarray, state: dict, work: _Scratch) -> None:
        raise NotImplementedError  # pragma: no cover - abstract

    # ----------------------------------------------------------------------- stepping
    def zero_grad(self) -> None:
        """Clear every parameter's gradient (0.0 for a ``Value``, ``None`` for a ``Tensor``)."""
        for p in self.params:
            clear_grad(p)

    def step(self) -> None:
        """Update every parameter that has a gradient, using its ``.grad``.

        Raises:
            ValueError: an array parameter's grad has a different shape from its data (both
                are named).
        """
        for i in self._array_idx:
            p = self.params[i]
            grad = p.grad
            if grad is None:
                continue
            data = p.data
            if getattr(grad, "shape", None) != data.shape:
                raise ValueError(
                    f"parameter {i}: grad of shape {np.shape(grad)} does not match data of "
                    f"shape {data.shape}"
                )
            state = self._state.get(i)
            if state is None:
                state = self._state[i] = self._fresh_state(data, 0)
            work = self._scratch.get(i)
            if work is None:
                work = self._scratch[i] = _Scratch(data)
            self._update(data, grad, state, work)
        if self._scalar_idx:
            self._step_scalars()

    def _fresh_state(self, like: np.ndarray, step: int | np.ndarray) -> dict[str, Any]:
        """Zero moments; ``step`` counts the updates a parameter has had (0: none yet)."""
        state: dict[str, Any] = {"step": step}
        for name in self._moments():
            state[name] = np.zeros_like(like)
        return state

    def _step_scalars(self) -> None:
        params = [self.params[i] for i in self._scalar_idx]
        n = len(params)
        grads = [p.grad for p in params]
        active = None
        if None in grads:  # update the others only (PyTorch skips a parameter without grad)
            active = np.array([k for k, g in enumerate(grads) if g is not None], np.intp)
            if active.size == 0:
                return
            params = [params[k] for k in active]
            grads = [grads[k] for k in active]
        grad = np.fromiter(grads, np.float64, len(grads))
        data = np.fromiter([p.data for p in params], np.float64, len(params))
        if self._block is None:
            self._block = self._fresh_state(np.zeros(n), np.zeros(n, np.int64))
        if active is None:
            state = self._block
        else:
            state = {name: values[active] for name, values in self._block.items()}
        self._update(data, grad, state, _Scratch(data))
        if active is not None:
            for name, values in state.items():
                self._block[name][active] = values
        for p, value in zip(params, data.tolist()):
            p.data = value

    # ---------------------------------------------------------------- state dict
    def _hyperparameters(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self._hyper}

    def state_dict(self) -> dict[str, np.ndarray]:
        """The optimizer's hyperparameters and state, as a flat dict of NumPy arrays (copies).

        Keys: each hyperparameter (``"lr"``, ``"betas"``, ...) as a 0-d or 1-d array, and for
        every parameter ``i`` that has been updated, ``"state.{i}.{name}"`` with PyTorch's state
        names (``momentum_buffer``; ``step``, ``exp_avg``, ``exp_avg_sq``), shaped and typed like
        the parameter (0-d float64 for a scalar ``Value``). Everything is an array, so the dict
        can go into an ``.npz`` checkpoint next to the model's; loading it into an optimizer over
        the same parameters resumes training exactly.
        """
        hyper = self._hyperparameters()
        saved = self._saved(hyper)
        out = {name: np.array(value) for name, value in hyper.items()}
        for i in range(len(self.params)):
            if i in self._block_pos:
                k = self._block_pos[i]
                if self._block is None or self._block["step"][k] == 0:
                    continue
                entries = {name: self._block[name][k] for name in saved}
            else:
                state = self._state.get(i)
                if state is None or state["step"] == 0:
                    continue
                entries = {name: state[name] for name in saved}
            for name, value in entries.items():
                out[f"state.{i}.{name}"] = np.array(value)
        return out

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore hyperparameters and state saved by :meth:`state_dict` (all or nothing).

        The optimizer must hold the same parameters (same order, shapes and kinds). State
        arrays are cast to each parameter's dtype.

        Raises:
            KeyError: a hyperparameter is missing, or keys are unexpected (all are listed).
            ValueError: a bad hyperparameter, a state entry of the wrong shape, a parameter
                index out of range, or a parameter with only part of its state.
            Nothing is changed when anything is wrong.
        """
        missing = [name for name in self._hyper if name not in state_dict]
        per_param: dict[int, dict[str, Any]] = {}
        unexpected = []
        for key, value in state_dict.items():
            match = _STATE_KEY.fullmatch(key)
            if match:
                per_param.setdefault(int(match[1]), {})[match[2]] = value
            elif key not in self._hyper:
                unexpected.append(key)
        if missing or unexpected:
            raise KeyError(
                f"{type(self).__name__}.load_state_dict: nothing loaded; "
                f"missing keys: {missing}; unexpected keys: {unexpected}"
            )
        hyper = self._validate(**{name: _plain(state_dict[name]) for name in self._hyper})
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
            raise ValueError(
                f"{type(self).__name__}.load_state_dict: nothing loaded; " + "; ".join(problems)
            )
        # Everything checked: replace hyperparameters and state.
        for name, value in hyper.items():
            setattr(self, name, value)
        self._state = {i: states[i] for i in self._array_idx if i in states}
        self._block = None
        if any(i in states for i in self._scalar_idx):
            n = len(self._scalar_idx)
            self._block = self._fresh_state(np.zeros(n), np.zeros(n, np.int64))
            for i in self._scalar_idx:
                for name, value in states.get(i, {}).items():
                    self._block[name][self._block_pos[i]] = value

    def _checked_state(
        self, i: int, entries: Mapping[str, Any], saved: tuple[str, ...], problems: list[str]
    ) -> dict[str, Any]:
        """Parameter ``i``'s internal state from saved entries; problems are appended."""
        data = self.params[i].data
        dtype = data.dtype if isinstance(data, np.ndarray) else np.dtype(np.float64)
        state: dict[str, Any] = {"step": 1}  # saved state means at least one update
        for name in saved:
            value = np.asarray(entries[name])
            expected = () if name == "step" else np.shape(data)
            if value.dtype.kind not in "iuf":
                problems.append(f"state.{i}.{name}: {value.dtype} data, expected numbers")
            elif value.shape != expected:
                problems.append(f"state.{i}.{name}: shape {value.shape}, expected {expected}")
            elif name == "step":
                if not (value >= 1 and value == int(value)):
                    problems.append(f"state.{i}.step: {value.item()!r}, expected an int >= 1")
                else:
                    state["step"] = int(value)
            else:
                state[name] = np.array(value, dtype=dtype)
        return state

    def __repr__(self) -> str:
        hyper = ", ".join(f"{k}={v!r}" for k, v in self._hyperparameters().items())
        return f"{type(self).__name__}({hyper}; {len(self.params)} parameters)"


def _plain(value: Any) -> Any:
    """A saved hyperparameter array back as a Python scalar or tuple."""
    array = np.asarray(value)
    if array.ndim == 0:
        return array.item()
    return tuple(array.tolist())


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum, Nesterov momentum and weight decay.

    PyTorch's formulation (``torch.optim.SGD``), per parameter ``p`` with gradient ``g``::

        g   <- g + weight_decay * p                        (L2 penalty, if weight_decay != 0)
        b   <- g                       on the parameter's first step,
        b   <- momentum * b + (1 - dampening) * g          afterwards      (if momentum != 0)
        g   <- g + momentum * b   if nesterov   else   b                   (if momentum != 0)
        p   <- p - lr * g

    This "velocity" form of momentum (Polyak 1964) and its Nesterov variant follow Sutskever,
    Martens, Dahl & Hinton, "On the importance of initialization and momentum in deep
    learning", ICML 2013, as rewritten by PyTorch (the learning rate multiplies the velocity
    rather than the gradient inside it).

    Args:
        params: the parameters (see :class:`Optimizer`).
        lr: learning rate (>= 0).
        momentum: momentum factor (>= 0; 0 disables the buffer).
        dampening: scales the gradient added to the buffer by ``1 - dampening``.
        weight_decay: L2 penalty coefficient (>= 0).
        nesterov: use Nesterov momentum (needs ``momentum > 0`` and ``dampening == 0``).

    Raises:
        ValueError: ``lr``, ``momentum`` or ``weight_decay`` negative or not finite, Nesterov
            without momentum or with dampening, or an empty parameter list.
        TypeError: a hyperparameter is not a number.
    """

    _hyper = ("lr", "momentum", "dampening", "weight_decay", "nesterov")

    def __init__(
        self,
        params: Iterable[Any],
        lr: float,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
    ) -> None:
        hyper = self._validate(
            lr=lr,
            momentum=momentum,
            dampening=dampening,
            weight_decay=weight_decay,
            nesterov=nesterov,
        )
        super().__init__(params)
        self.lr: float = hyper["lr"]
        self.momentum: float = hyper["momentum"]
        self.dampening: float = hyper["dampening"]
        self.weight_decay: float = hyper["weight_decay"]
        self.nesterov: bool = hyper["nesterov"]

    @staticmethod
    def _validate(
        lr: float, momentum: float, dampening: float, weight_decay: float, nesterov: bool
    ) -> dict[str, Any]:
        lr, momentum = _real("lr", lr), _real("momentum", momentum)
        dampening, weight_decay = _real("dampening", dampening), _real("weight_decay", weight_decay)
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr} (must be >= 0)")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum} (must be >= 0)")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay} (must be >= 0)")
        if not isinstance(nesterov, (bool, np.bool_)):
            raise TypeError(f"nesterov must be True or False, got {nesterov!r}")
        if nesterov and (momentum <= 0.0 or dampening != 0.0):
            raise ValueError(
                "Nesterov momentum requires a momentum and zero dampening "
                f"(got momentum={momentum}, dampening={dampening})"
            )
        return {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": bool(nesterov),
        }

    @staticmethod
    def _saved(hyper: Mapping[str, Any]) -> tuple[str, ...]:
        return ("momentum_buffer",) if hyper["momentum"] != 0.0 else ()

    def _update(self, data: np.ndarray, grad: np.ndarray, state: dict, work: _Scratch) -> None:
        state["step"] += 1
        g = grad
        if self.weight_decay != 0.0:
            g = np.multiply(data, self.weight_decay, out=work.a)
            g += grad  # g + weight_decay * p, without touching p.grad
        if self.momentum != 0.0:
            buf = state["momentum_buffer"]
            buf *= self.momentum
            if self.dampening == 0.0:
                buf += g
            else:
                buf += np.multiply(g, 1.0 - self.dampening, out=work.b)
            first = state["step"] == 1  # a bool, or one per scalar parameter
            if np.any(first):
                np.copyto(buf, g, where=first)  # PyTorch starts the buffer at g itself
            if self.nesterov:
                g = np.add(g, np.multiply(buf, self.momentum, out=work.b), out=work.b)
            else:
                g = buf
        # p <- p - lr * g; the product goes to scratch (g may be p.grad or the buffer).
        data += np.multiply(g, -self.lr, out=work.b)


class Adam(Optimizer):
    """Adam (Kingma & Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015), as PyTorch.

    Per parameter ``p`` with gradient ``g``, at its ``t``-th update (``t = 1, 2, ...``)::

        g     <- g + weight_decay * p                    (L2 penalty, if weight_decay != 0)
        m     <- beta1 * m + (1 - beta1) * g             (first moment; as a lerp, PyTorch's form)
        v     <- beta2 * v + (1 - beta2) * g * g         (second moment)
        p     <- p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)

    which is Algorithm 1 of the paper with ``eps`` added after the bias correction of ``v``,
    exactly as ``torch.optim.Adam`` (``amsgrad=False``, ``maximize=False``). ``m`` and ``v``
    start at 0; ``t`` counts each parameter's own updates (a parameter with no grad is skipped).

    Entries of ``m`` and ``v`` below the smallest normal number of the parameter's dtype are
    flushed to 0 every 16th update (see ``_flush_subnormals``): decaying moments would otherwise
    become subnormal and make later steps much slower, while changing nothing visible.

    Args:
        params: the parameters (see :class:`Optimizer`).
        lr: learning rate (>= 0).
        betas: ``(beta1, beta2)``, decay rates of the moment estimates, each in ``[0, 1)``.
        eps: added to the denominator for numerical stability (>= 0).
        weight_decay: L2 penalty coefficient (>= 0), added to the gradient (not AdamW).

    Raises:
        ValueError: a hyperparameter out of range (PyTorch's messages), or an empty parameter
            list.
        TypeError: a hyperparameter is not a number, or ``betas`` is not a pair.
    """

    _hyper = ("lr", "betas", "eps", "weight_decay")

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        hyper = self._validate(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)
        super().__init__(params)
        self.lr: float = hyper["lr"]
        self.betas: tuple[float, float] = hyper["betas"]
        self.eps: float = hyper["eps"]
        self.weight_decay: float = hyper["weight_decay"]

    @staticmethod
    def _validate(
        lr: float, betas: tuple[float, float], eps: float, weight_decay: float
    ) -> dict[str, Any]:
        lr, eps, weight_decay = (
            _real("lr", lr),
            _real("eps", eps),
            _real("weight_decay", weight_decay),
        )
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr} (must be >= 0)")
        if eps < 0.0:
            raise ValueError(f"Invalid epsilon value: {eps} (must be >= 0)")
        if not hasattr(betas, "__len__") or len(betas) != 2:
            raise TypeError(f"betas must be a pair (beta1, beta2), got {betas!r}")
        betas = (_real("betas[0]", betas[0]), _real("betas[1]", betas[1]))
        for index, beta in enumerate(betas):
            if not 0.0 <= beta < 1.0:
                raise ValueError(f"Invalid beta parameter at index {index}: {beta} (not in [0, 1))")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay} (must be >= 0)")
        return {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay}

    @staticmethod
    def _saved(hyper: Mapping[str, Any]) -> tuple[str, ...]:
        return ("step", "exp_avg", "exp_avg_sq")

    def _update(self, data: np.ndarray, grad: np.ndarray, state: dict, work: _Scratch) -> None:
        beta1, beta2 = self.betas
        state["step"] += 1
        step = state["step"]  # an int, or one per scalar parameter (then all below broadcasts)
        m, v, tmp = state["exp_avg"], state["exp_avg_sq"], work.b
        g = grad
        if self.weight_decay != 0.0:
            g = np.multiply(data, self.weight_decay, out=work.a)
            g += grad  # g + weight_decay * p, without touching p.grad
        # m <- beta1 m + (1 - beta1) g, computed as PyTorch's lerp(m, g, w = 1 - beta1).
        weight = 1.0 - beta1
        np.subtract(g, m, out=tmp)
        if weight < 0.5:
            m += np.multiply(tmp, weight, out=tmp)  # m + w (g - m)
        else:
            np.subtract(g, np.multiply(tmp, 1.0 - weight, out=tmp), out=m)  # g - (1 - w)(g - m)
        # v <- beta2 v + (1 - beta2) g^2
        v *= beta2
        np.multiply(g, 1.0 - beta2, out=tmp)
        v += np.multiply(tmp, g, out=tmp)
        # Flushing costs ~25% of an Adam step, so it runs every _FLUSH_EVERY-th update: a moment
        # that decays into the subnormal range stays there ~150 steps (m shrinks by beta1 = 0.9
        # per step from 1.2e-38 to 1.4e-45), so it is zeroed after at most a few slow steps.
        # Keyed to the step count (saved in the state), so resuming from a checkpoint is exact.
        if (step if isinstance(step, int) else int(step.max())) % _FLUSH_EVERY == 0:
            _flush_subnormals(m, work)
            _flush_subnormals(v, work, nonnegative=True)  # v >= 0
        # Bias corrections (the moments started at 0): Python floats for an array parameter.
        bias_correction1 = 1.0 - beta1**step
        bias_correction2_sqrt = (1.0 - beta2**step) ** 0.5
        step_size = self.lr / bias_correction1
        denom = np.sqrt(v, out=tmp)
        denom /= bias_correction2_sqrt
        denom += self.eps
        # p <- p - step_size * (m / denom)
        update = np.divide(m, denom, out=tmp)
        update *= -step_size
        data += update
