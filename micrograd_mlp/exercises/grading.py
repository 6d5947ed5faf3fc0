"""What every exercise's checker shares: calling the learner's functions, comparing numbers,
choosing hints, and the result types.

A checker compares the learner's functions with the library's own engine on many seeded random
inputs. The first failing case raises :class:`Failure`, which names the function, the input, the
expected and the received value, and carries a hint for each known mistake whose wrong answer
the learner's value matches (for example ``tanh(x)**2`` instead of ``1 - tanh(x)**2``). Text is
not written here: a failure holds message keys and fields of :mod:`micrograd_mlp.messages`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from numbers import Real
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from micrograd_mlp.engine import Value
from micrograd_mlp.messages import message

#: Random cases per checked function (each exercise checks several functions).
CASES = 40
REL_TOL, ABS_TOL = 1e-6, 1e-9

Hint = tuple[str, dict]


class Failure(Exception):
    """The first failing case of an exercise.

    Args:
        key: the message key of what failed (``exercises.fail.*``), formatted with ``fields``.
        status: ``"failing"``, or ``"not_started"`` when the learner has not written the
            function yet (it still raises ``NotImplementedError``).
        hints: ``(key, fields)`` of the hints that apply (``exercises.hint.*``).
        graph: the picture of the learner's graph written for this failure, if any.
    """

    def __init__(
        self,
        key: str,
        /,
        *,
        status: str = "failing",
        hints: Sequence[Hint] = (),
        graph: str | None = None,
        **fields: Any,
    ) -> None:
        super().__init__(key)
        self.key, self.status, self.hints, self.graph = key, status, list(hints), graph
        self.fields = {k: str(v) for k, v in fields.items()}


class Outcome(dict):
    """What :func:`run_check` returns (JSON-ready): ``status``, ``message`` ``[key, fields]``,
    ``hints`` ``[[key, fields], ...]``, ``graph`` (a path or None) and ``cases`` (cases passed).
    """


class Context:
    """Where a check may write its picture, and how many cases passed so far."""

    def __init__(self, number: int, graph_dir: Path | None) -> None:
        self.number, self.graph_dir, self.cases = number, graph_dir, 0


# ------------------------------------------------------------------------------- helpers
def say(key: str, **fields: object) -> str:
    """A case's description in the learner's language (``$MICROGRAD_MLP_LANG``, which the
    checker sets for this process): ``exercises.case.<key>`` of the catalogue."""
    return message(f"exercises.case.{key}", None, **fields)


def fmt(x: object) -> str:
    if isinstance(x, float | int) and not isinstance(x, bool):
        return f"{x:.6g}"
    if isinstance(x, np.ndarray):
        return np.array2string(x, precision=5, suppress_small=True, max_line_width=80)
    if isinstance(x, list | tuple):
        return "[" + ", ".join(fmt(v) for v in x) + "]"
    text = repr(x)
    return text if len(text) <= 80 else text[:77] + "..."


def fmt_args(args: Sequence[object]) -> str:
    return ", ".join(fmt(a) for a in args)


def grad_of(v: Any) -> float:
    """A Value's gradient as a float; the library's "no gradient yet" (None) counts as 0."""
    g = v.grad
    return 0.0 if g is None else float(g)


def close(got: object, expected: float, rel: float = REL_TOL, abs_: float = ABS_TOL) -> bool:
    try:
        return math.isclose(float(got), float(expected), rel_tol=rel, abs_tol=abs_)
    except (TypeError, ValueError, OverflowError):
        return False


def call(
    module: ModuleType,
    name: str,
    *args: object,
    shown: str | None = None,
    on_error: dict[type, list[Hint]] | None = None,
) -> Any:
    """Call the learner's ``name(*args)``; its exceptions become a :class:`Failure`."""
    fn = getattr(module, name, None)
    if not callable(fn):
        raise Failure("exercises.fail.missing", func=name, file=Path(module.__file__).name)
    return invoke(name, fn, args, fmt_args(args) if shown is None else shown, on_error)


