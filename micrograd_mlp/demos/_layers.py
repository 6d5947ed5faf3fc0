"""Helpers shared by the concept demos: an MLP's forward pass with any activation, their text in
the chosen language, a loss that must stay finite, and pictures drawn in that language."""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable
from pathlib import Path

import numpy as np
from matplotlib import rc_context
from matplotlib.figure import Figure

from micrograd_mlp.demos.options import UserError
from micrograd_mlp.messages import message
from micrograd_mlp.tensor import MLP, Tensor
from micrograd_mlp.tensor.functional import linear
from micrograd_mlp.viz.fonts import plot_lang, plot_rc
from micrograd_mlp.viz.plots import save_figure

#: An activation on Tensors, e.g. ``Tensor.tanh`` or ``lambda z: z.tanh() + 1.0``.
Activation = Callable[[Tensor], Tensor]
#: ``text(key, **fields)``: a demo's message ``<topic>.<key>`` in one language.
Text = Callable[..., str]


def linear_stack(nin: int, nouts: list[int], seed: int) -> MLP:
    """The layers of ``MLP(nin, nouts)`` in float64, seeded: the same initial weights whatever
    activation :func:`forward` then applies between them."""
    return MLP(nin, nouts, activation="linear", seed=seed, dtype=np.float64)


def forward(model: MLP, X: np.ndarray, activation: Activation) -> tuple[Tensor, list[Tensor]]:
    """``model``'s layers with ``activation`` after every layer but the last.

    Args:
        model: from :func:`linear_stack`. X: inputs, shape (N, nin).
        activation: applied to each hidden layer's pre-activation ``z = h W^T + b``.

    Returns:
        The output (N, nouts[-1]) and the pre-activations of the hidden layers, each (N, width),
        all part of the graph (``output.backward()`` reaches every weight).
    """
    h = Tensor(np.asarray(X, dtype=np.float64))
    pre: list[Tensor] = []
    last = len(model.layers) - 1
    for i, layer in enumerate(model.layers):
        z = linear(h, layer.weight, layer.bias)
        if i == last:
            return z, pre
        pre.append(z)
        h = activation(z)
    raise AssertionError("unreachable: an MLP has at least one layer")


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


def finite_loss(loss: float, error: Callable[[float], str]) -> float:
    """``loss`` as a float, or :class:`UserError` with ``error(loss)`` (one line naming the
    option to change) when it is NaN or infinite: a diverging run stops, it never prints NaN."""
    loss = float(loss)
    if not math.isfinite(loss):
        raise UserError(error(loss))
    return loss


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
