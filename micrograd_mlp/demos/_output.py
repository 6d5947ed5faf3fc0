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

    The tick labels of a log axis (``10^{-3}``) are mathtext, which takes every glyph from one
    font, and a Hangul font may lack the minus sign: in a Korean figure they are drawn in
    DejaVu Sans (numbers only), so no glyph is missing.
    """
    chosen = plot_lang(lang)
    settings = plot_rc(chosen)
    with rc_context(settings):
        fig = draw(chosen)
        if settings:
            for ax in fig.axes:
                for axis, scale in (("x", ax.get_xscale()), ("y", ax.get_yscale())):
                    if scale != "linear":
                        ax.tick_params(axis=axis, which="both", labelfontfamily="DejaVu Sans")
        return save_figure(fig, path)
