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

The same from the command line: ``micrograd-mlp exercises start DIR`` and
``micrograd-mlp exercises check DIR [N ...]``. All text comes from the message catalogue
(:mod:`micrograd_mlp.messages`, English or Korean: ``lang="ko"``).
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import unicodedata
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from micrograd_mlp.exercises.checkers import CHECKS
from micrograd_mlp.exercises.grading import Context, Failure
from micrograd_mlp.exercises.session import OUTPUT_LIMIT, Learner, Stopped
from micrograd_mlp.files import atomic_write_bytes
from micrograd_mlp.messages import message, resolve_lang

__all__ = [
    "EXERCISES",
    "CheckResult",
    "Exercise",
    "StartReport",
    "check",
    "format_result",
    "progress_table",
    "render",
    "start",
]

#: The file in a workbook that remembers what ``start`` wrote (to tell edited files apart).
MANIFEST = ".micrograd-exercises.json"
#: Where ``check`` writes its pictures, inside the workbook.
FEEDBACK_DIR = "feedback"
#: Where ``start --force N`` keeps the learner's version of the file it resets, inside the
#: workbook: ``backups/ex01_local_derivatives.1.py``, then ``.2.py``, ... (never overwritten).
BACKUP_DIR = "backups"
#: Seconds a learner's exercise may run before the checker stops it.
DEFAULT_TIMEOUT = 30.0


@dataclass(frozen=True)
class Exercise:
    """One exercise: its number (1-10) and file name stem (``ex01_local_derivatives``)."""

    number: int
    stem: str

    @property
    def file(self) -> str:
        """The workbook file, e.g. ``ex01_local_derivatives.py``."""
        return f"{self.stem}.py"

    def title(self, lang: str | None = None) -> str:
        """The short title, in ``lang``."""
        return message(f"exercises.title.{self.number}", lang)


#: The exercises, in order; each builds on the ones before it.
EXERCISES: tuple[Exercise, ...] = tuple(
    Exercise(i + 1, stem)
    for i, stem in enumerate(
        (
            "ex01_local_derivatives",
            "ex02_value",
            "ex03_topological_order",
            "ex04_backward",
            "ex05_neuron_mse",
            "ex06_gradient_descent",
            "ex07_softmax_cross_entropy",
            "ex08_optimizers",
            "ex09_xor",
            "ex10_vectorized_layer",
        )
    )
)
_BY_NUMBER = {e.number: e for e in EXERCISES}
#: Where a template takes a docstring or comment from the catalogue: ``@@exercises.stub.1.d_add@@``.
_STUB = re.compile(r"@@(exercises\.stub\.[\w.]+)@@")


def _exercise(number: int) -> Exercise:
    if number not in _BY_NUMBER:
        raise ValueError(f"no exercise {number}: choose one of 1-{len(EXERCISES)}")
    return _BY_NUMBER[number]


def render(exercise: Exercise, lang: str | None = None, directory: str = "DIR") -> str:
    """The workbook file of ``exercise``: its template (package data) with the explanation and
    the stubs' docstrings and comments in ``lang`` (from the message catalogue)."""
    template = (
        resources.files(__package__)
        .joinpath("templates", f"{exercise.stem}.py.tmpl")
        .read_text(encoding="utf-8")
    )
    intro = message(f"exercises.intro.{exercise.number}", lang)
    footer = message("exercises.intro.check", lang, dir=directory, n=exercise.number)
    title = f"{message('exercises.exercise', lang, n=exercise.number)}: {exercise.title(lang)}"
    text = f"{title}\n\n{intro.strip()}\n\n{footer}\n"

    def stub_text(found: re.Match) -> str:
        # A docstring or comment of the stubs; its later lines get the indentation of its first.
        line = template[template.rfind("\n", 0, found.start()) + 1 : found.start()]
        indent = line[: len(line) - len(line.lstrip(" "))]
        lines = message(found.group(1), lang).split("\n")
        return "\n".join([lines[0], *[indent + t if t else "" for t in lines[1:]]])

    return _STUB.sub(stub_text, template).replace("@@INTRO@@", text)


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read_manifest(directory: Path) -> dict:
    try:
        manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"files": {}}
    return manifest if isinstance(manifest.get("files"), dict) else {"files": {}}


