"""Pictures: computation graphs (Graphviz), the backward pass step by step, training plots
(matplotlib).

``draw_dot``/``save_graph`` come from :mod:`~micrograd_mlp.viz.graph`; the plotting functions
from :mod:`~micrograd_mlp.viz.plots`, :mod:`~micrograd_mlp.viz.regions` and
:mod:`~micrograd_mlp.viz.image_plots` are loaded on first use, so importing this package (or
``draw_dot``) does not pay matplotlib's import time. (``micrograd_mlp.viz.regions`` is the
module; its function is ``micrograd_mlp.viz.regions.regions``.)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from micrograd_mlp.viz.backprop import backward_steps, explain
from micrograd_mlp.viz.backprop_frames import backward_frames, backward_graphs
from micrograd_mlp.viz.explorer import Explorer, explorer, save_explorer
from micrograd_mlp.viz.graph import (
    NODE_COLORS,
    DotFailedError,
    DotNotFoundError,
    DotNotFoundWarning,
    draw_dot,
    save_graph,
)

if TYPE_CHECKING:
    from micrograd_mlp.viz.image_plots import plot_confusion_matrix, plot_image_grid
    from micrograd_mlp.viz.plots import (
        plot_decision_boundary,
        plot_loss_curve,
        plot_regression_fit,
        plot_training_history,
        save_figure,
    )
    from micrograd_mlp.viz.regions import MIN_SPAN, Regions, plot_regions

_LAZY = {
    "plot_confusion_matrix": "image_plots",
    "plot_image_grid": "image_plots",
    "plot_decision_boundary": "plots",
    "plot_loss_curve": "plots",
    "plot_regression_fit": "plots",
    "plot_training_history": "plots",
    "save_figure": "plots",
    "MIN_SPAN": "regions",
    "Regions": "regions",
    "plot_regions": "regions",
}

__all__ = [
    "MIN_SPAN",
    "NODE_COLORS",
    "DotFailedError",
    "DotNotFoundError",
    "DotNotFoundWarning",
    "Explorer",
    "Regions",
    "backward_frames",
    "backward_graphs",
    "backward_steps",
    "draw_dot",
    "explain",
    "explorer",
    "plot_confusion_matrix",
    "plot_decision_boundary",
    "plot_image_grid",
    "plot_loss_curve",
    "plot_regions",
    "plot_regression_fit",
    "plot_training_history",
    "save_explorer",
    "save_figure",
    "save_graph",
]


def __getattr__(name: str) -> Any:
    """Import a plotting function (and matplotlib) the first time it is asked for (PEP 562)."""
    if name in _LAZY:
        value = getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
