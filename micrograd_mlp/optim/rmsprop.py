"""RMSprop (Tieleman & Hinton 2012, lecture 6e), as PyTorch's."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from micrograd_mlp.optim.optimizer import (
    Optimizer,
    Work,
    add_squares,
    flag,
    lerp,
    nonnegative,
)

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """RMSprop: divide each coordinate's step by a running root-mean-square of its gradients.

    From Tieleman & Hinton, "Lecture 6.5 - rmsprop: Divide the gradient by a running average of
    its recent magnitude", COURSERA: Neural Networks for Machine Learning, 2012 (lecture 6e);
    the centered form is Graves, "Generating Sequences With Recurrent Neural Networks", 2013.
    PyTorch's formulation (``torch.optim.RMSprop``), per parameter ``p`` with gradient ``g``::

        g    <- -g                                       (if maximize: gradient ascent)
        g    <- g + weight_decay * p                     (L2 penalty, if weight_decay != 0)
        s    <- alpha * s + (1 - alpha) * g * g          (running mean of g^2; starts at 0)
        a    <- alpha * a + (1 - alpha) * g              (if centered: running mean of g)
        d    <- sqrt(s - a * a) + eps   if centered   else   sqrt(s) + eps
        b    <- momentum * b + g / d,   p <- p - lr * b  (if momentum > 0; b starts at 0)
        p    <- p - lr * g / d                           (otherwise)

    Note ``eps`` is added outside the square root and there is no bias correction: early
    steps, with ``s`` still near 0, are large (``lr / sqrt(1 - alpha)`` times the sign).

    Args:
        params: the parameters (see :class:`~micrograd_mlp.optim.Optimizer`; arrays are copied
            into the optimizer's flat buffer and ``p.data`` rebound to a view of it).
        lr: learning rate (>= 0).
        alpha: smoothing constant of the running averages (>= 0).
        eps: added to the denominator for numerical stability (>= 0).
        weight_decay: L2 penalty coefficient (>= 0).
        momentum: momentum factor (>= 0).
        centered: normalise by an estimate of the gradient's variance instead of its second
            moment.
        maximize: maximize the objective (gradient ascent) instead of minimizing it.

    Raises:
        ValueError: a hyperparameter negative or not finite (named), or an empty parameter list.
        TypeError: a hyperparameter is not a number (or, for the flags, not a bool).
    """

    _hyper = ("lr", "alpha", "eps", "weight_decay", "momentum", "centered", "maximize")
    lr: float
    alpha: float
    eps: float
    weight_decay: float
    momentum: float
    centered: bool
    maximize: bool
    _checks = {
        "lr": nonnegative, "alpha": nonnegative, "eps": nonnegative, "weight_decay": nonnegative,
        "momentum": nonnegative, "centered": flag, "maximize": flag,
    }

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(
            params, lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
            centered=centered, maximize=maximize,
        )

    _nonnegative = ("square_avg",)

    @staticmethod
    def _saved(hyper: Mapping[str, Any]) -> tuple[str, ...]:
        names = ("step", "square_avg")
        if hyper["momentum"] > 0.0:
            names += ("momentum_buffer",)
        if hyper["centered"]:
            names += ("grad_avg",)
        return names

    @staticmethod
    def _run_key(step: int) -> int:
        return 0  # the rule does not use the step count (it is still counted and saved)

    def _update(
        self, data: np.ndarray, grad: np.ndarray, state: dict[str, np.ndarray], step: int,
        work: Work,
    ) -> None:
        g, tmp = self._gradient(data, grad, work), work.b
        square_avg = state["square_avg"]
        square_avg *= self.alpha
        add_squares(square_avg, g, 1.0 - self.alpha, tmp)
        if self.centered:
            grad_avg = state["grad_avg"]
            lerp(grad_avg, g, 1.0 - self.alpha, tmp)
            avg = np.multiply(grad_avg, grad_avg, out=work.a)
            np.subtract(square_avg, avg, out=avg)
            np.sqrt(avg, out=avg)
        else:
            avg = np.sqrt(square_avg, out=work.a)
        avg += self.eps
        if self.momentum > 0.0:
            buf = state["momentum_buffer"]
            buf *= self.momentum
            buf += np.divide(g, avg, out=tmp)
            data += np.multiply(buf, -self.lr, out=tmp)
        else:
            update = np.divide(g, avg, out=tmp)
            update *= -self.lr
            data += update
