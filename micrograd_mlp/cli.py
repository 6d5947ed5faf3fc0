"""The ``micrograd-mlp`` command: one sub-command per demo module in ``micrograd_mlp.demos``.

User errors, one mechanism for every command: a bad option value is refused by its argparse
``type=`` function (:func:`int_option`, :func:`float_option`, :func:`seed_option`, the
``choices`` of :func:`lang_option`: a usage line and exit status 2, before anything runs); an
error met while running -- :class:`UserError`
(raised by a demo for a bad combination of options) or one of :data:`USER_ERRORS` (a loss that
became NaN or infinite, a bad checkpoint or data file, a missing file, a formula that cannot be
read) -- is printed by :func:`main` as one line, ``micrograd-mlp COMMAND: error: ...``, on
stderr, with exit status 1 and no traceback. Any other exception is a bug and keeps its
traceback.

Both kinds speak the language the command line asks for (``--lang``, else
``$MICROGRAD_MLP_LANG``): a Korean run prints argparse's usage errors, the option types'
refusals, ``--out`` checks and the system's errors from the ``args`` catalogue
(``사용법: ...``, ``micrograd-mlp COMMAND: 오류: ...``); an English run keeps argparse's and the
system's own words. ``--help`` is argparse's.
"""

from __future__ import annotations

import argparse
import errno
import importlib
import os
import pkgutil
import re
import sys
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import NoReturn

import micrograd_mlp.demos as demos_package
import micrograd_mlp.messages as catalogues  # _Parser.error's argument "message" hides message()
from micrograd_mlp.data import DownloadError, IDXError
from micrograd_mlp.demos.options import (
    MAX_SEED,
    UserError,
    check_out,
    chosen_lang,
    current_parsing_language,
    lang_option,
    parsing_language,
    seed_option,
)
from micrograd_mlp.expression import ExpressionError
from micrograd_mlp.messages import CatalogueError, message, resolve_lang
from micrograd_mlp.training import CheckpointError, NonFiniteLossError
from micrograd_mlp.viz.graph import DotFailedError

__all__ = [
    "USER_ERRORS",
    "build_parser",
    "demo_modules",
    "describe_error",
    "main",
    "run_demo",
    "script_main",
]

#: Errors a user can cause, reported by :func:`main` as one line instead of a traceback:
#: :class:`UserError`, a loss that stopped being finite (``NonFiniteLossError``, e.g. from a
#: too-large ``--lr``), a bad checkpoint (``CheckpointError``), a damaged IDX data file
#: (``IDXError``), a failed download (``DownloadError``), a formula that cannot be read or
#: evaluated (``ExpressionError``), Graphviz's ``dot`` failing (``DotFailedError``) and any
#: ``OSError`` (a missing data file, ``--out`` naming a file, a full disk).
USER_ERRORS: tuple[type[BaseException], ...] = (
    UserError,
    NonFiniteLossError,
    CheckpointError,
    IDXError,
    DownloadError,
    ExpressionError,
    DotFailedError,
    OSError,
)


#: The ``args.os.*`` key of an operating-system error's reason, by errno (others:
#: ``args.os.other``, which names the errno but not the system's English ``strerror``).
_OS_ERROR_KEYS = {
    errno.ENOENT: "args.os.not_found",
    errno.EACCES: "args.os.permission",
    errno.EPERM: "args.os.permission",
    errno.EISDIR: "args.os.is_directory",
    errno.ENOTDIR: "args.os.not_directory",
    errno.EROFS: "args.os.read_only",
    errno.ENOSPC: "args.os.no_space",
    errno.EEXIST: "args.os.exists",
}


def describe_error(error: BaseException, lang: str = "en") -> str:
    """One line for ``error``: its message (a :class:`~micrograd_mlp.messages.CatalogueError`,
    e.g. an ``ExpressionError`` or a ``CheckpointError``, in ``lang``); for an ``OSError`` from
    the system, its reason and the file it concerns (``No such file or directory: 'x'``)
    instead of ``[Errno 2] ...``: in English the system's own words, in another language the
    reason from the ``args.os`` catalogue by errno (and the file, if the error names one)."""
    system = isinstance(error, OSError) and bool(error.strerror) and error.errno is not None
    if isinstance(error, CatalogueError):
        text = error.text(lang)
    elif system and lang != "en":
        key = _OS_ERROR_KEYS.get(error.errno, "args.os.other")
        text = message(key, lang, errno=error.errno)
        if error.filename is not None:
            text = message("args.os.path", lang, reason=text, path=error.filename)
    elif system and error.filename is not None:  # English: the system's own words
        text = f"{error.strerror}: '{error.filename}'"
    else:
        text = str(error) or type(error).__name__
    return " ".join(text.split())  # one line, whatever the message holds


