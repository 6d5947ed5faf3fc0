"""Softmax: the last layer's logits as class probabilities, and what scaling the logits does.

A classifier's last layer outputs one number per class, the logits ``z_1 .. z_C``. Softmax turns
them into probabilities, ``p_k = exp(z_k) / sum_j exp(z_j)``: all positive, summing to 1, in the
order of the logits (the largest logit gets the largest probability). Adding a constant to every
logit changes nothing; multiplying them by ``s`` does: ``s > 1`` sharpens the distribution
towards a one-hot vector, ``s < 1`` flattens it towards uniform (1/C each), and the predicted
class (the argmax) never changes. (Dividing by a "temperature" T is s = 1/T.)

The demo trains ``MLP(2, [16, 3])`` with cross-entropy on three Gaussian clusters, prints the
logits and softmax probabilities of a few points (one near each cluster's centre, one between
clusters: the training point whose largest probability is closest to 0.6) and, for that
point, the probabilities at several scales ``s``.

Writes ``softmax.png`` under ``--out``: bars of the probabilities per point (left) and per
scale (right). ``--lang ko`` prints and draws in Korean. A loss that stops being finite stops
the run with a one-line error naming ``--lr`` (which is at most ``MAX_LR``: Adam's step is
about ``lr`` per weight, so a larger rate is never a useful one).
"""

from __future__ import annotations

import argparse
import math
import warnings
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from micrograd_mlp.demos._layers import finite_loss
from micrograd_mlp.demos._output import columns, rjust, save_plot, texts
from micrograd_mlp.demos.options import (
    UserError,
    chosen_lang,
    float_option,
    int_option,
    lang_option,
)
from micrograd_mlp.optim import Adam
from micrograd_mlp.tensor import MLP, Tensor, no_grad
from micrograd_mlp.tensor.functional import cross_entropy

COMMAND = "softmax"
HELP = "softmax turns the last layer's logits into class probabilities; scaling logits sharpens"
BUILTIN_DATA = True
#: The files ``run`` writes under ``--out``.
PICTURES = ("softmax.png",)
#: Centres of the three clusters (class 0, 1, 2); the points shown are these centres and the
#: training point the model is least sure about (its largest probability closest to UNSURE).
CENTRES = np.array([[-2.0, 0.0], [2.0, 0.0], [0.0, 2.5]])
UNSURE = 0.6
#: The logit scales s compared for the point between clusters.
SCALES = (0.1, 0.5, 1.0, 2.0, 4.0)
MAX_SAMPLES, MAX_STEPS = 10_000, 5_000
#: The largest ``--lr``.
MAX_LR = 1.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options: points per cluster, training steps, learning rate, ``--lang``."""
    parser.add_argument(
        "--samples",
        type=int_option(1, MAX_SAMPLES),
        default=50,
        help=f"points per cluster, 1 to {MAX_SAMPLES:,} (default: 50)",
    )
    parser.add_argument(
        "--steps",
        type=int_option(1, MAX_STEPS),
        default=200,
        help=f"full-batch Adam steps, 1 to {MAX_STEPS:,} (default: 200)",
    )
    parser.add_argument(
        "--lr",
        type=float_option(0, MAX_LR, exclusive_minimum=True),
        default=0.05,
        help=f"Adam learning rate, in (0, {MAX_LR:g}] (default: 0.05)",
    )
    lang_option(parser)


def softmax(z: np.ndarray, scale: float = 1.0) -> np.ndarray:
    """``softmax(scale * z)`` along the last axis, computed by the Tensor engine (stable: it
    subtracts the largest logit first). ``z``: (..., C) float64; returns the same shape."""
    return Tensor(scale * np.asarray(z, dtype=np.float64)).softmax(axis=-1).data


def make_clusters(per_class: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``per_class`` points around each centre (std 0.8): X (3 per_class, 2), y (3 per_class,)."""
    rng = np.random.default_rng(seed)
    X = np.concatenate([c + 0.8 * rng.standard_normal((per_class, 2)) for c in CENTRES])
    return X, np.repeat(np.arange(len(CENTRES)), per_class)


