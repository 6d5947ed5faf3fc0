"""The checker's subprocess:
``python -m micrograd_mlp.exercises.runner FILE NUMBER RESULT [GRAPHS]``.

Imports the learner's ``FILE`` (its folder first on ``sys.path``, so one exercise can import an
earlier one), runs exercise ``NUMBER``'s check and writes the outcome as JSON to ``RESULT``.
Running in its own process is what lets :func:`micrograd_mlp.exercises.check` survive a
learner's infinite loop (it kills this process after its time limit) or crash.
"""

from __future__ import annotations

import importlib
import json
import sys
import traceback
from pathlib import Path

from micrograd_mlp.exercises.checkers import run_check
from micrograd_mlp.exercises.grading import Outcome
from micrograd_mlp.files import atomic_write_bytes


def _import_failure(file: Path, error: BaseException) -> Outcome:
    """A learner's file that cannot be imported: name the error and its line in that file."""
    line = getattr(error, "lineno", None) if isinstance(error, SyntaxError) else None
    if line is None:
        frames = [f for f in traceback.extract_tb(error.__traceback__) if Path(f.filename) == file]
        line = frames[-1].lineno if frames else "?"
    return Outcome(
        status="failing",
        message=[
            "exercises.fail.import",
            {"file": file.name, "line": str(line), "error": f"{type(error).__name__}: {error}"},
        ],
        hints=[],
        graph=None,
        cases=0,
    )


def main(argv: list[str]) -> int:
    """Run one check; the outcome goes to the RESULT file (exit status 0 unless the checker
    itself is broken)."""
    file, number, result = Path(argv[0]).resolve(), int(argv[1]), Path(argv[2])
    graphs = Path(argv[3]) if len(argv) > 3 else None
    sys.path.insert(0, str(file.parent))
    try:
        module = importlib.import_module(file.stem)
    except NotImplementedError:
        outcome = Outcome(
            status="not_started",
            message=["exercises.fail.todo", {"func": file.stem}],
            hints=[],
            graph=None,
            cases=0,
        )
    except BaseException as error:  # a syntax error, a failed import, sys.exit() at import...
        outcome = _import_failure(file, error)
    else:
        try:
            outcome = run_check(number, module, graphs)
        except BaseException as error:  # SystemExit or KeyboardInterrupt from learner code
            outcome = Outcome(
                status="failing",
                message=[
                    "exercises.fail.raised",
                    {"func": file.stem, "input": "", "error": f"{type(error).__name__}: {error}"},
                ],
                hints=[],
                graph=None,
                cases=0,
            )
    atomic_write_bytes(result, json.dumps(outcome).encode("utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
