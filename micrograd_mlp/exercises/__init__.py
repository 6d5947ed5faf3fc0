"""Practise backpropagation: ten exercises with automatic, precise feedback.

``start(directory)`` writes a workbook, one Python file per exercise: an explanation (the math
first, then what to write) and function stubs with TODOs, no solutions. ``check(directory)``
imports each file in a process of its own, bounded in time, output and memory
(:mod:`~micrograd_mlp.exercises.session`: an infinite loop, a crash or a flood of output in the
learner's code never takes the checker down), asks it for the answers of the learner's
functions on inputs drawn fresh for the run, and compares them here with reference values from
the library's own engine (:mod:`micrograd_mlp.exercises.checkers`, one module per exercise):
nothing the learner's process says or writes counts as a pass. It reports the first failing
case (function, input, expected vs got) with targeted hints for common mistakes and, for a wrong
gradient in a graph, a picture of the graph with that gradient in red.

Hints come in steps: a nudge that names the mistake (``hint=1``), the rule (``hint=2``), the
formula (``hint=3``). A passed exercise unlocks its reference solution, with a short "why this
way" (``solution(directory, n)``).

The same from the command line: ``micrograd-mlp exercises start DIR``,
``micrograd-mlp exercises check DIR [N ...] [--hint 1-3]`` and
``micrograd-mlp exercises solution DIR N``. All text comes from the message catalogue
(:mod:`micrograd_mlp.messages`, English or Korean: ``lang="ko"``).
"""

from __future__ import annotations

import os
import random
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from micrograd_mlp.exercises.checkers import CHECKS
from micrograd_mlp.exercises.grading import Context, Failure
from micrograd_mlp.exercises.session import OUTPUT_LIMIT, Learner, Stopped
from micrograd_mlp.exercises.workbook import (
    BACKUP_DIR,
    EXERCISES,
    FEEDBACK_DIR,
    MANIFEST,
    Exercise,
    LockedError,
    StartReport,
    by_number,
    digest,
    read_manifest,
    record_pass,
    render,
    render_solution,
    solution,
    start,
)
from micrograd_mlp.messages import message, resolve_lang

__all__ = [
    "BACKUP_DIR",
    "EXERCISES",
    "FEEDBACK_DIR",
    "HINT_LEVELS",
    "MANIFEST",
    "CheckResult",
    "Exercise",
    "LockedError",
    "StartReport",
    "check",
    "format_result",
    "progress_table",
    "render",
    "render_solution",
    "solution",
    "start",
]

#: Seconds a learner's exercise may spend answering before the checker stops it.
DEFAULT_TIMEOUT = 30.0
#: The hint levels: 1 a nudge that names the mistake, 2 the rule, 3 the formula.
HINT_LEVELS = (1, 2, 3)


@dataclass
class CheckResult:
    """The outcome of one exercise's check.

    Attributes:
        number: the exercise number.
        status: ``"passed"``, ``"failing"`` or ``"not_started"``.
        message: what passed or the first failing case, in the chosen language.
        hints: targeted hints for the mistake (possibly empty), in the chosen language.
        graph: a picture of the learner's graph with the wrong gradient in red, or None.
        cases: how many cases passed before the first failure (all of them when passed).
        key: the message key of ``message`` (``exercises.pass``, ``exercises.fail.*``).
        fields: the fields ``message`` was made from (``func``, ``input``, ``expected``, ...).
        mistakes: the names of the mistakes the hints are about (``"tanh_square"``, ...).
        hint_level: the level ``hints`` are written at (:data:`HINT_LEVELS`).
        file: the exercise's file in the workbook.
    """

    number: int
    status: str
    message: str
    hints: list[str]
    graph: Path | None
    cases: int
    key: str = ""
    fields: dict[str, str] = field(default_factory=dict)
    mistakes: list[str] = field(default_factory=list)
    hint_level: int = 1
    file: Path | None = None
    hint_fields: list[dict[str, str]] = field(default_factory=list, repr=False)


