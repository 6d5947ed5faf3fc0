"""What every exercise's checker shares: asking the learner's process, reading its answers as
numbers, comparing them with reference values, choosing hints, and the failure type.

A checker runs in the checker's own process. It draws its inputs at check time from
``ctx.rng`` (fresh each run), computes the reference values itself with the library's engine,
and asks the learner's process (:class:`micrograd_mlp.exercises.session.Learner`) only for the
numbers the learner's code returns for those inputs. The first failing case raises
:class:`Failure`, which names the function, the input, the expected and the received value, and
carries a hint for each known mistake whose wrong answer the learner's value matches (for
example ``tanh(x)**2`` instead of ``1 - tanh(x)**2``). Text is not written here: a failure holds
message keys and fields of :mod:`micrograd_mlp.messages`.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from micrograd_mlp.engine import Value
from micrograd_mlp.messages import message

#: Random cases per checked function (each exercise checks several functions).
CASES = 40
#: A value passes when it is within REL_TOL of the expected one, relative to the larger of its
#: size and the size of the terms it is a sum of (``scale``): the rounding of a right formula,
#: in any order, stays below 1e-15; a finite difference (about 1e-10 at best) does not.
REL_TOL = 1e-12
#: The smallest difference that counts, for expected values of 0.
ABS_TOL = 1e-14
#: A wrong value within this (relative) of the expected one is a near miss: a rounded constant
#: or a numerical derivative, not a formula.
NEAR_MISS = 1e-5
#: How close a value must be to a known mistake's wrong answer for that mistake's hint.
MISTAKE_TOL = 1e-9

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
        self.key, self.status, self.graph = key, status, graph
        self.hints = _unique([(k, {a: str(b) for a, b in f.items()}) for k, f in hints])
        expected, got = fields.get("expected"), fields.get("got")
        if is_number(expected) and is_number(got):
            fields["expected"], fields["got"] = fmt_pair(expected, got)
        self.fields = {
            k: fmt(v) if isinstance(v, float | int | list | dict) else str(v)
            for k, v in fields.items()
        }


def _unique(hints: list[Hint]) -> list[Hint]:
    seen, out = set(), []
    for key, fields in hints:
        if key not in seen:
            seen.add(key)
            out.append((key, fields))
    return out


class Asker(Protocol):
    """What a check needs of the learner's process (:class:`~.session.Learner`)."""

    imported: dict

    def request(self, task: str, **fields: object) -> dict: ...


class Context:
    """One check under way: the learner's process, the random source of this run's inputs, the
    learner's language, where a picture may go, and how many cases passed so far."""

    def __init__(
        self,
        number: int,
        learner: Asker,
        file: str,
        rng: random.Random,
        lang: str,
        graph_dir: Path | None = None,
    ) -> None:
        self.number, self.learner, self.file, self.rng = number, learner, file, rng
        self.lang, self.graph_dir, self.cases = lang, graph_dir, 0

    def say(self, key: str, **fields: object) -> str:
        """A case's description in the learner's language: ``exercises.case.<key>``."""
        return message(f"exercises.case.{key}", self.lang, **fields)

    def ask(
        self,
        task: str,
        name: str,
        shown: str,
        on_error: dict[str, list[Hint]] | None = None,
        stages: dict[str, tuple[str, dict[str, list[Hint]]]] | None = None,
        **fields: object,
    ) -> Any:
        """Run ``task`` in the learner's process; what it answered, as plain data.

        Args:
            name, on_error: the function a failure names, and the hints for the kinds of
                exception it may raise (by class name: ``{"TypeError": [hint]}``).
            stages: for a task of several stages (making a node, its backward pass), the
                ``(name, on_error)`` of each stage, by the stage the runner names.

        Raises:
            Failure: the learner's code raised (NotImplementedError: not written yet), or the
                file has no such function.
        """
        answer = self.learner.request(task, **fields)
        if "ok" in answer:
            return answer["ok"]
        if "missing" in answer:
            raise Failure("exercises.fail.missing", func=answer["missing"], file=self.file)
        if stages and answer.get("stage") in stages:
            name, on_error = stages[answer["stage"]]
        raise raised_failure(answer.get("raised") or {}, name, shown, on_error)

    def call(
        self,
        func: str,
        *args: object,
        shown: str | None = None,
        on_error: dict[str, list[Hint]] | None = None,
        arrays: Sequence[int] = (),
    ) -> Any:
        """The learner's ``func(*args)`` (the arguments at ``arrays`` as NumPy arrays)."""
        shown = fmt_args(args) if shown is None else shown
        plain = [a.tolist() if isinstance(a, np.ndarray) else a for a in args]
        return self.ask("call", func, shown, on_error, func=func, args=plain, arrays=list(arrays))


