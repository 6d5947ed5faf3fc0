"""Check a notebook's "your turn" functions with the workbook's checkers, in the kernel.

``check_cell(5, mse_grads=mse_grads)`` runs exercise 5's checker, the one behind
``micrograd-mlp exercises check`` (the same inputs drawn fresh each run, reference values from the
library's engine, named mistakes and hints in three levels, in English or Korean), against
functions defined in the notebook. A notebook usually asks for one or two functions of an
exercise; the others come from the exercise's reference solution, so only the learner's are
tested.

This is the second implementation of the checkers' learner interface
(:class:`~micrograd_mlp.exercises.grading.Asker`): :class:`KernelLearner` answers each request by
running the runner's task (:data:`~micrograd_mlp.exercises.runner.TASKS`) on the learner's
functions in this process, with the answers passed through JSON as the subprocess's are. It is a
learning aid, not a grade: the learner's code shares the kernel with the checker and could fake
anything, so a pass here is recorded nowhere and unlocks no solution. The graded check stays
:func:`micrograd_mlp.exercises.check`, whose learner runs in a process of its own
(:mod:`~micrograd_mlp.exercises.session`).

Bounds, in the kernel: the time spent in the learner's code adds up to at most ``timeout``
seconds (a ``SIGALRM`` timer, on POSIX in the main thread, where Jupyter runs cells; it stops the
code again every 0.2 s, though a loop that swallows every exception with a bare ``except:``
still needs the kernel's interrupt); what it prints during the check is kept out of the notebook
(the result says how much, and the first lines). There is no memory bound. Interrupting the
kernel stops the check.

A function still holding a blank (``...`` in its body, as the notebooks' "your turn" cells
give it) or raising ``NotImplementedError`` is "not yet", never an exception that stops the
notebook.
"""

from __future__ import annotations

import ast
import contextlib
import functools
import inspect
import io
import json
import random
import re
import shutil
import signal
import sys
import tempfile
import textwrap
import threading
import time
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from micrograd_mlp.exercises import (
    DEFAULT_TIMEOUT,
    HINT_LEVELS,
    CheckResult,
    _result,
    _written,
)
from micrograd_mlp.exercises.checkers import CHECKS
from micrograd_mlp.exercises.grading import Context, Failure
from micrograd_mlp.exercises.runner import TASKS, AtStage, Missing, _raised
from micrograd_mlp.exercises.session import Stopped
from micrograd_mlp.exercises.workbook import Exercise, by_number, render_solution
from micrograd_mlp.messages import message, resolve_lang

__all__ = ["CellCheck", "KernelLearner", "check_cell", "exercise_functions", "reference"]

#: Python's recursion limit when this module was imported: the checks of exercises 3 and 4 name
#: a limit raised since (their deep chain must be walked without recursion).
LIMIT_AT_IMPORT = sys.getrecursionlimit()
#: How many lines of what the learner's code printed during a check the result shows.
PRINTED_LINES = 3
#: Where the learner's functions "live" for the runner's tasks (no module is in this folder, so
#: the training task watches the library's ``Value.backward`` only).
_NOWHERE = "/<notebook>/cell.py"


# --------------------------------------------------------------------- reference solutions
@functools.cache
def _reference(number: int) -> types.MappingProxyType:
    """The namespace of exercise ``number``'s reference solution (package data), run here; an
    import of an earlier exercise (``from ex05_neuron_mse import mse_grads``) takes that
    exercise's reference."""
    source = render_solution(by_number(number), "en")
    tree = ast.parse(source)
    namespace: dict[str, Any] = {"__name__": f"micrograd_mlp.exercises.reference{number:02d}"}
    kept = []
    for node in tree.body:
        found = isinstance(node, ast.ImportFrom) and re.fullmatch(
            r"ex(\d\d)_\w+", node.module or ""
        )
        if found:
            earlier = _reference(int(found.group(1)))
            for alias in node.names:
                namespace[alias.asname or alias.name] = earlier[alias.name]
        else:
            kept.append(node)
    tree.body = kept
    exec(compile(tree, f"<reference solution of exercise {number}>", "exec"), namespace)
    return types.MappingProxyType(namespace)


