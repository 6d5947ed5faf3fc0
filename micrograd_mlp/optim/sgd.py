"""Stochastic gradient descent: :class:`SGD` (momentum, Nesterov, weight decay, maximize)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from micrograd_mlp.optim.optimizer import Optimizer, Work, flag, nonnegative, real

__all__ = ["SGD"]


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum, Nesterov momentum and weight decay.

    PyTorch's formulation (``torch.optim.SGD``), per parameter ``p`` with gradient ``g``::

        g   <- -g                                          (if maximize: gradient ascent)
        g   <- g + weight_decay * p                        (L2 penalty, if weight_decay != 0)
        b   <- g                       on the parameter's first step,
        b   <- momentum * b + (1 - dampening) * g          afterwards      (if momentum != 0)
        g   <- g + momentum * b   if nesterov   else   b                   (if momentum != 0)
        p   <- p - lr * g

    This "velocity" form of momentum (Polyak 1964) and its Nesterov variant follow Sutskever,
    Martens, Dahl & Hinton, "On the importance of initialization and momentum in deep
    learning", ICML 2013, as rewritten by PyTorch (the learning rate multiplies the velocity
    rather than the gradient inside it). ``maximize=True`` climbs the objective instead of
    descending it: exactly the steps of minimizing its negation.

    Args:
        params: the parameters (see :class:`~micrograd_mlp.optim.Optimizer`; arrays are copied
            into the optimizer's flat buffer and ``p.data`` rebound to a view of it).
        lr: learning rate (>= 0).
        momentum: momentum factor (>= 0; 0 disables the buffer).
        dampening: scales the gradient added to the buffer by ``1 - dampening``.
        weight_decay: L2 penalty coefficient (>= 0).
        nesterov: use Nesterov momentum (needs ``momentum > 0`` and ``dampening == 0``).
        maximize: maximize the objective (gradient ascent) instead of minimizing it.

    Raises:
        ValueError: ``lr``, ``momentum`` or ``weight_decay`` negative or not finite, Nesterov
            without momentum or with dampening, or an empty parameter list.
        TypeError: a hyperparameter is not a number (or, for the flags, not a bool).
    """

    _hyper = ("lr", "momentum", "dampening", "weight_decay", "nesterov", "maximize")
    lr: float
    momentum: float
    dampening: float
    weight_decay: float
    nesterov: bool
    maximize: bool

    def __init__(
        self,
        params: Iterable[Any],
        lr: float,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(
            params, lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
            nesterov=nesterov, maximize=maximize,
        )

    _checks = {
        "lr": nonnegative, "momentum": nonnegative, "dampening": real,
        "weight_decay": nonnegative, "nesterov": flag, "maximize": flag,
    }

    @classmethod
    def _validate(cls, **hyper: Any) -> dict[str, Any]:
        hyper = super()._validate(**hyper)
        if hyper["nesterov"] and (hyper["momentum"] <= 0.0 or hyper["dampening"] != 0.0):
            raise ValueError(
                "Nesterov momentum requires a momentum and zero dampening "
                f"(got momentum={hyper['momentum']}, dampening={hyper['dampening']})"
            )
        return hyper

    @staticmethod
    def _saved(hyper: Mapping[str, Any]) -> tuple[str, ...]:
        return ("momentum_buffer",) if hyper["momentum"] != 0.0 else ()

    @staticmethod
    def _run_key(step: int) -> int:
        return min(step, 2)  # only "first step or not" matters (the buffer starts at g)

    def _update(
        self, data: np.ndarray, grad: np.ndarray, state: dict[str, np.ndarray], step: int,
        work: Work,
    ) -> None:
        g = self._gradient(data, grad, work)
        if self.momentum != 0.0:
            buf = state["momentum_buffer"]
            if step == 1:
                np.copyto(buf, g)  # PyTorch starts the buffer at g itself
            else:
                buf *= self.momentum
                if self.dampening == 0.0:
                    buf += g
                else:
                    buf += np.multiply(g, 1.0 - self.dampening, out=work.a)
            if self.nesterov:
                g += np.multiply(buf, self.momentum, out=work.a)
            else:
                g = buf
        data += np.multiply(g, -self.lr, out=work.b)  # p <- p - lr * g