def raised_failure(
    raised: dict, name: str, shown: str, on_error: dict[str, list[Hint]] | None = None
) -> Failure:
    """The failure for an exception of the learner's code (``raised`` as the runner sends it):
    not written yet, or the case failed, with the hints for that kind of exception."""
    if raised.get("todo"):
        return Failure("exercises.fail.todo", status="not_started", func=raised["todo"])
    types = set(raised.get("types") or [raised.get("type", "")])
    hints: list[Hint] = []
    if "RecursionError" in types:
        hints.append(("exercises.hint.recursion", {}))
    if "MemoryError" in types:
        hints.append(("exercises.hint.memory", {}))
    for kind, extra in (on_error or {}).items():
        if kind in types:
            hints += extra
    error = f"{raised.get('type', '?')}: {raised.get('message', '')}"
    return Failure("exercises.fail.raised", func=name, input=shown, error=error[:200], hints=hints)


# ---------------------------------------------------------------------- reading answers
def fmt(x: object) -> str:
    """A number, list or answer as a learner reads it."""
    if isinstance(x, float | int) and not isinstance(x, bool):
        return f"{x:.6g}"
    if isinstance(x, np.ndarray):
        return np.array2string(x, precision=5, suppress_small=True, max_line_width=80)
    if isinstance(x, list | tuple):
        return "[" + ", ".join(fmt(v) for v in x) + "]"
    if isinstance(x, dict) and "repr" in x:  # the learner's object, described by the runner
        return str(x["repr"])[:80]
    if isinstance(x, dict) and "array" in x:
        return fmt(np.asarray(x["array"]))
    text = repr(x)
    return text if len(text) <= 80 else text[:77] + "..."


def fmt_pair(expected: float, got: float) -> tuple[str, str]:
    """Two numbers shown with as many digits (6, 10 or 17) as it takes to tell them apart."""
    for digits in (6, 10, 17):
        shown = f"{expected:.{digits}g}", f"{got:.{digits}g}"
        if shown[0] != shown[1]:
            break
    return shown


def fmt_args(args: Sequence[object]) -> str:
    return ", ".join(fmt(a) for a in args)


def is_number(got: object) -> bool:
    """Whether an answer is a number (the runner sends a bool as an object, not a number)."""
    return isinstance(got, float | int) and not isinstance(got, bool)


def as_number(func: str, shown: str, got: object) -> float:
    if not is_number(got):
        raise Failure("exercises.fail.not_number", func=func, input=shown, got=fmt(got))
    return float(got)


def as_parts(func: str, shown: str, got: object, n: int) -> list:
    """``got`` if it is a list (or tuple, or 1-d array) of ``n`` items."""
    if isinstance(got, dict) and "array" in got:
        got = got["array"]
    if not isinstance(got, list) or len(got) != n:
        raise Failure("exercises.fail.not_sequence", func=func, input=shown, n=n, got=fmt(got))
    return got


def as_numbers(func: str, shown: str, got: object, n: int) -> list[float]:
    return [as_number(func, shown, g) for g in as_parts(func, shown, got, n)]


# ------------------------------------------------------------------------ comparing
def close(got: float, expected: float, scale: float = 0.0, rel: float = REL_TOL) -> bool:
    """Whether ``got`` is ``expected`` to ``rel`` of the larger of ``|expected|`` and ``scale``
    (the size of the terms a sum is made of, where rounding of the terms counts)."""
    try:
        tolerance = rel * max(abs(float(expected)), scale) + ABS_TOL
        return abs(float(got) - float(expected)) <= tolerance
    except (TypeError, ValueError, OverflowError):
        return False


def near_miss(got: float, expected: float, scale: float = 0.0) -> bool:
    """Whether a wrong ``got`` is nevertheless within :data:`NEAR_MISS` of ``expected``."""
    return close(got, expected, scale, NEAR_MISS)