def _result(
    number: int,
    status: str,
    key: str,
    fields: dict,
    hints: list[tuple[str, dict]] = (),
    graph: str | None = None,
    cases: int = 0,
) -> CheckResult:
    """A result not yet written in a language (see :func:`_written`)."""
    return CheckResult(
        number,
        status,
        "",
        [],
        Path(graph) if graph else None,
        cases,
        key,
        {k: str(v) for k, v in fields.items()},
        [k.rpartition(".")[2] for k, _ in hints],
        hint_fields=[{a: str(b) for a, b in f.items()} for _, f in hints],
    )


def _written(result: CheckResult, lang: str, level: int) -> CheckResult:
    """``result`` with its message and hints written in ``lang``, the hints at ``level``."""
    result.message = message(result.key, lang, **result.fields)
    result.hints = [
        message(f"exercises.hint.{name}.{level}", lang, **fields)
        for name, fields in zip(result.mistakes, result.hint_fields)
    ]
    result.hint_level = level
    return result


def _stopped(number: int, stopped: Stopped, file: str, timeout: float) -> CheckResult:
    """The result of a learner's process that was stopped, or stopped by itself."""
    if stopped.reason == "timeout":
        fields, hints = {"seconds": f"{timeout:g}", "file": file}, [("exercises.hint.timeout", {})]
    elif stopped.reason == "output":
        fields = {"file": file, "kb": OUTPUT_LIMIT // 1024}
        hints = [("exercises.hint.output", {})]
    elif stopped.reason == "crashed":
        fields, hints = {"code": stopped.code, "error": stopped.output}, []
    else:
        fields, hints = {"file": file}, []
    return _result(number, "failing", f"exercises.fail.{stopped.reason}", fields, hints)


def _imported(number: int, imported: dict, file: str) -> CheckResult | None:
    """The result of a file that cannot be imported (None when it can)."""
    if imported.get("import") == "todo":
        fields = {"func": imported.get("func", file)}
        return _result(number, "not_started", "exercises.fail.todo", fields)
    if imported.get("import") != "ok":
        fields = {k: imported.get(k, "?") for k in ("line", "error")}
        hints = (
            [("exercises.hint.memory", {})] if "MemoryError" in imported.get("types", []) else []
        )
        return _result(number, "failing", "exercises.fail.import", {**fields, "file": file}, hints)
    return None


def _run_one(
    folder: Path, exercise: Exercise, lang: str, timeout: float, rng: random.Random
) -> CheckResult:
    path = folder / exercise.file
    number = exercise.number
    if not path.is_file():
        fields = {"path": path, "dir": folder}
        return _result(number, "not_started", "exercises.fail.no_file", fields)
    feedback = folder / FEEDBACK_DIR
    for stale in feedback.glob(f"ex{number:02d}_graph.*"):
        stale.unlink()  # a picture from an earlier check would show a mistake since fixed
    data, ctx = path.read_bytes(), None
    try:
        with Learner(path, timeout) as learner:
            failed = _imported(number, learner.imported, path.name)
            if failed is not None:
                return failed
            ctx = Context(number, learner, path.name, rng, lang, feedback)
            CHECKS[number](ctx)
    except Stopped as stopped:
        return _stopped(number, stopped, path.name, timeout)
    except Failure as failure:
        # An unwritten function after others passed: the exercise is under way, not unstarted.
        status = failure.status
        if status == "not_started" and ctx is not None and ctx.cases > 0:
            status = "failing"
        written = read_manifest(folder)["files"].get(exercise.file)
        if written == digest(data):
            status = "not_started"  # the file is still exactly what start wrote
        return _result(
            number,
            status,
            failure.key,
            failure.fields,
            failure.hints,
            failure.graph,
            ctx.cases if ctx else 0,
        )
    record_pass(folder, exercise, data)
    return _result(number, "passed", "exercises.pass", {"cases": ctx.cases}, cases=ctx.cases)


def check(
    directory: str | os.PathLike[str],
    numbers: list[int] | None = None,
    lang: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    seed: int | None = None,
    hint: int = 1,
) -> list[CheckResult]:
    """Check the exercises ``numbers`` (all by default) of the workbook in ``directory``.

    Each exercise runs in a fresh Python process (``sys.executable``), bounded in time (it
    may spend ``timeout`` seconds answering), output and memory
    (:mod:`micrograd_mlp.exercises.session`); its answers are compared here with reference
    values on inputs drawn for this run. Pictures go to ``directory/feedback/``. A passed
    exercise is remembered in the workbook's manifest (it unlocks :func:`solution`).

    Args:
        seed: draws the same inputs again (default: fresh ones every run).
        hint: how much the hints say: 1 a nudge, 2 the rule, 3 the formula.

    Returns:
        One :class:`CheckResult` per exercise, in the order asked.

    Raises:
        ValueError: an unknown exercise number, language or hint level, or ``timeout`` not > 0.
        FileNotFoundError: ``directory`` does not exist.
    """
    lang = resolve_lang(lang)
    if not timeout > 0:
        raise ValueError(f"timeout must be > 0 seconds, got {timeout!r}")
    if hint not in HINT_LEVELS:
        raise ValueError(f"hint must be one of {list(HINT_LEVELS)}, got {hint!r}")
    exercises = [by_number(n) for n in numbers] if numbers else list(EXERCISES)
    folder = Path(directory).resolve()
    if not folder.is_dir():
        raise FileNotFoundError(message("exercises.fail.no_dir", lang, dir=directory))
    results = []
    for e in exercises:
        rng = random.Random(f"{seed}-{e.number}") if seed is not None else random.Random()
        result = _run_one(folder, e, lang, timeout, rng)
        result.file = folder / e.file
        results.append(_written(result, lang, hint))
    return results


def format_result(result: CheckResult, lang: str | None = None) -> str:
    """The feedback on one exercise, as the learner reads it (several lines): the status, the
    first failing case, the hints and, below a hint that is not the formula yet, how to get a
    more specific one; for a passed exercise, how to see its reference solution."""
    exercise = by_number(result.number)
    status = message(f"exercises.status.{result.status}", lang)
    lines = [f"[{result.number}] {exercise.title(lang)}: {status}", f"    {result.message}"]
    lines += [f"    {message('exercises.hint', lang)}: {h}" for h in result.hints]
    if result.hints and result.hint_level < HINT_LEVELS[-1]:
        lines.append(f"    {message('exercises.more_hint', lang, next=result.hint_level + 1)}")
    if result.graph is not None:
        lines.append(f"    {message('exercises.graph', lang, path=result.graph)}")
    if result.status == "passed" and result.file is not None:
        where = result.file.parent
        lines.append(
            f"    {message('exercises.solution.unlocked', lang, dir=where, n=result.number)}"
        )
    return "\n".join(lines)


def progress_table(results: list[CheckResult], lang: str | None = None) -> str:
    """A table of every exercise: passed / failing / not started (exercises not in
    ``results`` show as not checked), and a summary line."""
    by_exercise = {r.number: r for r in results}
    rows = []
    for e in EXERCISES:
        r = by_exercise.get(e.number)
        status = message(
            f"exercises.status.{r.status}" if r else "exercises.status.unchecked", lang
        )
        rows.append((str(e.number), e.title(lang), status))
    head = (
        "#",
        message("exercises.table.exercise", lang),
        message("exercises.table.status", lang),
    )
    widths = [max(_width(row[i]) for row in [head, *rows]) for i in range(3)]
    lines = [
        "  ".join(_pad(cell, w) for cell, w in zip(row, widths)).rstrip() for row in [head, *rows]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    passed = sum(r.status == "passed" for r in results)
    lines.append(message("exercises.table.summary", lang, passed=passed, total=len(results)))
    return "\n".join(lines)


def _width(text: str) -> int:
    """Display width: Hangul and other wide characters take two terminal columns."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))
