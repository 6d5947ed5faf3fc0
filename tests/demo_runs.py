"""Runs of the scalar-engine demos (moons, xor, regression, linear-collapse, learning-rate,
batch-size, losses), cached per test process: several test files assert claims of the same runs,
each for the three seeds of :data:`SEEDS`, and a run takes seconds.

:func:`demo_run` returns what the command returned, what it printed and every figure it saved
(through ``micrograd_mlp.demos._output.save_plot``), by file name, so a test can look at a
picture's artists (is there a decision boundary?) and texts (are they Korean?).
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import io
import shutil
import tempfile
import warnings
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from unittest import mock

from matplotlib.figure import Figure

from micrograd_mlp.cli import run_demo
from micrograd_mlp.demos import _output

#: The seeds every claim is asserted for.
SEEDS = (0, 1, 2)

_ROOT = Path(tempfile.mkdtemp(prefix="demo-runs-"))


@dataclass(frozen=True)
class DemoRun:
    """One run: ``result`` (what ``run`` returned), ``out`` (its ``--out``), ``text`` (what it
    printed), ``figures`` (file name -> the saved Figure) and ``warnings`` (their messages)."""

    result: dict
    out: Path
    text: str
    figures: dict[str, Figure]
    warnings: tuple[str, ...]


def run_once(command: str, out: Path, *argv: str) -> DemoRun:
    """Run ``micrograd-mlp <command> --out <out> <argv...>`` (not cached)."""
    module = importlib.import_module(f"micrograd_mlp.demos.{command.replace('-', '_')}")
    figures: dict[str, Figure] = {}
    save = _output.save_figure

    def keep(fig: Figure, path: Path, *args, **kwargs) -> Path:
        figures[Path(path).name] = fig
        return save(fig, path, *args, **kwargs)

    buffer = io.StringIO()
    with (
        mock.patch.object(_output, "save_figure", keep),
        contextlib.redirect_stdout(buffer),
        warnings.catch_warnings(record=True) as caught,
    ):
        warnings.simplefilter("always")
        result = run_demo(module, ["--out", str(out), *argv])
    return DemoRun(result, out, buffer.getvalue(), figures, tuple(str(w.message) for w in caught))


@cache
def demo_run(command: str, seed: int = 0, *argv: str) -> DemoRun:
    """``micrograd-mlp <command> --seed <seed> <argv...>``, run once per process."""
    out = _ROOT / f"{command}-{seed}-{'-'.join(argv)}".strip("-")
    return run_once(command, out, "--seed", str(seed), *argv)


@atexit.register
def _cleanup() -> None:
    """Remove the runs' output directories when the test process ends."""
    shutil.rmtree(_ROOT, ignore_errors=True)


def gids(fig: Figure) -> set[str]:
    """The gids of a figure's artists: ``"decision-boundary"`` where
    :func:`micrograd_mlp.demos._predict.plot_regions` drew a boundary, ``"no-boundary"`` where it
    wrote that there is none."""
    return {a.get_gid() for a in fig.findobj() if a.get_gid()}


def figure_texts(fig: Figure) -> list[str]:
    """Every text a reader reads in ``fig`` except tick labels (numbers): titles, axis labels,
    legend entries and titles, colour-bar labels, notes."""
    ticks = set()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            ticks |= {id(t) for t in axis.get_ticklabels(which="both")}
            ticks.add(id(axis.offsetText))
    texts = [t.get_text() for t in fig.findobj(_is_text) if id(t) not in ticks]
    return [t for t in texts if t.strip()]


def _is_text(artist: object) -> bool:
    from matplotlib.text import Text

    return isinstance(artist, Text)
