"""Weight initialization: too small, too large, PyTorch's default, Xavier/Glorot and He/Kaiming
on a deep MLP with tanh and with ReLU.

A unit's pre-activation ``z = sum_i W_i h_i`` adds up ``fan_in`` products, so for independent
zero-mean weights ``Var(z) = fan_in * Var(W) * E[h^2]``: the scale of the weights decides whether
the signal keeps its size from layer to layer, shrinks or grows -- geometrically, layer after
layer. The backward pass multiplies by the same weights, so the gradients follow.

* **too small**, ``N(0, 0.01^2)``: every layer multiplies the signal by about
  ``0.01 * sqrt(fan_in)`` (0.11 for 128 units): the activations collapse towards 0, and so do
  the gradients of all but the last layer;
* **too large**, ``N(0, 1)``: every layer multiplies it by about ``sqrt(fan_in)``; tanh
  saturates (``|a|`` near 1, where ``tanh' = 1 - a^2`` is near 0), ReLU's activations explode
  and training diverges at once;
* **PyTorch's default** (``nn.Linear``'s, the library's ``linear_init``),
  ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``: ``Var(W) = 1 / (3 fan_in)``, a third of what keeps
  the variance, so deep nets start with shrinking activations too (its bias is kept);
* **Xavier/Glorot** (Glorot & Bengio 2010), ``U(-a, a)`` with ``a = sqrt(6 / (fan_in +
  fan_out))``: ``Var(W) = 2 / (fan_in + fan_out)``, the variance-keeping choice for an
  activation that is the identity near 0, as tanh;
* **He/Kaiming** (He et al. 2015), ``U(-a, a)`` with ``a = sqrt(6 / fan_in)``: twice the
  variance, because ReLU sets half of its inputs to 0.

The demo builds ``MLP(32, [W] * (L - 1) + [10])`` (``--depth`` L, ``--width`` W) with tanh and
with ReLU, gives it each scheme's weights (:mod:`micrograd_mlp.init`; biases 0 except in
PyTorch's default), and on random inputs (32 numbers from N(0, 1)) labelled by a random linear
rule (10 classes) measures, at initialization, the standard deviation of every hidden layer's
outputs and of every layer's weight gradient ``dL/dW`` after one ``backward()`` of the
cross-entropy on all samples; then it trains each network for a few epochs of SGD (momentum
0.9, mini-batches of 64) and records the loss of every step.

Writes ``initialization.png`` under ``--out``: per activation (rows), the activation and the
gradient standard deviation per layer and the training loss per step. ``--lang ko`` prints and
draws in Korean.
"""

from __future__ import annotations

import argparse
import math
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from threadpoolctl import threadpool_limits

from micrograd_mlp import init
from micrograd_mlp.demos._output import Text, columns, save_plot, texts
from micrograd_mlp.demos.options import chosen_lang, float_option, int_option, lang_option
from micrograd_mlp.optim import SGD
from micrograd_mlp.tensor import MLP, Tensor
from micrograd_mlp.tensor.functional import cross_entropy, linear
from micrograd_mlp.training import Callback, NonFiniteLossError, Run, fit

