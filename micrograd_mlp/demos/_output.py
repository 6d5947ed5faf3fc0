"""What a demo prints and draws, in the learner's language: its catalogue, tables that line up
with Hangul, and figures saved with a Hangul font when they speak Korean."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from pathlib import Path

from matplotlib import rc_context
from matplotlib.figure import Figure

from micrograd_mlp.messages import message
from micrograd_mlp.viz.fonts import plot_lang, plot_rc
from micrograd_mlp.viz.plots import save_figure

__all__ = ["Text", "columns", "rjust", "save_plot", "texts"]

#: ``text(key, **fields)``: one line of a demo's catalogue (see :func:`texts`).
Text = Callable[..., str]


def texts(topic: str, lang: str) -> Text:
    """``text(key, **fields)`` = ``message(f"{topic}.{key}", lang, **fields)``: a demo's
    catalogue (``messages/<lang>/<topic>.json``) in one language."""

    def text(key: str, **fields: object) -> str:
        return message(f"{topic}.{key}", lang, **fields)

    return text


def columns(text: str) -> int:
    """How many terminal columns ``text`` takes: a Hangul (wide) character takes two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def rjust(text: str, width: int) -> str:
    """``text`` right-aligned in ``width`` terminal columns (see :func:`columns`), so that
    Korean and English tables line up alike."""
    return " " * max(0, width - columns(text)) + text


def save_plot(draw: Callable[[str], Figure], path: Path, lang: str) -> Path:
    """Build a figure with ``draw(plot_language)`` and save it to ``path``, both with the font
    settings of that language (a Hangul font for Korean; see
    :func:`micrograd_mlp.viz.fonts.plot_lang`: without one, English and a warning).

    :func:`~micrograd_mlp.viz.plots.save_figure` draws a log axis's tick labels (``10^{-3}``)
    in DejaVu Sans when the Hangul font lacks the minus sign, so no glyph is missing.
    """
    chosen = plot_lang(lang)
    with rc_context(plot_rc(chosen)):
        return save_figure(draw(chosen), path)
