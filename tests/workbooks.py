"""Workbooks for the tests of the exercise checker, the hints and the notebook check cells: the
reference solutions written out as a learner's files, and one learner's edit of a file."""

from __future__ import annotations

from pathlib import Path

from micrograd_mlp import exercises


def solution_workbook(tmp_path: Path) -> Path:
    """A workbook folder ``tmp_path/wb`` holding every exercise's reference solution (English)."""
    folder = tmp_path / "wb"
    folder.mkdir(parents=True)
    for e in exercises.EXERCISES:
        (folder / e.file).write_text(exercises.render_solution(e, "en"), encoding="utf-8")
    return folder


def edit_code(path: Path, old: str, new: str) -> None:
    """Replace the first ``old`` in the code of ``path`` (after its docstring, which may quote
    the same code), as a learner's change; fails if the code has no ``old``."""
    text = path.read_text(encoding="utf-8")
    cut = text.index('"""', 3) + 3 if text.startswith('"""') else 0
    head, code = text[:cut], text[cut:]
    assert old in code, f"{old!r} not in {path.name}"
    path.write_text(head + code.replace(old, new, 1), encoding="utf-8")
