"""PyTorch's loss modules, once for both engines: ``loss = CrossEntropyLoss(); loss(logits, y)``.

Each class takes the constructor arguments of its ``torch.nn`` namesake, checks and keeps them,
and calls the function of the same name in its engine's functional module. The classes here
know no engine: each engine's ``nn`` module binds them to its functional module with
:func:`bind_loss_modules`, so ``micrograd_mlp.nn.CrossEntropyLoss`` calls
:func:`micrograd_mlp.functional.cross_entropy` (Values) and
``micrograd_mlp.tensor.nn.CrossEntropyLoss`` calls
:func:`micrograd_mlp.tensor.functional.cross_entropy` (Tensors and arrays), the same names in
the two mirrored modules (this module imports neither engine). So ``criterion =
nn.CrossEntropyLoss(label_smoothing=0.1)`` reads the same in a scalar loop, a vectorized loop and
(with ``torch.nn``) a PyTorch loop. The formulas, shapes and errors are those of the functions
(see their docstrings); the modules have no parameters. PyTorch's deprecated
``size_average`` / ``reduce`` arguments are accepted in their positions and mapped to
``reduction`` as PyTorch maps them (with a ``DeprecationWarning``).

Errors: a bad ``reduction``, ``label_smoothing``, ``ignore_index`` or ``eps`` is refused at
construction (``ValueError``/``TypeError`` naming it); a ``weight`` that is not numbers, too.
"""

from __future__ import annotations

import warnings
from types import ModuleType
from typing import Any, ClassVar

import numpy as np

from micrograd_mlp.loss_common import (
    DEFAULT_IGNORE_INDEX,
    check_eps,
    check_ignore_index,
    check_label_smoothing,
    check_reduction,
)
from micrograd_mlp.module import Module

__all__ = [
    "BCELoss",
    "BCEWithLogitsLoss",
    "CrossEntropyLoss",
    "GaussianNLLLoss",
    "L1Loss",
    "MSELoss",
    "bind_loss_modules",
]


def _legacy_reduction(
    size_average: bool | None, reduce: bool | None, reduction: str, cls: str
) -> str:
    """PyTorch's mapping of the deprecated ``size_average``/``reduce`` pair to ``reduction``."""
    if size_average is None and reduce is None:
        return check_reduction(reduction)
    warnings.warn(
        f"{cls}: size_average and reduce are deprecated (as in PyTorch); use reduction=",
        DeprecationWarning,
        stacklevel=3,
    )
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if not reduce:
        return "none"
    return "mean" if size_average else "sum"


def _constant(x: Any, cls: str, name: str) -> np.ndarray | None:
    """A ``weight``-like argument as a float64 array (a constant), or None."""
    if x is None:
        return None
    arr = np.asarray(x.data if hasattr(x, "requires_grad") else x)  # a Tensor's array
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"{cls}: {name} must be numbers, got {type(x).__name__} {x!r}")
    return arr.astype(np.float64)


class _Loss(Module):
    """What every loss module shares: the reduction, its engine's functions, a readable repr."""

    reduction: str
    #: The engine's functional module (set by :func:`bind_loss_modules`).
    functional: ClassVar[ModuleType]

    def _options(self) -> dict[str, Any]:
        """The constructor arguments that differ from their defaults (for ``repr``)."""
        return {}

    def __repr__(self) -> str:
        opts = ", ".join(f"{k}={v!r}" for k, v in self._options().items())
        return f"{type(self).__name__}({opts})"


class _ReductionOnlyLoss(_Loss):
    """A loss whose only option is ``reduction`` (PyTorch's ``_Loss`` arguments)."""

    _function = ""  # the name of the loss in both functional modules

    def __init__(
        self, size_average: bool | None = None, reduce: bool | None = None, reduction: str = "mean"
    ) -> None:
        self.reduction = _legacy_reduction(size_average, reduce, reduction, type(self).__name__)

    def __call__(self, input: Any, target: Any) -> Any:
        return getattr(self.functional, self._function)(
            input, target, reduction=self.reduction
        )

    def _options(self) -> dict[str, Any]:
        return {} if self.reduction == "mean" else {"reduction": self.reduction}


class MSELoss(_ReductionOnlyLoss):
    """``mse_loss(input, target, reduction)``: mean squared error, PyTorch's ``nn.MSELoss``."""

    _function = "mse_loss"


class L1Loss(_ReductionOnlyLoss):
    """``l1_loss(input, target, reduction)``: mean absolute error, PyTorch's ``nn.L1Loss``."""

    _function = "l1_loss"


