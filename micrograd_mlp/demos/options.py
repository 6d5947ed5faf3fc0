"""What every command of the ``micrograd-mlp`` CLI shares: option types, ``--lang``, user errors.

The demo modules (``micrograd_mlp.demos.*``) and the CLI itself (:mod:`micrograd_mlp.cli`, which
finds and runs the demos) import this module; it imports neither, so the arrows point one way.

* :func:`int_option`, :func:`float_option`, :data:`seed_option`: argparse ``type=`` functions
  that refuse a bad value with a usage line naming the option (exit status 2, before anything
  runs), in the language of the command line being parsed (:func:`parsing_language`, set by
  the CLI's parser; English otherwise);
* :func:`lang_option` / :func:`chosen_lang`: ``--lang`` and ``$MICROGRAD_MLP_LANG``;
* :class:`UserError`: a mistake that shows only while a command runs, printed by the CLI as
  one line (exit status 1); :func:`check_out` raises it for an ``--out`` that cannot be a
  directory.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from micrograd_mlp.messages import LANGUAGES, message, resolve_lang

__all__ = [
    "MAX_SEED",
    "UserError",
    "check_out",
    "chosen_lang",
    "current_parsing_language",
    "float_option",
    "int_option",
    "lang_option",
    "parsing_language",
    "seed_option",
]

#: The largest ``--seed`` (NumPy's legacy seeding and most tools take 32-bit seeds).
MAX_SEED = 2**32 - 1


class UserError(Exception):
    """A mistake of the user's that only shows once a command runs (e.g. two options that do
    not fit together): the CLI prints its message as one line and exits with status 1.

    The message should name the options in the CLI's words (``--batch-sizes``, not
    ``batch_sizes``).
    """


#: The language of the option types' messages while a command line is parsed.
_PARSING_LANG: ContextVar[str] = ContextVar("micrograd_mlp_parsing_lang", default="en")


@contextmanager
def parsing_language(lang: str) -> Iterator[str]:
    """While inside, the option types (:func:`int_option`, ...) refuse a value in ``lang``
    (the CLI's parser wraps its parsing in this); outside, and by default, in English.
    Yields the language in force."""
    token = _PARSING_LANG.set(lang)
    try:
        yield lang
    finally:
        _PARSING_LANG.reset(token)


def current_parsing_language() -> str:
    """The language set by the innermost :func:`parsing_language` (English outside one)."""
    return _PARSING_LANG.get()


def _refuse(key: str, **fields: object) -> argparse.ArgumentTypeError:
    """argparse's refusal of an option value, in the language of the parse (``args.*`` key)."""
    return argparse.ArgumentTypeError(message(key, _PARSING_LANG.get(), **fields))


def _parse_number(text: str, kind: type) -> float | int:
    try:
        return kind(text)
    except ValueError:
        key = "args.option.integer" if kind is int else "args.option.number"
        raise _refuse(key, value=repr(text)) from None


def int_option(minimum: int = 1, maximum: int | None = None) -> Callable[[str], int]:
    """An argparse ``type=`` for an integer in ``[minimum, maximum]``.

    ``parser.add_argument("--points", type=int_option(3, 10_001))``: ``--points 0`` or
    ``--points 100000000`` is refused by argparse with a usage line such as
    ``argument --points: must be between 3 and 10,001, got 100,000,000`` (exit status 2).
    Every size option should have a ``maximum``, so that a typo cannot ask for gigabytes.
    """

    def parse(text: str) -> int:
        n = _parse_number(text, int)
        if maximum is None and n < minimum:
            raise _refuse("args.option.at_least", low=f"{minimum:,}", value=f"{n:,}")
        if n < minimum or (maximum is not None and n > maximum):
            raise _refuse(
                "args.option.between", low=f"{minimum:,}", high=f"{maximum:,}", value=f"{n:,}"
            )
        return n

    parse.__name__ = "int"  # argparse names the type in some of its messages
    return parse


def float_option(
    minimum: float | None = None,
    maximum: float | None = None,
    *,
    exclusive_minimum: bool = False,
    exclusive_maximum: bool = False,
) -> Callable[[str], float]:
    """An argparse ``type=`` for a finite float, optionally bounded.

    ``float_option(0, exclusive_minimum=True)`` is a learning rate: ``--lr 0``, ``--lr -1``,
    ``--lr nan`` and ``--lr inf`` are refused with a usage line naming the option and the
    allowed range (exit status 2). NaN and infinities are always refused.
    """

    def parse(text: str) -> float:
        x = _parse_number(text, float)
        if not math.isfinite(x):
            raise _refuse("args.option.finite", value=repr(text))
        low_bad = minimum is not None and (x <= minimum if exclusive_minimum else x < minimum)
        high_bad = maximum is not None and (x >= maximum if exclusive_maximum else x > maximum)
        if low_bad or high_bad:
            raise _range_error(f"{x:g}")
        return x

    def _range_error(value: str) -> argparse.ArgumentTypeError:
        lang = _PARSING_LANG.get()
        low = high = None
        if minimum is not None:
            key = "args.option.above" if exclusive_minimum else "args.option.at_or_above"
            low = message(key, lang, bound=f"{minimum:g}")
        if maximum is not None:
            key = "args.option.below" if exclusive_maximum else "args.option.at_or_below"
            high = message(key, lang, bound=f"{maximum:g}")
        if low and high:
            return _refuse("args.option.range_both", low=low, high=high, value=value)
        return _refuse("args.option.range", interval=low or high, value=value)

    parse.__name__ = "float"
    return parse


#: ``--seed``: an integer in [0, MAX_SEED].
seed_option = int_option(0, MAX_SEED)


def lang_option(parser: argparse.ArgumentParser, subject: str = "the text") -> None:
    """Add ``--lang`` to ``parser``: the language of a command's ``subject`` (a noun phrase,
    e.g. ``"the text and of the example's labels"``), one of
    :data:`micrograd_mlp.messages.LANGUAGES`.

    ``--lang fr`` is refused by argparse (``argument --lang: invalid choice: 'fr'``, exit
    status 2). Its default is None: :func:`chosen_lang` then reads ``$MICROGRAD_MLP_LANG``,
    else English, and refuses an unknown language there.
    """
    parser.add_argument(
        "--lang",
        choices=LANGUAGES,
        default=None,
        help=f"language of {subject} (default: $MICROGRAD_MLP_LANG, else {LANGUAGES[0]})",
    )


def chosen_lang(args: argparse.Namespace) -> str:
    """The language of a command with :func:`lang_option`: ``args.lang`` if given, else
    ``$MICROGRAD_MLP_LANG``, else English (see :func:`micrograd_mlp.messages.resolve_lang`).

    Raises:
        UserError: ``$MICROGRAD_MLP_LANG`` names a language with no catalogue, e.g.
            ``MICROGRAD_MLP_LANG: unknown language 'xx'; choose one of ['en', 'ko']``
            (:func:`main` prints it as one line, exit status 1).
    """
    try:
        return resolve_lang(getattr(args, "lang", None))
    except ValueError as e:
        raise UserError(str(e)) from None


def check_out(out: Path, file_suffixes: Sequence[str] = (), lang: str = "en") -> None:
    """Refuse an ``--out`` that cannot be a directory, before a command computes anything:
    ``out`` (unless it ends in one of ``file_suffixes``, e.g. explore's ``.html``) or one of
    its parents is an existing file. The message is in ``lang``.

    Raises:
        UserError: ``--out 'x' is a file; give a directory (it is created if missing)``, or
            ``--out 'x/y': 'x' is a file, so the directory cannot be made``.
    """
    if out.exists() and not out.is_dir() and out.suffix.lower() not in file_suffixes:
        raise UserError(message("args.out_is_file", lang, out=out))
    blocker = next((p for p in reversed(out.parents) if p.exists() and not p.is_dir()), None)
    if blocker is not None:
        raise UserError(message("args.out_blocked", lang, out=out, blocker=blocker))