def reference(number: int) -> dict[str, Any]:
    """The functions (and classes) of exercise ``number``'s reference solution, by name."""
    namespace = _reference(by_number(number).number)
    return {name: namespace[name] for name in exercise_functions(number)}


@functools.cache
def exercise_functions(number: int) -> tuple[str, ...]:
    """The names a learner writes in exercise ``number``: the reference solution's public
    top-level functions and classes, in order."""
    source = render_solution(by_number(number), "en")
    return tuple(
        node.name
        for node in ast.parse(source).body
        if isinstance(node, ast.FunctionDef | ast.ClassDef) and not node.name.startswith("_")
    )


# ----------------------------------------------------------------------------- blanks
def _has_ellipsis(tree: ast.AST) -> bool:
    return any(isinstance(node, ast.Constant) and node.value is Ellipsis for node in ast.walk(tree))


def blank_in(obj: Any) -> bool:
    """Whether ``obj`` (a function, or a class's methods) still holds a blank: ``...`` in the
    body of its code. Code whose source cannot be read counts as filled in."""
    if isinstance(obj, type):
        wrapped = property | staticmethod | classmethod
        return any(
            blank_in(member)
            for member in vars(obj).values()
            if inspect.isfunction(member) or isinstance(member, wrapped)
        )
    if isinstance(obj, property):
        return any(blank_in(f) for f in (obj.fget, obj.fset) if f is not None)
    if isinstance(obj, staticmethod | classmethod):
        obj = obj.__func__
    if not inspect.isfunction(obj):
        return False
    try:
        source = textwrap.dedent(inspect.getsource(obj))
        tree = ast.parse(source)
    except (OSError, TypeError, SyntaxError):
        return False
    definition = tree.body[0] if tree.body else None
    if isinstance(definition, ast.FunctionDef | ast.AsyncFunctionDef):
        return any(_has_ellipsis(statement) for statement in definition.body)
    return False  # a lambda: no blank to fill


# -------------------------------------------------------------------- the kernel learner
class _TimeUp(BaseException):
    """Raised in the learner's code when the check's time is up."""


class _Printed(io.TextIOBase):
    """Where the learner's code prints during a check: counted, the first lines kept."""

    def __init__(self) -> None:
        self.text, self.lines = "", 0

    def writable(self) -> bool:
        return True

    def write(self, s: str) -> int:
        self.lines += s.count("\n")
        if len(self.text) < 2000:
            self.text += s[:2000]
        return len(s)

    def first(self, lines: int = PRINTED_LINES) -> str:
        return " / ".join(line[:120] for line in self.text.splitlines()[:lines] if line.strip())