def matching(got: float, mistakes: Sequence[tuple[str, float]], scale: float = 0.0) -> list[Hint]:
    """The hints of the known mistakes whose wrong answer ``got`` is."""
    return [(key, {}) for key, wrong in mistakes if close(got, wrong, scale, MISTAKE_TOL)]


def expect(
    ctx: Context,
    func: str,
    shown: str,
    expected: float,
    got: float,
    mistakes: Sequence[tuple[str, float]] = (),
    hints: Sequence[Hint] = (),
    graph: str | None = None,
    scale: float = 0.0,
) -> None:
    """Pass if ``got`` is ``expected``; else fail naming the case, with the hint of each known
    mistake whose wrong value ``got`` matches (and ``hints`` in any case)."""
    if close(got, expected, scale):
        ctx.cases += 1
        return
    found = matching(got, mistakes, scale)
    if not found and close(got, -expected, scale, MISTAKE_TOL) and abs(expected) > ABS_TOL:
        found = [("exercises.hint.sign", {})]
    if not found and near_miss(got, expected, scale):
        found = [("exercises.hint.not_exact", {})]
    raise Failure(
        "exercises.fail.mismatch",
        func=func,
        input=shown,
        expected=expected,
        got=got,
        hints=[*found, *hints],
        graph=graph,
    )


def as_array(func: str, shown: str, got: object, shape: tuple, hints: list[Hint]) -> np.ndarray:
    """The answer as an array of ``shape`` (an array, or nested lists of numbers)."""
    if isinstance(got, dict) and "array" in got:
        got = got["array"]
    try:
        if isinstance(got, dict):
            raise TypeError
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


def _close_array(got: np.ndarray, expected: np.ndarray, scale: np.ndarray, rel: float):
    return np.abs(got - expected) <= rel * np.maximum(np.abs(expected), scale) + ABS_TOL


def expect_array(
    ctx: Context,
    func: str,
    shown: str,
    expected: np.ndarray,
    got: np.ndarray,
    scale: np.ndarray,
    mistakes: Sequence[tuple[str, np.ndarray]] = (),
) -> None:
    """Pass if every entry of ``got`` is the entry of ``expected`` (to :data:`REL_TOL` of the
    larger of its size and ``scale``'s entry); else fail naming the first wrong entry, with the
    hint of each known mistake whose wrong array ``got`` is."""
    good = _close_array(got, expected, scale, REL_TOL)
    if good.all():
        ctx.cases += 1
        return
    hints = [
        (k, {})
        for k, wrong in mistakes
        if np.shape(wrong) == got.shape and _close_array(got, wrong, scale, MISTAKE_TOL).all()
    ]
    where = tuple(int(i) for i in np.argwhere(~good)[0])
    raise Failure(
        "exercises.fail.array",
        func=func,
        input=shown,
        index=where,
        expected=float(expected[where]),
        got=float(got[where]),
        hints=hints,
    )


# ------------------------------------------------------------------- reference values
def grad_of(v: Any) -> float:
    """A Value's gradient as a float; the library's "no gradient yet" (None) counts as 0."""
    g = v.grad
    return 0.0 if g is None else float(g)


def lib_grads(fn: Callable[..., Value], *xs: float) -> tuple[float, list[float]]:
    """``fn(*leaves)`` on the library engine: its value and d out/d leaf for each leaf."""
    leaves = [Value(x) for x in xs]
    out = fn(*leaves)
    out.backward()
    return out.data, [grad_of(v) for v in leaves]


def grad_scales(root: Value) -> dict[int, float]:
    """For each node behind ``root`` (after ``root.backward()``): the sum of the sizes of the
    chain-rule terms its gradient adds up (``id(node) -> scale``), the rounding yardstick of
    a gradient summed in another order."""
    scales: dict[int, float] = {id(root): 1.0}
    for node in reversed(root.topological_order()):
        for child, local in zip(node._children, node._local_grads):
            scales[id(child)] = scales.get(id(child), 0.0) + abs(local * grad_of(node))
    return scales


def away_from_zero(rng: random.Random, low: float, high: float) -> float:
    """A number with ``low <= |x| <= high``, either sign."""
    x = rng.uniform(low, high)
    return x if rng.random() < 0.5 else -x


def finite(x: float) -> bool:
    return isinstance(x, float | int) and math.isfinite(x)