class CrossEntropyLoss(_Loss):
    """``cross_entropy`` of logits against class indices or probabilities, ``nn.CrossEntropyLoss``.

    Args:
        weight: C class weights (a constant) or None.
        size_average, reduce: deprecated (PyTorch's), mapped to ``reduction``.
        ignore_index: a class index whose samples are skipped (default -100: none).
        reduction: ``"mean"`` (weighted mean), ``"sum"`` or ``"none"``.
        label_smoothing: in [0, 1].
    """

    def __init__(
        self,
        weight: Any = None,
        size_average: bool | None = None,
        ignore_index: int = DEFAULT_IGNORE_INDEX,
        reduce: bool | None = None,
        reduction: str = "mean",
        label_smoothing: float = 0.0,
    ) -> None:
        name = "CrossEntropyLoss"
        self.weight = _constant(weight, name, "weight")
        self.ignore_index = check_ignore_index(name, ignore_index)
        self.reduction = _legacy_reduction(size_average, reduce, reduction, name)
        self.label_smoothing = check_label_smoothing(name, label_smoothing)

    def __call__(self, input: Any, target: Any) -> Any:
        return self.functional.cross_entropy(
            input,
            target,
            self.weight,
            ignore_index=self.ignore_index,
            reduction=self.reduction,
            label_smoothing=self.label_smoothing,
        )

    def _options(self) -> dict[str, Any]:
        opts: dict[str, Any] = {}
        if self.weight is not None:
            opts["weight"] = self.weight.tolist()
        if self.ignore_index != DEFAULT_IGNORE_INDEX:
            opts["ignore_index"] = self.ignore_index
        if self.reduction != "mean":
            opts["reduction"] = self.reduction
        if self.label_smoothing:
            opts["label_smoothing"] = self.label_smoothing
        return opts


class BCELoss(_Loss):
    """``binary_cross_entropy`` of probabilities, PyTorch's ``nn.BCELoss``.

    Args:
        weight: a constant multiplying each element's loss (broadcast to the input), or None.
        size_average, reduce: deprecated (PyTorch's), mapped to ``reduction``.
        reduction: ``"mean"``, ``"sum"`` or ``"none"``.
    """

    def __init__(
        self,
        weight: Any = None,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
    ) -> None:
        self.weight = _constant(weight, "BCELoss", "weight")
        self.reduction = _legacy_reduction(size_average, reduce, reduction, "BCELoss")

    def __call__(self, input: Any, target: Any) -> Any:
        return self.functional.binary_cross_entropy(
            input, target, self.weight, reduction=self.reduction
        )

    def _options(self) -> dict[str, Any]:
        opts: dict[str, Any] = {} if self.weight is None else {"weight": self.weight.tolist()}
        if self.reduction != "mean":
            opts["reduction"] = self.reduction
        return opts


class BCEWithLogitsLoss(_Loss):
    """``binary_cross_entropy_with_logits``, PyTorch's ``nn.BCEWithLogitsLoss``.

    Args:
        weight: a constant multiplying each element's loss (broadcast to the input), or None.
        size_average, reduce: deprecated (PyTorch's), mapped to ``reduction``.
        reduction: ``"mean"``, ``"sum"`` or ``"none"``.
        pos_weight: the weight of the positive term (broadcast along the last axis), or None.
    """

    def __init__(
        self,
        weight: Any = None,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
        pos_weight: Any = None,
    ) -> None:
        name = "BCEWithLogitsLoss"
        self.weight = _constant(weight, name, "weight")
        self.reduction = _legacy_reduction(size_average, reduce, reduction, name)
        self.pos_weight = _constant(pos_weight, name, "pos_weight")

    def __call__(self, input: Any, target: Any) -> Any:
        return self.functional.binary_cross_entropy_with_logits(
            input, target, self.weight, reduction=self.reduction, pos_weight=self.pos_weight
        )

    def _options(self) -> dict[str, Any]:
        opts: dict[str, Any] = {} if self.weight is None else {"weight": self.weight.tolist()}
        if self.reduction != "mean":
            opts["reduction"] = self.reduction
        if self.pos_weight is not None:
            opts["pos_weight"] = self.pos_weight.tolist()
        return opts


class GaussianNLLLoss(_Loss):
    """``gaussian_nll_loss(input, target, var)``, PyTorch's ``nn.GaussianNLLLoss``.

    Called as ``loss(input, target, var)``: the negative log-likelihood of ``target`` under
    ``Normal(input, var)``.

    Args (keyword-only, as in PyTorch):
        full: add the constant ``0.5 log(2 pi)`` per element.
        eps: the variance clamp (>= 0).
        reduction: ``"mean"``, ``"sum"`` or ``"none"``.
    """

    def __init__(self, *, full: bool = False, eps: float = 1e-6, reduction: str = "mean") -> None:
        self.full = bool(full)
        self.eps = check_eps("GaussianNLLLoss", eps)
        self.reduction = check_reduction(reduction)

    def __call__(self, input: Any, target: Any, var: Any) -> Any:
        return self.functional.gaussian_nll_loss(
            input, target, var, full=self.full, eps=self.eps, reduction=self.reduction
        )

    def _options(self) -> dict[str, Any]:
        opts: dict[str, Any] = {"full": True} if self.full else {}
        if self.eps != 1e-6:
            opts["eps"] = self.eps
        if self.reduction != "mean":
            opts["reduction"] = self.reduction
        return opts


def bind_loss_modules(functional: ModuleType, module: str) -> tuple[type[_Loss], ...]:
    """The loss modules of one engine: a subclass of each class above whose calls go to
    ``functional`` (that engine's functional module), named as the original and placed in
    ``module`` (the engine's ``nn``), in the order of ``__all__``: ``BCELoss``,
    ``BCEWithLogitsLoss``, ``CrossEntropyLoss``, ``GaussianNLLLoss``, ``L1Loss``, ``MSELoss``."""
    classes = (BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, GaussianNLLLoss, L1Loss, MSELoss)
    return tuple(
        type(
            cls.__name__,
            (cls,),
            {"functional": functional, "__module__": module, "__doc__": cls.__doc__},
        )
        for cls in classes
    )