COMMAND = "initialization"
HELP = "too small, too large, Xavier and He weights in a 10-layer MLP: activations, gradients, loss"
BUILTIN_DATA = True
#: The files ``run`` writes under ``--out``.
PICTURES = ("initialization.png",)
ACTIVATIONS = ("tanh", "relu")
#: How the text names them.
DISPLAY = {"tanh": "tanh", "relu": "ReLU"}
SCHEMES = ("small", "large", "default", "xavier", "he")
#: The inputs' size, the classes, the mini-batch, SGD's momentum.
INPUTS, CLASSES, BATCH, MOMENTUM = 32, 10, 64, 0.9
#: Standard deviations of the "too small" and "too large" normal weights.
SMALL_STD, LARGE_STD = 0.01, 1.0
#: A tanh output counts as saturated when ``|a| > SATURATED`` (then tanh' = 1 - a^2 < 0.02).
SATURATED = 0.99
MAX_DEPTH, MAX_WIDTH, MAX_SAMPLES, MAX_EPOCHS = 30, 512, 10_000, 50
COLORS = {
    "small": "tab:purple",
    "large": "tab:red",
    "default": "tab:gray",
    "xavier": "tab:blue",
    "he": "tab:green",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options: depth, width, samples, epochs, SGD's learning rate, ``--lang``."""
    parser.add_argument(
        "--depth",
        type=int_option(3, MAX_DEPTH),
        default=10,
        help=f"layers (weight matrices), 3 to {MAX_DEPTH} (default: 10)",
    )
    parser.add_argument(
        "--width",
        type=int_option(8, MAX_WIDTH),
        default=128,
        help=f"units per hidden layer, 8 to {MAX_WIDTH} (default: 128)",
    )
    parser.add_argument(
        "--samples",
        type=int_option(BATCH, MAX_SAMPLES),
        default=1024,
        help=f"random inputs, {BATCH} to {MAX_SAMPLES:,} (default: 1024)",
    )
    parser.add_argument(
        "--epochs",
        type=int_option(1, MAX_EPOCHS),
        default=5,
        help=f"epochs of training, 1 to {MAX_EPOCHS} (default: 5)",
    )
    parser.add_argument(
        "--lr",
        type=float_option(0, 10, exclusive_minimum=True),
        default=0.01,
        help="SGD's learning rate (momentum 0.9), > 0 and <= 10 (default: 0.01)",
    )
    lang_option(parser)


def initialize(model: MLP, scheme: str, activation: str, generator: np.random.Generator) -> MLP:
    """Give ``model``'s weights the distribution of ``scheme`` (in place) and its biases 0;
    ``"default"`` leaves the model as built (``linear_init``, biases included).

    Args:
        scheme: one of :data:`SCHEMES`. activation: ``"tanh"`` or ``"relu"`` (He uses ReLU's
            gain whatever the activation: the formula of the paper, compared as it is).
        generator: draws the weights, layer after layer.

    Returns:
        ``model``.
    """
    if scheme == "default":
        return model
    for layer in model.layers:
        if scheme == "small":
            init.normal_(layer.weight, 0.0, SMALL_STD, generator)
        elif scheme == "large":
            init.normal_(layer.weight, 0.0, LARGE_STD, generator)
        elif scheme == "xavier":
            init.xavier_uniform_(layer.weight, gain=1.0, generator=generator)
        else:
            init.kaiming_uniform_(layer.weight, nonlinearity="relu", generator=generator)
        init.zeros_(layer.bias)
    return model


def make_data(samples: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``X`` (samples, 32) float64 from N(0, 1) and labels ``y`` (samples,) int64 in [0, 10):
    ``y = argmax(X @ T)`` for a random ``T`` (32, 10) from N(0, 1), a rule a network can
    learn."""
    rng = np.random.default_rng([seed, 0])
    X = rng.standard_normal((samples, INPUTS))
    teacher = rng.standard_normal((INPUTS, CLASSES))
    return X, (X @ teacher).argmax(axis=1).astype(np.int64)


def build(activation: str, scheme: str, depth: int, width: int, seed: int) -> MLP:
    """A float64 ``MLP(32, [width] * (depth - 1) + [10], activation)`` with ``scheme``'s
    weights, from ``seed`` (the same draws for every activation)."""
    model = MLP(INPUTS, [width] * (depth - 1) + [CLASSES], activation, seed=seed, dtype=np.float64)
    return initialize(model, scheme, activation, np.random.default_rng([seed, 1]))


@dataclass
class Statistics:
    """What one network looks like at initialization (first layer first).

    Attributes:
        activation_std: (depth - 1,) the standard deviation of each hidden layer's outputs over
            all samples and units.
        saturated: (depth - 1,) the share of each hidden layer's outputs with ``|a| > 0.99``.
        gradient_std: (depth,) the standard deviation of each layer's ``dL/dW`` after one
            ``backward()`` of the cross-entropy on all samples.
        loss: that cross-entropy.
    """

    activation_std: np.ndarray
    saturated: np.ndarray
    gradient_std: np.ndarray
    loss: float


def statistics(model: MLP, X: np.ndarray, y: np.ndarray) -> Statistics:
    """Forward ``X`` (N, 32) through ``model`` keeping every hidden layer's output, then one
    ``backward()`` of the cross-entropy with the labels ``y`` (N,). Clears the gradients after.
    """
    h = Tensor(X)
    outputs = []
    last = len(model.layers) - 1
    for i, layer in enumerate(model.layers):
        h = linear(h, layer.weight, layer.bias)
        if i < last:
            h = getattr(h, model.activation)()
            outputs.append(h.data)
    loss = cross_entropy(h, y)
    loss.backward()
    stats = Statistics(
        activation_std=np.array([a.std() for a in outputs]),
        saturated=np.array([np.mean(np.abs(a) > SATURATED) for a in outputs]),
        gradient_std=np.array([layer.weight.grad.std() for layer in model.layers]),
        loss=float(loss.data),
    )
    model.zero_grad()
    return stats


@dataclass
class Training:
    """A short training run: ``loss`` of every step (before its update), ``epoch_loss`` per
    finished epoch; ``diverged_at``, the 1-based step whose loss was ``diverged_loss`` (NaN or
    infinite; training stopped there), None if none."""

    loss: list[float]
    epoch_loss: list[float]
    diverged_at: int | None = None
    diverged_loss: float | None = None


class _Losses(Callback):
    """Records every step's loss and every epoch's mean loss as training goes."""

    def __init__(self) -> None:
        self.steps: list[float] = []
        self.epochs: list[float] = []

    def on_step_end(self, run: Run, loss: float, size: int, metric: float | None) -> None:
        self.steps.append(loss)

    def on_epoch_end(self, run: Run) -> None:
        self.epochs.append(run.history.epoch_loss[-1])


def train(model: MLP, X: np.ndarray, y: np.ndarray, epochs: int, lr: float, seed: int) -> Training:
    """SGD (``lr``, momentum 0.9) on shuffled mini-batches of 64, cross-entropy. A divergence
    (a loss that is not finite) ends the run and is recorded, not raised."""
    losses = _Losses()
    optimizer = SGD(model.parameters(), lr=lr, momentum=MOMENTUM)
    # A diverging network overflows on the way (NumPy's warnings): the run reports it instead.
    with warnings.catch_warnings(), np.errstate(over="ignore", invalid="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            fit(model, X, y, cross_entropy, optimizer, epochs, BATCH, seed, callbacks=[losses])
        except NonFiniteLossError as error:
            return Training(losses.steps, losses.epochs, error.step + 1, error.loss)
    return Training(losses.steps, losses.epochs)


def measure(args: argparse.Namespace) -> dict[str, dict[str, tuple[Statistics, Training]]]:
    """``{activation: {scheme: (statistics at initialization, short training)}}`` for the
    options in ``args`` (``depth``, ``width``, ``samples``, ``epochs``, ``lr``, ``seed``)."""
    X, y = make_data(args.samples, args.seed)
    results: dict[str, dict[str, tuple[Statistics, Training]]] = {}
    # Small matrix products: one BLAS thread is faster than several, which only contend.
    with threadpool_limits(limits=1, user_api="blas"):
        for activation in ACTIVATIONS:
            results[activation] = {}
            for scheme in SCHEMES:
                model = build(activation, scheme, args.depth, args.width, args.seed)
                with np.errstate(over="ignore", invalid="ignore"):
                    stats = statistics(model, X, y)
                training = train(model, X, y, args.epochs, args.lr, args.seed)
                results[activation][scheme] = (stats, training)
    return results


def _spread(values: np.ndarray) -> float:
    """Largest / smallest of ``values`` (> 0): how far from constant across the layers."""
    return float(values.max() / values.min())


def summary(results: dict, epochs: int) -> dict:
    """The numbers :func:`run` states, from :func:`measure`'s ``results`` (see its Returns)."""
    tanh, relu = results["tanh"], results["relu"]
    small = tanh["small"][0].activation_std
    final = {
        act: {
            s: (r.epoch_loss[-1] if r.diverged_at is None else math.nan)
            for s, (_, r) in per.items()
        }
        for act, per in results.items()
    }
    others = [final[a][s] for a in ACTIVATIONS for s in ("small", "large", "default")]
    return {
        "small_factor": float((small[-1] / small[0]) ** (1.0 / (len(small) - 1))),
        "small_last_std": float(small[-1]),
        "small_max_gradient": float(tanh["small"][0].gradient_std.max()),
        "large_saturated": tanh["large"][0].saturated.copy(),
        "large_start_loss": tanh["large"][0].loss,
        "large_relu_last_std": float(relu["large"][0].activation_std[-1]),
        "spread": {
            a: {s: _spread(st.activation_std) for s, (st, _) in per.items()}
            for a, per in results.items()
        },  # fmt: skip
        "final_loss": final,
        "others_lowest": float(np.nanmin(others)),
        "diverged_at": {
            a: {s: r.diverged_at for s, (_, r) in per.items()} for a, per in results.items()
        },
        "epochs": epochs,
    }


def _scheme_names(text: Text) -> dict[str, str]:
    return {scheme: text(f"scheme.{scheme}") for scheme in SCHEMES}


def _plot(results: dict, samples: int, text: Text) -> Figure:
    names = _scheme_names(text)
    fig = Figure(figsize=(15.0, 8.4), layout="constrained")
    axes = fig.subplots(len(ACTIVATIONS), 3)
    steps_per_epoch = math.ceil(samples / BATCH)
    for row, activation in zip(axes, ACTIVATIONS):
        acts, grads, losses = row
        for scheme, (stats, training) in results[activation].items():
            style = {"color": COLORS[scheme], "linewidth": 2}
            hidden = np.arange(1, len(stats.activation_std) + 1)
            acts.plot(hidden, stats.activation_std, marker="o", label=names[scheme], **style)
            layers = np.arange(1, len(stats.gradient_std) + 1)
            grads.plot(layers, stats.gradient_std, marker="o", **style)
            if training.diverged_at is None:
                epochs = np.arange(1, len(training.loss) + 1) / steps_per_epoch
                losses.plot(epochs, training.loss, label=names[scheme], **style)
            else:  # its losses leave any useful scale: named in the legend only
                label = text("plot.diverged", name=names[scheme], step=training.diverged_at)
                losses.plot([], [], label=label, **style)
        acts.set(
            title=text("plot.activations", activation=DISPLAY[activation]),
            xlabel=text("plot.hidden_layer"),
            ylabel=text("plot.std"),
            yscale="log",
        )
        grads.set(
            title=text("plot.gradients", activation=DISPLAY[activation]),
            xlabel=text("plot.layer"),
            ylabel=text("plot.std"),
            yscale="log",
        )
        losses.set(
            title=text("plot.loss_title", activation=DISPLAY[activation]),
            xlabel=text("plot.epoch"),
            ylabel=text("plot.loss"),
            yscale="log",
        )
        losses.axhline(math.log(CLASSES), color="0.5", linestyle=":", linewidth=1)
        for ax in (acts, grads):
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        for ax in row:
            ax.grid(alpha=0.3)
        acts.legend(fontsize=9)
        losses.legend(fontsize=9)
    fig.suptitle(text("plot.title"))
    return fig


def _row(values, fmt: str) -> str:
    return " ".join(format(v, fmt) for v in values)


def _print_tables(results: dict, args: argparse.Namespace, text: Text) -> None:
    names = _scheme_names(text)
    width = max(columns(n) for n in names.values()) + 2

    def label(name: str) -> str:
        return "  " + name + " " * (width - columns(name))

    for activation in ACTIVATIONS:
        per = results[activation]
        print(text("activation_header", activation=DISPLAY[activation]))
        print(label(text("col.layer")) + _row(range(1, args.depth), ">8d"))
        for scheme, (stats, _) in per.items():
            print(label(names[scheme]) + _row(stats.activation_std, "8.1e"))
        print(text("gradient_header", activation=DISPLAY[activation]))
        print(label(text("col.layer")) + _row(range(1, args.depth + 1), ">8d"))
        for scheme, (stats, _) in per.items():
            print(label(names[scheme]) + _row(stats.gradient_std, "8.1e"))
    epochs = args.epochs
    marks = list(range(1, epochs + 1)) if epochs <= 8 else sorted({1, 2, 3, epochs // 2, epochs})
    print(text("loss_header", lr=args.lr, momentum=MOMENTUM, batch=BATCH, guess=math.log(CLASSES)))
    print(label(text("col.epoch")) + "      " + _row(marks, ">7d"))
    for activation in ACTIVATIONS:
        for scheme, (_, training) in results[activation].items():
            head = label(names[scheme]) + f"{DISPLAY[activation]:>5} "
            if training.diverged_at is not None:
                print(
                    head + text("diverged", step=training.diverged_at, loss=training.diverged_loss)
                )
            else:
                print(head + _row([training.epoch_loss[k - 1] for k in marks], "7.3f"))


def run(args: argparse.Namespace) -> dict:
    """Measure every scheme with tanh and ReLU, print the tables and what they show, draw.

    Returns:
        ``{"lang", "results": {activation: {scheme: (Statistics, Training)}}, "small_factor"
        (tanh, too small: the mean factor of the std from one hidden layer to the next),
        "small_last_std", "small_max_gradient" (tanh, too small), "large_saturated" (tanh, too
        large: share of |a| > 0.99 per hidden layer), "large_start_loss", "large_relu_last_std",
        "spread" ({activation: {scheme: largest / smallest hidden-layer std}}), "final_loss"
        ({activation: {scheme: last epoch's loss, NaN if diverged}}), "others_lowest" (the
        lowest final loss of too small, too large and the default, both activations),
        "diverged_at" ({activation: {scheme: step or None}}), "epochs", "plot": path}``.
    """
    lang = chosen_lang(args)
    text = texts("initialization", lang)
    print(text("title"))
    print(
        text(
            "setup",
            inputs=INPUTS,
            width=args.width,
            hidden=args.depth - 1,
            classes=CLASSES,
            depth=args.depth,
            samples=args.samples,
        )
    )
    names = _scheme_names(text)
    width = max(columns(n) for n in names.values()) + 2
    for scheme in SCHEMES:
        print(
            "  "
            + names[scheme]
            + " " * (width - columns(names[scheme]))
            + text(f"formula.{scheme}")
        )
    results = measure(args)
    found = summary(results, args.epochs)
    _print_tables(results, args, text)
    last = args.depth - 1
    spread = found["spread"]
    tanh, relu = results["tanh"], results["relu"]
    print(text("shows"))
    print(
        text(
            "small_story",
            factor=found["small_factor"],
            last=last,
            std=found["small_last_std"],
            grad=found["small_max_gradient"],
            expected=SMALL_STD * math.sqrt(args.width),
        )
    )
    print(
        text(
            "large_story",
            share=100 * found["large_saturated"][-1],
            last=last,
            loss=found["large_start_loss"],
            std=found["large_relu_last_std"],
        )
    )
    print(
        text(
            "keeps_story",
            low=tanh["xavier"][0].activation_std.min(),
            high=tanh["xavier"][0].activation_std.max(),
            spread=spread["tanh"]["xavier"],
            default=spread["tanh"]["default"],
            he_low=relu["he"][0].activation_std.min(),
            he_high=relu["he"][0].activation_std.max(),
            he_spread=spread["relu"]["he"],
            xavier_relu=spread["relu"]["xavier"],
        )
    )
    print(
        text(
            "loss_story",
            epochs=args.epochs,
            xavier=found["final_loss"]["tanh"]["xavier"],
            he=found["final_loss"]["relu"]["he"],
            others=found["others_lowest"],
            guess=math.log(CLASSES),
        )
    )
    print(
        text(
            "gain_story",
            low=tanh["he"][0].activation_std.min(),
            high=tanh["he"][0].activation_std.max(),
            loss=found["final_loss"]["tanh"]["he"],
            gain=init.calculate_gain("tanh"),
        )
    )
    path = save_plot(
        lambda chosen: _plot(results, args.samples, texts("initialization", chosen)),
        Path(args.out) / PICTURES[0],
        lang,
    )
    print(text("wrote", path=path))
    return {"lang": lang, "results": results, **found, "plot": path}
