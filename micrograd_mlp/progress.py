"""Progress bars: the one helper behind every bar the package shows (training epochs, downloads).

Rules, so that a log file is never flooded and a notebook prints no warning:

* a bar is drawn only where someone watches it: on a terminal (``stream.isatty()``) or in a
  Jupyter kernel. Anywhere else (a log file, a CI job, a pipe) :func:`progress_bar` returns a
  disabled bar, and callers print one summary line per epoch instead;
* in Jupyter the widget bar of ``tqdm.auto`` is used only when ``ipywidgets`` can be imported;
  without it, plain ``tqdm`` text (``tqdm.auto`` would warn "IProgress not found");
* ``tqdm`` is imported when the first bar is made, never when the library is imported.
"""

from __future__ import annotations

import importlib.util
import sys
from typing import Any, TextIO

__all__ = ["bars_visible", "in_notebook", "progress_bar"]


def in_notebook() -> bool:
    """True inside a Jupyter kernel (an IPython ``ZMQInteractiveShell``)."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return type(shell).__name__ == "ZMQInteractiveShell"


def bars_visible(stream: TextIO | None = None) -> bool:
    """Whether a bar written to ``stream`` (default: ``sys.stderr``) would be seen as a bar: the
    stream is a terminal, or we run in a Jupyter kernel."""
    stream = sys.stderr if stream is None else stream
    try:
        tty = bool(stream.isatty())
    except (AttributeError, ValueError):  # no isatty(), or a closed stream
        tty = False
    return tty or in_notebook()


def _tqdm_class() -> type:
    if in_notebook() and importlib.util.find_spec("ipywidgets") is not None:
        from tqdm.auto import tqdm
    else:
        from tqdm.std import tqdm
    return tqdm


def progress_bar(
    total: float | None = None,
    desc: str | None = None,
    unit: str = "it",
    *,
    enabled: bool = True,
    stream: TextIO | None = None,
    **options: Any,
) -> Any:
    """A tqdm bar, or a disabled one (its ``update``/``set_postfix`` do nothing).

    Args:
        total: the expected number of units (None: unknown).
        desc: the bar's label.
        unit: what is counted (``"sample"``, ``"B"``...).
        enabled: False always gives a disabled bar (e.g. ``--quiet``).
        stream: where the bar goes (default ``sys.stderr``); the bar is enabled only when
            :func:`bars_visible` says it would be seen there.
        **options: passed on to ``tqdm`` (``unit_scale``, ``leave``, ...).

    Returns:
        A ``tqdm`` instance; use it as a context manager.
    """
    stream = sys.stderr if stream is None else stream
    show = enabled and bars_visible(stream)
    options.setdefault("dynamic_ncols", True)
    return _tqdm_class()(
        total=total, desc=desc, unit=unit, file=stream, disable=not show, **options
    )
