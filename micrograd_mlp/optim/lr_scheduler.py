"""Learning-rate schedulers with PyTorch's names, arguments and semantics.

A scheduler changes its optimizer's ``lr`` once per epoch: construct it after the optimizer
(it records the optimizer's ``lr`` as the base rate; ``last_epoch`` becomes 0), train an epoch,
call ``scheduler.step()``, and so on::

    opt = SGD(model.parameters(), lr=0.1, momentum=0.9)
    scheduler = StepLR(opt, step_size=30, gamma=0.1)
    for epoch in range(100):
        train_one_epoch(model, opt)      # many opt.step() calls at the same lr
        scheduler.step()                 # lr for the next epoch

Our optimizers have one parameter group, so ``get_last_lr()`` is a list of one rate, as
PyTorch's is for a single group. The rates follow ``torch.optim.lr_scheduler`` operation for
operation (the recursive forms of ``get_lr``), so they agree with PyTorch's to the last bit.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from micrograd_mlp.module import real_array
from micrograd_mlp.optim.optimizer import saved_count
from micrograd_mlp.validation import finite_real, nonnegative_real, positive_int

__all__ = ["CosineAnnealingLR", "ExponentialLR", "LRScheduler", "LinearLR", "StepLR"]


class LRScheduler:
    """Base class: holds the optimizer, the base rate and the epoch counter.

    Args:
        optimizer: an optimizer with an ``lr`` attribute (any of ``micrograd_mlp.optim``).
        last_epoch: the index of the last epoch; ``-1`` (default) starts a schedule. A value
            >= 0 continues one and needs ``optimizer.initial_lr`` (set when a scheduler with
            ``last_epoch=-1`` was made); to resume from a checkpoint, prefer a fresh scheduler
            and :meth:`load_state_dict`.

    Attributes:
        optimizer: the optimizer whose ``lr`` is set.
        base_lrs: ``[initial lr]`` (PyTorch's name; one entry, one parameter group).
        last_epoch: the number of ``step()`` calls since the schedule started (0 after
            construction).

    Raises:
        TypeError: ``optimizer`` has no ``lr``.
        ValueError: ``last_epoch`` below -1 or not an int, or >= 0 without ``initial_lr``.

    Subclasses define ``_hyper`` (their argument names, saved in the state dict), ``_checks``
    (one per name; the base class applies them and sets the attributes) and ``get_lr()``.
    """

    _hyper: tuple[str, ...] = ()
    #: The check of each argument: ``check(name, value) -> normalised value``.
    _checks: Mapping[str, Callable[[str, Any], Any]] = {}

    def __init__(self, optimizer: Any, last_epoch: int = -1, **hyper: Any) -> None:
        for name, value in self._validate(**hyper).items():
            setattr(self, name, value)
        if not hasattr(optimizer, "lr"):
            raise TypeError(f"{type(optimizer).__name__} is not an optimizer (it has no lr)")
        if isinstance(last_epoch, bool) or not isinstance(last_epoch, (int, np.integer)):
            raise ValueError(f"last_epoch must be an int >= -1, got {last_epoch!r}")
        if last_epoch < -1:
            raise ValueError(f"last_epoch must be an int >= -1, got {last_epoch!r}")
        self.optimizer = optimizer
        if last_epoch == -1:
            if getattr(optimizer, "initial_lr", None) is None:
                optimizer.initial_lr = optimizer.lr
        elif getattr(optimizer, "initial_lr", None) is None:
            raise ValueError(
                f"last_epoch={last_epoch} continues a schedule, but the optimizer has no "
                "initial_lr; make the scheduler with last_epoch=-1 and load its state_dict"
            )
        self.base_lrs: list[float] = [float(optimizer.initial_lr)]
        self.last_epoch = int(last_epoch)
        self._step_count = 0
        self._is_initial = True
        self.step()
        self._is_initial = False

    def get_lr(self) -> list[float]:  # pragma: no cover - abstract
        """The rate for epoch ``last_epoch`` (already advanced), from the current one."""
        raise NotImplementedError

    def get_last_lr(self) -> list[float]:
        """The rate the scheduler last set, as a one-element list (PyTorch's form)."""
        return list(self._last_lr)

    def step(self) -> None:
        """Advance one epoch: ``last_epoch += 1`` and set the optimizer's ``lr`` for it.

        Call it once per epoch, after that epoch's ``optimizer.step()`` calls.
        """
        self._step_count += 1
        self.last_epoch += 1
        (lr,) = self.get_lr()
        self.optimizer.lr = lr
        self._last_lr = [lr]

    def _lr(self) -> float:
        return float(self.optimizer.lr)

    def state_dict(self) -> dict[str, np.ndarray]:
        """The schedule's state as a flat dict of NumPy arrays (it fits an ``.npz`` checkpoint).

        Keys: the constructor's arguments (e.g. ``step_size``, ``gamma``), ``base_lrs``,
        ``last_epoch``, ``_step_count`` and ``_last_lr`` (PyTorch's names).
        """
        out = {name: np.array(getattr(self, name)) for name in self._hyper}
        out["base_lrs"] = np.array(self.base_lrs, dtype=np.float64)
        out["last_epoch"] = np.array(self.last_epoch)
        out["_step_count"] = np.array(self._step_count)
        out["_last_lr"] = np.array(self._last_lr, dtype=np.float64)
        return out

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore a state saved by :meth:`state_dict` (all or nothing), e.g. read back from an
        ``.npz`` file or from JSON. The optimizer's ``lr`` is not changed: it comes from the
        optimizer's own state dict; ``get_last_lr()`` returns the saved last rate.

        Every value is checked before anything is assigned: the arguments as the constructor
        checks them (an int argument must be an integer: ``2.0`` is refused as by the
        constructor); ``last_epoch`` an integer >= 0 and ``_step_count`` one from 1 to
        ``last_epoch + 1`` (both at most 2**53); ``base_lrs`` and ``_last_lr`` one finite rate
        >= 0 each (one parameter group).

        Raises:
            TypeError: ``state_dict`` is not a mapping.
            KeyError: keys missing or unexpected (listed).
            ValueError: a bad value (named by its key); nothing is changed.
        """
        who = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state_dict, Mapping):
            raise TypeError(
                f"{who} expects a mapping (as state_dict() returns), got "
                f"{type(state_dict).__name__}"
            )
        expected = {*self._hyper, "base_lrs", "last_epoch", "_step_count", "_last_lr"}
        missing = sorted(expected - set(state_dict))
        unexpected = sorted(map(str, set(state_dict) - expected))
        if missing or unexpected:
            raise KeyError(
                f"{who}: nothing loaded; missing keys: {missing}; unexpected keys: {unexpected}"
            )
        try:
            hyper = self._validate(
                **{name: self._saved_argument(name, state_dict[name]) for name in self._hyper}
            )
            base_lrs = [_saved_rate("base_lrs", state_dict["base_lrs"])]
            last_lr = [_saved_rate("_last_lr", state_dict["_last_lr"])]
            last_epoch = saved_count("last_epoch", state_dict["last_epoch"], 0)
            step_count = saved_count("_step_count", state_dict["_step_count"], 1)
            if step_count > last_epoch + 1:
                raise ValueError(
                    f"_step_count must be at most last_epoch + 1 = {last_epoch + 1} (the step() "
                    f"calls since the schedule started), got {step_count}"
                )
        except (TypeError, ValueError) as error:
            raise ValueError(f"{who}: nothing loaded; {error}") from None
        for name, value in hyper.items():
            setattr(self, name, value)
        self.base_lrs, self._last_lr = base_lrs, last_lr
        self.last_epoch, self._step_count = last_epoch, step_count

    def _saved_argument(self, name: str, value: Any) -> Any:
        """A saved constructor argument as a Python number for its check: one real number (no
        string, no array of several); an int argument an integer of at most 2**53."""
        if self._checks[name] is positive_int:
            return saved_count(name, value, 1)
        try:
            real_array(value)
        except (TypeError, ValueError) as error:
            raise ValueError(f"{name}: {error}") from None
        array = np.asarray(value)
        if array.shape != ():
            raise ValueError(f"{name} must be one number, got an array of shape {array.shape}")
        return array.item()

    @classmethod
    def _validate(cls, **hyper: Any) -> dict[str, Any]:
        """Check the arguments with ``_checks``; return them normalised."""
        return {name: cls._checks[name](name, hyper[name]) for name in cls._hyper}

    def __repr__(self) -> str:
        args = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._hyper)
        return f"{type(self).__name__}({args}; last_epoch={self.last_epoch}, lr={self._lr():g})"


def _saved_rate(name: str, value: Any) -> float:
    """A saved ``base_lrs`` or ``_last_lr``: a list of one finite rate >= 0."""
    try:
        array = real_array(value)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name}: {error}") from None
    if array.shape != (1,):
        raise ValueError(
            f"{name} must be a list of one rate (one parameter group), got shape {array.shape}"
        )
    return nonnegative_real(name, float(array[0]))


def _factor_gamma(name: str, x: object) -> float:
    """A StepLR/ExponentialLR ``gamma``: a finite real >= 0 (a negative factor would make the
    learning rate negative, which every optimizer refuses)."""
    return nonnegative_real(name, x)


class StepLR(LRScheduler):
    """Multiply the rate by ``gamma`` every ``step_size`` epochs (PyTorch's ``StepLR``).

    ``lr(epoch) = base_lr * gamma ** (epoch // step_size)`` when nothing else changes ``lr``.

    Args:
        optimizer: the optimizer (see :class:`LRScheduler`).
        step_size: the period, in epochs (int >= 1).
        gamma: the factor (finite real >= 0; 0.1 by default).
        last_epoch: see :class:`LRScheduler`.

    Raises:
        ValueError: ``step_size`` not a positive int, ``gamma`` negative or not finite.
        TypeError: ``gamma`` not a number.
    """

    _hyper = ("step_size", "gamma")
    step_size: int
    gamma: float
    _checks = {"step_size": positive_int, "gamma": _factor_gamma}

    def __init__(
        self, optimizer: Any, step_size: int, gamma: float = 0.1, last_epoch: int = -1
    ) -> None:
        super().__init__(optimizer, last_epoch, step_size=step_size, gamma=gamma)


    def get_lr(self) -> list[float]:
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return [self._lr()]
        return [self._lr() * self.gamma]


class ExponentialLR(LRScheduler):
    """Multiply the rate by ``gamma`` every epoch (PyTorch's ``ExponentialLR``).

    ``lr(epoch) = base_lr * gamma ** epoch`` when nothing else changes ``lr``.

    Args:
        optimizer: the optimizer (see :class:`LRScheduler`).
        gamma: the factor per epoch (finite real >= 0).
        last_epoch: see :class:`LRScheduler`.

    Raises:
        ValueError: ``gamma`` negative or not finite. TypeError: not a number.
    """

    _hyper = ("gamma",)
    gamma: float
    _checks = {"gamma": _factor_gamma}

    def __init__(self, optimizer: Any, gamma: float, last_epoch: int = -1) -> None:
        super().__init__(optimizer, last_epoch, gamma=gamma)


    def get_lr(self) -> list[float]:
        if self._is_initial:
            return [self._lr()]
        return [self._lr() * self.gamma]


def _factor(name: str, x: object) -> float:
    """A LinearLR factor: a finite real in (0, 1] for ``start_factor``, [0, 1] for the end."""
    f = finite_real(name, x)
    low_ok = f > 0.0 if name == "start_factor" else f >= 0.0
    if not (low_ok and f <= 1.0):
        interval = "(0, 1]" if name == "start_factor" else "[0, 1]"
        raise ValueError(f"{name} must be in {interval}, got {f!r}")
    return f


class LinearLR(LRScheduler):
    """Scale the rate by a factor that moves linearly from ``start_factor`` to ``end_factor``
    over ``total_iters`` epochs, then stays (PyTorch's ``LinearLR``)::

        lr(epoch) = base_lr * (start + (end - start) * min(epoch, total_iters) / total_iters)

    computed, as PyTorch does, recursively from the current rate (equal to the closed form up to
    rounding). micrograd's moons demo decays its rate this way: ``start_factor=1``,
    ``end_factor=0.1``.

    Args:
        optimizer: the optimizer (see :class:`LRScheduler`).
        start_factor: the factor of the first epoch, in (0, 1] (default 1/3, as PyTorch).
        end_factor: the factor from epoch ``total_iters`` on, in [0, 1] (default 1).
        total_iters: the epochs the change takes (int >= 1, default 5).
        last_epoch: see :class:`LRScheduler`.

    Raises:
        ValueError: a factor outside its interval, ``total_iters`` not a positive int.
    """

    _hyper = ("start_factor", "end_factor", "total_iters")
    start_factor: float
    end_factor: float
    total_iters: int
    _checks = {"start_factor": _factor, "end_factor": _factor, "total_iters": positive_int}

    def __init__(
        self,
        optimizer: Any,
        start_factor: float = 1.0 / 3,
        end_factor: float = 1.0,
        total_iters: int = 5,
        last_epoch: int = -1,
    ) -> None:
        super().__init__(
            optimizer,
            last_epoch,
            start_factor=start_factor,
            end_factor=end_factor,
            total_iters=total_iters,
        )

    def get_lr(self) -> list[float]:
        t, n = self.last_epoch, self.total_iters
        start, end = self.start_factor, self.end_factor
        if t == 0:
            return [self._lr() * start]
        if t > n:
            return [self._lr()]
        # ratio of consecutive factors: f(t) / f(t-1), with f(t) = start + (end - start) t / n
        return [self._lr() * (1.0 + (end - start) / (n * start + (t - 1) * (end - start)))]


class CosineAnnealingLR(LRScheduler):
    """Anneal the rate from its base value to ``eta_min`` along half a cosine over ``T_max``
    epochs (PyTorch's ``CosineAnnealingLR``; Loshchilov & Hutter, "SGDR: Stochastic Gradient
    Descent with Warm Restarts", ICLR 2017, without the restarts)::

        lr(epoch) = eta_min + (base_lr - eta_min) * (1 + cos(pi * epoch / T_max)) / 2

    computed, as PyTorch does, recursively from the current rate (so a change of ``lr`` by
    something else carries over), which equals the closed form above up to rounding. Past
    ``T_max`` the rate climbs back along the cosine (period ``2 T_max``), as PyTorch's does.

    Args:
        optimizer: the optimizer (see :class:`LRScheduler`).
        T_max: half the period, in epochs (int >= 1).
        eta_min: the lowest rate (>= 0).
        last_epoch: see :class:`LRScheduler`.

    Raises:
        ValueError: ``T_max`` not a positive int, ``eta_min`` negative or not finite.
    """

    _hyper = ("T_max", "eta_min")
    T_max: int
    eta_min: float
    _checks = {"T_max": positive_int, "eta_min": nonnegative_real}

    def __init__(
        self, optimizer: Any, T_max: int, eta_min: float = 0.0, last_epoch: int = -1
    ) -> None:
        super().__init__(optimizer, last_epoch, T_max=T_max, eta_min=eta_min)


    def get_lr(self) -> list[float]:
        t, T, eta_min, base = self.last_epoch, self.T_max, self.eta_min, self.base_lrs[0]
        if self._is_initial:
            return [self._lr()]
        if self._step_count == 1 and t > 0:
            return [eta_min + (base - eta_min) * (1 + math.cos(t * math.pi / T)) / 2]
        if (t - 1 - T) % (2 * T) == 0:
            return [self._lr() + (base - eta_min) * (1 - math.cos(math.pi / T)) / 2]
        return [
            (1 + math.cos(math.pi * t / T)) / (1 + math.cos(math.pi * (t - 1) / T))
            * (self._lr() - eta_min)
            + eta_min
        ]