def demo_modules() -> dict[str, ModuleType]:
    """Every demo module, keyed by its ``COMMAND``, in a stable (alphabetical) order."""
    found = {}
    for info in sorted(pkgutil.iter_modules(demos_package.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{demos_package.__name__}.{info.name}")
        if hasattr(module, "run") and hasattr(module, "COMMAND"):
            found[module.COMMAND] = module
    return found


def _add_common_arguments(
    parser: argparse.ArgumentParser, command: str, module: ModuleType | None = None
) -> None:
    """``--out`` and ``--seed``, which every command takes (so ``demos`` can pass them to all).

    A demo module that does not use one says so in ``UNUSED_OPTIONS`` (option -> why, e.g.
    ``{"--seed": "nothing here is random"}``); its help then says it is not used, and
    :func:`main` does not check an unused ``--out``.
    """
    unused = getattr(module, "UNUSED_OPTIONS", {})
    helps = {
        "--out": "directory for pictures and files (default: %(default)s)",
        "--seed": f"random seed, an integer in [0, {MAX_SEED}] (default: %(default)s)",
    }
    for option, why in unused.items():
        helps[option] = f"not used by this command: {why}"
    parser.add_argument("--out", type=Path, default=Path("out") / command, help=helps["--out"])
    parser.add_argument("--seed", type=seed_option, default=0, help=helps["--seed"])


#: argparse's own error messages (Python 3.11's English templates) -> the catalogue key with
#: the same fields. The first that matches the whole message wins; an argparse message that
#: none matches is printed in English (never a crash).
_ARGPARSE_ERRORS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.DOTALL), key)
    for pattern, key in (
        (
            r"argument (?P<argument>.+?): invalid choice: (?P<value>.*) \(choose from "
            r"(?P<choices>.*)\)",
            "args.invalid_choice",
        ),
        (r"argument (?P<argument>.+?): expected one argument", "args.expected_one"),
        (r"argument (?P<argument>.+?): expected at most one argument", "args.expected_at_most_one"),
        (
            r"argument (?P<argument>.+?): expected at least one argument",
            "args.expected_at_least_one",
        ),
        (r"argument (?P<argument>.+?): expected (?P<count>\d+) arguments?", "args.expected_count"),
        (
            r"argument (?P<argument>.+?): invalid (?P<type>\S+) value: (?P<value>.*)",
            "args.invalid_value",
        ),
        (
            r"argument (?P<argument>.+?): ignored explicit argument (?P<value>.*)",
            "args.ignored_value",
        ),
        (
            r"argument (?P<argument>.+?): not allowed with argument (?P<other>.*)",
            "args.not_allowed_with",
        ),
        (r"ambiguous option: (?P<option>.+?) could match (?P<matches>.*)", "args.ambiguous"),
        (r"unrecognized arguments: (?P<arguments>.*)", "args.unrecognized"),
        (r"the following arguments are required: (?P<arguments>.*)", "args.required"),
        (r"one of the arguments (?P<arguments>.+) is required", "args.one_required"),
    )
)
#: argparse's "argument X: <message of an option type>"; the option types
#: (:func:`micrograd_mlp.demos.options.int_option`, ...) already speak the run's language.
_ARGUMENT_ERROR = re.compile(r"argument (?P<argument>.+?): (?P<error>.*)", re.DOTALL)
_HANGUL = re.compile(r"[\uac00-\ud7a3]")


def translate_argparse_error(text: str, lang: str) -> str | None:
    """argparse's English error ``text`` in ``lang`` (from the ``args`` catalogue), or None
    when it is none of the known messages (the caller then keeps the English)."""
    for pattern, key in _ARGPARSE_ERRORS:
        found = pattern.fullmatch(text)
        if found:
            return catalogues.message(key, lang, **found.groupdict())
    found = _ARGUMENT_ERROR.fullmatch(text)
    if found and (lang == "en" or _HANGUL.search(found["error"])):
        return catalogues.message("args.argument", lang, **found.groupdict())
    return None


