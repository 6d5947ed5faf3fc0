"""Check an engine's gradients against finite differences: :func:`gradcheck`.

In the spirit of ``torch.autograd.gradcheck``: the *analytic* gradient of a scalar function is
what ``backward()`` computes; the *numeric* one comes from central differences,

    d f / d x_i  ~=  (f(x + eps e_i) - f(x - eps e_i)) / (2 eps),

whose error is ``O(eps^2)`` (Taylor: the even-order terms cancel) plus the rounding of ``f``
divided by ``eps``. With float64 and ``eps = 1e-6`` both are far below the default tolerances
for a smooth function of moderate size, so a mismatch means a wrong derivative (or a point
where ``f`` is not differentiable, such as ReLU at 0).

Works for both engines: the inputs are scalar :class:`~micrograd_mlp.engine.Value` objects, or
float64 :class:`~micrograd_mlp.tensor.Tensor` objects (float32 is refused: its rounding error
divided by ``eps`` swamps any tolerance worth checking).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from numbers import Real
from typing import Any

import numpy as np

from micrograd_mlp.engine import Value
from micrograd_mlp.module import clear_grad
from micrograd_mlp.tensor.tensor import Tensor, no_grad

__all__ = ["GradcheckError", "GradcheckReport", "InputCheck", "gradcheck"]


@dataclass
class InputCheck:
    """How one input's gradient compares with finite differences.

    Attributes:
        index: the input's position in ``inputs``.
        shape: ``()`` for a Value, the Tensor's shape otherwise.
        analytic: the gradient from ``backward()`` (float64 array of ``shape``).
        numeric: the central-difference gradient (float64 array of ``shape``).
        max_abs_error: ``max |analytic - numeric|`` over the elements.
        max_rel_error: ``max |analytic - numeric| / |numeric|`` (0 where both are 0, inf where
            only ``numeric`` is 0).
        worst: the index (a tuple; ``()`` for a Value) of the element furthest outside the
            tolerance, relative to it.
        worst_ratio: that element's ``|a - n| / (atol + rtol |n|)`` (inf if either is not
            finite); the input passes when it is at most 1.
        checked: False for a Tensor that does not require grad (a constant: nothing checked).
    """

    index: int
    shape: tuple[int, ...]
    analytic: np.ndarray
    numeric: np.ndarray
    max_abs_error: float
    max_rel_error: float
    worst: tuple[int, ...]
    worst_ratio: float
    checked: bool = True

    @property
    def passed(self) -> bool:
        """Every element satisfies ``|a - n| <= atol + rtol |n|``, both finite."""
        return self.worst_ratio <= 1.0

    def describe_worst(self) -> str:
        """``input 0, element (1, 2): analytic 0.5 vs numeric 0.25`` for the worst element."""
        where = f"element {self.worst}" if self.shape else "(a Value)"
        a, n = float(self.analytic[self.worst]), float(self.numeric[self.worst])
        return (
            f"input {self.index} {where}: analytic {a!r} vs numeric {n!r} "
            f"(abs error {abs(a - n):.3g})"
        )


@dataclass
class GradcheckReport:
    """The result of :func:`gradcheck`.

    Attributes:
        passed: every checked input passed.
        output: ``fn(*inputs)`` at the given point (a float).
        inputs: one :class:`InputCheck` per input, in order.
        eps, atol, rtol: the settings used.
    """

    passed: bool
    output: float
    inputs: list[InputCheck] = field(default_factory=list)
    eps: float = 1e-6
    atol: float = 1e-5
    rtol: float = 1e-3

    @property
    def worst(self) -> InputCheck | None:
        """The checked input with the largest error relative to the tolerance (None if none)."""
        checked = [c for c in self.inputs if c.checked and c.analytic.size]
        return max(checked, key=lambda c: c.worst_ratio) if checked else None

    def __str__(self) -> str:
        lines = [
            f"gradcheck {'passed' if self.passed else 'FAILED'}: f = {self.output!r}, "
            f"eps={self.eps:g}, atol={self.atol:g}, rtol={self.rtol:g}"
        ]
        for c in self.inputs:
            if not c.checked:
                lines.append(f"  input {c.index}: shape {c.shape}, constant (not checked)")
                continue
            lines.append(
                f"  input {c.index}: shape {c.shape}, max abs error {c.max_abs_error:.3g}, "
                f"max rel error {c.max_rel_error:.3g}{'' if c.passed else '  <-- mismatch'}"
            )
        return "\n".join(lines)


class GradcheckError(RuntimeError):
    """The analytic and numeric gradients differ (or the function cannot be evaluated).

    Attributes:
        report: the :class:`GradcheckReport` (None when ``fn`` failed before one existed).
    """

    def __init__(self, message: str, report: GradcheckReport | None = None) -> None:
        super().__init__(message)
        self.report = report


def gradcheck(
    fn: Callable[..., Any],
    inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> GradcheckReport:
    """Compare the gradient ``backward()`` gives with central finite differences.

    Args:
        fn: called as ``fn(*inputs)``; returns a scalar: a ``Value``, or a float64 ``Tensor``
            with one element. It must be deterministic and may be called ``2 n + 1`` times for
            ``n`` input elements.
        inputs: a ``Value`` or a ``Tensor``, or a sequence of them, all from the same engine.
            Tensors must be float64; those with ``requires_grad=False`` are constants and are
            not checked (at least one input must be checked).
        eps: the finite-difference step, in the inputs' units (> 0).
        atol, rtol: element ``i`` passes when ``|analytic_i - numeric_i| <= atol + rtol *
            |numeric_i|`` (the test of ``numpy.allclose``), both finite.
        raise_exception: raise :class:`GradcheckError` on a mismatch (default), or just return
            the report with ``passed=False``. (``fn`` failing at a perturbed point raises
            either way.)

    Returns:
        A :class:`GradcheckReport` with the maximum absolute and relative error per input.

    The inputs are left exactly as they were: their ``data`` (the same object for a Tensor:
    perturbations are made on a private copy) and their ``grad``.

    Raises:
        GradcheckError: a mismatch (the message names the worst one: which input, which element,
            the analytic and the numeric value), or ``fn`` failed at a perturbed point (e.g.
            ``log`` of a negative number: the point is within ``eps`` of the edge of the
            function's domain).
        TypeError: an input is neither a Value nor a Tensor, Values and Tensors are mixed, a
            Tensor is not float64, or ``fn`` does not return a Value/Tensor of the inputs'
            engine.
        ValueError: no inputs, none to check, ``fn``'s output is not a scalar, or a bad
            ``eps``/``atol``/``rtol``.
    """
    for name, x, positive in (("eps", eps, True), ("atol", atol, False), ("rtol", rtol, False)):
        if not (isinstance(x, Real) and math.isfinite(x) and (x > 0 if positive else x >= 0)):
            need = "> 0" if positive else ">= 0"
            raise ValueError(f"gradcheck: {name} must be a finite number {need}, got {x!r}")
    engine = _Engine.of(inputs)
    saved = [engine.save(x) for x in engine.inputs]
    try:
        return _check(fn, engine, float(eps), float(atol), float(rtol), raise_exception)
    finally:
        # Last saved first: an input given twice gets back its own array, not the private copy
        # its first save made.
        for x, state in reversed(list(zip(engine.inputs, saved))):
            engine.restore(x, state)


def _check(
    fn: Callable[..., Any],
    engine: _Engine,
    eps: float,
    atol: float,
    rtol: float,
    raise_exception: bool,
) -> GradcheckReport:
    inputs = engine.inputs
    # Analytic: one backward pass from fresh (zero) gradients.
    for x in inputs:
        engine.clear_grad(x)
    out = fn(*inputs)
    output = engine.scalar(out)
    engine.backward(out)
    analytic = [engine.grad(x) for x in inputs]
    # Numeric: central differences, one element at a time, on the inputs' private data.
    numeric = []
    for i, x in enumerate(inputs):
        grad = np.zeros(engine.shape(x))
        if engine.checked(x):
            for index in np.ndindex(grad.shape) if grad.shape else [()]:
                f = [0.0, 0.0]
                original = engine.get(x, index)
                for k, step in enumerate((eps, -eps)):
                    engine.set(x, index, original + step)
                    try:
                        f[k] = engine.scalar(engine.evaluate(fn))
                    except Exception as error:
                        where = f"element {index}" if grad.shape else "(a Value)"
                        raise GradcheckError(
                            f"gradcheck: fn failed at input {i} {where} = {original!r} "
                            f"{'+' if step > 0 else '-'} eps ({eps:g}): "
                            f"{type(error).__name__}: {error}. Is the point within eps of the "
                            "edge of fn's domain?"
                        ) from error
                    finally:
                        engine.set(x, index, original)
                grad[index] = (f[0] - f[1]) / (2.0 * eps)
        numeric.append(grad)
    checks = [
        _compare(i, a, n, atol, rtol, engine.checked(x))
        for i, (x, a, n) in enumerate(zip(inputs, analytic, numeric))
    ]
    report = GradcheckReport(all(c.passed for c in checks), output, checks, eps, atol, rtol)
    if not report.passed and raise_exception:
        worst = report.worst
        raise GradcheckError(
            f"gradcheck: the analytic and numeric gradients differ (atol={atol:g}, "
            f"rtol={rtol:g}); worst mismatch: {worst.describe_worst()}\n{report}",
            report,
        )
    return report


def _compare(
    index: int, analytic: np.ndarray, numeric: np.ndarray, atol: float, rtol: float, checked: bool
) -> InputCheck:
    shape = analytic.shape
    if not checked or analytic.size == 0:
        return InputCheck(index, shape, analytic, numeric, 0.0, 0.0, (), 0.0, checked)
    finite = np.isfinite(analytic) & np.isfinite(numeric)
    with np.errstate(divide="ignore", invalid="ignore"):
        diff = np.where(finite, np.abs(analytic - numeric), np.inf)
        rel = np.where(diff == 0, 0.0, diff / np.abs(numeric))
        # How far outside its tolerance each element is (0/0 only when both are equal).
        ratio = np.where(diff == 0, 0.0, diff / (atol + rtol * np.abs(numeric)))
    worst = np.unravel_index(int(np.argmax(ratio)), shape) if shape else ()
    return InputCheck(
        index,
        shape,
        analytic,
        numeric,
        float(diff.max()),
        float(rel.max()),
        tuple(int(i) for i in worst),
        float(ratio[worst]),
    )


class _Engine:
    """What gradcheck does differently for Values and for Tensors."""

    def __init__(self, inputs: list[Any]) -> None:
        self.inputs = inputs

    @staticmethod
    def of(inputs: Any) -> _Engine:
        if isinstance(inputs, (Value, Tensor)):
            inputs = [inputs]
        if isinstance(inputs, (str, bytes)) or not isinstance(inputs, Sequence):
            raise TypeError(
                "gradcheck: inputs must be a Value, a Tensor or a sequence of them, got "
                f"{type(inputs).__name__}"
            )
        inputs = list(inputs)
        if not inputs:
            raise ValueError("gradcheck: no inputs to check")
        kinds = set()
        for i, x in enumerate(inputs):
            if isinstance(x, Value):
                kinds.add("Value")
            elif isinstance(x, Tensor):
                kinds.add("Tensor")
                if x.dtype != np.float64:
                    raise TypeError(
                        f"gradcheck: input {i} is a {x.dtype} Tensor; finite differences need "
                        "float64 (float32 rounding / eps swamps the tolerance): make it with "
                        "Tensor(data, requires_grad=True, dtype=np.float64)"
                    )
            else:
                raise TypeError(
                    f"gradcheck: input {i} is a {type(x).__name__}, not a Value or a Tensor"
                )
        if len(kinds) > 1:
            raise TypeError("gradcheck: inputs mix Values and Tensors; use one engine")
        engine = _ValueEngine(inputs) if kinds == {"Value"} else _TensorEngine(inputs)
        if not any(engine.checked(x) for x in inputs):
            raise ValueError(
                "gradcheck: no input requires grad, so there is nothing to check; create the "
                "Tensors with requires_grad=True"
            )
        return engine

    def scalar(self, out: Any) -> float:
        raise NotImplementedError  # pragma: no cover

    @staticmethod
    def clear_grad(x: Any) -> None:
        clear_grad(x)  # None for a Tensor, 0.0 for a Value: "no gradient yet"

    def grad(self, x: Any) -> np.ndarray:
        # None: backward() never reached this input (no path to the output): a zero gradient.
        return np.zeros(self.shape(x)) if x.grad is None else np.array(x.grad, dtype=np.float64)

    @staticmethod
    def backward(out: Any) -> None:
        out.backward()

    def evaluate(self, fn: Callable[..., Any]) -> Any:
        return fn(*self.inputs)


class _ValueEngine(_Engine):
    @staticmethod
    def save(x: Value) -> tuple[float, float | None]:
        return x.data, x.grad

    @staticmethod
    def restore(x: Value, state: tuple[float, float | None]) -> None:
        x.data, x.grad = state

    @staticmethod
    def checked(x: Value) -> bool:
        return True

    @staticmethod
    def shape(x: Value) -> tuple[int, ...]:
        return ()

    @staticmethod
    def get(x: Value, index: tuple) -> float:
        return x.data

    @staticmethod
    def set(x: Value, index: tuple, value: float) -> None:
        x.data = value

    def scalar(self, out: Any) -> float:
        if not isinstance(out, Value):
            raise TypeError(
                f"gradcheck: fn must return a Value for Value inputs, got {type(out).__name__}"
            )
        return out.data


class _TensorEngine(_Engine):
    @staticmethod
    def save(x: Any) -> tuple[np.ndarray, Any]:
        original, grad = x.data, x.grad  # grad is set to None before backward: never written
        # Perturb a private copy: the caller's array is never written to, even for a moment
        # (it may be shared with other objects, or read-only).
        x.data = np.array(original, dtype=np.float64)
        return original, grad

    @staticmethod
    def restore(x: Any, state: tuple[np.ndarray, Any]) -> None:
        x.data, x.grad = state

    @staticmethod
    def checked(x: Any) -> bool:
        return bool(x.requires_grad)

    @staticmethod
    def shape(x: Any) -> tuple[int, ...]:
        return x.data.shape

    @staticmethod
    def get(x: Any, index: tuple) -> float:
        return float(x.data[index])

    @staticmethod
    def set(x: Any, index: tuple, value: float) -> None:
        x.data[index] = value

    def evaluate(self, fn: Callable[..., Any]) -> Any:
        with no_grad():  # the numeric evaluations need no graph
            return fn(*self.inputs)

    @staticmethod
    def backward(out: Any) -> None:
        # An output that does not require grad does not depend on any checked input through
        # the graph: every analytic gradient is 0 (numeric differences will say if it should
        # not be, e.g. when fn reads .data).
        if out.requires_grad:
            out.backward()

    def scalar(self, out: Any) -> float:
        if not isinstance(out, Tensor):
            raise TypeError(
                f"gradcheck: fn must return a Tensor for Tensor inputs, got {type(out).__name__}"
            )
        if out.data.size != 1:
            raise ValueError(
                f"gradcheck: fn must return a scalar (one element), got shape {out.shape}; "
                "reduce it, e.g. with .sum()"
            )
        return float(out.data.reshape(()))