def train(
    X: np.ndarray, y: np.ndarray, steps: int, lr: float, seed: int, lang: str = "en"
) -> tuple[MLP, float]:
    """``MLP(2, [16, 3], relu)`` by full-batch Adam on cross-entropy; (model, final loss).

    Raises:
        UserError: the loss became NaN or infinite, or ended above its first value (one line
            in ``lang``, naming ``--lr``).
    """
    text = texts("softmax", lang)
    model = MLP(2, [16, len(CENTRES)], activation="relu", seed=seed, dtype=np.float64)
    optimizer = Adam(model.parameters(), lr=lr)
    value = first = math.nan
    # An overflow is reported below, as one line: no NumPy or cross_entropy warnings before it.
    with np.errstate(over="ignore", invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for step in range(1, steps + 1):
            loss = cross_entropy(model(X), y)
            value = finite_loss(
                loss.data, lambda v, step=step: text("diverged", loss=v, step=step, lr=f"{lr:g}")
            )
            first = value if step == 1 else first
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    if value > first:  # finite, but it never came down: the rate is too large to learn with
        raise UserError(text("ended_above", end=value, start=first, lr=f"{lr:g}"))
    return model, value


def _plot(probabilities: np.ndarray, scaled: np.ndarray, lang: str = "en") -> Figure:
    t = texts("softmax", lang)
    fig = Figure(figsize=(12.0, 4.4), layout="constrained")
    left, right = fig.subplots(1, 2, sharey=True)
    classes = np.arange(probabilities.shape[1])
    colors = ["tab:blue", "tab:red", "tab:green"]
    width = 0.8 / len(classes)
    for k in classes:
        offsets = np.arange(len(probabilities)) + (k - 1) * width
        name = t("plot_class", k=k)
        left.bar(offsets, probabilities[:, k], width, color=colors[k], label=name)
        offsets = np.arange(len(scaled)) + (k - 1) * width
        right.bar(offsets, scaled[:, k], width, color=colors[k], label=name)
    left.set_xticks(np.arange(len(probabilities)), _shown_names(t, "plot_centre"))
    left.set(ylabel=t("plot_probability"), ylim=(0, 1.22), title=t("plot_points_title"))
    right.set_xticks(np.arange(len(SCALES)), [f"s = {s:g}" for s in SCALES])
    uniform = t("plot_uniform", classes=len(classes))
    right.axhline(1 / len(classes), color="grey", linestyle="--", linewidth=1, label=uniform)
    right.set(title=t("plot_scales_title"))
    for ax in (left, right):
        ax.grid(alpha=0.3, axis="y")
        ax.legend(loc="upper center", ncols=len(classes) + 1, fontsize="small")
    return fig


def _shown_names(text, centre_key: str) -> list[str]:
    """The names of the points shown: the centres of the classes, then the unsure point."""
    return [text(centre_key, k=k) for k in range(len(CENTRES))] + [text("unsure")]


def _row(values: np.ndarray, decimals: int) -> str:
    return "[" + " ".join(f"{v:{decimals + 5}.{decimals}f}" for v in values) + "]"


def run(args: argparse.Namespace) -> dict:
    """Train, print and draw the probabilities.

    Returns:
        ``{"logits": (4, 3), "probabilities": (4, 3) softmax of the shown points (the centres,
        then the unsure point), "scaled": (len(SCALES), 3) softmax(s * logits) of the unsure
        point,
        "shift_error": max |softmax(z + 100) - softmax(z)|, "accuracy": training accuracy,
        "loss": final loss, "lang", "plot": path}``.

    Raises:
        UserError: the loss became NaN or infinite.
    """
    lang = chosen_lang(args)
    text = texts("softmax", lang)
    X, y = make_clusters(args.samples, args.seed)
    model, loss = train(X, y, args.steps, args.lr, args.seed, lang)
    with no_grad():
        accuracy = float(np.mean(model(X).data.argmax(axis=1) == y))
        train_p = softmax(model(X).data)
        unsure = X[np.argmin(np.abs(train_p.max(axis=1) - UNSURE))]
        shown = np.vstack([CENTRES, unsure])
        logits = model(shown).data
    probabilities = softmax(logits)
    between = logits[-1]
    scaled = np.stack([softmax(between, s) for s in SCALES])
    shift_error = float(np.max(np.abs(softmax(logits + 100.0) - probabilities)))
    print(
        text(
            "setup",
            samples=args.samples,
            lr=f"{args.lr:g}",
            steps=args.steps,
            loss=loss,
            accuracy=accuracy,
        )
    )
    print(text("logits_header"))
    names = _shown_names(text, "centre")
    width = max(columns(name) for name in names) + 2
    for name, z, p in zip(names, logits, probabilities):
        print(
            text("logits_row", name=rjust(name, width), z=_row(z, 2), p=_row(p, 3), total=p.sum())
        )
    print(text("shift", error=shift_error))
    print(text("scaling_header", point=np.round(unsure, 2)))
    for s, p in zip(SCALES, scaled):
        entropy = float(-np.sum(p * np.log(p)))
        print(
            text(
                "scale_row",
                s=f"{s:>4g}",
                p=_row(p, 3),
                largest=p.max(),
                entropy=entropy,
                log3=np.log(3),
            )
        )
    path = save_plot(
        lambda chosen: _plot(probabilities, scaled, chosen), Path(args.out) / PICTURES[0], lang
    )
    print(text("wrote", path=path))
    return {
        "lang": lang,
        "logits": logits,
        "probabilities": probabilities,
        "scaled": scaled,
        "shift_error": shift_error,
        "accuracy": accuracy,
        "loss": loss,
        "unsure_point": unsure,
        "plot": path,
    }
