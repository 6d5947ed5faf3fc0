"""Adam (Kingma & Ba 2015) and AdamW (Loshchilov & Hutter 2019), as PyTorch's."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from micrograd_mlp.optim.optimizer import Optimizer, Work, add_squares, flag, lerp, nonnegative
from micrograd_mlp.validation import probability

__all__ = ["Adam", "AdamW"]

#: Adam flushes subnormal moments every this many updates of a parameter (see ``Adam._update``).
FLUSH_EVERY = 16


def flush_subnormals(x: np.ndarray, work: Work, nonnegative: bool = False) -> None:
    """Set the subnormal entries of ``x`` (``0 < |x| < np.finfo(x.dtype).tiny``) to 0, in place.

    Why: an optimizer state that only decays (Adam's moments when a parameter's gradient stays
    0, e.g. weights of MNIST pixels that are almost always blank: ``m`` shrinks by ``beta1`` per
    step) eventually falls below the smallest normal number of its dtype (~1.2e-38 for
    float32) into the subnormal range, where CPUs compute ``sqrt`` and ``/`` many times slower
    (measured by ``benchmarks/optim_step.py``). Such values have no visible effect (an update
    of ~1e-38 * lr / eps is lost in the rounding of any normal parameter), so flushing them to
    0 changes nothing else.

    How, cheaply: a float's magnitude and its bit pattern (as an unsigned integer of the same
    size) are ordered alike, so ``x`` is subnormal exactly when ``bits(|x|) - 1`` (which wraps
    0 around to the largest integer) is below ``bits(tiny) - 1``. That is two or three passes
    over the array and leaves zeros alone, so the write pass runs only when there is
    something to flush. ``nonnegative=True`` (for ``v``) skips the ``abs``. ``work``: scratch
    arrays shaped like ``x``.
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


def betas_pair(name: str, betas: object) -> tuple[float, float]:
    """``(beta1, beta2)``, each in ``[0, 1)``; errors name ``betas[0]`` or ``betas[1]``."""
    if isinstance(betas, (str, bytes)) or not hasattr(betas, "__len__") or len(betas) != 2:
        raise TypeError(f"{name} must be a pair (beta1, beta2), got {betas!r}")
    return (probability(f"{name}[0]", betas[0]), probability(f"{name}[1]", betas[1]))