class KernelLearner:
    """The learner's functions, asked in this process: the checkers' learner interface
    (``imported`` and ``request``), answered as the runner answers in its process.

    Args:
        module: the functions by name (the learner's over the reference's).
        given: the names the learner gave (their requests are counted in ``asked``).
        timeout: seconds the learner's code may run in all, or None for no bound.
    """

    def __init__(self, module: types.ModuleType, given: set[str], timeout: float | None) -> None:
        self.module, self.given, self.timeout = module, given, timeout
        self.imported = {
            "import": "ok",
            "limit_before": LIMIT_AT_IMPORT,
            "limit": sys.getrecursionlimit(),
        }
        self.asked: dict[str, int] = {}
        self.used = 0.0
        self.printed = _Printed()
        self._timed_out = False

    def _whose(self, task: str, fields: dict) -> str:
        """The name of the learner's function or class a task runs."""
        if task in ("call", "train"):
            return str(fields.get("func"))
        return {"order": "topological_order", "backward": "backward"}.get(task, "Value")

    def request(self, task: str, **fields: object) -> dict:
        """Run ``task`` on the learner's functions: ``{"ok": ...}``, ``{"raised": {...}}`` or
        ``{"missing": name}``, as plain data (through JSON, as from the learner's process).

        Raises:
            Stopped: the learner's code ran out of time (``"timeout"``).
            KeyboardInterrupt: the learner interrupted the kernel.
        """
        fields = json.loads(json.dumps(fields))  # the learner gets copies, as through the pipe
        name = self._whose(task, fields)
        if name in self.given:
            self.asked[name] = self.asked.get(name, 0) + 1
        started = time.monotonic()
        try:
            with (
                self._time_limit(),
                contextlib.redirect_stdout(self.printed),
                contextlib.redirect_stderr(self.printed),
            ):
                answer = self._answer(task, fields)
        except _TimeUp:
            self._timed_out = True
        finally:
            self.used += time.monotonic() - started
        if self._timed_out:
            raise Stopped("timeout")
        return json.loads(json.dumps(answer))

    def _answer(self, task: str, fields: dict) -> dict:
        try:
            return {"ok": TASKS[task](self.module, **fields)}
        except Missing as missing:
            return {"missing": str(missing)}
        except AtStage as failed:
            if isinstance(failed.error, _TimeUp | KeyboardInterrupt):
                raise failed.error from None
            return {**_raised(failed.error, task), "stage": failed.stage}
        except (_TimeUp, KeyboardInterrupt):
            raise
        except BaseException as error:  # the learner's code may raise anything, SystemExit too
            return _raised(error, str(fields.get("func", task)))

    @contextlib.contextmanager
    def _time_limit(self):
        """Raise :class:`_TimeUp` in the code run inside once the time is used up (again every
        0.2 s, should that code catch it), where a timer can: POSIX, the main thread."""
        usable = (
            hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
        )
        if self.timeout is None or not usable:
            yield
            return
        left = self.timeout - self.used
        if left <= 0:
            self._timed_out = True
            raise _TimeUp

        def alarm(signum: int, frame: object) -> None:
            self._timed_out = True
            raise _TimeUp

        previous = signal.signal(signal.SIGALRM, alarm)
        signal.setitimer(signal.ITIMER_REAL, left, 0.2)
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)


# ---------------------------------------------------------------------------- results
@dataclass
class CellCheck:
    """What a check cell shows: right, not yet, or wrong with hints (and a picture).

    Attributes:
        exercise: the exercise number.
        status: ``"passed"``, ``"failing"`` or ``"not_started"`` (a blank left, or
            NotImplementedError).
        text: the feedback, in the chosen language (several lines).
        functions: the names of the learner's functions that were checked.
        result: the exercise check's own result (message key, fields, named mistakes).
        asked: how many cases each of the learner's functions answered.
        graph: a PNG of the learner's graph with the wrong gradient in red, or None.
    """

    exercise: int
    status: str
    text: str
    functions: tuple[str, ...]
    result: CheckResult
    asked: dict[str, int] = field(default_factory=dict)
    graph: bytes | None = field(default=None, repr=False)

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    @property
    def mistakes(self) -> list[str]:
        """The named mistakes the hints are about (``"tanh_square"``, ...)."""
        return list(self.result.mistakes)

    def __str__(self) -> str:
        return self.text

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(self.text)

    def _ipython_display_(self) -> None:
        print(self.text)
        if self.graph is not None:
            from IPython.display import Image, display

            display(Image(data=self.graph, format="png"))


def _feedback(
    result: CheckResult,
    lang: str,
    exercise: Exercise,
    names: tuple[str, ...],
    learner: KernelLearner,
) -> str:
    """The text of a check cell's answer."""
    n, funcs = exercise.number, ", ".join(names)
    if result.status == "passed":
        cases = sum(learner.asked.values())
        lines = [message("notebook.right", lang, funcs=funcs, cases=cases, n=n)]
        others = [f for f in exercise_functions(n) if f not in names]
        if others:
            lines.append(message("notebook.reference", lang, n=n, others=", ".join(others)))
    elif result.status == "not_started":
        func = result.fields.get("func")
        lines = [message("notebook.not_yet", lang, func=func if func in names else funcs)]
    else:
        lines = [message("notebook.wrong", lang, message=result.message)]
        lines += [f"    {message('exercises.hint', lang)}: {h}" for h in result.hints]
        if result.hints and result.hint_level < HINT_LEVELS[-1]:
            more = message("notebook.more_hint", lang, n=n, next=result.hint_level + 1)
            lines.append(f"    {more}")
        if result.graph is not None:
            lines.append(f"    {message('notebook.graph', lang)}")
    if learner.printed.lines:
        lines.append(
            message(
                "notebook.printed", lang, lines=learner.printed.lines, first=learner.printed.first()
            )
        )
    return "\n".join(lines)


