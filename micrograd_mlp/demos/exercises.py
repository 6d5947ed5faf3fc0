"""Practise backprop: write a workbook of ten exercises, then check your answers.

    micrograd-mlp exercises start DIR [--force N] [--lang ko]
    micrograd-mlp exercises check DIR [N ...] [--hint 1-3] [--timeout SECONDS] [--lang ko]
    micrograd-mlp exercises solution DIR N [--lang ko]

``start`` writes one Python file per exercise into DIR (the math first, then what to write,
stubs with TODOs); it never overwrites a file you have edited (``--force N`` resets exercise N,
keeping your version in ``DIR/backups/``).
``check`` runs your code in a separate process with a time limit, compares it with the
library's engine on many random inputs, names the first failing case with a hint for common
mistakes, draws your graph with a wrong gradient in red, and prints a progress table. The exit
status is 0 only when every exercise asked for passes. The hints come in steps: ``--hint 1`` (the
default) names the mistake, ``--hint 2`` gives the rule, ``--hint 3`` the formula.
``solution`` prints the reference solution of an exercise that has passed, with why it is
written this way (refused until then). ``--lang`` defaults to ``$MICROGRAD_MLP_LANG``, else
English.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from micrograd_mlp import exercises
from micrograd_mlp.demos.options import (
    UserError,
    chosen_lang,
    float_option,
    int_option,
    lang_option,
)
from micrograd_mlp.messages import message

COMMAND = "exercises"
HELP = (
    "write the exercise workbook (start DIR), check your answers (check DIR [N ...]) or see a "
    "passed exercise's solution (solution DIR N)"
)
BUILTIN_DATA = False
#: Common options this command takes but does not use (the CLI's help says so).
UNUSED_OPTIONS = {
    "--out": "check writes its pictures into DIR/feedback/",
    "--seed": "the checks draw their own random cases",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """``start DIR [--force N]``, ``check DIR [N ...] [--hint L] [--timeout S]`` and
    ``solution DIR N``, each with --lang."""
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    count = len(exercises.EXERCISES)
    for name, helptext in (
        ("start", "write the workbook into DIR (edited files are kept)"),
        ("check", "check the exercises in DIR (all, or the numbers given)"),
        ("solution", "print the reference solution of exercise N, once it has passed"),
    ):
        sub = actions.add_parser(name, help=helptext, description=helptext)
        sub.add_argument("dir", metavar="DIR", help="the workbook folder")
        lang_option(sub)
        if name == "start":
            sub.add_argument(
                "--force",
                type=int_option(1, count),
                metavar="N",
                help="reset exercise N to its blank template (your version goes to DIR/backups/)",
            )
        elif name == "solution":
            sub.add_argument(
                "number",
                type=int_option(1, count),
                metavar="N",
                help=f"an exercise number 1-{count} that has passed its check",
            )
        else:
            sub.add_argument(
                "numbers",
                nargs="*",
                type=int_option(1, count),
                metavar="N",
                help=f"exercise numbers 1-{count} (default: all)",
            )
            sub.add_argument(
                "--timeout",
                type=float_option(0, 3600, exclusive_minimum=True),
                default=exercises.DEFAULT_TIMEOUT,
                metavar="SECONDS",
                help="time limit per exercise (default: %(default)g)",
            )
            sub.add_argument(
                "--hint",
                type=int_option(1, len(exercises.HINT_LEVELS)),
                default=1,
                metavar="LEVEL",
                help="how much the hints say: 1 names the mistake, 2 the rule, 3 the formula "
                "(default: %(default)s)",
            )


def run(args: argparse.Namespace) -> dict:
    """Do ``start``, ``check`` or ``solution``. Returns what was done; after a check that did
    not pass everything asked for, raises ``SystemExit(1)`` once the feedback is printed."""
    lang = chosen_lang(args)
    if Path(args.dir).exists() and not Path(args.dir).is_dir():
        raise UserError(message("exercises.fail.dir_is_file", lang, dir=args.dir))
    if args.action == "start":
        report = exercises.start(args.dir, lang, args.force)
        print("\n".join(report.lines))
        return {
            "action": "start",
            "written": report.written,
            "kept": report.kept,
            "refused": report.refused,
            "reset": report.reset,
            "saved": report.saved,
        }
    if not Path(args.dir).is_dir():
        raise UserError(message("exercises.fail.no_dir", lang, dir=args.dir))
    if args.action == "solution":
        try:
            text = exercises.solution(args.dir, args.number, lang)
        except exercises.LockedError as locked:
            raise UserError(str(locked)) from None
        print(text, end="")
        return {"action": "solution", "number": args.number, "text": text}
    results = exercises.check(args.dir, args.numbers or None, lang, args.timeout, hint=args.hint)
    for result in results:
        print(exercises.format_result(result, lang), end="\n\n")
    print(exercises.progress_table(results, lang))
    summary = {"action": "check", "results": results}
    if not all(r.status == "passed" for r in results):
        raise SystemExit(1)
    return summary