def _display_width(text: str) -> int:
    """The columns ``text`` takes in a terminal (a Hangul syllable takes two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


class _Parser(argparse.ArgumentParser):
    """argparse's parser, reporting its errors in :attr:`lang` (the language the command line
    asks for): the usage line with the catalogue's label (``사용법:``) and the error as
    ``PROG: 오류: ...`` (key ``args.error``), exit status 2 as argparse; in English, argparse's
    own text. It also adds a hint when a formula that starts with ``-`` (``"-x*y"``) was taken
    for an unknown option."""

    #: The language of the errors (:func:`main` sets it from ``--lang`` or the environment);
    #: None (the sub-command parsers): the language of the parse in progress.
    lang: str | None = None

    def _language(self) -> str:
        return self.lang if self.lang is not None else current_parsing_language()

    def parse_known_args(self, args=None, namespace=None):  # argparse's signature
        if self.lang is None:
            return super().parse_known_args(args, namespace)
        with parsing_language(self.lang):  # the option types refuse a value in this language
            return super().parse_known_args(args, namespace)

    def format_usage(self) -> str:
        lang = self._language()
        if lang == "en":
            return super().format_usage()
        prefix = catalogues.message("args.usage", lang)
        formatter = self._get_formatter()
        formatter.add_usage(self.usage, self._actions, self._mutually_exclusive_groups, prefix)
        first, *rest = formatter.format_help().split("\n")
        # argparse indents the continuation lines by len(prefix); a Hangul label is wider.
        pad = " " * (_display_width(prefix) - len(prefix))
        return "\n".join([first, *(pad + line if line[:1] == " " else line for line in rest)])

    def error(self, message: str) -> NoReturn:
        lang = self._language()
        prefix = "unrecognized arguments: "
        if message.startswith(prefix):
            extras = message[len(prefix) :].split()
            if any(a.startswith("-") and any(c in a for c in "*/+()") for a in extras):
                self.print_usage(sys.stderr)
                line = catalogues.message(
                    "formula.leading_minus", lang, prog=self.prog, arguments=" ".join(extras)
                )
                self.exit(2, line + "\n")
        if lang == "en":
            super().error(message)  # argparse's own words
        text = translate_argparse_error(message, lang)
        self.print_usage(sys.stderr)
        line = catalogues.message("args.error", lang, prog=self.prog, error=text or message)
        self.exit(2, line + "\n")


def _argv_lang(argv: Sequence[str] | None) -> str:
    """The language a command line asks for, read before it is parsed (for argparse's errors):
    ``--lang``, else ``$MICROGRAD_MLP_LANG``, else English (also for an unknown language)."""
    args = list(sys.argv[1:] if argv is None else argv)
    chosen = None
    for i, arg in enumerate(args):
        if arg == "--":
            break
        if arg == "--lang" and i + 1 < len(args):
            chosen = args[i + 1]
        elif arg.startswith("--lang="):
            chosen = arg.partition("=")[2]
    try:
        return resolve_lang(chosen)
    except ValueError:
        return "en"


# Keeps the line breaks of a description (formulas, lists) instead of reflowing it.
_FORMATTER = argparse.RawDescriptionHelpFormatter
_DEMOS_DESCRIPTION = """\
Run, one after the other, every demo that needs no downloaded data (each into OUT/<command>/),
with the same --seed. Each prints what it shows and writes its pictures; a few seconds each.
A demo that stops with an error (e.g. explore without Graphviz) does not stop the others; the
exit status is then 1. Run one with `micrograd-mlp <command>`; `micrograd-mlp <command> --help`
lists its options."""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser: ``demos`` (all built-in-data demos) plus one sub-command per demo."""
    parser = _Parser(
        prog="micrograd-mlp",
        description="Learn and do backpropagation: demos and training.",
        formatter_class=_FORMATTER,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    all_demos = commands.add_parser(
        "demos",
        help="run every demo that needs no downloaded data",
        description=_DEMOS_DESCRIPTION,
        formatter_class=_FORMATTER,
    )
    _add_common_arguments(all_demos, "")
    lang_option(all_demos, "every demo's text and pictures")
    for command, module in demo_modules().items():
        # argparse %-formats help strings: a literal "%" in a demo's HELP must be doubled.
        sub = commands.add_parser(
            command,
            help=module.HELP.replace("%", "%%"),
            description=module.__doc__,
            formatter_class=_FORMATTER,
        )
        _add_common_arguments(sub, command, module)
        module.add_arguments(sub)
    return parser


def run_demo(module: ModuleType, argv: Sequence[str] | None = None) -> dict:
    """Parse ``argv`` with the demo's own options and run it; returns what it measured.

    Errors are not caught here (tests look at them); :func:`main` turns user errors into one
    line. A bad option value exits through argparse (``SystemExit`` with status 2).
    """
    parser = _Parser(
        prog=f"micrograd-mlp {module.COMMAND}",
        description=module.__doc__,
        formatter_class=_FORMATTER,
    )
    parser.lang = _argv_lang(argv)
    _add_common_arguments(parser, module.COMMAND, module)
    module.add_arguments(parser)
    return module.run(parser.parse_args(argv))


def _fail(command: str, error: BaseException, lang: str = "en") -> int:
    """Print ``error`` as one line, ``micrograd-mlp COMMAND: error: ...`` (in ``lang``)."""
    text = message("cli.error", lang, command=command, error=describe_error(error, lang))
    print(text, file=sys.stderr)
    return 1


def _lang(args: argparse.Namespace) -> str:
    """The language of the command's messages; English when ``$MICROGRAD_MLP_LANG`` is bad
    (that error itself is then reported, in English)."""
    try:
        return resolve_lang(getattr(args, "lang", None))
    except ValueError:
        return "en"


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script. Returns the process exit status.

    0 on success; 1 after printing a user error (:data:`USER_ERRORS`) as one line on stderr
    (``demos`` runs the other demos after one fails, then says which failed);
    argparse exits with 2 for a bad option value; 141 (128 + SIGPIPE, as a Unix tool killed by
    the signal) without a message when the reader of the output went away (``... | head``).
    """
    try:
        parser = build_parser()
        parser.lang = _argv_lang(argv)
        status = _run(parser.parse_args(argv))
        sys.stdout.flush()  # inside the try: the last lines may meet the closed pipe only now
        return status
    except BrokenPipeError:
        # Nothing is wrong and nobody is reading: stop quietly. Point stdout at /dev/null so
        # that Python's own flush at exit does not fail on the closed pipe again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


def _run(args: argparse.Namespace) -> int:
    if args.command != "demos":
        module = demo_modules()[args.command]
        try:
            if "--out" not in getattr(module, "UNUSED_OPTIONS", {}):
                check_out(args.out, getattr(module, "OUT_FILE_SUFFIXES", ()), _lang(args))
            module.run(args)
        except BrokenPipeError:
            raise
        except USER_ERRORS as error:
            return _fail(args.command, error, _lang(args))
        return 0
    # One demo's user error (e.g. explore without Graphviz's dot) is reported as its one line
    # and the others still run; the status says whether all of them did.
    lang = _lang(args)
    try:
        check_out(args.out, lang=lang)
        chosen_lang(args)  # a bad $MICROGRAD_MLP_LANG is refused before any demo runs
    except UserError as error:
        return _fail("demos", error, lang)
    failed = []
    builtin = [(c, m) for c, m in demo_modules().items() if getattr(m, "BUILTIN_DATA", False)]
    for command, module in builtin:
        print(f"\n=== micrograd-mlp {command} ===", flush=True)
        argv = ["--out", str(args.out / command), "--seed", str(args.seed), "--lang", lang]
        try:
            run_demo(module, argv)
        except BrokenPipeError:
            raise
        except USER_ERRORS as error:
            _fail(command, error, lang)
            failed.append(command)
    if failed:
        names, count = ", ".join(failed), len(failed)
        text = message("cli.demos_failed", lang, failed=count, total=len(builtin), names=names)
        print(text, file=sys.stderr)
        return 1
    return 0


def script_main(module: ModuleType) -> None:
    """What ``python demos/<name>.py [options]`` runs: :func:`main` for the module's command
    (the same options and the same one-line user errors), then exit with its status."""
    sys.exit(main([module.COMMAND, *sys.argv[1:]]))


if __name__ == "__main__":
    sys.exit(main())