def _arguments(number: int, functions: dict[str, Any], lang: str) -> None:
    """Refuse a check cell that names no function, an unknown one or something not callable."""
    names = exercise_functions(number)
    if not functions:
        raise ValueError(message("notebook.error.none", lang, n=number, example=names[0]))
    for name, value in functions.items():
        if name not in names:
            raise ValueError(
                message("notebook.error.unknown", lang, n=number, name=name, names=", ".join(names))
            )
        if not callable(value):
            shown = repr(value)
            shown = shown if len(shown) <= 60 else shown[:57] + "..."
            raise TypeError(message("notebook.error.not_callable", lang, name=name, got=shown))


def check_cell(
    exercise: int,
    /,
    *,
    lang: str | None = None,
    hint: int = 1,
    seed: int | None = None,
    timeout: float | None = DEFAULT_TIMEOUT,
    **functions: Any,
) -> CellCheck:
    """Check the learner's ``functions`` (by their exercise names) with exercise ``exercise``'s
    checker, in this process; the exercise's other functions are the reference solution's.

    Example (in a notebook's check cell)::

        check_cell(5, mse_grads=mse_grads)

    Args:
        lang: the language of the feedback (default: ``$MICROGRAD_MLP_LANG``, else English).
        hint: how much the hints say: 1 a nudge, 2 the rule, 3 the formula.
        seed: draws the same inputs again (default: fresh ones every run).
        timeout: seconds the learner's code may run in all (None: no bound).

    Returns:
        A :class:`CellCheck`, which a notebook shows as its feedback.

    Raises:
        ValueError: an unknown exercise, language or hint level, a ``timeout`` not > 0, no
            function given, or a name the exercise does not have.
        TypeError: a value that is not a function (or class).
    """
    lang = resolve_lang(lang)
    if hint not in HINT_LEVELS:
        raise ValueError(f"hint must be one of {list(HINT_LEVELS)}, got {hint!r}")
    if timeout is not None and not timeout > 0:
        raise ValueError(f"timeout must be > 0 seconds (or None), got {timeout!r}")
    chosen = by_number(exercise)
    _arguments(chosen.number, functions, lang)
    names = tuple(functions)
    module = types.ModuleType("notebook_answers")
    module.__file__ = _NOWHERE
    for name, value in {**reference(chosen.number), **functions}.items():
        setattr(module, name, value)
    learner = KernelLearner(module, set(names), timeout)
    blank = next((name for name, value in functions.items() if blank_in(value)), None)
    if blank is not None:
        result = _result(chosen.number, "not_started", "exercises.fail.todo", {"func": blank})
        return _finish(chosen, result, lang, hint, names, learner)
    rng = random.Random(f"{seed}-{chosen.number}") if seed is not None else random.Random()
    folder = Path(tempfile.mkdtemp(prefix="micrograd-check-"))
    try:
        ctx = Context(chosen.number, learner, message("notebook.file", lang), rng, lang, folder)
        try:
            CHECKS[chosen.number](ctx)
        except Stopped:
            fields = {"funcs": ", ".join(names), "seconds": f"{timeout:g}"}
            result = _result(chosen.number, "failing", "notebook.timeout", fields)
        except Failure as failure:
            status = "not_started" if failure.key == "exercises.fail.todo" else "failing"
            result = _result(
                chosen.number, status, failure.key, failure.fields, failure.hints, failure.graph
            )
        else:
            result = _result(chosen.number, "passed", "exercises.pass", {"cases": ctx.cases})
        check = _finish(chosen, result, lang, hint, names, learner)
        if result.graph is not None and result.graph.is_file():
            check.graph = result.graph.read_bytes()
        result.graph = None  # its folder goes now; the picture is in check.graph
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return check


def _finish(
    exercise: Exercise,
    result: CheckResult,
    lang: str,
    hint: int,
    names: tuple[str, ...],
    learner: KernelLearner,
) -> CellCheck:
    written = _written(result, lang, hint)
    text = _feedback(written, lang, exercise, names, learner)
    return CellCheck(exercise.number, written.status, text, names, written, dict(learner.asked))
