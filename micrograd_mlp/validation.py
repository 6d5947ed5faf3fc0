"""Argument checks shared by every user-facing function (one home for "must be a positive int").

Each check returns the value converted to its plain Python type or raises an error whose message
starts with the argument's name, in the words of the interface the caller uses: a CLI passes its
option name (``"--lr"``), a Python function its parameter name (``"lr"``).

The second half serves the scalar engine (:mod:`micrograd_mlp.engine`), which a learner reads
for the chain rule and should not have to read checks: :func:`real` (a number for a ``Value``),
the domain-checked math of its ops (:func:`divide`, :func:`exp`, :func:`log`, :func:`power`) and
micrograd's constructor form ``Value(data, _children, _op)`` (:func:`micrograd_operands`). These
see numbers and duck-typed nodes, never the ``Value`` class: the engine imports this module, not
the other way round.
"""

from __future__ import annotations

import math
import sys
from numbers import Integral, Real

__all__ = [
    "divide",
    "exp",
    "finite_real",
    "log",
    "micrograd_operands",
    "nonempty",
    "nonnegative_real",
    "positive_int",
    "positive_real",
    "power",
    "probability",
    "real",
    "same_length",
]


def positive_int(name: str, n: object) -> int:
    """``n`` as an ``int`` >= 1.

    Raises:
        ValueError: ``n`` is not an integer (a bool, float or str is refused) or is < 1.
    """
    if isinstance(n, bool) or not isinstance(n, Integral) or n < 1:
        raise ValueError(f"{name} must be a positive integer, got {n!r}")
    return int(n)


def finite_real(name: str, x: object, *, noun: str | None = None) -> float:
    """``x`` as a finite ``float``.

    ``noun`` words the messages around what the value is called: by default ``"must be a real
    number"`` and ``"must be finite"``; ``noun="number"`` gives ``"must be a number"`` and
    ``"must be a finite number"`` (the losses' wording).

    Raises:
        TypeError: ``x`` is not a real number (a bool or str is refused).
        ValueError: ``x`` is NaN or infinite.
    """
    if isinstance(x, bool) or not isinstance(x, Real):
        kind = "a real number" if noun is None else f"a {noun}"
        raise TypeError(f"{name} must be {kind}, got {type(x).__name__} {x!r}")
    f = float(x)
    if not math.isfinite(f):
        raise ValueError(
            f"{name} must be {'finite' if noun is None else f'a finite {noun}'}, got {f!r}"
        )
    return f


def nonnegative_real(name: str, x: object, *, noun: str | None = None) -> float:
    """``x`` as a finite ``float`` >= 0 (errors as :func:`finite_real`, plus negative: ``"must be
    >= 0"``, or with ``noun="number"`` ``"must be a number >= 0"``)."""
    f = finite_real(name, x, noun=noun)
    if f < 0.0:
        raise ValueError(
            f"{name} must be {'>= 0' if noun is None else f'a {noun} >= 0'}, got {f!r}"
        )
    return f


def positive_real(name: str, x: object) -> float:
    """``x`` as a finite ``float`` > 0 (errors as :func:`finite_real`, plus <= 0)."""
    f = finite_real(name, x)
    if f <= 0.0:
        raise ValueError(f"{name} must be > 0, got {f!r}")
    return f


def probability(name: str, p: object, *, closed: bool = False) -> float:
    """``p`` as a ``float`` in [0, 1) (``closed=True``: [0, 1]), e.g. a dropout rate.

    Raises:
        TypeError: ``p`` is not a real number. ValueError: it is outside the interval.
    """
    f = finite_real(name, p)
    if not (0.0 <= f <= 1.0 if closed else 0.0 <= f < 1.0):
        bracket = "]" if closed else ")"
        raise ValueError(f"{name} must be in [0, 1{bracket}, got {f!r}")
    return f


# ------------------------------------------------------------------- the scalar engine's checks
def real(x: object, op: str = "Value") -> float:
    """``x`` as a float for a ``Value`` (or an op's number operand), or an error naming ``op``.

    Accepts ``int``, ``float``, ``bool`` and NumPy's real and boolean scalars.

    Raises:
        TypeError: ``x`` is not a real number: a string (never parsed), ``None``, a NumPy array
            (a hint names ``micrograd_mlp.tensor.Tensor``), or a Value where a plain number is
            needed (the message names ``op``).
        ValueError: ``x`` is NaN, or an integer too large for a float64.
    """
    if type(x) is float and x == x:
        return x
    if (isinstance(x, Real) or _is_numpy_bool(x)) and not _is_node(x):
        try:
            f = float(x)
        except OverflowError:  # an int beyond float64's range
            digits = len(str(abs(int(x))))
            raise ValueError(
                f"{op}: the integer ({digits} digits) is too large for a float64 "
                f"(largest ~{sys.float_info.max:.4g})"
            ) from None
        if f != f:
            raise ValueError(f"{op}: got NaN; a Value must hold a number")
        return f
    if x is not None and type(x).__module__ == "numpy" and getattr(x, "ndim", None) is not None:
        what = f"a NumPy array of shape {x.shape}" + ("" if x.ndim else " (use x.item())")
        raise TypeError(
            f"{op}: expected a real number, got {what}; use micrograd_mlp.tensor.Tensor for arrays"
        )
    if op == "Value":  # the constructor takes a number (an op also takes a Value)
        hint = "; use v.data for a new Value from a Value's number" if _is_node(x) else ""
        raise TypeError(f"Value: expected a real number, got {type(x).__name__} {x!r}{hint}")
    if op in _NUMBER_ONLY:
        raise TypeError(f"{op}: expected a real number, got {type(x).__name__} {x!r}")
    raise TypeError(f"{op}: expected a real number or Value, got {type(x).__name__} {x!r}")


