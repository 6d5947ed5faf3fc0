"""Adagrad (Duchi, Hazan & Singer 2011), as PyTorch's."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from micrograd_mlp.optim.optimizer import Optimizer, Work, add_squares, flag, nonnegative

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """Adagrad: each coordinate's step divided by the root of its summed squared gradients.

    From Duchi, Hazan & Singer, "Adaptive Subgradient Methods for Online Learning and
    Stochastic Optimization", JMLR 12, 2011 (the diagonal form). PyTorch's formulation
    (``torch.optim.Adagrad``), per parameter ``p`` with gradient ``g``, at its ``t``-th update::

        g    <- -g                                       (if maximize: gradient ascent)
        g    <- g + weight_decay * p                     (L2 penalty, if weight_decay != 0)
        lr_t  = lr / (1 + (t - 1) * lr_decay)
        s    <- s + g * g                                (starts at initial_accumulator_value)
        p    <- p - lr_t * g / (sqrt(s) + eps)

    The sum only grows, so every coordinate's effective rate only shrinks: fast progress early,
    and coordinates with rare large gradients keep larger steps than frequent ones.

    Args:
        params: the parameters (see :class:`~micrograd_mlp.optim.Optimizer`; arrays are copied
            into the optimizer's flat buffer and ``p.data`` rebound to a view of it).
        lr: learning rate (>= 0).
        lr_decay: learning-rate decay per update (>= 0).
        weight_decay: L2 penalty coefficient (>= 0).
        initial_accumulator_value: the starting value of ``s`` (>= 0).
        eps: added to the denominator for numerical stability (>= 0).
        maximize: maximize the objective (gradient ascent) instead of minimizing it.

    Raises:
        ValueError: a hyperparameter negative or not finite (named), or an empty parameter list.
        TypeError: a hyperparameter is not a number (or ``maximize`` not a bool).
    """

    _hyper = ("lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps", "maximize")
    lr: float
    lr_decay: float
    weight_decay: float
    initial_accumulator_value: float
    eps: float
    maximize: bool
    _checks = {
        "lr": nonnegative, "lr_decay": nonnegative, "weight_decay": nonnegative,
        "initial_accumulator_value": nonnegative, "eps": nonnegative, "maximize": flag,
    }

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(
            params, lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value, eps=eps, maximize=maximize,
        )

    _nonnegative = ("sum",)

    @staticmethod
    def _saved(hyper: Mapping[str, Any]) -> tuple[str, ...]:
        return ("step", "sum")

    def _initial(self, name: str) -> float:
        return self.initial_accumulator_value

    def _update(
        self, data: np.ndarray, grad: np.ndarray, state: dict[str, np.ndarray], step: int,
        work: Work,
    ) -> None:
        g, tmp = self._gradient(data, grad, work), work.b
        clr = self.lr / (1 + (step - 1) * self.lr_decay)
        total = state["sum"]
        add_squares(total, g, 1.0, tmp)
        std = np.sqrt(total, out=work.a)
        std += self.eps
        update = np.divide(g, std, out=tmp)
        update *= -clr
        data += update
