"""Run folders: every training run writes into a folder of its own, ``OUT/run-1``, ``OUT/run-2``,
..., so that training again never touches an earlier run (as Lightning's ``version_N`` log
folders and Keras Tuner's trial folders); a run is continued from its folder.

* :func:`new_run_dir` makes the next folder (atomically: two runs started at once get two);
* :func:`latest_run` finds the newest run that holds a checkpoint;
* :func:`find_run` turns what a learner names (a run folder, a checkpoint file, a run's name
  under ``OUT``) into the checkpoint to resume and the folder to write into.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

__all__ = ["CHECKPOINT_NAME", "RunNotFoundError", "find_run", "latest_run", "new_run_dir"]

#: The checkpoint file of a run folder.
CHECKPOINT_NAME = "checkpoint.npz"
_RUN = re.compile(r"run-([1-9][0-9]{0,8})")


class RunNotFoundError(FileNotFoundError):
    """What was named as a run to continue is no run (the message says what was looked at).

    Attributes:
        reason: ``"none"`` (no run under the folder), ``"missing"`` (no such folder or file) or
            ``"no_checkpoint"`` (a folder without a checkpoint). ``place``: the path concerned.
    """

    def __init__(self, reason: str, place: Path, text: str) -> None:
        super().__init__(text)
        self.reason, self.place = reason, place


def _numbered(out: Path) -> list[tuple[int, Path]]:
    """The run folders under ``out``, ``[(N, out/run-N), ...]`` in increasing N."""
    try:
        entries = list(os.scandir(out))
    except (FileNotFoundError, NotADirectoryError):
        return []
    found = []
    for entry in entries:
        match = _RUN.fullmatch(entry.name)
        if match and entry.is_dir():
            found.append((int(match.group(1)), Path(entry.path)))
    return sorted(found)


def new_run_dir(out: str | os.PathLike[str]) -> Path:
    """Make and return ``out/run-N``, N one more than the largest run number under ``out``
    (``out`` is created if missing). Never an existing folder: ``mkdir`` without
    ``exist_ok`` claims the name, so two runs started together get two folders.

    Raises:
        OSError: ``out`` cannot be created or written.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    number = max((n for n, _ in _numbered(out)), default=0) + 1
    while True:
        folder = out / f"run-{number}"
        try:
            folder.mkdir()
        except FileExistsError:
            number += 1
            continue
        return folder


def latest_run(out: str | os.PathLike[str]) -> Path | None:
    """The run folder under ``out`` with the largest number that holds a checkpoint; else
    ``out`` itself if it holds one (the layout of versions that had no run folders); else
    None."""
    out = Path(out)
    for _, folder in reversed(_numbered(out)):
        if (folder / CHECKPOINT_NAME).is_file():
            return folder
    return out if (out / CHECKPOINT_NAME).is_file() else None


def find_run(named: str | os.PathLike[str] | None, out: str | os.PathLike[str]) -> Path:
    """The checkpoint file of the run a learner names to continue.

    Args:
        named: a run folder (``out/train/run-2``), a checkpoint file, or the name of a folder
            under ``out`` (``run-2``); None for the latest run under ``out``
            (:func:`latest_run`).
        out: the folder holding the runs.

    Returns:
        The checkpoint's path; its folder is the run's folder.

    Raises:
        RunNotFoundError: nothing there, or a folder without a checkpoint.
    """
    out = Path(out)
    if named is None:
        folder = latest_run(out)
        if folder is None:
            raise RunNotFoundError(
                "none", out, f"no run with a checkpoint under '{out}' (its run-N folders)"
            )
        return folder / CHECKPOINT_NAME
    path = Path(named)
    if not path.exists() and not path.is_absolute() and (out / path).exists():
        path = out / path
    if path.is_file():
        return path
    if path.is_dir():
        if (path / CHECKPOINT_NAME).is_file():
            return path / CHECKPOINT_NAME
        raise RunNotFoundError(
            "no_checkpoint", path, f"'{path}' holds no {CHECKPOINT_NAME}: it is not a run folder"
        )
    raise RunNotFoundError("missing", path, f"no run folder or checkpoint file '{named}'")
