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
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Iterable
from functools import cache

from micrograd_mlp.messages import resolve_lang

__all__ = [
    "HANGUL_FONTS",
    "HangulFontWarning",
    "contains_hangul",
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


def graphviz_fontname(labels: Iterable[str], default: str = "Helvetica") -> str:
    """The Graphviz ``fontname`` for a picture with these labels: the Hangul font when any label
    contains Hangul and one is installed, else ``default``."""
    if any(contains_hangul(text) for text in labels):
        return hangul_font() or default
    return default