@dataclass
class StartReport:
    """What :func:`start` did: lists of workbook paths.

    Attributes:
        written: files written (new, or untouched ones brought up to date).
        kept: files left alone because they are exactly what ``start`` wrote before.
        refused: files the learner has edited, left alone (``force`` resets one).
        reset: edited files overwritten because ``force`` named their exercise.
        saved: the learner's versions of the ``reset`` files, kept in :data:`BACKUP_DIR`.
        lines: what to tell the learner, one line each, in the chosen language.
    """

    written: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)
    refused: list[Path] = field(default_factory=list)
    reset: list[Path] = field(default_factory=list)
    saved: list[Path] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)


def _backup(folder: Path, path: Path) -> Path:
    """Copy ``path`` to the first free ``folder/backups/<stem>.<k><suffix>`` (k = 1, 2, ...)."""
    backups = folder / BACKUP_DIR
    backups.mkdir(exist_ok=True)
    k = 1
    while (backups / f"{path.stem}.{k}{path.suffix}").exists():
        k += 1
    return atomic_write_bytes(backups / f"{path.stem}.{k}{path.suffix}", path.read_bytes())


def start(
    directory: str | os.PathLike[str], lang: str | None = None, force: int | None = None
) -> StartReport:
    """Write the workbook into ``directory`` (created if needed).

    A file the learner has edited (its content differs from what ``start`` last wrote, or it
    was not written by ``start``) is never overwritten; ``force=N`` resets exercise ``N`` to
    its blank template, after keeping the learner's version in ``directory/backups/`` (a new
    numbered file each time: nothing the learner wrote is lost).

    Args:
        directory: the workbook folder.
        lang: language of the explanations (see :func:`micrograd_mlp.messages.resolve_lang`).
        force: an exercise number (1-10) to reset, or None.

    Returns:
        A :class:`StartReport`.

    Raises:
        ValueError: unknown ``lang``, or ``force`` is not an exercise number.
        OSError: ``directory`` cannot be created or written (e.g. it is a file).
    """
    lang = resolve_lang(lang)
    if force is not None:
        _exercise(force)
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    manifest = _read_manifest(folder)
    files: dict[str, str] = dict(manifest["files"])
    report = StartReport()
    for exercise in EXERCISES:
        path = folder / exercise.file
        data = render(exercise, lang, str(directory)).encode("utf-8")
        if path.exists():
            current = _digest(path.read_bytes())
            if current == files.get(exercise.file):  # untouched since start wrote it
                if current == _digest(data):
                    report.kept.append(path)
                    continue
            elif force != exercise.number:
                report.refused.append(path)
                report.lines.append(
                    message("exercises.start.refused", lang, path=path, n=exercise.number)
                )
                continue
            else:
                saved = _backup(folder, path)
                report.reset.append(path)
                report.saved.append(saved)
                report.lines.append(message("exercises.start.reset", lang, path=path, backup=saved))
        atomic_write_bytes(path, data)
        files[exercise.file] = _digest(data)
        if path not in report.reset:
            report.written.append(path)
    manifest = {"version": 1, "lang": lang, "files": files}
    atomic_write_bytes(folder / MANIFEST, json.dumps(manifest, indent=2).encode("utf-8"))
    report.lines.insert(
        0,
        message(
            "exercises.start.summary",
            lang,
            dir=folder,
            written=len(report.written),
            kept=len(report.kept),
        ),
    )
    report.lines.append(message("exercises.start.next", lang, dir=directory))
    return report


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


def _result(
    number: int,
    status: str,
    key: str,
    fields: dict,
    lang: str,
    hints: list[tuple[str, dict]] = (),
    graph: str | None = None,
    cases: int = 0,
) -> CheckResult:
    return CheckResult(
        number,
        status,
        message(key, lang, **fields),
        [message(k, lang, **f) for k, f in hints],
        Path(graph) if graph else None,
        cases,
        key,
        {k: str(v) for k, v in fields.items()},
        [k.rpartition(".")[2] for k, _ in hints],
    )


def _stopped(number: int, stopped: Stopped, file: str, lang: str, timeout: float) -> CheckResult:
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
    return _result(number, "failing", f"exercises.fail.{stopped.reason}", fields, lang, hints)