def invoke(
    name: str,
    fn: Callable,
    args: Sequence[object],
    shown: str,
    on_error: dict[type, list[Hint]] | None = None,
) -> Any:
    """``fn(*args)``, the learner's code: NotImplementedError means "not written yet"; any
    other exception fails the case, naming ``name`` and the input ``shown``."""
    try:
        return fn(*args)
    except NotImplementedError as error:
        # The stubs say which function is unwritten: "exercise 2: Value.__mul__".
        where = str(error).split(": ", 1)[-1] if str(error) else name
        raise Failure("exercises.fail.todo", status="not_started", func=where) from None
    except Exception as error:  # the learner's code may raise anything
        hints = [("exercises.hint.recursion", {})] if isinstance(error, RecursionError) else []
        for kind, extra in (on_error or {}).items():
            if isinstance(error, kind):
                hints += extra
        raise Failure(
            "exercises.fail.raised",
            func=name,
            input=shown,
            error=f"{type(error).__name__}: {error}"[:200],
            hints=hints,
        ) from None


def as_number(func: str, shown: str, got: object) -> float:
    if isinstance(got, bool) or not isinstance(got, Real | np.floating | np.integer):
        raise Failure("exercises.fail.not_number", func=func, input=shown, got=fmt(got))
    return float(got)


def as_numbers(func: str, shown: str, got: object, n: int) -> list[float]:
    if isinstance(got, np.ndarray):
        got = got.tolist()
    return [as_number(func, shown, g) for g in as_parts(func, shown, got, n)]


def as_parts(func: str, shown: str, got: object, n: int) -> tuple | list:
    """``got`` if it is a tuple or list of ``n`` items (a function returning several results)."""
    if not isinstance(got, tuple | list) or len(got) != n:
        raise Failure("exercises.fail.not_sequence", func=func, input=shown, n=n, got=fmt(got))
    return got


def expect(
    ctx: Context,
    func: str,
    shown: str,
    expected: float,
    got: float,
    mistakes: Sequence[tuple[str, float]] = (),
    hints: Sequence[Hint] = (),
    graph: str | None = None,
) -> None:
    """Pass if ``got`` is ``expected``; else fail naming the case, with the hint of each known
    mistake whose wrong value ``got`` matches (and ``hints`` in any case)."""
    if close(got, expected):
        ctx.cases += 1
        return
    found = [(key, {}) for key, wrong in mistakes if close(got, wrong)]
    raise Failure(
        "exercises.fail.mismatch",
        func=func,
        input=shown,
        expected=fmt(expected),
        got=fmt(got),
        hints=[*found, *hints],
        graph=graph,
    )


def lib_grads(fn: Callable[..., Value], *xs: float) -> tuple[float, list[float]]:
    """``fn(*leaves)`` on the library engine: its value and d out/d leaf for each leaf."""
    leaves = [Value(x) for x in xs]
    out = fn(*leaves)
    out.backward()
    return out.data, [grad_of(v) for v in leaves]


def as_array(func: str, shown: str, got: object, shape: tuple, hints: list[Hint]) -> np.ndarray:
    try:
        arr = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        raise Failure("exercises.fail.not_array", func=func, input=shown, got=fmt(got)) from None
    if arr.shape != shape:
        raise Failure(
            "exercises.fail.shape",
            func=func,
            input=shown,
            expected=shape,
            got=arr.shape,
            hints=hints,
        )
    return arr


def expect_array(
    ctx, func: str, shown: str, expected: np.ndarray, got: np.ndarray, mistakes
) -> None:
    if np.allclose(got, expected, rtol=REL_TOL, atol=ABS_TOL):
        ctx.cases += 1
        return
    hints = [
        (k, {})
        for k, wrong in mistakes
        if np.shape(wrong) == got.shape and np.allclose(got, wrong, rtol=REL_TOL, atol=ABS_TOL)
    ]
    where = tuple(
        int(i) for i in np.argwhere(~np.isclose(got, expected, rtol=REL_TOL, atol=ABS_TOL))[0]
    )
    raise Failure(
        "exercises.fail.array",
        func=func,
        input=shown,
        index=where,
        expected=fmt(float(expected[where])),
        got=fmt(float(got[where])),
        hints=hints,
    )


#: Exercise number -> its check.
