"""The workbook on disk: the exercises, their files rendered from templates and the message
catalogue, ``start`` (which never overwrites a learner's edits), the manifest that remembers what
``start`` wrote and which exercises have passed, and the reference solutions a passed exercise
unlocks."""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from micrograd_mlp.files import atomic_write_bytes
from micrograd_mlp.messages import message, resolve_lang

#: The file in a workbook that remembers what ``start`` wrote (to tell edited files apart).
MANIFEST = ".micrograd-exercises.json"
#: Where ``check`` writes its pictures, inside the workbook.
FEEDBACK_DIR = "feedback"
#: Where ``start --force N`` keeps the learner's version of the file it resets, inside the
#: workbook: ``backups/ex01_local_derivatives.1.py``, then ``.2.py``, ... (never overwritten).
BACKUP_DIR = "backups"


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


def by_number(number: int) -> Exercise:
    if number not in _BY_NUMBER:
        raise ValueError(f"no exercise {number}: choose one of 1-{len(EXERCISES)}")
    return _BY_NUMBER[number]


def render(exercise: Exercise, lang: str | None = None, directory: str = "DIR") -> str:
    """The workbook file of ``exercise``: its template (package data) with the explanation and
    the stubs' docstrings and comments in ``lang`` (from the message catalogue)."""
    template = (
        resources.files("micrograd_mlp.exercises")
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


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_manifest(directory: Path) -> dict:
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
        by_number(force)
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    manifest = read_manifest(folder)
    files: dict[str, str] = dict(manifest["files"])
    report = StartReport()
    for exercise in EXERCISES:
        path = folder / exercise.file
        data = render(exercise, lang, str(directory)).encode("utf-8")
        if path.exists():
            current = digest(path.read_bytes())
            if current == files.get(exercise.file):  # untouched since start wrote it
                if current == digest(data):
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
        files[exercise.file] = digest(data)
        if path not in report.reset:
            report.written.append(path)
    manifest = {**manifest, "version": 1, "lang": lang, "files": files}
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


def record_pass(directory: Path, exercise: Exercise, data: bytes) -> None:
    """Remember in the manifest that ``exercise`` passed (with the digest of the file that did):
    its reference solution is unlocked from then on."""
    manifest = read_manifest(directory)
    passed = dict(manifest.get("passed") or {})
    passed[exercise.file] = digest(data)
    manifest = {**manifest, "passed": passed}
    atomic_write_bytes(directory / MANIFEST, json.dumps(manifest, indent=2).encode("utf-8"))


def has_passed(directory: Path, exercise: Exercise) -> bool:
    """Whether ``exercise`` has passed a check in the workbook ``directory``."""
    return exercise.file in (read_manifest(directory).get("passed") or {})


def render_solution(exercise: Exercise, lang: str | None = None) -> str:
    """The reference solution of ``exercise`` (package data, ``solutions/``), its docstring
    saying in ``lang`` why it is written this way."""
    template = (
        resources.files("micrograd_mlp.exercises")
        .joinpath("solutions", f"{exercise.stem}.py.tmpl")
        .read_text(encoding="utf-8")
    )
    title = message("exercises.solution.title", lang, n=exercise.number, title=exercise.title(lang))
    why = message(f"exercises.why.{exercise.number}", lang)
    return template.replace("@@WHY@@", f"{title}\n\n{why.strip()}\n")


class LockedError(ValueError):
    """A solution asked for before its exercise passed."""


def solution(directory: str | os.PathLike[str], number: int, lang: str | None = None) -> str:
    """The reference solution of exercise ``number``, once it has passed in the workbook
    ``directory`` (see :func:`render_solution`).

    Raises:
        LockedError: the exercise has not passed a check yet (the message says how to check).
        ValueError: not an exercise number, or an unknown language.
    """
    lang = resolve_lang(lang)
    chosen = by_number(number)
    if not has_passed(Path(directory), chosen):
        raise LockedError(message("exercises.solution.locked", lang, n=number, dir=directory))
    return render_solution(chosen, lang)
