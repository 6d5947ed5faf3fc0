"""Fonts for pictures with Korean text: Hangul that renders, never empty boxes.

matplotlib's default font (DejaVu Sans) has no Hangul, so Korean titles come out as empty boxes
with "Glyph ... missing from font(s)" warnings. :func:`plot_rc` finds an installed Hangul font
through matplotlib's font manager (NanumGothic from Debian's ``fonts-nanum`` first) and returns
the settings to draw with it, DejaVu Sans behind it for the symbols it lacks. When there is none,
:func:`plot_lang` warns once, naming the package to install, and falls back to English text, so a
picture is never drawn with boxes. Graphviz finds fonts through fontconfig:
:func:`graphviz_fontname` gives the name to set when a label contains Hangul.

Usage (a Korean plot)::

    lang = plot_lang("ko")                    # "en" (and a warning) if no Hangul font
    with matplotlib.rc_context(plot_rc(lang)):
        fig = ...                             # build and save inside the context

The plotting functions of :mod:`micrograd_mlp.viz.plots` choose their font by the labels they
are given (:func:`figure_rc`), and :func:`~micrograd_mlp.viz.plots.save_figure` draws log-axis
tick labels in DejaVu Sans when the figure's font lacks the minus sign (:func:`fix_log_ticks`).
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Iterable
from functools import cache
from typing import TYPE_CHECKING

from micrograd_mlp.messages import resolve_lang

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "HANGUL_FONTS",
    "HangulFontWarning",
    "contains_hangul",
    "figure_rc",
    "fix_log_ticks",
    "graphviz_fontname",
    "hangul_font",
    "plot_lang",
    "plot_rc",
]

#: Font families with Hangul, in order of preference: Debian's fonts-nanum, fonts-noto-cjk,
#: fonts-unfonts-core, fonts-baekmuk, then the ones Windows and macOS ship.
HANGUL_FONTS = (
    "NanumGothic",
    "NanumBarunGothic",
    "Noto Sans CJK KR",
    "Noto Sans KR",
    "UnDotum",
    "Baekmuk Gulim",
    "Malgun Gothic",
    "AppleGothic",
    "Apple SD Gothic Neo",
)

# Font files of the families above (as Debian and the vendors name them).
_KOREAN_FONT_FILE = re.compile(
    r"nanum|notosanscjk|notosanskr|un-?dotum|baekmuk|malgun|applegothic", re.IGNORECASE
)
# Hangul syllables, Jamo and compatibility Jamo.
_HANGUL = re.compile("[\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3]")
_INSTALL_HINT = (
    "no Hangul font found for Korean plots (looked for {fonts}); drawing them with English text "
    "instead. Install one, e.g. 'apt-get install fonts-nanum' (Debian/Ubuntu)"
)


class HangulFontWarning(UserWarning):
    """No installed font has Hangul: Korean plot text falls back to English."""


def contains_hangul(text: str) -> bool:
    """True if ``text`` (a str) has at least one Hangul character."""
    return bool(_HANGUL.search(text))


@cache
def hangul_font() -> str | None:
    """The first family of :data:`HANGUL_FONTS` that matplotlib's font manager has, or None.

    Looked up once per process. matplotlib keeps a cache of the fonts it saw when the cache was
    built; a Hangul font installed later is not in it, so when the cache has none, the system's
    font files whose names look Korean (Nanum, Noto CJK, Un, Baekmuk) are added to the font
    manager and looked up again.
    """
    from matplotlib import font_manager

    def first_installed() -> str | None:
        installed = {font.name for font in font_manager.fontManager.ttflist}
        return next((name for name in HANGUL_FONTS if name in installed), None)

    found = first_installed()
    if found is None:
        for path in font_manager.findSystemFonts():
            if _KOREAN_FONT_FILE.search(os.path.basename(path)):
                font_manager.fontManager.addfont(path)
        found = first_installed()
    return found


def plot_lang(lang: str | None = None) -> str:
    """The language to write a plot's text in: ``lang`` (see
    :func:`~micrograd_mlp.messages.resolve_lang`), except ``"en"`` when it is ``"ko"`` and no
    Hangul font is installed; that case issues a :class:`HangulFontWarning` naming the package.

    Raises:
        ValueError: unknown language.
    """
    chosen = resolve_lang(lang)
    if chosen == "ko" and hangul_font() is None:
        warnings.warn(
            _INSTALL_HINT.format(fonts=", ".join(HANGUL_FONTS)), HangulFontWarning, stacklevel=2
        )
        return "en"
    return chosen


def plot_rc(lang: str | None = None, texts: Iterable[str] = ()) -> dict[str, object]:
    """matplotlib settings (for ``matplotlib.rc_context``) to draw text in ``lang``, and the
    ``texts`` the picture will show besides (names, labels: a learner's Hangul variable names
    in an English run).

    The font is chosen by the text drawn, not by the language alone. For ``"ko"`` with a Hangul
    font installed: ``{"font.family": [<Hangul font>, "DejaVu Sans"]}`` (matplotlib takes a
    missing glyph from the next family in the list, so the minus sign and other symbols still
    render). For another language whose ``texts`` hold Hangul: ``["DejaVu Sans", <Hangul
    font>]`` (the English text keeps its usual font, the Hangul comes from the second).
    Otherwise ``{}`` (matplotlib's defaults); with Hangul in ``texts`` and no Hangul font, a
    :class:`HangulFontWarning` naming the package to install. Call :func:`plot_lang` first to
    choose the language of the text itself.

    Raises:
        ValueError: unknown language.
    """
    korean = resolve_lang(lang) == "ko"
    hangul_text = any(contains_hangul(text) for text in texts)
    font = hangul_font() if korean or hangul_text else None
    if font is None:
        if hangul_text:
            warnings.warn(
                f"no Hangul font found (looked for {', '.join(HANGUL_FONTS)}): the Hangul in "
                "this picture's names shows as empty boxes. Install one, e.g. 'apt-get install "
                "fonts-nanum' (Debian/Ubuntu)",
                HangulFontWarning,
                stacklevel=2,
            )
        return {}
    return {"font.family": [font, "DejaVu Sans"] if korean else ["DejaVu Sans", font]}


def figure_rc(labels: Iterable[str], names: Iterable[str] = ()) -> dict[str, object]:
    """matplotlib settings (for ``matplotlib.rc_context``) to build a figure whose own words are
    ``labels`` (title, axis labels, captions: strs in the caller's language) and which shows
    ``names`` besides (strs: series, classes, models).

    Hangul in ``labels`` makes it a Korean figure, ``plot_rc("ko", ...)``: the Hangul font
    first. Hangul only in ``names`` gives ``plot_rc("en", names)``: DejaVu Sans first, the
    Hangul font behind it. ``{}`` (leave the settings as they are) when no text has Hangul, or
    when the current settings already list the Hangul font (the figure is drawn inside
    ``rc_context(plot_rc("ko"))``, as a demo's Korean figures are): the caller's choice stands.
    With Hangul and no Hangul font installed: ``{}`` and a :class:`HangulFontWarning` naming
    the package to install.
    """
    labels, names = list(labels), list(names)
    if not any(contains_hangul(text) for text in labels + names):
        return {}
    from matplotlib import rcParams

    font = hangul_font()
    if font is not None and font in rcParams["font.family"]:
        return {}
    korean = any(contains_hangul(text) for text in labels)
    return plot_rc("ko" if korean else "en", labels + names)


def fix_log_ticks(fig: Figure) -> None:
    """Draw the tick labels of ``fig``'s non-linear axes in DejaVu Sans where their font lacks
    the minus sign.

    A log axis labels its ticks ``10^{-3}`` in mathtext, which takes every glyph from one font
    (the first family, no fallback); a Hangul font may lack the minus sign U+2212 (NanumGothic
    does), which would be drawn as an empty box with a missing-glyph warning. Such tick labels
    (numbers only) are switched to DejaVu Sans; every other text keeps its font. Call it with
    the settings the figure is saved with (:func:`~micrograd_mlp.viz.plots.save_figure` does).
    """
    for ax in fig.axes:  # colour bars are axes too
        for axis in (ax.xaxis, ax.yaxis):
            if axis.get_scale() == "linear":
                continue
            ticks = axis.get_major_ticks()
            if ticks and not _has_minus(ticks[0].label1.get_fontproperties()):
                ax.tick_params(axis=axis.axis_name, which="both", labelfontfamily="DejaVu Sans")


def _has_minus(properties: object) -> bool:
    """True if the font matplotlib finds for these FontProperties has the minus sign."""
    from matplotlib import font_manager

    return _font_has_minus(font_manager.findfont(properties))


@cache
def _font_has_minus(path: str) -> bool:
    from matplotlib import font_manager

    return font_manager.get_font(path).get_char_index(0x2212) != 0


def graphviz_fontname(labels: Iterable[str], default: str = "Helvetica") -> str:
    """The Graphviz ``fontname`` for a picture with these labels: the Hangul font when any label
    contains Hangul and one is installed, else ``default``."""
    if any(contains_hangul(text) for text in labels):
        return hangul_font() or default
    return default