# Arguments that take a plain number (not a Value), named in their error messages.
_NUMBER_ONLY = frozenset({"leaky_relu", "backward gradient", "**"})


def _is_numpy_bool(x: object) -> bool:
    """A NumPy boolean scalar (``np.bool_``): a number like Python's bool (no NumPy import)."""
    return type(x).__module__ == "numpy" and type(x).__name__ in ("bool_", "bool")


def _is_node(x: object) -> bool:
    """A graph node of either engine (anything with ``_children``), told apart without
    importing the engines."""
    return hasattr(x, "_children")


def nonempty(fn: str, items: tuple) -> None:
    """Raises ValueError naming ``fn`` when ``items`` is empty (``Value.sum([])``)."""
    if not items:
        raise ValueError(f"{fn} of an empty sequence")


def same_length(fn: str, ws: list, xs: list) -> None:
    """Raises ValueError naming ``fn`` when ``ws`` and ``xs`` differ in length or are empty."""
    if len(ws) != len(xs):
        raise ValueError(f"{fn}: length mismatch, {len(ws)} weights and {len(xs)} inputs")
    if not ws:
        raise ValueError(f"{fn} of empty sequences")


def divide(a: float, b: float) -> float:
    """``a / b``. Raises ZeroDivisionError naming both numbers when ``b`` is 0."""
    if b == 0.0:
        raise ZeroDivisionError(f"division by zero: {a!r} / {b!r}")
    return a / b


def exp(x: float) -> float:
    """``e**x``. Raises OverflowError naming ``x`` when the result exceeds float64."""
    try:
        return math.exp(x)
    except OverflowError:
        raise OverflowError(f"exp({x!r}) overflows float64 (inputs above ~709.78)") from None


def log(x: float) -> float:
    """The natural logarithm; NaN gives NaN (IEEE, as the Tensor engine).

    Raises:
        ValueError: ``x`` <= 0, named.
    """
    if not x > 0.0 and x == x:
        raise ValueError(f"log of a non-positive number: log({x!r}); the input must be > 0")
    return math.log(x) if x == x else x


def power(a: float, b: float) -> float:
    """``a ** b`` as a real float.

    Raises:
        ZeroDivisionError: zero to a negative power.
        ValueError: a negative base to a fractional power (Python would return a complex number).
        OverflowError: the result exceeds float64.
    """
    if a == 0.0 and b < 0.0:
        raise ZeroDivisionError(f"{a!r} ** {b!r}: zero to a negative power is a division by zero")
    if a < 0.0 and not float(b).is_integer():
        raise ValueError(f"{a!r} ** {b!r}: a negative base to a fractional power is not real")
    try:
        return a**b
    except OverflowError:
        raise OverflowError(f"{a!r} ** {b!r} overflows float64") from None


def micrograd_operands(children: object) -> tuple[tuple, object]:
    """``(children, local_grads)`` for a ``Value`` made by its constructor, not by an op.

    ``Value(3.0)`` is a leaf: ``((), ())``. micrograd's form ``Value(data, (a, b), '+')`` names
    operands but not their local derivatives (micrograd keeps them in a ``_backward`` closure);
    it is accepted, so micrograd's code runs, and ``backward()`` through such a node raises a
    TypeError that says how to build it instead.

    Raises:
        TypeError: ``children`` is not a tuple, list or set of Values (a string is refused:
            ``Value(2.0, label="x")`` meant ``label="x"``).
    """
    if isinstance(children, (tuple, list, set, frozenset)) and not children:
        return (), ()
    if isinstance(children, str):
        raise TypeError(
            f"Value: the second argument is micrograd's _children (the operands), got the "
            f"string {children!r}; for a name write Value(data, label={children!r})"
        )
    try:
        out = tuple(children)
    except TypeError:
        raise TypeError(
            f"Value: _children must be a tuple of Values, got {type(children).__name__}"
        ) from None
    for c in out:
        if not _is_node(c) or hasattr(c, "requires_grad"):
            raise TypeError(f"Value: _children must be Values, got a {type(c).__name__}")
    return out, _NO_LOCAL_GRADS


class _NoLocalGrads:
    """The local derivatives of a node made by micrograd's constructor: unknown. Iterating them
    raises (``zip(children, local_grads)`` in ``_backward`` meets it at the first operand)."""

    __slots__ = ()

    def __iter__(self):
        return self

    def __next__(self) -> float:
        raise TypeError(
            "backward() through a Value built as Value(data, _children, _op): its local "
            "derivatives are unknown; build it with Value's operators (a + b, a * b, ...)"
        )

    def __repr__(self) -> str:
        return "<unknown local derivatives>"


_NO_LOCAL_GRADS = _NoLocalGrads()