def _imported(number: int, imported: dict, file: str, lang: str) -> CheckResult | None:
    """The result of a file that cannot be imported (None when it can)."""
    if imported.get("import") == "todo":
        fields = {"func": imported.get("func", file)}
        return _result(number, "not_started", "exercises.fail.todo", fields, lang)
    if imported.get("import") != "ok":
        fields = {k: imported.get(k, "?") for k in ("line", "error")}
        hints = (
            [("exercises.hint.memory", {})] if "MemoryError" in imported.get("types", []) else []
        )
        return _result(
            number, "failing", "exercises.fail.import", {**fields, "file": file}, lang, hints
        )
    return None


def _run_one(
    folder: Path, exercise: Exercise, lang: str, timeout: float, rng: random.Random
) -> CheckResult:
    path = folder / exercise.file
    number = exercise.number
    if not path.is_file():
        return _result(
            number, "not_started", "exercises.fail.no_file", {"path": path, "dir": folder}, lang
        )
    feedback = folder / FEEDBACK_DIR
    for stale in feedback.glob(f"ex{number:02d}_graph.*"):
        stale.unlink()  # a picture from an earlier check would show a mistake since fixed
    ctx = None
    try:
        with Learner(path, timeout) as learner:
            failed = _imported(number, learner.imported, path.name, lang)
            if failed is not None:
                return failed
            ctx = Context(number, learner, path.name, rng, lang, feedback)
            CHECKS[number](ctx)
    except Stopped as stopped:
        return _stopped(number, stopped, path.name, lang, timeout)
    except Failure as failure:
        # An unwritten function after others passed: the exercise is under way, not unstarted.
        status = failure.status
        if status == "not_started" and ctx is not None and ctx.cases > 0:
            status = "failing"
        written = _read_manifest(folder)["files"].get(exercise.file)
        if status != "passed" and written == _digest(path.read_bytes()):
            status = "not_started"  # the file is still exactly what start wrote
        return _result(
            number,
            status,
            failure.key,
            failure.fields,
            lang,
            failure.hints,
            failure.graph,
            ctx.cases if ctx else 0,
        )
    return _result(number, "passed", "exercises.pass", {"cases": ctx.cases}, lang, cases=ctx.cases)


def check(
    directory: str | os.PathLike[str],
    numbers: list[int] | None = None,
    lang: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    seed: int | None = None,
) -> list[CheckResult]:
    """Check the exercises ``numbers`` (all by default) of the workbook in ``directory``.

    Each exercise runs in a fresh Python process (``sys.executable``), bounded in time (it
    may spend ``timeout`` seconds answering), output and memory
    (:mod:`micrograd_mlp.exercises.session`); its answers are compared here with reference
    values on inputs drawn for this run. Pictures go to ``directory/feedback/``.

    Args:
        seed: draws the same inputs again (default: fresh ones every run).

    Returns:
        One :class:`CheckResult` per exercise, in the order asked.

    Raises:
        ValueError: an unknown exercise number or language, or ``timeout`` not > 0.
        FileNotFoundError: ``directory`` does not exist.
    """
    lang = resolve_lang(lang)
    if not timeout > 0:
        raise ValueError(f"timeout must be > 0 seconds, got {timeout!r}")
    exercises = [_exercise(n) for n in numbers] if numbers else list(EXERCISES)
    folder = Path(directory).resolve()
    if not folder.is_dir():
        raise FileNotFoundError(message("exercises.fail.no_dir", lang, dir=directory))
    results = []
    for e in exercises:
        rng = random.Random(f"{seed}-{e.number}") if seed is not None else random.Random()
        results.append(_run_one(folder, e, lang, timeout, rng))
    return results


def format_result(result: CheckResult, lang: str | None = None) -> str:
    """The feedback on one exercise, as the learner reads it (several lines)."""
    exercise = _exercise(result.number)
    status = message(f"exercises.status.{result.status}", lang)
    lines = [f"[{result.number}] {exercise.title(lang)}: {status}", f"    {result.message}"]
    lines += [f"    {message('exercises.hint', lang)}: {h}" for h in result.hints]
    if result.graph is not None:
        lines.append(f"    {message('exercises.graph', lang, path=result.graph)}")
    return "\n".join(lines)


def progress_table(results: list[CheckResult], lang: str | None = None) -> str:
    """A table of every exercise: passed / failing / not started (exercises not in
    ``results`` show as not checked), and a summary line."""
    by_number = {r.number: r for r in results}
    rows = []
    for e in EXERCISES:
        r = by_number.get(e.number)
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