class Adam(Optimizer):
    """Adam (Kingma & Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015), as PyTorch.

    Per parameter ``p`` with gradient ``g``, at its ``t``-th update (``t = 1, 2, ...``)::

        g     <- -g                                      (if maximize: gradient ascent)
        g     <- g + weight_decay * p                    (L2 penalty, if weight_decay != 0)
        m     <- beta1 * m + (1 - beta1) * g             (first moment; as a lerp, PyTorch's form)
        v     <- beta2 * v + (1 - beta2) * g * g         (second moment)
        vmax  <- max(vmax, v)                            (if amsgrad; then vmax replaces v below)
        p     <- p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)

    which is Algorithm 1 of the paper with ``eps`` added after the bias correction of ``v``,
    exactly as ``torch.optim.Adam``; AMSGrad is Reddi, Kale & Kumar, "On the Convergence of
    Adam and Beyond", ICLR 2018. ``m`` and ``v`` start at 0; ``t`` counts each parameter's own
    updates (a parameter with no grad is skipped).

    Entries of ``m`` and ``v`` below the smallest normal number of the parameter's dtype are
    flushed to 0 every 16th update (see :func:`flush_subnormals`): decaying moments would
    otherwise become subnormal and make later steps much slower, while changing nothing visible.

    Args:
        params: the parameters (see :class:`~micrograd_mlp.optim.Optimizer`; arrays are copied
            into the optimizer's flat buffer and ``p.data`` rebound to a view of it).
        lr: learning rate (>= 0).
        betas: ``(beta1, beta2)``, decay rates of the moment estimates, each in ``[0, 1)``.
        eps: added to the denominator for numerical stability (>= 0).
        weight_decay: L2 penalty coefficient (>= 0), added to the gradient (see :class:`AdamW`
            for the decoupled form).
        amsgrad: use the running maximum of ``v`` (AMSGrad).
        maximize: maximize the objective (gradient ascent) instead of minimizing it.

    Raises:
        ValueError: a hyperparameter out of range (named), or an empty parameter list.
        TypeError: a hyperparameter is not a number, a flag not a bool, or ``betas`` not a pair.
    """

    _hyper = ("lr", "betas", "eps", "weight_decay", "amsgrad", "maximize")
    _defaults = {"maximize": False, "amsgrad": False}
    lr: float
    betas: tuple[float, float]
    eps: float
    weight_decay: float
    amsgrad: bool
    maximize: bool
    _checks = {
        "lr": nonnegative, "betas": betas_pair, "eps": nonnegative, "weight_decay": nonnegative,
        "amsgrad": flag, "maximize": flag,
    }
    #: AdamW: weight decay applied to the parameter, not added to the gradient.
    _decoupled = False

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(
            params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
            maximize=maximize,
        )

    _nonnegative = ("exp_avg_sq", "max_exp_avg_sq")

    @staticmethod
    def _saved(hyper: Mapping[str, Any]) -> tuple[str, ...]:
        names = ("step", "exp_avg", "exp_avg_sq")
        return (*names, "max_exp_avg_sq") if hyper["amsgrad"] else names

    def _update(
        self, data: np.ndarray, grad: np.ndarray, state: dict[str, np.ndarray], step: int,
        work: Work,
    ) -> None:
        beta1, beta2 = self.betas
        m, v, tmp = state["exp_avg"], state["exp_avg_sq"], work.b
        g = self._gradient(data, grad, work, l2=not self._decoupled)
        if self._decoupled and self.weight_decay != 0.0:
            data *= 1.0 - self.lr * self.weight_decay  # AdamW: p <- p (1 - lr wd)
        lerp(m, g, 1.0 - beta1, tmp)  # m <- beta1 m + (1 - beta1) g
        v *= beta2
        add_squares(v, g, 1.0 - beta2, tmp)  # v <- beta2 v + (1 - beta2) g^2
        # Flushing costs a few passes, so it runs every FLUSH_EVERY-th update: a moment that
        # decays into the subnormal range stays there ~150 steps (m shrinks by beta1 = 0.9 per
        # step from 1.2e-38 to 1.4e-45), so it is zeroed after at most a few slow steps. Keyed
        # to the step count (saved in the state), so resuming from a checkpoint is exact.
        if step % FLUSH_EVERY == 0:
            flush_subnormals(m, work)
            flush_subnormals(v, work, nonnegative=True)  # v >= 0
        if self.amsgrad:
            v = np.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
        # Bias corrections (the moments started at 0), as Python floats c1 and c2. The step
        # m / c1 / (sqrt(v) / sqrt(c2) + eps) is computed as m / (sqrt(v) + eps sqrt(c2)),
        # scaled by sqrt(c2) / c1: one pass over the arrays fewer than PyTorch's order (a
        # division), equal up to rounding.
        bias_correction1 = 1.0 - beta1**step
        bias_correction2_sqrt = (1.0 - beta2**step) ** 0.5
        denom = np.sqrt(v, out=tmp)
        denom += self.eps * bias_correction2_sqrt
        update = np.divide(m, denom, out=tmp)
        update *= -self.lr * bias_correction2_sqrt / bias_correction1
        data += update


class AdamW(Adam):
    """AdamW: Adam with decoupled weight decay (Loshchilov & Hutter, "Decoupled Weight Decay
    Regularization", ICLR 2019), as ``torch.optim.AdamW``.

    The same update as :class:`Adam`, except that weight decay shrinks the parameter directly
    instead of entering the gradient (and so the moments)::

        p <- p * (1 - lr * weight_decay)            before the Adam step, then Adam with
                                                    weight_decay = 0 on the gradient

    With adaptive steps an L2 term in the gradient is divided by ``sqrt(v)`` like the rest, so
    weights with large gradients are decayed less; decoupling decays every weight at the same
    rate ``lr * weight_decay`` per step.

    Args: as :class:`Adam`, with PyTorch's default ``weight_decay=1e-2``.

    Raises: as :class:`Adam`.
    """

    _decoupled = True

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize)
